package loglin

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/morketall/morketall/mse"
)

// NTopAll asks the BIC/AIC bootstrap to search every admissible model in
// every replicate.
const NTopAll = -1

// mserNTop is MSE-R's default ntopmodels by K: all models for K ≤ 3, the
// best 20 for K = 4, the best 100 for K = 5 and 6.
func mserNTop(k int) int {
	switch {
	case k <= 3:
		return NTopAll
	case k == 4:
		return 20
	default:
		return 100
	}
}

// DefaultMaxOrder is MSE-R's default maxorder for the BIC search by K.
func DefaultMaxOrder(k int) int {
	switch {
	case k <= 2:
		return 1
	case k == 3:
		return 2
	case k <= 5:
		return 3
	default:
		return 2
	}
}

// Main fits the main-effects (independence) model.
type Main struct{}

// Name is "main".
func (Main) Name() string { return "main" }

// Fit fits the independence model to t.
func (Main) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	return fitOne(ctx, t, mse.MainEffects(t.K()))
}

// Fixed fits one model given in advance.
type Fixed struct {
	// Model is the model in any notation mse.ParseModel reads, with the
	// table's list names or numbers. Required.
	Model string
}

// Name is "fixed".
func (Fixed) Name() string { return "fixed" }

// Settings records the model.
func (m Fixed) Settings(o *mse.OptionsInfo) { o.Model = m.Model }

// Validate checks that a model is given.
func (m Fixed) Validate() error {
	if m.Model == "" {
		return mse.UsageError("loglin: method fixed needs a model")
	}
	return nil
}

// Fit parses the model against t's lists and fits it.
func (m Fixed) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	mod, err := mse.ParseModel(m.Model, t.Lists)
	if err != nil {
		return nil, err
	}
	return fitOne(ctx, t, mod)
}

// fitOne fits a single model, as main and fixed do.
func fitOne(ctx context.Context, t *mse.Table, m mse.Model) (mse.Fit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	fit, err := FitModel(t, m, nil)
	if err != nil && !isNotEstimable(err) {
		return nil, err
	}
	f := &fitted{lists: t.Lists, y: y, n: t.N(), full: fit, err: err}
	f.top = func(top int) []mse.TopModel { return f.topFromFits(top) }
	f.fast = f.fixedReplicator
	return f, nil
}

// Stepwise is SparseMSE's stepwise selection (SelectStepwise): from main
// effects, add the two-list term least compatible with the current fit
// while its Poisson tail probability is below PThresh.
type Stepwise struct {
	// PThresh is the threshold, in (0, 1]. Default 0: DefaultPThresh.
	PThresh float64
}

// Name is "stepwise".
func (Stepwise) Name() string { return "stepwise" }

func (m Stepwise) pthresh() float64 {
	if m.PThresh == 0 {
		return DefaultPThresh
	}
	return m.PThresh
}

// Settings records the threshold.
func (m Stepwise) Settings(o *mse.OptionsInfo) { o.PThresh = m.pthresh() }

// Validate checks the threshold.
func (m Stepwise) Validate() error {
	if p := m.pthresh(); !(p > 0 && p <= 1) {
		return mse.UsageError("loglin: pthresh must be in (0, 1] (use method main for main effects)")
	}
	return nil
}

// Fit runs the stepwise search on t and fits the selected model.
func (m Stepwise) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	sw, err := SelectStepwise(t, m.pthresh())
	if err != nil && !isNotEstimable(err) {
		return nil, err
	}
	f := &fitted{lists: t.Lists, y: y, n: t.N(), err: err, method: "stepwise"}
	pthresh := m.pthresh()
	f.fast = func() (func() mse.Replicator, func(int) (string, string)) {
		shared := &modelIndex{index: map[string]int{}}
		return func() mse.Replicator {
				fi := newFitter(t.K())
				fi.enableCache()
				return &stepwiseRep{idx: shared, f: fi, pthresh: pthresh}
			}, func(id int) (string, string) {
				m := shared.model(id)
				return m.String(), m.Named(t.Lists)
			}
	}
	if sw != nil {
		f.full = sw.Fit
		sel := &mse.Selection{Criterion: "stepwise"}
		for _, a := range sw.Added {
			sel.Added = append(sel.Added, mse.TermName(a, t.Lists))
		}
		f.sel = sel
		f.top = func(top int) []mse.TopModel { return f.topFromRanked(sw.Path, top, "stepwise path") }
	}
	return f, nil
}

// Criterion names a model-selection criterion.
type Criterion string

// The criteria of SelectByCriterion.
const (
	BIC Criterion = "bic"
	AIC Criterion = "aic"
)

