package mse

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Status says whether a Result holds an estimate. Its text is the
// "status" of the estimate JSON.
type Status string

// The statuses of a Result.
const (
	// StatusOK: the result holds a finite estimate.
	StatusOK Status = "ok"
	// StatusNotEstimable: the table and method give no finite,
	// trustworthy estimate; Result.Reason says why.
	StatusNotEstimable Status = "not_estimable"
	// StatusNotConverged: a Markov chain method ran but its chains do not
	// agree; Result.Reason and Result.Diagnostics say how far they are
	// apart. There is no estimate.
	StatusNotConverged Status = "not_converged"
)

// Errors that a Fit's Estimate wraps to say why there is no estimate.
var (
	// ErrNotEstimable is wrapped by every error that means "this table
	// and method give no finite, trustworthy estimate". The message says
	// why.
	ErrNotEstimable = errors.New("mse: not estimable")
	// ErrNotConverged is wrapped when a Markov chain method's chains do
	// not agree.
	ErrNotConverged = errors.New("mse: not converged")
)

// Err returns nil for StatusOK and otherwise an error wrapping
// ErrNotEstimable or ErrNotConverged.
func (s Status) Err() error {
	switch s {
	case StatusOK:
		return nil
	case StatusNotConverged:
		return ErrNotConverged
	}
	return ErrNotEstimable
}

// Result is an estimate with everything needed to report it. Its JSON
// form is the estimate JSON of the README; field names are a contract.
type Result struct {
	Lists    []string `json:"lists"`
	Observed int      `json:"observed"`
	// Status is StatusOK, or StatusNotEstimable / StatusNotConverged with
	// Reason saying why.
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Method is the method that produced the estimate, as it names itself
	// (main, fixed, stepwise, bic, aic, rcapture:<model>, …).
	// RequestedMethod is what was asked when that differs (e.g. auto).
	Method          string     `json:"method"`
	RequestedMethod string     `json:"requested_method,omitempty"`
	Model           *ModelInfo `json:"model,omitempty"`
	// Estimate is N̂, the total population; DarkFigure is N̂ − observed.
	Estimate   *float64    `json:"estimate,omitempty"`
	DarkFigure *float64    `json:"dark_figure,omitempty"`
	Fit        *FitInfo    `json:"fit,omitempty"`
	Intervals  Intervals   `json:"intervals"`
	TopModels  []TopModel  `json:"top_models"`
	Selection  *Selection  `json:"selection,omitempty"`
	Options    OptionsInfo `json:"options"`
	// Posterior is the posterior distribution of N of a Bayesian method;
	// Diagnostics the convergence diagnostics of its chains.
	Posterior   *Posterior   `json:"posterior,omitempty"`
	Diagnostics *Diagnostics `json:"diagnostics,omitempty"`
	// Bootstrap describes the bootstrap behind "bca" and "percentile"
	// intervals (absent without one).
	Bootstrap *BootstrapInfo `json:"bootstrap,omitempty"`
	// Strata holds one result per stratum of a stratified estimate; the
	// top-level estimate is then their sum (absent when unstratified).
	Strata []StratumResult `json:"strata,omitempty"`
	// Covariates describes a model with covariates and holds the
	// estimates by group (absent for methods without covariates).
	Covariates *CovariateInfo `json:"covariates,omitempty"`
	// LinkageError is the linkage-error sensitivity, when requested.
	LinkageError *LinkageErrorResult `json:"linkage_error,omitempty"`
	// Comparison puts other methods' estimates beside this one, when
	// requested.
	Comparison *Comparison `json:"comparison,omitempty"`
	// Assumptions is the estimate under what the data cannot tell, when
	// requested.
	Assumptions *AssumptionSensitivity `json:"assumption_sensitivity,omitempty"`
	Warnings    []string               `json:"warnings,omitempty"`
	Version     string                 `json:"version,omitempty"`

	boot *bootRaw // the raw bootstrap, for stratified totals
}

// Estimated reports whether the result holds an estimate.
func (r *Result) Estimated() bool { return r.Status == StatusOK && r.Estimate != nil }

