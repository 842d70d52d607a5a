package loglin

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/morketall/morketall/internal/testflags"
	"github.com/morketall/morketall/mse"
)

// TestBCaCoverageSimulation draws tables from a known population and
// checks how often the 95% BCa interval (stepwise selection re-run in every
// replicate) covers the true size.
//
// Population: N = 1500 people, four lists catching each person
// independently with probabilities 0.12, 0.18, 0.25 and 0.10 (so about
// 790 are observed). 300 tables, 400 replicates each, fixed seed.
//
// If the true coverage is 0.95 the observed share has standard error
// 0.013; the test fails below 0.89, which has probability below 1e-5 for a
// true coverage of 0.95 and about 0.5% for 0.92 (binomial tails), so it
// flags a broken interval, not Monte Carlo noise.
func TestBCaCoverageSimulation(t *testing.T) {
	testflags.RequireLong(t)
	const (
		N     = 1500
		sims  = 300
		nboot = 400
	)
	probs := []float64{0.12, 0.18, 0.25, 0.10}
	lists := []string{"A", "B", "C", "D"}
	rng := rand.New(rand.NewPCG(20261127, 1))
	covered, estimable := 0, 0
	var width float64
	for s := 0; s < sims; s++ {
		counts := map[mse.Pattern]int{}
		for i := 0; i < N; i++ {
			var p mse.Pattern
			for j, pr := range probs {
				if rng.Float64() < pr {
					p |= 1 << uint(j)
				}
			}
			if p != 0 {
				counts[p]++
			}
		}
		var pats []mse.Pattern
		var cnts []int
		for p := mse.Pattern(1); p < 16; p++ {
			if counts[p] > 0 {
				pats = append(pats, p)
				cnts = append(cnts, counts[p])
			}
		}
		tab, err := mse.NewTable(lists, pats, cnts)
		if err != nil {
			t.Fatal(err)
		}
		seed := uint64(s)
		r, err := mse.Estimate(context.Background(), tab, Stepwise{}, &mse.Options{NBoot: nboot, Seed: &seed, Quantiles: []float64{0.025, 0.975}})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Estimated() || len(r.Intervals) != 2 || r.Intervals[0].Value == nil || r.Intervals[1].Value == nil {
			continue
		}
		estimable++
		lo, hi := *r.Intervals[0].Value, *r.Intervals[1].Value
		width += hi - lo
		if lo <= N && N <= hi {
			covered++
		}
	}
	cov := float64(covered) / float64(estimable)
	t.Logf("95%% BCa coverage %.3f: %d of %d estimable tables cover N = %d (%d tables drawn); mean width %.0f", cov, covered, estimable, N, sims, width/float64(estimable))
	if estimable < sims-2 {
		t.Errorf("only %d of %d tables estimable", estimable, sims)
	}
	if cov < 0.89 {
		t.Errorf("coverage %.3f of the 95%% BCa interval is too low", cov)
	}
}
