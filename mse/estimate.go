package mse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Method names a model-selection procedure.
type Method string

// The methods of Estimate.
const (
	// MethodMain fits the main-effects (independence) model.
	MethodMain Method = "main"
	// MethodFixed fits the model given in Options.Model.
	MethodFixed Method = "fixed"
	// MethodStepwise is SparseMSE's stepwisefit (Options.PThresh).
	MethodStepwise Method = "stepwise"
	// MethodBIC is MSE-R's search over all hierarchical models by BIC.
	MethodBIC Method = "bic"
	// MethodAIC is the same search by AIC.
	MethodAIC Method = "aic"
	// MethodAuto is MSE-R's default: bic for K ≤ 5 lists, stepwise above.
	MethodAuto Method = "auto"
	// MethodRcapture fits one of Rcapture's closed-population models
	// (Options.Rcapture).
	MethodRcapture Method = "rcapture"
)

// Interval names an interval method.
type IntervalMethod string

// The interval methods.
const (
	IntervalNone IntervalMethod = "none"
	// IntervalConditional is SparseMSE's estimatepopulation.0 interval:
	// log-normal for the dark figure, from the intercept's variance,
	// conditional on the selected model.
	IntervalConditional IntervalMethod = "conditional"
	// IntervalProfile is Rcapture's multinomial profile-likelihood interval
	// (closedpCI.t), conditional on the selected model.
	IntervalProfile IntervalMethod = "profile"
	// IntervalBCa is the bias-corrected and accelerated bootstrap interval,
	// re-running the whole model selection in every replicate
	// (SparseMSE's estimatepopulation, MSE-R's nboot > 0). The default.
	IntervalBCa IntervalMethod = "bca"
	// IntervalPercentile is the percentile interval of the same bootstrap.
	IntervalPercentile IntervalMethod = "percentile"
)

// DefaultQuantiles are the limits of the 80% and 95% intervals.
var DefaultQuantiles = []float64{0.025, 0.1, 0.9, 0.975}

// DefaultTopModels is how many models a result lists.
const DefaultTopModels = 10

// Options control Estimate. A nil *Options means the defaults.
type Options struct {
	// Method is the model-selection procedure. Default MethodAuto.
	Method Method
	// Model is the model for MethodFixed, in any notation ParseModel
	// reads. Required for MethodFixed, ignored otherwise.
	Model string
	// PThresh is the stepwise threshold, in (0, 1]. Default 0.02.
	PThresh float64
	// MaxOrder bounds the order of the interactions in the BIC/AIC search.
	// Default 0: MSE-R's default for the number of lists.
	MaxOrder int
	// Rcapture names the model for MethodRcapture, e.g. "Mth-Chao".
	Rcapture string
	// Interval is the interval method. Default IntervalBCa.
	Interval IntervalMethod
	// Quantiles are the interval limits to report, each in (0, 1).
	// Default {0.025, 0.1, 0.9, 0.975}: the 95% and 80% intervals.
	Quantiles []float64
	// TopModels is how many models to list in the result. Default 10.
	TopModels int

	// NBoot is the number of bootstrap replicates for the bca and
	// percentile intervals. Default 1000.
	NBoot int
	// Seed seeds the bootstrap. Default nil: DefaultSeed (1234). The
	// result depends only on the seed, not on the number of cores.
	Seed *uint64
	// NTop restricts the BIC/AIC bootstrap to the best NTop models of the
	// full-data search; NTopAll (−1) searches all admissible models.
	// Default 0: all models for up to 5 lists, MSE-R's 100 for 6.
	NTop int
	// Context cancels a bootstrap. Default context.Background().
	Context context.Context
	// Progress, if set, is called from worker goroutines with the number
	// of bootstrap and jackknife fits done and the total.
	Progress func(done, total int)
}