// Err returns nil when the result holds an estimate and otherwise an
// error that wraps ErrNotEstimable or ErrNotConverged and gives the reason.
func (r *Result) Err() error {
	if r.Estimated() {
		return nil
	}
	base := r.Status.Err()
	if base == nil {
		base = ErrNotEstimable
	}
	if r.Reason == "" {
		return base
	}
	return fmt.Errorf("%w: %s", base, r.Reason)
}

// setEstimate records N̂ and marks the result ok.
func (r *Result) setEstimate(est float64) {
	dark := est - float64(r.Observed)
	r.Estimate, r.DarkFigure = &est, &dark
	r.Status, r.Reason = StatusOK, ""
}

// fail marks the result as having no estimate because of err (which wraps
// ErrNotEstimable or ErrNotConverged).
func (r *Result) fail(err error) *Result {
	r.Status = StatusNotEstimable
	if errors.Is(err, ErrNotConverged) {
		r.Status = StatusNotConverged
	}
	r.Reason = Reason(err)
	r.Estimate, r.DarkFigure = nil, nil
	if r.Intervals == nil {
		r.Intervals = Intervals{}
	}
	if r.TopModels == nil {
		r.TopModels = []TopModel{}
	}
	return r
}

// Reason is an error's message for display in a result: the package
// prefixes of the chain ("mse: not estimable: ", "mse: ") are stripped.
func Reason(err error) string {
	s := err.Error()
	for _, p := range []string{"mse: not estimable: ", "mse: not converged: ", "mse: "} {
		if len(s) > len(p) && strings.HasPrefix(s, p) {
			s = s[len(p):]
		}
	}
	return s
}

// ModelInfo names the selected model.
type ModelInfo struct {
	Notation string     `json:"notation"`        // "[12,13,24,25,35,45]" or an Rcapture name
	Named    string     `json:"named,omitempty"` // "[LA:NG, LA:PFNCA, …]"
	Terms    [][]string `json:"terms"`           // interaction terms by list names
}

// InfoOf describes a hierarchical model with the table's list names.
func InfoOf(m Model, lists []string) *ModelInfo {
	mi := &ModelInfo{Notation: m.String(), Named: m.Named(lists), Terms: [][]string{}}
	for _, t := range m.Interactions() {
		mi.Terms = append(mi.Terms, TermNames(t, lists))
	}
	return mi
}

// FitInfo describes the selected model's fit (the estimate JSON's "fit").
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
	EmptyMargins int `json:"empty_margins"`
	// Conditional95 is the model's 95% interval conditional on the model
	// (the method's model-based interval, e.g. SparseMSE's log-normal),
	// when the method gives one: [lower, upper].
	Conditional95 []float64 `json:"conditional95,omitempty"`
	// Weight is the model's posterior probability, for methods that
	// average over models (graph-average); Estimate is then the median
	// of N given the model.
	Weight float64 `json:"weight,omitempty"`
	Note   string  `json:"note,omitempty"`
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

// OptionsInfo records the options that produced the result. The driver
// fills the interval fields; a method's Settings fills its own.
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
	// Settings holds the settings of methods that have more than the
	// fields above (a sampler's chains and iterations, say), by name.
	Settings map[string]any `json:"settings,omitempty"`
}

// BootstrapInfo summarises a bootstrap that re-runs the method in every
// replicate.
type BootstrapInfo struct {
	Seed  uint64 `json:"seed"`
	NBoot int    `json:"nboot"`
	// Scheme names the resampling: "rows" (multinomial over the table's
	// rows, SparseMSE and MSE-R stepwise) or "cells" (over all 2^K − 1
	// cells, MSE-R bic); the two are the same multinomial.
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

// ModelCount is one row of a model-frequency table.
type ModelCount struct {
	Notation string `json:"notation"`
	Named    string `json:"named,omitempty"`
	Count    int    `json:"count"`
}

// CountModels turns counts by notation into a table, most frequent first
// (ties by notation).
func CountModels(m map[string]int) []ModelCount {
	out := make([]ModelCount, 0, len(m))
	for k, c := range m {
		out = append(out, ModelCount{Notation: k, Count: c})
	}
	slices.SortFunc(out, func(a, b ModelCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Notation, b.Notation)
	})
	return out
}

