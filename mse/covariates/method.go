package covariates

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/morketall/morketall/mse"
)

// Assumption is what an estimate from a table with missing covariates
// assumes; results state it (CovariateInfo.Assumption and a warning).
const Assumption = "covariates missing at random given the lists: whether a value is recorded may depend on which lists saw the person but not on the value itself (Zwane and van der Heijden 2007); the partially classified people are distributed over the levels by the model (EM)"

// Criterion names the selection criterion of Search.
type Criterion string

// The criteria.
const (
	BIC Criterion = "bic"
	AIC Criterion = "aic"
)

// Main fits main effects with the covariates' joint distribution
// saturated: lists independent of each other and of the covariates.
type Main struct{}

// Name is "cov-main".
func (Main) Name() string { return "cov-main" }

// ModelsCovariates is true: the method takes tables with covariates.
func (Main) ModelsCovariates() bool { return true }

// Fit fits the model.
func (Main) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	d, err := NewData(t)
	if err != nil {
		return nil, err
	}
	m, _ := NewModel(d.lists, d.covs, []Term{Saturated(d.k, len(d.covs))})
	return fitOne(ctx, d, "cov-main", m, nil)
}

// Fixed fits one model given in advance.
type Fixed struct {
	// Model is the model in the notation ParseModel reads, with the
	// table's list and covariate names or list numbers. Required. It is
	// fitted as given: write the covariates' joint term (sex:age) to
	// saturate their distribution, as the selection methods do.
	Model string
}

// Name is "cov-fixed".
func (Fixed) Name() string { return "cov-fixed" }

// ModelsCovariates is true.
func (Fixed) ModelsCovariates() bool { return true }

// Settings records the model.
func (m Fixed) Settings(o *mse.OptionsInfo) { o.Model = m.Model }

// Validate checks that a model is given.
func (m Fixed) Validate() error {
	if strings.TrimSpace(m.Model) == "" {
		return mse.UsageError("covariates: method cov-fixed needs a model (--model)")
	}
	return nil
}

// Fit parses the model against the table and fits it.
func (m Fixed) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	d, err := NewData(t)
	if err != nil {
		return nil, err
	}
	mod, err := ParseModel(m.Model, d.lists, d.covs)
	if err != nil {
		return nil, mse.UsageError(err.Error())
	}
	var warns []string
	if !mod.HoldsSaturated() {
		warns = append(warns, fmt.Sprintf("the model does not hold the covariates' joint term (%s): the estimates by group then rest on an assumption about how the covariates relate among the unobserved", mod.TermName(Saturated(d.k, len(d.covs)))))
	}
	return fitOne(ctx, d, "cov-fixed", mod, warns)
}

// Search selects a model by R's step() in both directions by BIC or AIC
// (mse's model_search, its first stage for BIC): from main effects with
// the covariates' joint distribution saturated, adding or dropping one
// list × list or list × covariate term at a time, moving only to models
// whose estimate exists (see StepSearch).
type Search struct {
	// Criterion is BIC (default) or AIC.
	Criterion Criterion
}

func (m Search) criterion() Criterion {
	if m.Criterion == "" {
		return BIC
	}
	return m.Criterion
}

// Name is "cov-bic" or "cov-aic".
func (m Search) Name() string { return "cov-" + string(m.criterion()) }

// ModelsCovariates is true.
func (Search) ModelsCovariates() bool { return true }

// Validate checks the criterion.
func (m Search) Validate() error {
	switch m.criterion() {
	case BIC, AIC:
		return nil
	}
	return mse.UsageError("covariates: the criterion must be bic or aic")
}

// Fit runs the search.
func (m Search) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	d, err := NewData(t)
	if err != nil {
		return nil, err
	}
	f := &fitted{name: m.Name(), data: d, crit: m.criterion()}
	f.search = func(ctx context.Context, d *Data) ([]Step, error) {
		sc := DefaultScope(d.lists, d.covs, false)
		k := 2.0
		if m.criterion() == BIC {
			k = math.Log(float64(d.n))
		}
		return StepSearch(ctx, d, sc.Lower, sc, StepOptions{K: k, Admissible: true})
	}
	path, err := f.search(ctx, d)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		f.err = fmt.Errorf("%w: %v", mse.ErrNotEstimable, err)
		return f.finish(), nil
	}
	f.path = path
	last := path[len(path)-1]
	f.fit, f.err = last.Fit, last.Err
	return f.finish(), nil
}