// Search is MSE-R's search over every hierarchical model up to an
// interaction order that passes the existence check, ranked by BIC or AIC
// (SelectByCriterion). Its bootstrap re-runs the search in every
// replicate.
type Search struct {
	// Criterion is BIC or AIC. Default BIC.
	Criterion Criterion
	// MaxOrder bounds the order of the interactions, in [1, K − 1] (at
	// most 2 for 6 lists, as in MSE-R). Default 0: MSE-R's default for
	// the number of lists (DefaultMaxOrder).
	MaxOrder int
	// NTop restricts the bootstrap to the best NTop models of the
	// full-data search; NTopAll (−1) searches all admissible models.
	// Default 0: all models for up to 5 lists, MSE-R's 100 for 6.
	NTop int
}

func (m Search) criterion() Criterion {
	if m.Criterion == "" {
		return BIC
	}
	return m.Criterion
}

// Name is "bic" or "aic".
func (m Search) Name() string { return string(m.criterion()) }

// Settings records the maximum order asked for (the result's Report
// replaces it by the order used).
func (m Search) Settings(o *mse.OptionsInfo) { o.MaxOrder = m.MaxOrder }

// Validate checks the settings that do not depend on the table.
func (m Search) Validate() error {
	if c := m.criterion(); c != BIC && c != AIC {
		return mse.UsageError(fmt.Sprintf("loglin: unknown criterion %q (want bic or aic)", c))
	}
	if m.MaxOrder < 0 {
		return mse.UsageError("loglin: maxorder must not be negative")
	}
	if m.NTop < NTopAll {
		return mse.UsageError("loglin: ntop must be positive or NTopAll")
	}
	return nil
}

// Fit runs the search on t.
func (m Search) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	k := t.K()
	if m.MaxOrder > 0 && k <= 6 {
		if limit := searchOrder(k, 99); m.MaxOrder > limit {
			return nil, mse.UsageError(fmt.Sprintf("loglin: maxorder %d is out of range: with %d lists the search allows orders 1 to %d", m.MaxOrder, k, limit))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	crit := m.criterion()
	sr, err := SelectByCriterion(t, crit, m.MaxOrder)
	if err != nil && !isNotEstimable(err) {
		return nil, err
	}
	f := &fitted{lists: t.Lists, y: y, n: t.N(), err: err, method: string(crit)}
	if sr == nil {
		return f, nil
	}
	f.full = sr.Best
	f.sel = &mse.Selection{Criterion: string(crit), MaxOrder: sr.MaxOrder, Candidates: sr.Candidates, Valid: len(sr.Ranked)}
	f.maxOrder = sr.MaxOrder
	f.top = func(top int) []mse.TopModel { return f.topFromSearch(sr.Ranked, top) }
	ntop := m.NTop
	if ntop == 0 {
		ntop = NTopAll
		if k > 5 {
			ntop = mserNTop(k)
		}
	}
	ranked := sr.Ranked
	if ntop != NTopAll && ntop < len(ranked) {
		ranked = ranked[:ntop]
	}
	f.describe = func(b *mse.BootstrapInfo) {
		b.Scheme = "cells"
		if len(ranked) < len(sr.Ranked) {
			b.NTop = len(ranked)
		}
	}
	f.fast = func() (func() mse.Replicator, func(int) (string, string)) {
		starts := make([]*warmStart, len(ranked))
		for i, rk := range ranked {
			starts[i] = rk.start
		}
		return func() mse.Replicator {
				fi := newFitter(k)
				fi.enableCache()
				return &searchRep{f: fi, crit: crit, ranked: ranked, starts: starts}
			}, func(id int) (string, string) {
				m := ranked[id].Model
				return m.String(), m.Named(t.Lists)
			}
	}
	return f, nil
}

// Auto is MSE-R's default rule: the BIC search for up to 5 lists,
// stepwise above.
type Auto struct {
	// PThresh is the stepwise threshold (Stepwise.PThresh).
	PThresh float64
	// MaxOrder and NTop are the BIC search's (Search).
	MaxOrder int
	NTop     int
}

// Name is "auto".
func (Auto) Name() string { return "auto" }

// Settings records the threshold and the maximum order.
func (m Auto) Settings(o *mse.OptionsInfo) {
	o.PThresh = Stepwise{PThresh: m.PThresh}.pthresh()
	o.MaxOrder = m.MaxOrder
}

// Validate checks the settings of both searches.
func (m Auto) Validate() error {
	if err := (Stepwise{PThresh: m.PThresh}).Validate(); err != nil {
		return err
	}
	return Search{MaxOrder: m.MaxOrder, NTop: m.NTop}.Validate()
}

// Resolve returns the method Auto runs on a table with k lists.
func (m Auto) Resolve(k int) mse.Method {
	if k <= 5 {
		return Search{Criterion: BIC, MaxOrder: m.MaxOrder, NTop: m.NTop}
	}
	return Stepwise{PThresh: m.PThresh}
}

// Fit runs the resolved method; the result names it, with "auto" as the
// requested method.
func (m Auto) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m.Resolve(t.K()).Fit(ctx, t)
}

// isNotEstimable reports whether err says the data give no estimate.
func isNotEstimable(err error) bool {
	return err != nil && errors.Is(err, mse.ErrNotEstimable)
}

