package graphavg

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/mcmc"
)

// graphStat is what the chain needs of a graph: its log posterior mass
// (with its prior) and the posterior mean of N given it.
type graphStat struct {
	logMass, mean float64
}

// graphCache holds the graphs the chains have met. Its values depend on
// the graph alone, so sharing it between chains changes no chain's path.
type graphCache struct {
	mu sync.Mutex
	m  map[uint64]graphStat
}

// stat returns a graph's mass and conditional mean, computing them once.
func (f *fit) stat(c *graphCache, sc *scratch, g graph) (graphStat, error) {
	key := g.key()
	c.mu.Lock()
	st, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	lp := 0.0
	if f.m.GraphLogPrior != nil {
		lp = f.graphPriors([]graph{g})[0]
	}
	md := f.e.model(&g, lp)
	lm, mean, ok := f.e.massAndMean(&md, sc)
	if !ok {
		return st, errUnderflow
	}
	st = graphStat{logMass: lm, mean: mean}
	c.mu.Lock()
	c.m[key] = st
	c.mu.Unlock()
	return st, nil
}

// chainRun is one chain's kept draws.
type chainRun struct {
	keys       []uint64
	mean, logp []float64
	accepted   int
	proposed   int
}

// chain runs the Markov chains over decomposable graphs (Madigan and
// York's MC³: toggle one edge chosen uniformly, refuse a non-decomposable
// result, accept by the ratio of the graphs' exact posterior masses) and
// averages the exact conditional posteriors of N of the graphs visited,
// each by its share of the draws.
func (f *fit) chain(ctx context.Context) error {
	m := f.m
	f.e.preparePrefixes()
	f.e.commonRatios()
	cache := &graphCache{m: map[uint64]graphStat{}}
	runs := make([]chainRun, m.Chains)
	base := seed.Mix(m.Seed, "graphavg", "chain")
	err := pool.Run(ctx, m.Chains, func() func(int) error {
		return func(c int) error {
			r, err := f.runChain(ctx, cache, seed.Stream(base, uint64(c)))
			runs[c] = r
			return err
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		f.err = err
		return nil
	}
	means := make([][]float64, m.Chains)
	logps := make([][]float64, m.Chains)
	count := map[uint64]int{}
	var order []uint64
	acc, prop := 0, 0
	for c, r := range runs {
		means[c], logps[c] = r.mean, r.logp
		acc, prop = acc+r.accepted, prop+r.proposed
		for _, k := range r.keys {
			if count[k] == 0 {
				order = append(order, k)
			}
			count[k]++
		}
	}
	dm, dl := mcmc.Diagnose(means), mcmc.Diagnose(logps)
	w := mcmc.Worst(dm, dl)
	f.ngraphs = len(order)
	f.diag = &mse.Diagnostics{Chains: m.Chains, RHat: capRHat(w.RHat), ESSBulk: w.ESSBulk, ESSTail: w.ESSTail,
		Other: map[string]float64{
			"rhat_mean_n": capRHat(dm.RHat), "ess_bulk_mean_n": dm.ESSBulk, "ess_tail_mean_n": dm.ESSTail,
			"rhat_log_posterior": capRHat(dl.RHat), "ess_bulk_log_posterior": dl.ESSBulk, "ess_tail_log_posterior": dl.ESSTail,
			"distinct_graphs": float64(len(order)), "acceptance": float64(acc) / float64(max(prop, 1)),
		}}
	minESS := float64(mcmc.MinESSPerChain * m.Chains)
	if !w.Converged(mcmc.MaxRHat, minESS) {
		f.err = fmt.Errorf("%w: the %d chains over graphs do not agree: R̂ %.3g (want below %g), bulk ESS %.0f and tail ESS %.0f (want at least %.0f); run longer chains (--iter, --burnin) or more of them (--chains)",
			mse.ErrNotConverged, m.Chains, w.RHat, mcmc.MaxRHat, w.ESSBulk, w.ESSTail, minESS)
		return nil
	}
	// The posterior of N: Σ_G share_G · p(N | G). A graph's terms scaled
	// by its own mass and share: offset = logMass − log share.
	gs := make([]graph, len(order))
	total := 0
	for _, c := range count {
		total += c
	}
	shares := make([]float64, len(order))
	mds := make([]model, len(order))
	bds := make([]bounds, len(order))
	offset := make([]float64, len(order))
	logMass := make([]float64, len(order))
	a, u := make([]float64, f.e.nb), make([]float64, f.e.nb)
	for i, k := range order {
		gs[i] = graphFromKey(f.k, k)
		st := cache.m[k]
		shares[i] = float64(count[k]) / float64(total)
		lp := 0.0
		if m.GraphLogPrior != nil {
			lp = f.graphPriors(gs[i : i+1])[0]
		}
		mds[i] = f.e.model(&gs[i], lp)
		bds[i] = f.e.outline(&mds[i], a, u)
		offset[i] = st.logMass - math.Log(shares[i])
		logMass[i] = st.logMass
	}
	col := make([]float64, f.e.grid)
	if _, err := f.e.pass(ctx, mds, bds, offset, passOut{col: col}); err != nil {
		return err
	}
	post, _, ok := normalise(f.n, col)
	if !ok {
		f.err = errUnderflow
		return nil
	}
	f.post = post
	// Exact weights among the visited graphs, for comparison with the
	// shares of the draws.
	hi := math.Inf(-1)
	for _, l := range logMass {
		hi = max(hi, l)
	}
	exact := make([]float64, len(order))
	s := 0.0
	for i, l := range logMass {
		exact[i] = math.Exp(l - hi)
		s += exact[i]
	}
	for i := range exact {
		exact[i] /= s
	}
	f.warnings = append(f.warnings, fmt.Sprintf("%d lists: the graphs are too many to enumerate, so %d Markov chains visited %s of them; the posterior averages the exact posteriors given the graphs visited, weighted by their share of the draws",
		f.k, m.Chains, strconv.Itoa(len(order))))
	return f.topGraphs(ctx, gs, shares, exact)
}

// capRHat keeps R̂ a JSON number: +Inf (chains constant at different
// values) becomes 1e9.
func capRHat(r float64) float64 {
	if math.IsInf(r, 1) || r > 1e9 {
		return 1e9
	}
	return r
}

// runChain runs one chain from a random decomposable start.
func (f *fit) runChain(ctx context.Context, cache *graphCache, rng interface {
	IntN(int) int
	Float64() float64
}) (chainRun, error) {
	m := f.m
	type pair struct{ i, j int }
	var pairs []pair
	for i := 0; i < f.k; i++ {
		for j := i + 1; j < f.k; j++ {
			pairs = append(pairs, pair{i, j})
		}
	}
	// A dispersed start: a uniform random walk over decomposable graphs.
	g := graph{k: f.k}
	for range 10 * len(pairs) {
		p := pairs[rng.IntN(len(pairs))]
		g2 := g
		g2.toggle(p.i, p.j)
		if g2.chordal() {
			g = g2
		}
	}
	sc := f.e.newScratch()
	cur, err := f.stat(cache, sc, g)
	if err != nil {
		return chainRun{}, err
	}
	var r chainRun
	total := m.Burnin + m.Iter*m.Thin
	for it := 0; it < total; it++ {
		if it%256 == 0 && ctx.Err() != nil {
			return r, ctx.Err()
		}
		p := pairs[rng.IntN(len(pairs))]
		g2 := g
		g2.toggle(p.i, p.j)
		r.proposed++
		if g2.chordal() {
			st, err := f.stat(cache, sc, g2)
			if err != nil {
				return r, err
			}
			if math.Log(rng.Float64()) < st.logMass-cur.logMass {
				g, cur = g2, st
				r.accepted++
			}
		}
		if it >= m.Burnin && (it-m.Burnin)%m.Thin == 0 {
			r.keys = append(r.keys, g.key())
			r.mean = append(r.mean, cur.mean)
			r.logp = append(r.logp, cur.logMass)
		}
	}
	return r, nil
}
