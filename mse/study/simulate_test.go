package study

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
	"github.com/morketall/morketall/mse/methods"
)

func TestNewScenarioNamesAndSizes(t *testing.T) {
	for _, nm := range ScenarioNames() {
		for k := 3; k <= 8; k++ {
			pop, err := NewScenario(nm[0], &ScenarioOptions{Lists: k})
			if err != nil {
				t.Fatalf("%s K=%d: %v", nm[0], k, err)
			}
			if pop.K() != k || len(pop.Probs) != 1<<uint(k) {
				t.Fatalf("%s K=%d: %d lists, %d probabilities", nm[0], k, pop.K(), len(pop.Probs))
			}
			var s float64
			for _, p := range pop.Probs {
				s += p
			}
			if math.Abs(s-1) > 1e-12 {
				t.Errorf("%s K=%d: probabilities sum to %v", nm[0], k, s)
			}
			if obs := pop.ExpectedObserved(); obs < 0.1*float64(pop.N) || obs > 0.8*float64(pop.N) {
				t.Errorf("%s K=%d: %.0f of %d expected to be observed", nm[0], k, obs, pop.N)
			}
		}
	}
	pop, err := NewScenario("sparse-8", nil)
	if err != nil || pop.K() != 8 || pop.Name != "sparse-8" {
		t.Fatalf("sparse-8: %v %v", pop, err)
	}
	// Lists 1 and 8 never overlap: the patterns holding both have
	// probability 0, and the generating model says so.
	for c, p := range pop.Probs {
		if c&1 != 0 && c&128 != 0 && p != 0 {
			t.Fatalf("pattern %b has probability %g", c, p)
		}
	}
	if !strings.Contains(pop.Model, "18") {
		t.Errorf("model %s lacks the 1:8 term", pop.Model)
	}
	for _, bad := range []string{"nosuch", "independence-2", "independence-9"} {
		if _, err := NewScenario(bad, nil); !errors.Is(err, ErrPopulation) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
	if _, err := NewScenario("pairwise-4", &ScenarioOptions{Lists: 5}); err == nil {
		t.Error("conflicting list counts accepted")
	}
}

// TestSampleMoments draws many tables from a small population and checks
// the cell means against N·p. Each mean is compared within 5 standard
// errors (per-cell false-failure rate below 6e-7, about 5e-6 for the 8
// cells).
func TestSampleMoments(t *testing.T) {
	probs := []float64{0.4, 0.2, 0.15, 0.05, 0.1, 0.04, 0.05, 0.01}
	pop, err := NewPopulation([]string{"A", "B", "C"}, 500, probs)
	if err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []Scheme{SchemeMultinomial, SchemePoisson} {
		const draws = 2000
		sum := make([]float64, 8)
		var truthSum float64
		for d := 0; d < draws; d++ {
			cells, truth, err := pop.sampleCells(rand.NewPCG(7, uint64(d)), scheme)
			if err != nil {
				t.Fatal(err)
			}
			tot := 0
			for c, x := range cells {
				sum[c] += float64(x)
				tot += x
			}
			if tot != truth {
				t.Fatalf("%s: cells sum to %d, truth %d", scheme, tot, truth)
			}
			if scheme == SchemeMultinomial && truth != 500 {
				t.Fatalf("multinomial truth %d", truth)
			}
			truthSum += float64(truth)
		}
		for c, p := range probs {
			m := sum[c] / draws
			sd := math.Sqrt(500 * p * (1 - p))
			if scheme == SchemePoisson {
				sd = math.Sqrt(500 * p)
			}
			if math.Abs(m-500*p) > 5*sd/math.Sqrt(draws) {
				t.Errorf("%s cell %d: mean %.3f, want %.3f", scheme, c, m, 500*p)
			}
		}
		if scheme == SchemePoisson && math.Abs(truthSum/draws-500) > 5*math.Sqrt(500.0/draws) {
			t.Errorf("poisson: mean size %.2f", truthSum/draws)
		}
	}
}

func TestSampleIsReproducible(t *testing.T) {
	pop, err := NewScenario("heterogeneity", nil)
	if err != nil {
		t.Fatal(err)
	}
	a, ta, _ := pop.Sample(rand.NewPCG(1, 2), "")
	b, tb, _ := pop.Sample(rand.NewPCG(1, 2), SchemeMultinomial)
	if ta != tb || !cmp.Equal(a, b) {
		t.Fatal("same stream, different tables")
	}
	c, _, _ := pop.Sample(rand.NewPCG(1, 3), "")
	if cmp.Equal(a, c) {
		t.Fatal("different streams, same table")
	}
	if _, _, err := pop.Sample(rand.NewPCG(1, 3), "binomial"); !errors.Is(err, ErrPopulation) {
		t.Fatalf("unknown scheme: %v", err)
	}
}

func TestNewPopulationRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		lists []string
		n     int
		probs []float64
	}{
		"one list":      {[]string{"A"}, 10, []float64{0.5, 0.5}},
		"zero size":     {[]string{"A", "B"}, 0, []float64{0.1, 0.3, 0.3, 0.3}},
		"wrong length":  {[]string{"A", "B"}, 10, []float64{0.5, 0.5}},
		"negative":      {[]string{"A", "B"}, 10, []float64{0.5, -0.1, 0.3, 0.3}},
		"NaN":           {[]string{"A", "B"}, 10, []float64{0.5, math.NaN(), 0.3, 0.3}},
		"none observed": {[]string{"A", "B"}, 10, []float64{1, 0, 0, 0}},
	} {
		if _, err := NewPopulation(tc.lists, tc.n, tc.probs); !errors.Is(err, ErrPopulation) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

// TestPopulationFromFit: the parametric population of a fit has the
// fit's cell means as expected counts and its estimate as size.
func TestPopulationFromFit(t *testing.T) {
	tab := readTestTable(t, "../../testdata/ukdat_5.csv")
	sw, err := loglin.SelectStepwise(tab, loglin.DefaultPThresh)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := PopulationFromFit(tab, sw.Fit)
	if err != nil {
		t.Fatal(err)
	}
	// SparseMSE 2.0.1 estimatepopulation.0(UKdat_5): 11312.99, rounded.
	if pop.N != 11313 || pop.Model != "[12,13,24,25,35,45]" {
		t.Fatalf("N %d model %s", pop.N, pop.Model)
	}
	if math.Abs(pop.ExpectedObserved()-2744) > 0.01 {
		t.Errorf("expected observed %.4f, want the observed 2744", pop.ExpectedObserved())
	}
	for i, c := range sw.Fit.Cells {
		want := sw.Fit.Fitted[i] / sw.Fit.Estimate
		if math.Abs(pop.Probs[c]-want) > 1e-9*want {
			t.Errorf("cell %d: %g, want %g", c, pop.Probs[c], want)
		}
	}
	if _, err := PopulationFromFit(tab, nil); !errors.Is(err, ErrPopulation) {
		t.Errorf("nil fit: %v", err)
	}
}

func TestParseProcedure(t *testing.T) {
	for _, s := range []string{"stepwise/bca", "bic/profile", "main/conditional", "Mth-Chao/profile", "auto/none", "aic/percentile"} {
		p, err := ParseProcedure(s, nil)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if p.String() != s {
			t.Errorf("%s round-trips to %s", s, p.String())
		}
	}
	for _, s := range []string{"stepwise", "fixed/bca", "stepwise/wald", "Mb/profile", ""} {
		if _, err := ParseProcedure(s, nil); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	ps, err := Procedures([]string{"main", "stepwise"}, []string{"bca", "conditional", "bca"}, nil)
	if err != nil || len(ps) != 4 || ps[1].String() != "main/conditional" {
		t.Fatalf("%v %v", ps, err)
	}
}

// TestSimulateIndependenceIsUnbiased runs main-effects estimation with
// its conditional interval on the independence scenario, where the
// model is true: the estimate is nearly unbiased and the intervals cover
// nearly as often as they claim.
//
// 400 tables, N = 2000. The mean of N̂ has a standard error of about 7
// (the estimate's SD is about 140); the test allows ±3.5% of N (70, ten
// standard errors, plus the estimator's small-sample bias of 1–2%). The
// 95% coverage's binomial SE at 400 tables is 0.011: the test fails below
// 0.90 (false-failure probability below 1e-5 for a true coverage of 0.94).
func TestSimulateIndependenceIsUnbiased(t *testing.T) {
	pop, err := NewScenario("independence", nil)
	if err != nil {
		t.Fatal(err)
	}
	procs := mustProcs(t, "main/conditional", "main/profile")
	res, err := Simulate(context.Background(), pop, procs, &SimulationOptions{Reps: 400})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Replicates) != 800 || len(res.Summaries) != 2 {
		t.Fatalf("%d replicates, %d summaries", len(res.Replicates), len(res.Summaries))
	}
	for _, s := range res.Summaries {
		t.Logf("%s: mean %.1f, rel. bias %.4f, RMSE %.1f, cov95 %.3f (SE %.3f), cov80 %.3f", s.Procedure, s.MeanEstimate, s.RelBias, s.RMSE, s.Coverage95.Rate, s.Coverage95.SE, s.Coverage80.Rate)
		if s.Estimable != 400 {
			t.Errorf("%s: %d estimable", s.Procedure, s.Estimable)
		}
		if math.Abs(s.RelBias) > 0.035 {
			t.Errorf("%s: relative bias %.4f", s.Procedure, s.RelBias)
		}
		if s.Coverage95.Rate < 0.90 || s.Coverage95.Intervals != 400 {
			t.Errorf("%s: 95%% coverage %.3f over %d", s.Procedure, s.Coverage95.Rate, s.Coverage95.Intervals)
		}
		if s.Coverage80.Rate < 0.72 || s.Coverage80.Rate > 0.88 {
			t.Errorf("%s: 80%% coverage %.3f", s.Procedure, s.Coverage80.Rate)
		}
		if len(s.Models) != 1 || s.Models[0].Notation != "[1,2,3,4,5]" {
			t.Errorf("%s: models %v", s.Procedure, s.Models)
		}
	}
}

// TestSimulateSameWhateverTheCores: the result depends on the seed only.
func TestSimulateSameWhateverTheCores(t *testing.T) {
	pop, err := NewScenario("sparse-4", &ScenarioOptions{N: 1500})
	if err != nil {
		t.Fatal(err)
	}
	procs := mustProcs(t, "stepwise/bca", "bic/profile", "Mh-Chao/conditional")
	seed := uint64(99)
	opts := &SimulationOptions{Reps: 12, RunOptions: RunOptions{NBoot: 50, Seed: &seed}}
	prev := runtime.GOMAXPROCS(1)
	one, err := Simulate(context.Background(), pop, procs, opts)
	runtime.GOMAXPROCS(max(prev, 3))
	many, err2 := Simulate(context.Background(), pop, procs, opts)
	runtime.GOMAXPROCS(prev)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	if d := cmp.Diff(one, many); d != "" {
		t.Fatalf("results differ with the number of cores:\n%s", d)
	}
	// A procedure's results do not depend on the others run beside it.
	alone, err := Simulate(context.Background(), pop, procs[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(alone.Summaries[0], one.Summaries[0]); d != "" {
		t.Fatalf("stepwise/bca changes when run with other procedures:\n%s", d)
	}
	var other uint64 = 100
	opts.Seed = &other
	diff, err := Simulate(context.Background(), pop, procs[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(diff.Summaries[0], alone.Summaries[0]) {
		t.Fatal("another seed gives the same simulation")
	}
}

func TestSimulateCancelAndProgress(t *testing.T) {
	pop, err := NewScenario("independence-3", nil)
	if err != nil {
		t.Fatal(err)
	}
	procs := mustProcs(t, "main/none")
	var last, total int
	var mu sync.Mutex // Progress is called from worker goroutines
	_, err = Simulate(context.Background(), pop, procs, &SimulationOptions{Reps: 30, RunOptions: RunOptions{Progress: func(d, n int) {
		mu.Lock()
		defer mu.Unlock()
		if d > last {
			last = d
		}
		total = n
	}}})
	if err != nil || last != 30 || total != 30 {
		t.Fatalf("progress %d/%d, err %v", last, total, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Simulate(ctx, pop, procs, &SimulationOptions{Reps: 30})
	if !errors.Is(err, mse.ErrCancelled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if _, err := Simulate(context.Background(), pop, nil, nil); err == nil {
		t.Fatal("no procedures accepted")
	}
	if _, err := ParseProcedure("stepwise/bca", &methods.Settings{PThresh: 2}); err == nil {
		t.Fatal("invalid pthresh accepted")
	}
}

// TestSimulateNotEstimable: a population too small to observe much gives
// replicates that are reported as not estimable, never as numbers.
func TestSimulateNotEstimable(t *testing.T) {
	pop, err := NewScenario("sparse-3", &ScenarioOptions{N: 60})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Simulate(context.Background(), pop, mustProcs(t, "main/conditional"), &SimulationOptions{Reps: 50})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summaries[0]
	if s.Estimable == 50 || len(s.Reasons) == 0 || s.NotEstimable <= 0 {
		t.Fatalf("expected some not estimable replicates: %+v", s)
	}
	for _, r := range res.Replicates {
		if !r.Estimated() && (r.Estimate != nil || r.Reason == "") {
			t.Fatalf("replicate %d: %+v", r.Rep, r)
		}
	}
}