func (o *Options) withDefaults(k int) (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Method == "" {
		r.Method = MethodAuto
	}
	if r.PThresh == 0 {
		r.PThresh = DefaultPThresh
	}
	if !(r.PThresh > 0 && r.PThresh <= 1) {
		return r, fmt.Errorf("mse: pthresh must be in (0, 1] (use method main for main effects)")
	}
	if r.MaxOrder < 0 {
		return r, fmt.Errorf("mse: maxorder must not be negative")
	}
	if r.Interval == "" {
		r.Interval = IntervalBCa
	}
	if r.NBoot == 0 {
		r.NBoot = DefaultNBoot
	}
	if r.NBoot < 10 {
		return r, fmt.Errorf("mse: nboot must be at least 10")
	}
	if r.Seed == nil {
		seed := uint64(DefaultSeed)
		r.Seed = &seed
	}
	if r.NTop < NTopAll {
		return r, fmt.Errorf("mse: ntop must be positive or NTopAll")
	}
	if r.Context == nil {
		r.Context = context.Background()
	}
	if r.Quantiles == nil {
		r.Quantiles = slices.Clone(DefaultQuantiles)
	}
	for _, q := range r.Quantiles {
		if !(q > 0 && q < 1) {
			return r, fmt.Errorf("mse: quantiles must be in (0, 1)")
		}
	}
	if r.TopModels == 0 {
		r.TopModels = DefaultTopModels
	}
	switch r.Method {
	case MethodMain, MethodFixed, MethodStepwise, MethodBIC, MethodAIC, MethodRcapture:
	case MethodAuto:
		if k <= 5 {
			r.Method = MethodBIC
		} else {
			r.Method = MethodStepwise
		}
	default:
		return r, fmt.Errorf("mse: unknown method %q (want main, fixed, stepwise, bic, aic, auto or rcapture)", r.Method)
	}
	switch r.Interval {
	case IntervalNone, IntervalConditional, IntervalProfile, IntervalBCa, IntervalPercentile:
	default:
		return r, fmt.Errorf("mse: unknown interval %q (want bca, percentile, conditional, profile or none)", r.Interval)
	}
	if r.Method == MethodFixed && r.Model == "" {
		return r, fmt.Errorf("mse: method fixed needs a model")
	}
	return r, nil
}

// Result is an estimate with everything needed to report it. Its JSON
// form is the estimate JSON of DESIGN.md; field names are a contract.
type Result struct {
	Lists    []string `json:"lists"`
	Observed int      `json:"observed"`
	// Status is "ok" or "not_estimable" (then Reason says why).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Method is the resolved method: main, fixed, stepwise, bic, aic or
	// rcapture:<model>. RequestedMethod is what was asked (e.g. auto).
	Method          string     `json:"method"`
	RequestedMethod string     `json:"requested_method,omitempty"`
	Model           *ModelInfo `json:"model,omitempty"`
	// Estimate is N̂, the total population; DarkFigure is N̂ − observed.
	Estimate   *float64    `json:"estimate,omitempty"`
	DarkFigure *float64    `json:"dark_figure,omitempty"`
	Fit        *FitInfo    `json:"fit,omitempty"`
	Intervals  []Interval  `json:"intervals"`
	TopModels  []TopModel  `json:"top_models"`
	Selection  *Selection  `json:"selection,omitempty"`
	Options    OptionsInfo `json:"options"`
	// Bootstrap describes the bootstrap behind "bca" and "percentile"
	// intervals (absent without one).
	Bootstrap *BootstrapInfo `json:"bootstrap,omitempty"`
	// Strata holds one result per stratum of a stratified estimate; the
	// top-level estimate is then their sum (absent when unstratified).
	Strata []StratumResult `json:"strata,omitempty"`
	// LinkageError is the linkage-error sensitivity, when requested.
	LinkageError *LinkageErrorResult `json:"linkage_error,omitempty"`
	Warnings     []string            `json:"warnings,omitempty"`
	Version      string              `json:"version,omitempty"`

	fit  *ModelFit // the selected model's fit, for intervals
	boot *bootRaw  // the raw bootstrap, for stratified totals
}

// bootRaw keeps a bootstrap's replicates in replicate order (NaN when not
// estimable) and its jackknife, so that strata can be summed.
type bootRaw struct {
	reps, jack []float64
	counts     []int
	popest     float64
}

// BootstrapInfo summarises a bootstrap that re-runs the model selection
// in every replicate.
type BootstrapInfo struct {
	Seed  uint64 `json:"seed"`
	NBoot int    `json:"nboot"`
	// Scheme is "rows" (multinomial over the table's rows, SparseMSE and
	// MSE-R stepwise) or "cells" (over all 2^K − 1 cells, MSE-R bic).
	Scheme string `json:"scheme"`
	// NTop is the number of best models (by the full-data criterion)
	// searched in each replicate; 0 means all.
	NTop int `json:"ntop,omitempty"`
	// NotEstimable counts replicates where no model could be fitted; they
	// are left out of the intervals.
	NotEstimable int `json:"not_estimable"`
	// Unbounded counts replicates whose selected model has no finite
	// estimate because the dark figure grows without bound (typically the
	// lists no longer overlap enough in the resample). They count as
	// +∞ in the quantiles, so an upper limit can be open; R keeps glm's
	// diverged value, a huge finite number, in their place.
	Unbounded int `json:"unbounded"`
	// Acceleration (â) and bias correction (z0) of the BCa interval.
	Acceleration   float64 `json:"acceleration"`
	BiasCorrection float64 `json:"bias_correction"`
	// Replicates are the finite replicate estimates in replicate order
	// (not estimable and unbounded ones omitted).
	Replicates []float64 `json:"replicates"`
	// ModelFrequency counts how many replicates selected each model, most
	// frequent first: the model-uncertainty table.
	ModelFrequency []ModelCount `json:"model_frequency"`
	// Jackknife holds the delete-one-individual estimates behind the
	// acceleration, one per table row with a positive count, in row order.
	Jackknife []float64 `json:"jackknife,omitempty"`
}

