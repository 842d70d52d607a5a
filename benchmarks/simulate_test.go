package benchmarks

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/refdata"
	"github.com/morketall/morketall/internal/testflags"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
	"github.com/morketall/morketall/mse/study"
)

// chanSilvermanVincent are the numbers of the simulation study of Chan,
// Silverman and Vincent (2021, JASA 116, 1297–1306), §3.4, as the
// authors' package vignette "Reproducing Chan, Silverman and Vincent
// (2021)" (R package MultipleSystemsEstimation) reports them: 500 tables
// drawn from the stepwise model fitted to the 5-list UK data, with N the
// rounded estimate; the stepwise estimate with the BCa interval that
// repeats the selection in every bootstrap replicate, against the model
// chosen by BIC among all hierarchical models up to order 2 (Rcapture's
// closedpMS.t) with Rcapture's profile-likelihood interval (closedpCI.t)
// for that model. SparseMSE's BICandbootstrapsim is the code.
var chanSilvermanVincent = struct {
	sims                     int
	rmseStepwise, rmseBIC    float64 // population scale
	rmseLogStep, rmseLogBIC  float64 // log scale
	cov95BCa, cov95BIC       float64
	cov80BCa, cov80BIC       float64
	cov80BCaIsApproximate    bool
	bootstrapReplicatesKnown bool
}{
	sims:         500,
	rmseStepwise: 3057, rmseBIC: 5834,
	rmseLogStep: 0.19, rmseLogBIC: 0.34,
	cov95BCa: 0.90, cov95BIC: 0.614,
	cov80BCa: 0.70, cov80BIC: 0.428,
	cov80BCaIsApproximate:    true,  // "approximately 70%"
	bootstrapReplicatesKnown: false, // the vignette does not say; BICandbootstrapsim's default is 100
}

