package graphavg

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/mse"
)

// Prior names a prior on the population size N over the grid.
type Prior string

// The priors on N.
const (
	// PriorInverse is p(N) ∝ 1/N, bma.cr's default (its code's
	// −log(n + Nmissing); its documentation says −log(Nmissing)).
	PriorInverse Prior = "inverse"
	// PriorUniform is flat on the grid.
	PriorUniform Prior = "uniform"
)

// Defaults.
const (
	// DefaultGridMultiple: the grid is Nmissing = 0 … 30·n, the
	// reference runs' (dga has no default).
	DefaultGridMultiple = 30
	// DefaultExactMaxLists: up to 6 lists (18,154 graphs) every
	// decomposable graph is enumerated; above, a Markov chain visits them.
	DefaultExactMaxLists = 6
	DefaultChains        = 4
	DefaultIter          = 20000
	DefaultBurnin        = 2000
	DefaultThin          = 1
)

// Method averages the posterior of N over decomposable graphical models
// of the lists (Madigan and York 1997; dga's bma.cr). The zero value is
// dga's setting as the reference runs use it. A Method is safe for
// concurrent use.
type Method struct {
	// Delta is the hyper-Dirichlet prior's count per cell of the full
	// table, > 0. Default 2^−K (dga's suggestion).
	Delta float64
	// MaxMissing is the end of the grid Nmissing = 0 … MaxMissing.
	// Default 30 × the observed count.
	MaxMissing int
	// Prior is the prior on N. Default PriorInverse. LogPrior, when set,
	// replaces it: the log prior of a total N (up to a constant), finite
	// on the whole grid.
	Prior    Prior
	LogPrior func(N int) float64
	// GraphLogPrior, when set, is the log prior weight of a graph given
	// its cliques (bit sets of lists, bit i = list i+1). Default uniform
	// over decomposable graphs (dga's NULL).
	GraphLogPrior func(cliques []mse.Term) float64
	// AllowDisconnected estimates even when the lists fall into groups
	// that share no case, with a warning. Default false: such a table is
	// not estimable (see the package doc).
	AllowDisconnected bool
	// ExactMaxLists is the largest number of lists whose graphs are all
	// enumerated. Default 6; at most 7.
	ExactMaxLists int
	// Chains, Iter, Burnin and Thin are the Markov chain's above
	// ExactMaxLists lists: chains, kept draws per chain, iterations
	// discarded first and the thinning interval. Defaults 4, 20000, 2000,
	// 1: the 8-list New Orleans table needs about that many (at 5,000 its
	// R̂ is 1.02).
	Chains, Iter, Burnin, Thin int
	// Seed seeds the chains (the driver passes its seed through
	// WithSeed). Default 0.
	Seed uint64
}

// Name is "graph-average".
func (m Method) Name() string { return "graph-average" }

// WithSeed returns the method with the chains' seed.
func (m Method) WithSeed(seed uint64) mse.Method { m.Seed = seed; return m }

// DefaultInterval is the posterior (credible) interval.
func (m Method) DefaultInterval() mse.IntervalKind { return mse.IntervalPosterior }

// Validate checks the settings.
func (m Method) Validate() error {
	switch {
	case m.Delta < 0 || math.IsNaN(m.Delta) || math.IsInf(m.Delta, 0):
		return mse.UsageError("graphavg: delta must be a positive number")
	case m.MaxMissing < 0:
		return mse.UsageError("graphavg: the grid's end (nmissing-max) must be positive")
	case m.Prior != "" && m.Prior != PriorInverse && m.Prior != PriorUniform:
		return mse.UsageError(fmt.Sprintf("graphavg: unknown prior %q (want inverse or uniform)", m.Prior))
	case m.ExactMaxLists < 0 || m.ExactMaxLists > 7:
		return mse.UsageError("graphavg: exact enumeration goes up to 7 lists")
	case m.Chains < 0 || m.Iter < 0 || m.Burnin < 0 || m.Thin < 0:
		return mse.UsageError("graphavg: chains, iter, burnin and thin must be positive")
	case m.Chains == 1:
		return mse.UsageError("graphavg: convergence needs at least 2 chains")
	}
	return nil
}