// fitted is the result of every method of this package: the selected
// model's full fit, or why there is none, and how to list the models and
// re-run the selection in a bootstrap replicate.
type fitted struct {
	lists    []string
	y        []float64 // counts by cell code
	n        int
	full     *ModelFit // the selected model's fit (nil when the selection itself failed)
	err      error     // why there is no estimate
	method   string    // the resolved method name, when the method resolves
	maxOrder int       // the order a search used
	sel      *mse.Selection
	top      func(top int) []mse.TopModel
	describe func(*mse.BootstrapInfo)
	fast     func() (func() mse.Replicator, func(int) (string, string))

	once   sync.Once // builds newRep and label from fast
	newRep func() mse.Replicator
	label  func(int) (string, string)
}

func (f *fitted) Estimate() (float64, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.full == nil {
		return 0, fmt.Errorf("%w: no model was fitted", mse.ErrNotEstimable)
	}
	return f.full.Estimate, nil
}

func (f *fitted) Report(r *mse.Result, top int) {
	if f.method != "" {
		r.Method = f.method
	}
	if f.maxOrder > 0 {
		r.Options.MaxOrder = f.maxOrder
	}
	if f.full != nil {
		r.Model = mse.InfoOf(f.full.Model, f.lists)
	}
	r.Selection = f.sel
	if f.top != nil && top > 0 {
		r.TopModels = f.top(top)
	}
	if f.err == nil && f.full != nil {
		r.Fit = fitInfo(f.full, f.lists)
	}
}

// Intervals gives SparseMSE's conditional log-normal interval and
// Rcapture's profile-likelihood interval of the selected model.
func (f *fitted) Intervals(ctx context.Context, kind mse.IntervalKind, quantiles []float64) (mse.Intervals, []string, error) {
	switch kind {
	case mse.IntervalConditional:
		return ConditionalInterval(f.full, quantiles), nil, nil
	case mse.IntervalProfile:
		iv, err := profileIntervals(f.y, f.full, quantiles)
		return iv, nil, err
	}
	return nil, nil, mse.ErrNoInterval
}

// Selected fits the chosen model alone.
func (f *fitted) Selected() mse.Method {
	if f.full == nil {
		return nil
	}
	return Fixed{Model: f.full.Model.String()}
}

// NewReplicator is the bootstrap's fast path: an allocation-free refit
// (or re-run of the search) on each replicate's counts.
func (f *fitted) NewReplicator() mse.Replicator {
	f.initFast()
	return f.newRep()
}

// ModelLabel names a model a replicator selected.
func (f *fitted) ModelLabel(id int) (string, string) {
	f.initFast()
	return f.label(id)
}

func (f *fitted) initFast() {
	f.once.Do(func() { f.newRep, f.label = f.fast() })
}

func (f *fitted) DescribeBootstrap(b *mse.BootstrapInfo) {
	if f.describe != nil {
		f.describe(b)
	}
}

// fixedReplicator refits the one model of main and fixed, warm-started
// from the full-data fit.
func (f *fitted) fixedReplicator() (func() mse.Replicator, func(int) (string, string)) {
	m := f.full.Model
	k := m.K()
	f0 := newFitter(k)
	f0.use(f.y, f.n)
	var start *warmStart
	if lf := f0.fitLight(m, checkSkip, [2]uint64{}, nil); lf.ok {
		start = f0.save()
	}
	return func() mse.Replicator {
			fi := newFitter(k)
			fi.enableCache()
			return &fixedRep{f: fi, m: m, start: start}
		}, func(int) (string, string) {
			return m.String(), m.Named(f.lists)
		}
}

// ConditionalInterval is SparseMSE's estimatepopulation.0 interval: for
// each quantile q, n + exp(qnorm(q, θ̂_∅, s)) with s² the intercept's
// unscaled variance. It is log-normal for the dark figure and ignores both
// the Poisson variation of the unseen count and model selection.
func ConditionalInterval(f *ModelFit, quantiles []float64) mse.Intervals {
	out := make(mse.Intervals, 0, len(quantiles))
	sd := math.Sqrt(f.InterceptVar)
	for _, q := range mse.SortedQuantiles(quantiles) {
		v := float64(f.Observed) + math.Exp(normalQuantile(q, f.Intercept, sd))
		iv := mse.Limit(string(mse.IntervalConditional), q, &v, true, "")
		if iv.Value == nil {
			iv.Note = "limit overflows"
		}
		out = append(out, iv)
	}
	return out
}

// conditional95 is a fit's conditional 95% interval as [lower, upper], or
// nil when a limit overflows.
func conditional95(f *ModelFit) []float64 {
	iv := ConditionalInterval(f, []float64{0.025, 0.975})
	if iv[0].Value == nil || iv[1].Value == nil {
		return nil
	}
	return []float64{*iv[0].Value, *iv[1].Value}
}