// ModelCount is one row of the model-uncertainty table.
type ModelCount struct {
	Notation string `json:"notation"`
	Named    string `json:"named,omitempty"`
	Count    int    `json:"count"`
}

// StratumResult is the estimate for one stratum.
type StratumResult struct {
	// Stratum maps each stratum column to its value.
	Stratum map[string]string `json:"stratum"`
	Result  *Result           `json:"result"`
}

// ModelInfo names the selected model.
type ModelInfo struct {
	Notation string     `json:"notation"`        // "[12,13,24,25,35,45]" or an Rcapture name
	Named    string     `json:"named,omitempty"` // "[LA:NG, LA:PFNCA, …]"
	Terms    [][]string `json:"terms"`           // interaction terms by list names
}

// FitInfo describes the selected model's fit (DESIGN.md "fit").
type FitInfo struct {
	Deviance float64 `json:"deviance"`
	// DF is fitted cells minus fitted parameters; DFAllCells is 2^K − 1
	// minus all parameters, −∞ ones included (Rcapture's count).
	DF         int     `json:"df"`
	DFAllCells int     `json:"df_all_cells"`
	AIC        float64 `json:"aic"`
	BIC        float64 `json:"bic"`
	LogLik     float64 `json:"loglik"`
	Params     int     `json:"params"`
	// StdErr is Rcapture's standard error of N̂.
	StdErr       float64    `json:"stderr"`
	EmptyMargins [][]string `json:"empty_margins"`
	Iterations   int        `json:"iterations"`
	Converged    bool       `json:"converged"`
}

// Interval is one limit of an interval.
type Interval struct {
	Method   string  `json:"method"` // conditional, profile, bca, percentile
	Quantile float64 `json:"quantile"`
	// Value is the limit. It is absent when the limit is open (a profile
	// upper limit beyond the search range); Note then says so.
	Value *float64 `json:"value,omitempty"`
	// Conditional marks intervals that ignore model-selection uncertainty.
	Conditional bool   `json:"conditional_on_model"`
	Note        string `json:"note,omitempty"`
}

// TopModel is one of the best models by the selection criterion.
type TopModel struct {
	Rank     int     `json:"rank"`
	Notation string  `json:"notation"`
	Named    string  `json:"named,omitempty"`
	BIC      float64 `json:"bic"`
	AIC      float64 `json:"aic"`
	Estimate float64 `json:"estimate"`
	Params   int     `json:"params"`
	// EmptyMargins counts the model's terms held at −∞.
	EmptyMargins int    `json:"empty_margins"`
	Note         string `json:"note,omitempty"`
}

// Selection summarises the model search.
type Selection struct {
	Criterion  string `json:"criterion,omitempty"` // bic, aic, stepwise p-value
	MaxOrder   int    `json:"maxorder,omitempty"`
	Candidates int    `json:"candidates,omitempty"`
	Valid      int    `json:"valid,omitempty"`
	// Added lists the stepwise terms in the order they entered.
	Added []string `json:"added,omitempty"`
}

// OptionsInfo records the options that produced the result.
type OptionsInfo struct {
	Method    string    `json:"method"`
	Model     string    `json:"model,omitempty"`
	PThresh   float64   `json:"pthresh,omitempty"`
	MaxOrder  int       `json:"maxorder,omitempty"`
	Rcapture  string    `json:"rcapture,omitempty"`
	Interval  string    `json:"interval"`
	Quantiles []float64 `json:"quantiles"`
	Seed      *uint64   `json:"seed,omitempty"`
	NBoot     int       `json:"nboot,omitempty"`
}

// Estimated reports whether the result holds an estimate.
func (r *Result) Estimated() bool { return r.Status == "ok" }