// resolved fills in the defaults for table t.
func (m Method) resolved(t *mse.Table) Method {
	k := t.K()
	if m.Delta == 0 {
		m.Delta = math.Ldexp(1, -k)
	}
	if m.MaxMissing == 0 {
		m.MaxMissing = DefaultGridMultiple * t.N()
	}
	if m.Prior == "" {
		m.Prior = PriorInverse
	}
	if m.ExactMaxLists == 0 {
		m.ExactMaxLists = DefaultExactMaxLists
	}
	if m.Chains == 0 {
		m.Chains = DefaultChains
	}
	if m.Iter == 0 {
		m.Iter = DefaultIter
	}
	if m.Burnin == 0 {
		m.Burnin = DefaultBurnin
	}
	if m.Thin == 0 {
		m.Thin = DefaultThin
	}
	return m
}

func (m Method) logPrior() func(int) float64 {
	switch {
	case m.LogPrior != nil:
		return m.LogPrior
	case m.Prior == PriorUniform:
		return func(int) float64 { return 0 }
	}
	return inversePrior
}

// Settings records the settings in the result's options.
func (m Method) Settings(o *mse.OptionsInfo) {
	s := map[string]any{}
	if m.Delta != 0 {
		s["delta"] = m.Delta
	}
	if m.MaxMissing != 0 {
		s["nmissing_max"] = m.MaxMissing
	}
	prior := string(m.Prior)
	if m.LogPrior != nil {
		prior = "user"
	}
	if prior == "" {
		prior = string(PriorInverse)
	}
	s["prior"] = prior
	if m.GraphLogPrior != nil {
		s["graph_prior"] = "user"
	}
	if m.AllowDisconnected {
		s["allow_disconnected"] = true
	}
	o.Settings = s
}

// Fit computes the posterior. It fails (a usage error) for fewer than 3
// or more than MaxLists lists and for a table without cases.
func (m Method) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	k := t.K()
	if k < 3 || k > MaxLists {
		return nil, mse.UsageError(fmt.Sprintf("graphavg: %d lists; graph averaging takes 3 to %d", k, MaxLists))
	}
	if t.N() == 0 {
		return nil, mse.UsageError(errNoCases.Error())
	}
	m = m.resolved(t)
	f := &fit{k: k, lists: t.Lists, n: t.N(), m: m}
	// The driver warns of lists that share no case; the posterior of N
	// would then rest on the prior and the grid, so it is refused unless
	// asked for.
	if groups := t.ListGroups(); len(groups) > 1 && !m.AllowDisconnected {
		f.err = fmt.Errorf("%w: %s; the data say nothing about how these groups depend on each other, so N would rest on the prior and the grid alone (dga reports a number here regardless); estimate the groups separately, or set --allow-disconnected to see that posterior", mse.ErrNotEstimable, disconnectedMessage(groups, t.Lists))
		return f, nil
	}
	e, err := newEngine(k, t.Cells(), m.Delta, m.MaxMissing, m.logPrior())
	if err != nil {
		return nil, mse.UsageError(err.Error())
	}
	f.e = e
	if k <= m.ExactMaxLists {
		err = f.exact(ctx)
	} else {
		err = f.chain(ctx)
	}
	if err != nil {
		return nil, err
	}
	f.gridWarning()
	return f, nil
}

// fit is a computed posterior.
type fit struct {
	k     int
	lists []string
	n     int
	m     Method
	e     *engine

	err      error // not estimable or not converged
	post     dist
	top      []topGraph
	ngraphs  int // graphs enumerated, or distinct graphs visited
	diag     *mse.Diagnostics
	warnings []string
}

// topGraph is one of the heaviest graphs.
type topGraph struct {
	g      graph
	weight float64
	// exact is the graph's exact weight among the graphs a chain
	// visited (chains only; NaN otherwise).
	exact float64
	cond  dist
}

// exact enumerates every decomposable graph.
func (f *fit) exact(ctx context.Context) error {
	gs := decomposableGraphs(f.k)
	prior := f.graphPriors(gs)
	av, err := f.e.average(ctx, gs, prior, false)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		f.err = err
		return nil
	}
	f.post, f.ngraphs = av.post, len(gs)
	return f.topGraphs(ctx, gs, av.weights, nil)
}