// TestReproduceChanSilvermanVincent2021 reruns that simulation study and
// checks each published number within Monte Carlo error.
//
// Both studies are Monte Carlo estimates from 500 tables, so their
// difference has standard error √(SE_ours² + SE_paper²), SE_paper taken
// equal to ours for the RMSEs (delta method from our replicates) and
// binomial for the coverages. Each number must agree within 3 such
// standard errors: if the designs are the same, each check fails with
// probability 0.27% and the eight together with under 2.2%; the seed is
// fixed, so the test is deterministic and this is the chance that the
// seed we use (the package default, 1234, not chosen for the outcome)
// is an unlucky one. The published conclusion — BCa coverage well above
// that of the BIC model's conditional interval, at both levels — is
// checked as a difference of more than 4 standard errors.
//
// The bootstrap uses 200 replicates per table to keep the test near 20 s
// on 2 cores (the paper's number is not given; SparseMSE's default for
// this routine is 100). With seed 1234 and 1000 replicates the results
// were: stepwise RMSE 3029, log 0.192, BCa coverage 89.0% and 68.8%.
// Seeds 1, 2, 3 give BIC coverages 61.2/61.4/57.6% (95%) and
// 44.2/44.4/42.2% (80%), RMSE 5746/6449/6264.
func TestReproduceChanSilvermanVincent2021(t *testing.T) {
	testflags.RequireLong(t)
	tab := readTable(t, "../testdata/ukdat_5.csv")
	sw, err := loglin.SelectStepwise(tab, loglin.DefaultPThresh)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := study.PopulationFromFit(tab, sw.Fit)
	if err != nil {
		t.Fatal(err)
	}
	// The stepwise model of UKdat_5 (SparseMSE 2.0.1 estimatepopulation.0:
	// 11312.99, model LA:NG + LA:PFNCA + NG:GO + NG:GP + PFNCA:GP + GO:GP).
	if pop.N != 11313 || pop.Model != "[12,13,24,25,35,45]" {
		t.Fatalf("generating population N = %d, model %s", pop.N, pop.Model)
	}
	ref := chanSilvermanVincent
	procs := []study.Procedure{
		{Name: "stepwise", Method: loglin.Stepwise{}, Interval: mse.IntervalBCa},
		{Name: "bic", Method: loglin.Search{Criterion: loglin.BIC, MaxOrder: 2}, Interval: mse.IntervalProfile},
	}
	res, err := study.Simulate(context.Background(), pop, procs, &study.SimulationOptions{
		Reps:       ref.sims,
		Scheme:     study.SchemeMultinomial,
		RunOptions: study.RunOptions{NBoot: 200},
	})
	if err != nil {
		t.Fatal(err)
	}
	step, bic := res.Summaries[0], res.Summaries[1]
	if step.Estimable != ref.sims || bic.Estimable != ref.sims {
		t.Fatalf("estimable: stepwise %d, BIC %d of %d", step.Estimable, bic.Estimable, ref.sims)
	}
	rmseSE := func(pi int, logScale bool) float64 {
		// Delta method: SE(RMSE) = SD(e²) / (2 RMSE √m).
		var sq []float64
		for i := pi; i < len(res.Replicates); i += len(procs) {
			r := res.Replicates[i]
			e := *r.Estimate - float64(r.Truth)
			if logScale {
				e = math.Log(*r.Estimate / float64(r.Truth))
			}
			sq = append(sq, e*e)
		}
		var m, v float64
		for _, x := range sq {
			m += x
		}
		m /= float64(len(sq))
		for _, x := range sq {
			v += (x - m) * (x - m)
		}
		v /= float64(len(sq) - 1)
		return math.Sqrt(v) / (2 * math.Sqrt(m) * math.Sqrt(float64(len(sq))))
	}
	binSE := func(p float64) float64 { return math.Sqrt(p * (1 - p) / float64(ref.sims)) }
	type check struct {
		what          string
		ours, paper   float64
		seOurs, sePap float64
	}
	checks := []check{
		{"stepwise RMSE", step.RMSE, ref.rmseStepwise, rmseSE(0, false), rmseSE(0, false)},
		{"BIC RMSE", bic.RMSE, ref.rmseBIC, rmseSE(1, false), rmseSE(1, false)},
		{"stepwise RMSE of log N", step.RMSELog, ref.rmseLogStep, rmseSE(0, true), rmseSE(0, true)},
		{"BIC RMSE of log N", bic.RMSELog, ref.rmseLogBIC, rmseSE(1, true), rmseSE(1, true)},
		{"95% BCa coverage", step.Coverage95.Rate, ref.cov95BCa, step.Coverage95.SE, binSE(ref.cov95BCa)},
		{"95% BIC+profile coverage", bic.Coverage95.Rate, ref.cov95BIC, bic.Coverage95.SE, binSE(ref.cov95BIC)},
		{"80% BCa coverage", step.Coverage80.Rate, ref.cov80BCa, step.Coverage80.SE, binSE(ref.cov80BCa)},
		{"80% BIC+profile coverage", bic.Coverage80.Rate, ref.cov80BIC, bic.Coverage80.SE, binSE(ref.cov80BIC)},
	}
	var report strings.Builder
	fmt.Fprintf(&report, "Chan, Silverman and Vincent (2021) §3.4, %d tables from the UK 5-list stepwise model (N = %d):\n", ref.sims, pop.N)
	fmt.Fprintf(&report, "  %-26s %10s %10s %8s\n", "", "published", "ours", "z")
	for _, c := range checks {
		se := math.Hypot(c.seOurs, c.sePap)
		z := (c.ours - c.paper) / se
		fmt.Fprintf(&report, "  %-26s %10.4g %10.4g %+8.2f\n", c.what, c.paper, c.ours, z)
		if math.Abs(z) > 3 {
			t.Errorf("%s: ours %.4g, published %.4g: %.1f standard errors apart", c.what, c.ours, c.paper, z)
		}
	}
	t.Log(report.String())
	for _, lv := range []struct {
		name     string
		bca, bic study.Coverage
	}{{"95%", step.Coverage95, bic.Coverage95}, {"80%", step.Coverage80, bic.Coverage80}} {
		if d := lv.bca.Rate - lv.bic.Rate; d < 4*math.Hypot(lv.bca.SE, lv.bic.SE) {
			t.Errorf("%s: BCa coverage %.3f is not clearly above the BIC model's profile interval's %.3f", lv.name, lv.bca.Rate, lv.bic.Rate)
		}
	}
}