func (r *Result) notEstimable(err error) *Result {
	r.Status = "not_estimable"
	r.Reason = reasonOf(err)
	r.Estimate, r.DarkFigure = nil, nil
	if r.Intervals == nil {
		r.Intervals = []Interval{}
	}
	if r.TopModels == nil {
		r.TopModels = []TopModel{}
	}
	return r
}

// reasonOf strips the package prefixes from an error chain for display.
func reasonOf(err error) string {
	s := err.Error()
	for _, p := range []string{"mse: not estimable: ", "mse: "} {
		if len(s) > len(p) && s[:len(p)] == p {
			s = s[len(p):]
		}
	}
	return s
}

// Estimate selects a model for the table (unstratified) and estimates the
// population size with the requested intervals. A table or model that
// gives no finite estimate yields a Result with Status "not_estimable"
// and a Reason, and a nil error; an error is returned only for invalid
// options or tables.
func Estimate(t *Table, opts *Options) (*Result, error) {
	o, err := opts.withDefaults(t.K())
	if err != nil {
		return nil, err
	}
	if len(t.Strata) > 0 {
		return nil, errors.New("mse: Estimate needs an unstratified table; use EstimateStrata or Table.Collapse")
	}
	req := Method("")
	if opts != nil {
		req = opts.Method
	}
	if req == "" {
		req = MethodAuto
	}
	r := &Result{
		Lists:    slices.Clone(t.Lists),
		Observed: t.N(),
		Method:   string(o.Method),
		Options: OptionsInfo{Method: string(req), Model: o.Model, MaxOrder: o.MaxOrder,
			Rcapture: o.Rcapture, Interval: string(o.Interval), Quantiles: o.Quantiles},
	}
	if req != Method(r.Method) {
		r.RequestedMethod = string(req)
	}
	if o.Method == MethodStepwise || req == MethodAuto {
		r.Options.PThresh = o.PThresh
	}
	var fit *ModelFit
	var search *SearchResult
	switch o.Method {
	case MethodMain:
		fit, err = FitModel(t, MainEffects(t.K()), nil)
		r.TopModels = topFromFits([]*ModelFit{fit}, t.Lists, "")
	case MethodFixed:
		m, perr := ParseModel(o.Model, t.Lists)
		if perr != nil {
			return nil, perr
		}
		fit, err = FitModel(t, m, nil)
		r.TopModels = topFromFits([]*ModelFit{fit}, t.Lists, "")
	case MethodStepwise:
		var sw *StepwiseResult
		sw, err = Stepwise(t, o.PThresh)
		if sw != nil {
			fit = sw.Fit
			sel := &Selection{Criterion: "stepwise"}
			for _, a := range sw.Added {
				sel.Added = append(sel.Added, TermName(a, t.Lists))
			}
			r.Selection = sel
			r.TopModels = topFromRanked(sw.Path, t.Lists, "stepwise path")
		}
	case MethodBIC, MethodAIC:
		var sr *SearchResult
		sr, err = SelectByCriterion(t, Criterion(o.Method), o.MaxOrder)
		search = sr
		if errors.Is(err, ErrTooManyLists) {
			return nil, err
		}
		if sr != nil {
			r.Selection = &Selection{Criterion: string(o.Method), MaxOrder: sr.MaxOrder,
				Candidates: sr.Candidates, Valid: len(sr.Ranked)}
			r.Options.MaxOrder = sr.MaxOrder
			for i, rk := range sr.Ranked {
				if i == o.TopModels {
					break
				}
				r.TopModels = append(r.TopModels, TopModel{Rank: i + 1, Notation: rk.Model.String(),
					Named: rk.Model.Named(t.Lists), BIC: rk.BIC, AIC: rk.AIC, Estimate: rk.Estimate,
					Params: rk.Model.NumParams(), EmptyMargins: rk.EmptyMargins})
			}
			fit = sr.Best
		}
	case MethodRcapture:
		return estimateRcapture(t, o, r)
	}
	if err != nil {
		if !errors.Is(err, ErrNotEstimable) {
			return nil, err
		}
		if fit != nil {
			r.Model = modelInfo(fit.Model, t.Lists)
		}
		return r.notEstimable(err), nil
	}
	r.fit = fit
	r.Model = modelInfo(fit.Model, t.Lists)
	est, dark := fit.Estimate, fit.DarkFigure()
	r.Estimate, r.DarkFigure = &est, &dark
	r.Status = "ok"
	r.Fit = fitInfo(fit, t.Lists)
	if r.TopModels == nil {
		r.TopModels = []TopModel{}
	}
	switch o.Interval {
	case IntervalConditional:
		r.Intervals = ConditionalInterval(fit, o.Quantiles)
	case IntervalProfile:
		iv, err := profileIntervals(t, fit, o.Quantiles)
		if err != nil {
			r.Warnings = append(r.Warnings, "profile interval: "+err.Error())
		}
		r.Intervals = iv
	case IntervalBCa, IntervalPercentile:
		if err := r.runBootstrap(t, o, fit, search); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("%w: %v", ErrCancelled, err)
			}
			return nil, err
		}
		r.Options.Seed = o.Seed
		r.Options.NBoot = o.NBoot
	}
	if r.Intervals == nil {
		r.Intervals = []Interval{}
	}
	return r, nil
}