// fitOne fits a single model.
func fitOne(ctx context.Context, d *Data, name string, m Model, warns []string) (mse.Fit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fit, err := FitModel(d, m, nil)
	if err != nil && !errors.Is(err, mse.ErrNotEstimable) && !errors.Is(err, mse.ErrNotConverged) {
		return nil, err
	}
	f := &fitted{name: name, data: d, fit: fit, err: err, warnings: warns}
	return f.finish(), nil
}

// fitted is the result of every method of this package.
type fitted struct {
	name     string
	data     *Data
	fit      *ModelFit // the selected model's fit (nil when there is none)
	err      error     // why there is no estimate
	path     []Step
	crit     Criterion
	warnings []string
	groups   []group
	// search re-runs the selection on a replicate (nil: refit the model).
	search func(ctx context.Context, d *Data) ([]Step, error)

	mu     sync.Mutex
	ids    map[string]int
	labels [][2]string
}

func (f *fitted) finish() *fitted {
	f.groups = f.data.groups()
	if f.err == nil && f.fit == nil {
		f.err = fmt.Errorf("%w: no model was fitted", mse.ErrNotEstimable)
	}
	return f
}

// ModelsCovariates is true.
func (f *fitted) ModelsCovariates() bool { return true }

// Estimate returns N̂ or why there is none.
func (f *fitted) Estimate() (float64, error) {
	if f.err != nil {
		return 0, f.err
	}
	return f.fit.Estimate, nil
}

// Report fills in the model, the fit, the covariates section with the
// estimates by group, the search path and the warnings.
func (f *fitted) Report(r *mse.Result, top int) {
	d := f.data
	r.Method = f.name
	if f.fit != nil {
		m := f.fit.Model
		mi := &mse.ModelInfo{Notation: m.String(), Named: m.Named(), Terms: [][]string{}}
		for _, t := range m.Interactions() {
			mi.Terms = append(mi.Terms, m.TermNames(t))
		}
		r.Model = mi
	}
	ci := &mse.CovariateInfo{
		Names: slices.Clone(d.covs), Levels: d.Levels(),
		Complete: d.nComp, Partial: d.n - d.nComp, Missing: map[string]int{},
		Groups: []mse.GroupEstimate{},
	}
	for c, name := range d.covs {
		ci.Missing[name] = d.missing[c]
	}
	if d.HasMissing() {
		ci.Assumption = Assumption
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d observed people miss a covariate value; the estimate assumes %s", d.n-d.nComp, d.n, Assumption))
		if f.fit != nil && f.fit.EM != nil {
			ci.EM = &mse.EMInfo{Iterations: f.fit.Iterations, MaxIterations: f.fit.EM.MaxIterations, Converged: f.fit.Converged, Tolerance: f.fit.EM.Tolerance, LogLik: f.fit.EM.LogLik}
		}
	}
	var est, unobs []float64
	if f.err == nil {
		est, unobs = f.fit.groupEstimates(f.groups)
	}
	for i, g := range f.groups {
		ge := mse.GroupEstimate{Group: g.group, Label: g.label, Observed: d.observed(g), Intervals: mse.Intervals{}}
		if est != nil {
			e, u := est[i], unobs[i]
			ge.Estimate, ge.Unobserved = &e, &u
		} else {
			ge.Reason = "the model is not estimable"
		}
		ci.Groups = append(ci.Groups, ge)
	}
	r.Covariates = ci
	r.Warnings = append(r.Warnings, f.warnings...)
	if f.err == nil {
		fit := f.fit
		fi := &mse.FitInfo{Deviance: fit.Deviance, DF: fit.DF, DFAllCells: fit.DF, AIC: fit.AIC, BIC: fit.BIC,
			LogLik: fit.LogLik, Params: fit.Params, EmptyMargins: [][]string{}, Iterations: fit.Iterations, Converged: fit.Converged}
		if se, err := fit.UnobservedSE(nil); err == nil {
			fi.StdErr = se
		} else {
			r.Warnings = append(r.Warnings, "no standard error of the estimate: the information matrix is singular")
		}
		r.Fit = fi
		if fit.Extended {
			r.Warnings = append(r.Warnings, "the maximum-likelihood estimate does not exist in the strict sense (some cells' fitted values tend to 0); the estimate is the extended MLE, which the unobserved cells determine")
		}
	}
	if f.path != nil {
		sel := &mse.Selection{Criterion: string(f.crit) + " (stepwise, both directions)", MaxOrder: 2}
		for _, s := range f.path {
			if s.Change != "" {
				sel.Added = append(sel.Added, s.Change)
			}
		}
		r.Selection = sel
	}
	if top > 0 {
		r.TopModels = f.topModels(top)
	}
}