// StratumResult is the estimate for one stratum.
type StratumResult struct {
	// Stratum maps each stratum column to its value.
	Stratum map[string]string `json:"stratum"`
	Result  *Result           `json:"result"`
}

// Posterior is the posterior distribution of the population size N of a
// Bayesian method.
type Posterior struct {
	// Quantiles maps a probability written as in the estimate JSON
	// ("0.025", "0.5", …) to its quantile of N.
	Quantiles map[string]float64 `json:"quantiles"`
	Mean      float64            `json:"mean"`
	Median    float64            `json:"median"`
	Mode      float64            `json:"mode"`
	SD        float64            `json:"sd,omitempty"`
	// Draws are the pooled posterior draws of N (Markov chain methods),
	// chain by chain; Distribution the exact posterior on a grid (exact
	// methods). Either may be absent.
	Draws        []float64 `json:"draws,omitempty"`
	Distribution []Mass    `json:"distribution,omitempty"`
	// Classes is the posterior distribution of the number of occupied
	// latent classes (a latent-class method), fewest first.
	Classes []ClassCount `json:"classes,omitempty"`
}

// ClassCount is the posterior probability of one number of occupied
// latent classes.
type ClassCount struct {
	Classes int     `json:"classes"`
	Share   float64 `json:"share"`
}

// Mass is the posterior probability of one value of N.
type Mass struct {
	N           float64 `json:"n"`
	Probability float64 `json:"p"`
}

// Diagnostics are the convergence diagnostics of a Markov chain method
// (a chain result is never reported without them): several chains, split-R̂ and the bulk and tail
// effective sample sizes (Vehtari et al. 2021) of N and of the
// log-likelihood.
type Diagnostics struct {
	Chains  int     `json:"chains"`
	RHat    float64 `json:"rhat"`
	ESSBulk float64 `json:"ess_bulk"`
	ESSTail float64 `json:"ess_tail"`
	// Other holds further diagnostics by name (R̂ of the log-likelihood,
	// the share of chains at a truncation level, …).
	Other map[string]float64 `json:"other,omitempty"`
	// Traces are the draws of N of each chain in order, thinned evenly to
	// a few hundred per chain, for trace plots; present also when the
	// chains did not converge.
	Traces [][]float64 `json:"traces,omitempty"`
}

// LinkageErrorResult is a linkage-error sensitivity analysis: how the
// estimate moves when the table is perturbed as if the linkage had missed
// or made false links (package study computes it).
type LinkageErrorResult struct {
	// Estimate is the estimator on the table as given.
	Estimate float64 `json:"estimate"`
	// Missed and False are the rates used.
	Missed float64 `json:"missed"`
	False  float64 `json:"false"`
	// Replicates counts the replicates whose estimate is a finite number;
	// Failed those whose estimator returned an error or a non-finite
	// value (e.g. a perturbed table that is not estimable).
	Replicates int `json:"replicates"`
	Failed     int `json:"failed"`
	// Mean and SD summarise the replicates' estimates.
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	// Quantiles of the replicates' estimates (R's type 7).
	Quantiles []QuantileValue `json:"quantiles"`
	// RelativeChange is the median replicate estimate over Estimate,
	// minus 1: +0.05 means the errors raise the estimate by 5%.
	RelativeChange float64 `json:"relative_change"`
	// MeanMissed and MeanFalse are the average numbers of splits and
	// merges made per replicate; MeanUnmatched the average number of
	// false merges drawn for which no person had a partner.
	MeanMissed    float64 `json:"mean_missed"`
	MeanFalse     float64 `json:"mean_false"`
	MeanUnmatched float64 `json:"mean_unmatched"`
	// Seed is the seed used.
	Seed uint64 `json:"seed"`
	// Estimates holds the finite replicate estimates in replicate order.
	Estimates []float64 `json:"-"`
}