func (f *fit) graphPriors(gs []graph) []float64 {
	if f.m.GraphLogPrior == nil {
		return nil
	}
	out := make([]float64, len(gs))
	for i := range gs {
		cl, _ := gs[i].decompose()
		ts := make([]mse.Term, len(cl))
		for j, c := range cl {
			ts[j] = mse.Term(c)
		}
		out[i] = f.m.GraphLogPrior(ts)
	}
	return out
}

// topGraphs keeps the heaviest graphs with their conditional posteriors.
func (f *fit) topGraphs(ctx context.Context, gs []graph, w, exact []float64) error {
	idx := ranked(w)
	idx = idx[:min(len(idx), mse.DefaultTopModels)]
	sel := make([]graph, len(idx))
	for i, j := range idx {
		sel[i] = gs[j]
	}
	conds, err := f.e.conditional(ctx, sel)
	if err != nil {
		return err
	}
	for i, j := range idx {
		tg := topGraph{g: gs[j], weight: w[j], exact: math.NaN(), cond: conds[i]}
		if exact != nil {
			tg.exact = exact[j]
		}
		f.top = append(f.top, tg)
	}
	return nil
}

// gridWarning says when the posterior depends on where the grid ends:
// the grid cut at half its length moves the median or the 97.5% quantile
// by more than 1%.
func (f *fit) gridWarning() {
	if f.err != nil || len(f.post.p) < 4 {
		return
	}
	half := f.post.restrict((len(f.post.p) - 1) / 2)
	for _, q := range []float64{0.5, 0.975} {
		a, b := float64(f.post.quantile(q)), float64(half.quantile(q))
		if math.Abs(a-b) > 0.01*a {
			f.warnings = append(f.warnings, fmt.Sprintf(
				"the posterior depends on where the grid ends: with Nmissing up to %d the %s quantile is %.0f, with half that grid %.0f; the data do not bound N from above under this prior — widen the grid (--nmissing-max) to see how far it goes, and read the upper limits as the grid's, not the data's",
				len(f.post.p)-1, quantileLabel(q), a, b))
			return
		}
	}
}

func quantileLabel(q float64) string { return strconv.FormatFloat(100*q, 'g', -1, 64) + "%" }

// Estimate is the posterior median of N. A posterior whose mode is the
// grid's last point (still rising there) is not estimable.
func (f *fit) Estimate() (float64, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.post.mode() == f.n+len(f.post.p)-1 {
		return 0, fmt.Errorf("%w: the posterior of N still rises at the end of the grid (Nmissing = %d), so the grid, not the data, decides the answer; widen the grid (--nmissing-max)", mse.ErrNotEstimable, len(f.post.p)-1)
	}
	return float64(f.post.quantile(0.5)), nil
}

// summaryQuantiles are the quantiles the posterior lists.
var summaryQuantiles = []float64{0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999}

// The distribution in a result lists p(N) between the quantiles
// distTail and 1 − distTail, at no more than distPoints evenly spaced
// values of N (and the mode): under the 1/N prior the tail often stays
// above 1e−12 to the grid's end, and 30·n points would make a result of
// megabytes. Each entry is still the probability of that one N.
const (
	distTail   = 1e-6
	distPoints = 4000
)

func (f *fit) distribution() []mse.Mass {
	lo, hi := f.post.quantile(distTail)-f.n, f.post.quantile(1-distTail)-f.n
	step := max(1, (hi-lo+distPoints-1)/distPoints)
	mode := f.post.mode() - f.n
	var out []mse.Mass
	for m := lo; m <= hi; m++ {
		if (m-lo)%step == 0 || m == hi || m == mode {
			out = append(out, mse.Mass{N: float64(f.n + m), Probability: f.post.p[m]})
		}
	}
	return out
}