// ConditionalInterval is SparseMSE's estimatepopulation.0 interval: for
// each quantile q, n + exp(qnorm(q, θ̂_∅, s)) with s² the intercept's
// unscaled variance. It is log-normal for the dark figure and ignores both
// the Poisson variation of the unseen count and model selection.
func ConditionalInterval(f *ModelFit, quantiles []float64) []Interval {
	out := make([]Interval, 0, len(quantiles))
	sd := math.Sqrt(f.InterceptVar)
	for _, q := range sortedUnique(quantiles) {
		v := float64(f.Observed) + math.Exp(distuv.Normal{Mu: f.Intercept, Sigma: sd}.Quantile(q))
		iv := Interval{Method: string(IntervalConditional), Quantile: q, Conditional: true}
		if finite(v) {
			iv.Value = &v
		} else {
			iv.Note = "limit overflows"
		}
		out = append(out, iv)
	}
	return out
}

func sortedUnique(q []float64) []float64 {
	s := slices.Clone(q)
	sort.Float64s(s)
	return slices.Compact(s)
}

func modelInfo(m Model, lists []string) *ModelInfo {
	mi := &ModelInfo{Notation: m.String(), Named: m.Named(lists), Terms: [][]string{}}
	for _, t := range m.Interactions() {
		mi.Terms = append(mi.Terms, termNames(t, lists))
	}
	return mi
}

// TermNames returns the names of the lists in a term, in list order.
func TermNames(t Term, lists []string) []string { return termNames(t, lists) }

func termNames(t Term, lists []string) []string {
	var out []string
	for _, f := range t.Factors() {
		out = append(out, lists[f])
	}
	return out
}

func fitInfo(f *ModelFit, lists []string) *FitInfo {
	fi := &FitInfo{
		Deviance: f.Deviance, DF: f.DF, DFAllCells: f.DFAllCells, AIC: f.AIC, BIC: f.BIC,
		LogLik: f.LogLik, Params: f.Model.NumParams(), StdErr: f.StdErrEstimate,
		EmptyMargins: [][]string{}, Iterations: f.Iter, Converged: f.Status == 0,
	}
	for _, e := range f.EmptyTerms {
		fi.EmptyMargins = append(fi.EmptyMargins, termNames(e, lists))
	}
	return fi
}

func topModel(rank int, f *ModelFit, lists []string, note string) TopModel {
	return TopModel{Rank: rank, Notation: f.Model.String(), Named: f.Model.Named(lists),
		BIC: f.BIC, AIC: f.AIC, Estimate: f.Estimate, Params: f.Model.NumParams(),
		EmptyMargins: len(f.EmptyTerms), Note: note}
}

// topFromRanked lists the models of a stepwise path ranked by BIC.
func topFromRanked(path []Ranked, lists []string, note string) []TopModel {
	p := slices.Clone(path)
	slices.SortStableFunc(p, func(a, b Ranked) int { return cmp.Compare(a.BIC, b.BIC) })
	out := []TopModel{}
	for i, rk := range p {
		out = append(out, TopModel{Rank: i + 1, Notation: rk.Model.String(), Named: rk.Model.Named(lists),
			BIC: rk.BIC, AIC: rk.AIC, Estimate: rk.Estimate, Params: rk.Model.NumParams(),
			EmptyMargins: rk.EmptyMargins, Note: note})
	}
	return out
}

// topFromFits lists fits that have an estimate, ranked by BIC.
func topFromFits(fits []*ModelFit, lists []string, note string) []TopModel {
	var ok []*ModelFit
	for _, f := range fits {
		if f != nil && f.Estimate > 0 {
			ok = append(ok, f)
		}
	}
	slices.SortStableFunc(ok, func(a, b *ModelFit) int { return cmp.Compare(a.BIC, b.BIC) })
	out := []TopModel{}
	for i, f := range ok {
		out = append(out, topModel(i+1, f, lists, note))
	}
	return out
}