// TestInternalConsistencySharedDatasets runs the internal-consistency
// analysis of Binette and Steorts (2022) on every published table in
// testdata and logs the results per procedure. It checks that
// the analysis completes, that every sub-problem gives either a finite
// estimate or a reason, and the one thing we know for sure: an estimate
// is never below the cases the other lists saw.
func TestInternalConsistencySharedDatasets(t *testing.T) {
	names := refdata.Datasets
	testflags.RequireLong(t)
	var procs []study.Procedure
	for _, s := range []string{"main/conditional", "stepwise/bca", "auto/profile", "Mth-Chao/profile"} {
		p, err := study.ParseProcedure(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	var report strings.Builder
	totals := map[string]*[4]int{} // estimable, covered95, intervals95, below
	for _, name := range names {
		tab := readTable(t, refdata.Dataset(t, name))
		res, err := study.InternalConsistency(context.Background(), tab, procs, &study.RunOptions{NBoot: 200})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Cases) != tab.K()*len(procs) {
			t.Fatalf("%s: %d cases", name, len(res.Cases))
		}
		for _, c := range res.Cases {
			switch {
			case c.Estimated():
				if math.IsNaN(*c.Estimate) || math.IsInf(*c.Estimate, 0) || *c.Estimate < float64(c.Observed)-1e-6 {
					t.Errorf("%s, %s by %s: estimate %v with %d seen", name, c.Target, c.Procedure, *c.Estimate, c.Observed)
				}
			case c.Reason == "":
				t.Errorf("%s, %s by %s: not estimable without a reason", name, c.Target, c.Procedure)
			}
		}
		fmt.Fprintf(&report, "%s (%d lists, %d cases):\n", name, tab.K(), tab.N())
		for _, s := range res.Summaries {
			tt := totals[s.Procedure]
			if tt == nil {
				tt = &[4]int{}
				totals[s.Procedure] = tt
			}
			tt[0] += s.Estimable
			tt[1] += s.Coverage95.Covered
			tt[2] += s.Coverage95.Intervals
			tt[3] += s.Below
			if s.Estimable == 0 {
				fmt.Fprintf(&report, "  %-20s none estimable\n", s.Procedure)
				continue
			}
			fmt.Fprintf(&report, "  %-20s %d/%d estimable, relative error mean %+6.1f%% median %+6.1f%%, below truth %d, 95%% covers %d/%d\n",
				s.Procedure, s.Estimable, s.Cases, 100*s.MeanRelBias, 100*s.MedianRelBias, s.Below, s.Coverage95.Covered, s.Coverage95.Intervals)
		}
	}
	fmt.Fprintf(&report, "all %d data sets:\n", len(names))
	for _, p := range procs {
		tt := totals[p.String()]
		fmt.Fprintf(&report, "  %-20s %d estimable, %d below truth, 95%% covers %d/%d\n", p.String(), tt[0], tt[3], tt[1], tt[2])
	}
	t.Log("\n" + report.String())
}

// BenchmarkSimulate200BCa5Lists is a 200-table simulation study on the
// 5-list pairwise-dependence scenario (N = 2000, about 1070 observed):
// stepwise selection with the BCa interval (1000 bootstrap replicates
// plus the jackknife, selection repeated in each) on every table. Issue 7
// asks for under a minute on 2 cores.
func BenchmarkSimulate200BCa5Lists(b *testing.B) {
	pop, err := study.NewScenario("pairwise-5", nil)
	if err != nil {
		b.Fatal(err)
	}
	procs := []study.Procedure{{Name: "stepwise", Method: loglin.Stepwise{}, Interval: mse.IntervalBCa}}
	opts := &study.SimulationOptions{Reps: 200, RunOptions: study.RunOptions{NBoot: 1000}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := study.Simulate(context.Background(), pop, procs, opts)
		if err != nil || res.Summaries[0].Estimable != 200 {
			b.Fatal(err)
		}
	}
}
