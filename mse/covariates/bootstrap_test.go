package covariates

import (
	"context"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/morketall/morketall/mse"
)

// quantileSE is the Monte Carlo standard error of the q-quantile of B
// bootstrap replicates, sqrt(q(1−q)/B)/f(ξ_q), with the density at the
// quantile from a normal fit to the replicates (sd).
func quantileSE(q, sd float64, b int) float64 {
	z := math.Sqrt(2) * math.Erfinv(2*q-1)
	dens := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) / sd
	return math.Sqrt(q*(1-q)/float64(b)) / dens
}

func sdOf(x []float64) float64 {
	var m, s float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// TestParametricBootstrapAgreesWithMSE: our parametric bootstrap of the
// BIC model of the simulated complete cases against mse's boot_mse
// (rep = 1000, seed 1; our streams differ from R's L'Ecuyer-CMRG, so only
// the distributions agree). Each 95% limit (total, each level) must lie
// within 5 Monte Carlo standard errors of the difference of two
// independent 1000-replicate quantiles: a false-failure rate of 5.7e-7
// per limit, 1.3e-5 for the 22 limits; the mean within 5 of its
// standard errors.
func TestParametricBootstrapAgreesWithMSE(t *testing.T) {
	var ref struct {
		Sim mseVariant `json:"sim_complete_cases"`
	}
	readJSON(t, "cruyff_mse_sim_sex_age.json", &ref)
	d := refData(t, "sim_sex_age.csv", []string{"sex", "age"}, complete)
	f, err := FitModel(d, rModel(t, ref.Sim.BICModel.Formula, d), nil)
	if err != nil {
		t.Fatal(err)
	}
	const nboot = 1000
	totals, groups, err := f.ParametricBootstrap(context.Background(), nboot, 20240601)
	if err != nil {
		t.Fatal(err)
	}
	for b, v := range totals {
		if !finite(v) {
			t.Fatalf("replicate %d not estimable", b)
		}
	}
	rr := ref.Sim.BootReplicates.TotalReplicates
	if len(rr) != nboot {
		t.Fatalf("%d R replicates", len(rr))
	}
	mean := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v
		}
		return s / float64(len(x))
	}
	sd := sdOf(rr)
	if diff, se := math.Abs(mean(totals)-mean(rr)), sd*math.Sqrt(2.0/nboot); diff > 5*se {
		t.Errorf("mean of the replicates %.1f, R %.1f (difference %.1f > 5 × %.1f)", mean(totals), mean(rr), diff, se)
	}
	check := func(what string, reps []float64, lo, hi float64) {
		t.Helper()
		s := slices.Clone(reps)
		sort.Float64s(s)
		sdv := sdOf(s)
		for _, c := range []struct {
			q, want float64
		}{{0.025, lo}, {0.975, hi}} {
			got := quantile7(s, c.q)
			se := math.Sqrt(2) * quantileSE(c.q, sdv, nboot)
			t.Logf("%s: %g quantile %.1f, mse %.1f (MC SE of the difference %.1f)", what, c.q, got, c.want, se)
			if math.Abs(got-c.want) > 5*se {
				t.Errorf("%s: %g quantile %.1f, mse %.1f (difference more than 5 × %.1f)", what, c.q, got, c.want, se)
			}
		}
	}
	check("total", totals, ref.Sim.BootReplicates.CI95Total.Min95, ref.Sim.BootReplicates.CI95Total.Max95)
	gs := d.groups()
	compared := 0
	for cov, levels := range ref.Sim.BootReplicates.ByLevel {
		for _, l := range levels {
			label := mse.GroupLabel([]string{cov}, []string{l.Level})
			g := slices.IndexFunc(gs, func(g group) bool { return g.label == label })
			if g < 0 {
				t.Fatalf("no group %s", label)
			}
			col := make([]float64, nboot)
			for b := range col {
				col[b] = groups[b][g]
			}
			check(label, col, l.Min95, l.Max95)
			compared++
		}
	}
	if compared != 5 {
		t.Errorf("%d levels compared, want 5", compared)
	}
}

// TestBootstrapAgreesWithMSEincomplete: the driver's bootstrap of the
// true-form model fitted by EM to all 1516 people (rows resampled,
// partially classified ones included, the model refitted by EM in each
// replicate: MSEincomplete's bootmse) against bootmse's 500 replicates
// (seed 1). Percentile and BCa 95% limits within 5 Monte Carlo standard
// errors of the difference (our 1000 replicates, R's 500): a
// false-failure rate of 5.7e-7 per limit, 2.3e-6 for the four.
func TestBootstrapAgreesWithMSEincomplete(t *testing.T) {
	var ref incompleteFile
	readJSON(t, "cruyff_mseincomplete_sim_sex_age.json", &ref)
	bm := ref.Bootse["M2_true_form"]
	tab := refTable(t, "sim_sex_age.csv", []string{"sex", "age"}, nil)
	m := Fixed{Model: "[12,1:sex,2:sex,3:age,4:age,sex:age]"}
	seed := uint64(20240601)
	const nboot = 1000
	sd := sdOf(bm.TotalReplicates)
	for _, kind := range []mse.IntervalKind{mse.IntervalPercentile, mse.IntervalBCa} {
		res, err := mse.Estimate(context.Background(), tab, m, &mse.Options{Interval: kind, NBoot: nboot, Seed: &seed, Quantiles: []float64{0.025, 0.975}})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Validate(); err != nil {
			t.Fatal(err)
		}
		checkRel(t, "N̂", *res.Estimate, bm.CI95.PSE, tol)
		if res.Bootstrap.NotEstimable > 0 {
			t.Errorf("%d replicates not estimable", res.Bootstrap.NotEstimable)
		}
		want := bm.CI95.Percentile
		if kind == mse.IntervalBCa {
			want = bm.CI95.BCa
		}
		p, ok := res.Intervals.Level(0.95)
		if !ok || p.Method != string(kind) {
			t.Fatalf("%s: no 95%% interval of that kind: %+v (warnings %q)", kind, res.Intervals, res.Warnings)
		}
		lo, hi := p.Bounds()
		for i, got := range []float64{lo, hi} {
			q := []float64{0.025, 0.975}[i]
			se := math.Hypot(quantileSE(q, sd, nboot), quantileSE(q, sd, len(bm.TotalReplicates)))
			t.Logf("%s: %g limit %.1f, bootmse %.1f (MC SE of the difference %.1f)", kind, q, got, want[i], se)
			if math.Abs(got-want[i]) > 5*se {
				t.Errorf("%s: %g limit %.1f, bootmse %.1f (difference more than 5 × %.1f)", kind, q, got, want[i], se)
			}
		}
		// Every group has its interval, around its estimate.
		for _, g := range res.Covariates.Groups {
			gp, ok := g.Intervals.Level(0.95)
			if !ok {
				t.Errorf("%s: group %s has no interval", kind, g.Label)
				continue
			}
			if !gp.Covers(*g.Estimate) {
				t.Errorf("%s: group %s: interval %v does not cover its estimate %.1f", kind, g.Label, gp, *g.Estimate)
			}
		}
	}
}