// QuantileValue is one quantile of a distribution.
type QuantileValue struct {
	Quantile float64 `json:"quantile"`
	Value    float64 `json:"value"`
}

// Comparison puts several methods' estimates of one table side by side
// (package study computes it): the log-linear, Rcapture, latent-class and
// graph-averaging estimates with their intervals, and warnings in plain
// language when they disagree beyond their intervals or when the data show
// signs of heterogeneous capture.
type Comparison struct {
	Rows []ComparisonRow `json:"rows"`
	// Warnings say in plain language what the comparison shows.
	Warnings []string `json:"warnings"`
	// Heterogeneity lists the signs of heterogeneous capture found (each
	// a short sentence), empty when there are none.
	Heterogeneity []string `json:"heterogeneity_signs"`
}

// ComparisonRow is one method's estimate in a Comparison.
type ComparisonRow struct {
	// Procedure is "method/interval" as the study suite writes it.
	Procedure string   `json:"procedure"`
	Method    string   `json:"method"`
	Status    Status   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Model     string   `json:"model,omitempty"`
	Estimate  *float64 `json:"estimate,omitempty"`
	// Lower95 and Upper95 are the 95% interval (absent when the method
	// gives none; Upper95 absent and Open95 set for an open upper limit).
	Lower95 *float64 `json:"lower95,omitempty"`
	Upper95 *float64 `json:"upper95,omitempty"`
	Open95  bool     `json:"open95,omitempty"`
	// IntervalMethod names the interval (bca, profile, posterior, …) and
	// Conditional marks one conditional on the chosen model.
	IntervalMethod string `json:"interval_method,omitempty"`
	Conditional    bool   `json:"conditional_on_model,omitempty"`
	// AIC is the fit's AIC when the method has one (for comparing the
	// Rcapture models' fits).
	AIC *float64 `json:"aic,omitempty"`
}

// AssumptionSensitivity is the estimate as a function of what the data
// cannot tell: how much harder to find the people no list saw are than
// the model assumes (under arbitrary heterogeneity the population size is
// not identifiable; Link 2003). Package study computes it.
type AssumptionSensitivity struct {
	// Model is the hierarchical log-linear model refitted for the K-way
	// columns (absent for other methods).
	Model  string            `json:"model,omitempty"`
	Points []AssumptionPoint `json:"points"`
	// Sentence says in plain language what one point means.
	Sentence string `json:"sentence"`
}

// AssumptionPoint is the estimate under one assumption.
type AssumptionPoint struct {
	// Harder is k: the people no list saw are taken to be k times harder
	// to find than the model assumes, so there are k times as many of
	// them (1: the estimate itself; the first-order effect when capture
	// probabilities are small).
	Harder float64 `json:"harder"`
	// Estimate is n + k·(N̂ − n); Lower95 and Upper95 the estimate's 95%
	// interval with its dark figure scaled the same way.
	Estimate float64  `json:"estimate"`
	Lower95  *float64 `json:"lower95,omitempty"`
	Upper95  *float64 `json:"upper95,omitempty"`
	// KWay is the same assumption written as the K-way interaction of the
	// full table, for a log-linear model: the model refitted with it fixed
	// (Gerritse, Bakker and van der Heijden 2015).
	KWay *KWayRefit `json:"kway,omitempty"`
}

// KWayRefit is a hierarchical model refitted with the K-way interaction
// of the full table fixed at LogOddsRatio = (−1)^K log k: for the
// saturated model of the observed cells this makes the unseen k times as
// many exactly; a smaller model absorbs part of it.
type KWayRefit struct {
	LogOddsRatio float64 `json:"log_odds_ratio"`
	Estimate     float64 `json:"estimate"`
	// Lower95 and Upper95 are the refit's model-conditional interval.
	Lower95 *float64 `json:"lower95,omitempty"`
	Upper95 *float64 `json:"upper95,omitempty"`
}
