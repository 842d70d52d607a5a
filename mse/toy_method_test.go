package mse_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/study"
)

// chapman is a toy method written in this test file alone: Chapman's
// bias-corrected Lincoln–Petersen estimator from the first two lists,
// N̂ = (n1 + 1)(n2 + 1)/(m + 1) − 1 (Chapman 1951), which ignores the
// other lists. It shows that a new method needs nothing but the
// mse.Method interface to get the driver, the bootstrap (through the
// generic path, as it has no fast path), strata and the study suite.
type chapman struct{}

func (chapman) Name() string { return "chapman" }

func (chapman) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if t.K() < 2 {
		return nil, mse.UsageError("chapman: needs two lists")
	}
	tot := t.ListTotals()
	m := t.PairOverlaps()[0][1]
	n := t.N()
	// The cases on neither of the first two lists are observed too.
	n12 := tot[0] + tot[1] - m
	est := float64(n-n12) + float64(tot[0]+1)*float64(tot[1]+1)/float64(m+1) - 1
	return &chapmanFit{est: est, n: n}, nil
}

type chapmanFit struct {
	est float64
	n   int
}

func (f *chapmanFit) Estimate() (float64, error) { return f.est, nil }

func (f *chapmanFit) Report(r *mse.Result, top int) {
	r.Model = &mse.ModelInfo{Notation: "chapman(1,2)", Terms: [][]string{}}
}

// TestToyMethodThroughEstimateBootstrapAndStudy runs the toy method
// through every part of the library that takes a method.
func TestToyMethodThroughEstimateBootstrapAndStudy(t *testing.T) {
	// A, B, C with 60 on A only, 50 on B only, 40 on both, 30 on C only.
	tab, err := mse.NewTable([]string{"A", "B", "C"}, []mse.Pattern{0b001, 0b010, 0b011, 0b100}, []int{60, 50, 40, 30})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Chapman: (100 + 1)(90 + 1)/41 − 1 = 223.17 for A ∪ B, plus C's 30.
	want := 30 + 101.0*91/41 - 1
	seed := uint64(7)
	res, err := mse.Estimate(ctx, tab, chapman{}, &mse.Options{NBoot: 200, Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Estimated() || math.Abs(*res.Estimate-want) > 1e-9 || res.Method != "chapman" {
		t.Fatalf("estimate %+v, want %.4f by chapman", res, want)
	}
	b := res.Bootstrap
	if b == nil || len(b.Replicates) != 200 || len(b.ModelFrequency) != 1 || b.ModelFrequency[0].Notation != "chapman(1,2)" {
		t.Fatalf("bootstrap %+v", b)
	}
	p, ok := res.Intervals.Level(0.95)
	if !ok || p.Method != "bca" || !p.Covers(*res.Estimate) {
		t.Fatalf("95%% interval %+v", p)
	}
	// The same seed gives the same interval.
	again, _ := mse.Estimate(ctx, tab, chapman{}, &mse.Options{NBoot: 200, Seed: &seed})
	if q, _ := again.Intervals.Level(0.95); *q.Lower.Value != *p.Lower.Value || *q.Upper.Value != *p.Upper.Value {
		t.Fatalf("not reproducible: %+v then %+v", p, q)
	}
	// A model-based interval the method does not offer is a usage error.
	if _, err := mse.Estimate(ctx, tab, chapman{}, &mse.Options{Interval: mse.IntervalProfile}); err == nil || !strings.Contains(err.Error(), "no profile interval") {
		t.Fatalf("profile interval: %v", err)
	}
	// Strata: each stratum and their sum.
	strat := &mse.Table{Lists: tab.Lists, Strata: []string{"sex"}}
	for _, sex := range []string{"F", "M"} {
		for _, r := range tab.Rows {
			strat.Rows = append(strat.Rows, mse.Row{Pattern: r.Pattern, Stratum: []string{sex}, Count: r.Count})
		}
	}
	sr, err := mse.Estimate(ctx, strat, chapman{}, &mse.Options{Interval: mse.IntervalPercentile, NBoot: 100})
	if err != nil || !sr.Estimated() || len(sr.Strata) != 2 || math.Abs(*sr.Estimate-2*want) > 1e-9 {
		t.Fatalf("strata: %v %+v", err, sr)
	}
	// The study suite: tables drawn from an independence population,
	// where Chapman's estimator is nearly unbiased.
	pop, err := study.NewPopulation([]string{"A", "B"}, 1000, []float64{0.56, 0.24, 0.14, 0.06})
	if err != nil {
		t.Fatal(err)
	}
	procs := []study.Procedure{{Name: "chapman", Method: chapman{}, Interval: mse.IntervalPercentile}}
	sim, err := study.Simulate(ctx, pop, procs, &study.SimulationOptions{Reps: 40, RunOptions: study.RunOptions{NBoot: 50}})
	if err != nil {
		t.Fatal(err)
	}
	s := sim.Summaries[0]
	if s.Procedure != "chapman/percentile" || s.Estimable != 40 || math.Abs(s.RelBias) > 0.05 || s.Coverage95.Intervals != 40 {
		t.Fatalf("simulation summary %+v", s)
	}
}
