package graphavg

import (
	"context"
	"errors"
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/morketall/morketall/mse"
)

// The chain, run where enumeration is possible, finds the exact
// posterior: on the 4-list hiv table (61 graphs) and the 5-list western
// table (822), with the chain forced by ExactMaxLists. The chains'
// diagnostics must pass (R̂ < 1.01, ESS ≥ 400), and then the quantiles
// must be within 3% and the heaviest graph's weight within 0.05 of the
// exact ones. With ESS ≥ 400 the Monte Carlo standard error of a graph
// weight is at most √(0.25/400) = 0.025 and a quantile's a fraction of a
// per cent of these posteriors' spread, so the bounds are two standard
// errors or more; the seeds are fixed, so the test is deterministic.
func TestChainFindsExactPosterior(t *testing.T) {
	for _, c := range []struct {
		name string
		k    int
	}{{"hiv", 3}, {"western", 4}} {
		t.Run(c.name, func(t *testing.T) {
			tab := readTable(t, c.name)
			ex, err := Method{}.Fit(context.Background(), tab)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := Method{ExactMaxLists: c.k, Seed: 42}.Fit(context.Background(), tab)
			if err != nil {
				t.Fatal(err)
			}
			fe, fc := ex.(*fit), ch.(*fit)
			if fc.err != nil {
				t.Fatalf("chain: %v (%+v)", fc.err, fc.diag)
			}
			t.Logf("diagnostics %+v", *fc.diag)
			for _, q := range []float64{0.025, 0.5, 0.975} {
				a, b := float64(fe.post.quantile(q)), float64(fc.post.quantile(q))
				if math.Abs(a-b) > 0.03*a {
					t.Errorf("quantile %g: chain %g, exact %g", q, b, a)
				}
			}
			if fe.top[0].g.key() != fc.top[0].g.key() || math.Abs(fe.top[0].weight-fc.top[0].weight) > 0.05 {
				t.Errorf("top graph: chain %v %.3f, exact %v %.3f", fc.top[0].model(), fc.top[0].weight, fe.top[0].model(), fe.top[0].weight)
			}
			// The exact weight among the graphs visited leaves out only the
			// graphs never visited, which hold little mass.
			if d := fc.top[0].exact - fe.top[0].weight; d < -1e-9 || d > 0.01 {
				t.Errorf("exact weight among visited %.8f, enumerated %.8f", fc.top[0].exact, fe.top[0].weight)
			}
		})
	}
}

// The result depends on the seed alone, not on the number of cores.
func TestChainDeterministic(t *testing.T) {
	tab := readTable(t, "hiv")
	m := Method{ExactMaxLists: 3, Iter: 500, Burnin: 100}
	s := uint64(7)
	run := func(procs int) *mse.Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		r, err := mse.Estimate(context.Background(), tab, m, &mse.Options{Seed: &s})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := run(1), run(2)
	if a.Status != b.Status || !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) {
		t.Fatalf("%s %+v vs %s %+v", a.Status, a.Diagnostics, b.Status, b.Diagnostics)
	}
	if a.Estimated() && (*a.Estimate != *b.Estimate || a.Posterior.Mean != b.Posterior.Mean) {
		t.Errorf("estimates %g vs %g", *a.Estimate, *b.Estimate)
	}
	if a.Diagnostics.ESSBulk != b.Diagnostics.ESSBulk {
		t.Errorf("ESS %g vs %g", a.Diagnostics.ESSBulk, b.Diagnostics.ESSBulk)
	}
	// Another seed gives other chains.
	s = 8
	c, err := mse.Estimate(context.Background(), tab, m, &mse.Options{Seed: &s})
	if err != nil {
		t.Fatal(err)
	}
	if c.Diagnostics.ESSBulk == a.Diagnostics.ESSBulk {
		t.Errorf("seeds 7 and 8 gave the same chains")
	}
}

// Chains far too short to agree say so: status not_converged with the
// diagnostics, no estimate, and a hint.
func TestChainNotConverged(t *testing.T) {
	tab := readTable(t, "western")
	r, err := mse.Estimate(context.Background(), tab, Method{ExactMaxLists: 4, Iter: 30, Burnin: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mse.StatusNotConverged || r.Estimate != nil || r.Diagnostics == nil || r.Diagnostics.Chains != DefaultChains || r.Posterior != nil {
		t.Fatalf("%s %+v %+v", r.Status, r.Diagnostics, r.Posterior)
	}
	if !errors.Is(r.Err(), mse.ErrNotConverged) {
		t.Fatal(r.Err())
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
}
