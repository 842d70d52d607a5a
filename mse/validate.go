package mse

import (
	"errors"
	"fmt"
	"math"
)

// MaxPlausible bounds every count and estimate a valid Result holds: no
// population that MSE is used for comes near it, and a number beyond it
// (1e308 in a hand-edited file, say) would only mislead.
const MaxPlausible = 1e12

// ErrInvalidResult is wrapped by the errors of Result.Validate.
var ErrInvalidResult = errors.New("mse: invalid estimate")

// Validate checks that a result (typically read back from an estimate
// JSON) is one that Estimate could have produced: a known status, at least
// two lists, finite non-negative counts and estimates no larger than
// MaxPlausible, an estimate at least the observed count with the dark
// figure their difference, interval limits in order and not below the
// observed count, and strata that add up. Errors name the field, never
// the offending value.
func (r *Result) Validate() error {
	return r.validate("")
}

func (r *Result) validate(where string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s"+format, append([]any{ErrInvalidResult, where}, args...)...)
	}
	if r == nil {
		return bad("no result")
	}
	for _, check := range []func(func(string, ...any) error) error{r.validateCounts, r.validateIntervals, r.validateParts} {
		if err := check(bad); err != nil {
			return err
		}
	}
	if len(r.Strata) > 0 {
		sum := 0
		for i := range r.Strata {
			s := r.Strata[i].Result
			if s == nil {
				return bad("stratum %d has no result", i+1)
			}
			if err := s.validate(fmt.Sprintf("stratum %d: ", i+1)); err != nil {
				return err
			}
			sum += s.Observed
		}
		if sum != r.Observed {
			return bad("the strata's observed counts do not add up to the total")
		}
	}
	return nil
}

// plausible reports whether x is a count or estimate a result may hold.
func plausible(x float64) bool { return finite(x) && x >= 0 && x <= MaxPlausible }

// validateCounts checks the lists, the status and the estimate.
func (r *Result) validateCounts(bad func(string, ...any) error) error {
	if len(r.Lists) < 2 {
		return bad("fewer than two lists")
	}
	seen := map[string]bool{}
	for _, l := range r.Lists {
		if l == "" || seen[l] {
			return bad("list names must be distinct and not empty")
		}
		seen[l] = true
	}
	if r.Observed < 0 || float64(r.Observed) > MaxPlausible {
		return bad("observed is out of range")
	}
	n := float64(r.Observed)
	switch r.Status {
	case StatusOK:
		if r.Estimate == nil || r.DarkFigure == nil {
			return bad("status ok without an estimate and a dark figure")
		}
		e := *r.Estimate
		if !plausible(e) || e < n-1e-6*n-1e-9 {
			return bad("the estimate must be a finite number at least the observed count and at most %g", MaxPlausible)
		}
		if d := *r.DarkFigure; !finite(d) || math.Abs(d-(e-n)) > 1e-6*e+1e-6 {
			return bad("the dark figure is not the estimate minus the observed count")
		}
	case StatusNotEstimable, StatusNotConverged:
		if r.Estimate != nil {
			return bad("status %s with an estimate", r.Status)
		}
	default:
		return bad("unknown status")
	}
	return nil
}

// validateIntervals checks the limits: in range and in order.
func (r *Result) validateIntervals(bad func(string, ...any) error) error {
	n := float64(r.Observed)
	for _, iv := range r.Intervals {
		if !(iv.Quantile > 0 && iv.Quantile < 1) {
			return bad("an interval quantile is outside (0, 1)")
		}
		if iv.Value != nil && (!plausible(*iv.Value) || *iv.Value < n-1e-6*n-1e-9) {
			return bad("an interval limit (%s, quantile %g) is not a finite number between the observed count and %g", iv.Method, iv.Quantile, MaxPlausible)
		}
	}
	for _, p := range r.Intervals.Pairs() {
		if p.Lower.Value != nil && p.Upper.Value != nil && *p.Lower.Value > *p.Upper.Value {
			return bad("the %g%% %s interval has its limits reversed", 100*p.Level, p.Method)
		}
	}
	return nil
}

// validateParts checks the top models, the fit, the bootstrap, the
// posterior and the linkage-error summary.
func (r *Result) validateParts(bad func(string, ...any) error) error {
	for _, tm := range r.TopModels {
		if !plausible(tm.Estimate) || !finite(tm.BIC) || !finite(tm.AIC) {
			return bad("top model %d has a non-finite or implausible number", tm.Rank)
		}
		if c := tm.Conditional95; c != nil && (len(c) != 2 || !plausible(c[0]) || !plausible(c[1]) || c[0] > c[1]) {
			return bad("top model %d has an invalid interval", tm.Rank)
		}
	}
	if f := r.Fit; f != nil {
		for _, x := range []float64{f.Deviance, f.AIC, f.BIC, f.LogLik, f.StdErr} {
			if !finite(x) {
				return bad("a fit statistic is not finite")
			}
		}
	}
	if b := r.Bootstrap; b != nil {
		if b.NBoot < 0 || b.NotEstimable < 0 || b.Unbounded < 0 {
			return bad("negative bootstrap counts")
		}
		for _, v := range b.Replicates {
			if !plausible(v) {
				return bad("a bootstrap replicate is not a finite number between 0 and %g", MaxPlausible)
			}
		}
	}
	if p := r.Posterior; p != nil {
		for _, x := range append([]float64{p.Mean, p.Median, p.Mode}, p.Draws...) {
			if !plausible(x) {
				return bad("a posterior summary or draw is not a plausible number")
			}
		}
	}
	if le := r.LinkageError; le != nil {
		for _, x := range []float64{le.Estimate, le.Mean, le.SD, le.RelativeChange} {
			if !finite(x) || math.Abs(x) > MaxPlausible {
				return bad("a linkage-error summary is not a plausible number")
			}
		}
	}
	if c := r.Covariates; c != nil {
		if err := c.validate(r, bad); err != nil {
			return err
		}
	}
	return nil
}