func (f *fit) Report(r *mse.Result, top int) {
	r.Warnings = append(r.Warnings, f.warnings...)
	r.TopModels = []mse.TopModel{}
	if f.diag != nil {
		d := *f.diag
		r.Diagnostics = &d
	}
	if f.err != nil {
		return
	}
	if r.Options.Settings == nil {
		r.Options.Settings = map[string]any{}
	}
	s := r.Options.Settings
	s["delta"], s["nmissing_max"] = f.m.Delta, f.m.MaxMissing
	if f.k <= f.m.ExactMaxLists {
		s["graphs"] = "all"
		s["graphs_enumerated"] = f.ngraphs
	} else {
		s["graphs"] = "chain"
		s["chains"], s["iter"], s["burnin"], s["thin"] = f.m.Chains, f.m.Iter, f.m.Burnin, f.m.Thin
		s["distinct_graphs"] = f.ngraphs
	}
	if len(f.top) > 0 {
		r.Model = mse.InfoOf(f.top[0].model(), f.lists)
	}
	p := &mse.Posterior{Quantiles: map[string]float64{}, Mean: f.post.mean(), Median: float64(f.post.quantile(0.5)),
		Mode: float64(f.post.mode()), SD: f.post.sd()}
	for _, q := range summaryQuantiles {
		p.Quantiles[strconv.FormatFloat(q, 'g', -1, 64)] = float64(f.post.quantile(q))
	}
	p.Distribution = f.distribution()
	r.Posterior = p
	for i, tg := range f.top[:min(top, len(f.top))] {
		md := tg.model()
		c := tg.cond
		note := fmt.Sprintf("posterior weight %.4g; given this graph N has mean %.0f and mode %d", tg.weight, c.mean(), c.mode())
		if !math.IsNaN(tg.exact) {
			note = fmt.Sprintf("share of the chains' draws %.4g (exact weight among the graphs visited %.4g); given this graph N has mean %.0f and mode %d", tg.weight, tg.exact, c.mean(), c.mode())
		}
		r.TopModels = append(r.TopModels, mse.TopModel{
			Rank: i + 1, Notation: md.String(), Named: md.Named(f.lists),
			Estimate: float64(c.quantile(0.5)), Params: md.NumParams(),
			Conditional95: []float64{float64(c.quantile(0.025)), float64(c.quantile(0.975))},
			Weight:        tg.weight, Note: note,
		})
	}
}

// model is the graph as a hierarchical model: its cliques are the
// generators.
func (tg topGraph) model() mse.Model {
	cl, _ := tg.g.decompose()
	ts := make([]mse.Term, len(cl))
	for i, c := range cl {
		ts[i] = mse.Term(c)
	}
	md, err := mse.NewModel(tg.g.k, ts)
	if err != nil {
		panic(err)
	}
	return md
}

// Intervals gives the posterior quantiles of N.
func (f *fit) Intervals(ctx context.Context, kind mse.IntervalKind, quantiles []float64) (mse.Intervals, []string, error) {
	if kind != mse.IntervalPosterior {
		return nil, nil, mse.ErrNoInterval
	}
	if f.err != nil {
		return nil, nil, f.err
	}
	var iv mse.Intervals
	end := f.n + len(f.post.p) - 1
	for _, q := range quantiles {
		v := float64(f.post.quantile(q))
		if int(v) == end {
			// The quantile is the grid's end: the untruncated posterior's
			// lies beyond it.
			iv = append(iv, mse.Limit("posterior", q, nil, false, fmt.Sprintf("at the end of the grid (N = %d): the posterior beyond it is cut off; widen --nmissing-max", end)))
			continue
		}
		iv = append(iv, mse.Limit("posterior", q, &v, false, ""))
	}
	return iv, nil, nil
}

func disconnectedMessage(groups [][]int, lists []string) string {
	var parts []string
	var alone []string
	for _, g := range groups {
		names := make([]string, len(g))
		for i, j := range g {
			names[i] = lists[j]
		}
		if len(g) == 1 {
			alone = append(alone, names[0])
		}
		parts = append(parts, "{"+strings.Join(names, ", ")+"}")
	}
	msg := fmt.Sprintf("the lists fall into %d groups that share no case: %s", len(groups), strings.Join(parts, " "))
	if len(alone) > 0 {
		slices.Sort(alone)
		msg += fmt.Sprintf(" (%s overlaps no other list)", strings.Join(alone, ", "))
	}
	return msg
}