// topModels are the estimable models of the path (or the one model),
// best criterion first.
func (f *fitted) topModels(top int) []mse.TopModel {
	steps := f.path
	if steps == nil && f.fit != nil {
		steps = []Step{{Model: f.fit.Model, Fit: f.fit, Err: f.err}}
	}
	var out []mse.TopModel
	for _, s := range steps {
		if s.Err != nil || s.Fit == nil {
			continue
		}
		out = append(out, mse.TopModel{Notation: s.Model.String(), Named: s.Model.Named(), BIC: s.Fit.BIC, AIC: s.Fit.AIC, Estimate: s.Fit.Estimate, Params: s.Fit.Params})
	}
	slices.SortStableFunc(out, func(a, b mse.TopModel) int {
		if f.crit == AIC {
			return cmp.Compare(a.AIC, b.AIC)
		}
		return cmp.Compare(a.BIC, b.BIC)
	})
	if len(out) > top {
		out = out[:top]
	}
	for i := range out {
		out[i].Rank = i + 1
		if f.path != nil {
			out[i].Note = "on the search path"
		}
	}
	return out
}

// Intervals gives the parametric bootstrap only through GroupIntervals.
func (f *fitted) Intervals(ctx context.Context, kind mse.IntervalKind, quantiles []float64) (mse.Intervals, []string, error) {
	return nil, nil, mse.ErrNoInterval
}

// GroupIntervals gives the parametric bootstrap of the selected model
// (mse's boot_mse) for the total and every group; it needs complete
// covariates.
func (f *fitted) GroupIntervals(ctx context.Context, kind mse.IntervalKind, quantiles []float64, nboot int, bootSeed uint64) (mse.Intervals, []mse.Intervals, []string, error) {
	if kind != mse.IntervalParametric {
		return nil, nil, nil, mse.ErrNoInterval
	}
	if f.err != nil {
		return nil, nil, nil, f.err
	}
	if f.fit.EM != nil {
		return nil, nil, nil, mse.UsageError("covariates: the parametric bootstrap draws complete tables; with missing covariates use --interval bca or percentile")
	}
	return f.fit.parametricReport(ctx, quantiles, nboot, bootSeed)
}

// Selected fits the chosen model alone.
func (f *fitted) Selected() mse.Method {
	if f.fit == nil {
		return nil
	}
	return Fixed{Model: f.fit.Model.String()}
}

// DescribeBootstrap names the resampling.
func (f *fitted) DescribeBootstrap(b *mse.BootstrapInfo) {
	b.Scheme = "rows (people with their covariates, partially classified ones included)"
}

// NewRowReplicator refits (or re-selects) on a replicate's row counts,
// keeping the original table's cells and levels.
func (f *fitted) NewRowReplicator() mse.RowReplicator { return &rowRep{f: f} }

// ModelLabel names a model a replicator selected.
func (f *fitted) ModelLabel(id int) (string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.labels[id][0], f.labels[id][1]
}

func (f *fitted) id(m Model) int {
	key := m.String()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ids == nil {
		f.ids = map[string]int{}
	}
	if i, ok := f.ids[key]; ok {
		return i
	}
	f.labels = append(f.labels, [2]string{key, m.Named()})
	f.ids[key] = len(f.labels) - 1
	return len(f.labels) - 1
}

type rowRep struct{ f *fitted }

// ReplicateRows fits the replicate.
func (r *rowRep) ReplicateRows(counts []int, groups []float64) (float64, int, bool) {
	f := r.f
	d := f.data
	if f.fit == nil {
		return 0, -1, false
	}
	y := make([]float64, len(d.y))
	z := make([]float64, len(d.partial))
	for i, c := range counts {
		switch v := d.rows[i]; {
		case v >= 0:
			y[v] += float64(c)
		case v > -(1 << 30):
			z[-1-v] += float64(c)
		}
	}
	rep := d.withCounts(y, z)
	var fit *ModelFit
	var err error
	if f.search != nil {
		var path []Step
		path, err = f.search(context.Background(), rep)
		if err == nil {
			last := path[len(path)-1]
			fit, err = last.Fit, last.Err
		}
	} else {
		fit, err = FitModel(rep, f.fit.Model, &FitOptions{Start: f.fit.Coef})
	}
	if err != nil || fit == nil || !finite(fit.Estimate) {
		return 0, -1, false
	}
	if len(groups) > 0 {
		est, _ := fit.groupEstimates(f.groups)
		copy(groups, est)
	}
	return fit.Estimate, f.id(fit.Model), true
}
