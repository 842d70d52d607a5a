package mse

import (
	"math"
	"slices"
	"strings"
)

// CovariateInfo describes an estimate from a model with covariates
// (package mse/covariates): the covariates and their levels, how many of
// the observed people miss a value and how the missing values were
// handled, and the estimates by group. Its JSON form is the "covariates"
// section of the estimate JSON.
type CovariateInfo struct {
	// Names are the covariates in column order; Levels their levels, in
	// the order the model uses them (the first is the reference level).
	Names  []string   `json:"names"`
	Levels [][]string `json:"levels"`
	// Complete counts the observed people whose every covariate is
	// recorded, Partial those with some covariate missing.
	Complete int `json:"complete"`
	Partial  int `json:"partial"`
	// Missing counts the observed people without a value, by covariate.
	Missing map[string]int `json:"missing"`
	// Assumption states what the estimate assumes about the missing
	// values, when there are any: that they are missing at random given
	// the lists (Zwane and van der Heijden 2007).
	Assumption string `json:"assumption,omitempty"`
	// EM describes the EM algorithm that filled in the missing values
	// (absent when every covariate is recorded).
	EM *EMInfo `json:"em,omitempty"`
	// Groups are the estimates by group: each level of each covariate,
	// then each combination of the levels of two covariates, in covariate
	// and level order (the tables of mse's boot_mse).
	Groups []GroupEstimate `json:"groups"`
}

// EMInfo describes an EM fit over partially classified people.
type EMInfo struct {
	Iterations    int     `json:"iterations"`
	MaxIterations int     `json:"max_iterations"`
	Converged     bool    `json:"converged"`
	Tolerance     float64 `json:"tolerance"`
	// LogLik is the observed-data log-likelihood Σ x log q (the
	// multinomial kernel, MSEincomplete's LL).
	LogLik float64 `json:"loglik"`
}

// GroupEstimate is the estimate of one group of people: those with given
// levels of one or two covariates.
type GroupEstimate struct {
	// Group maps covariate names to the group's levels; Label writes it
	// as "sex=F" or "sex=F,age=0-17".
	Group map[string]string `json:"group"`
	Label string            `json:"label"`
	// Observed counts the observed people recorded with the group's
	// levels (people whose value is missing are not counted).
	Observed int `json:"observed"`
	// Estimate is N̂ of the group: its observed people, the partially
	// classified ones distributed over the levels by the model, and its
	// unobserved people, Unobserved (the fitted all-lists-0 cells of the
	// group). Both are absent when the group has no estimate; Reason then
	// says why.
	Estimate   *float64  `json:"estimate,omitempty"`
	Unobserved *float64  `json:"unobserved,omitempty"`
	Intervals  Intervals `json:"intervals"`
	Reason     string    `json:"reason,omitempty"`
}

// GroupLabel writes a group as "name=level,name=level" in the order given.
func GroupLabel(names, levels []string) string {
	parts := make([]string, len(names))
	for i := range names {
		parts[i] = names[i] + "=" + levels[i]
	}
	return strings.Join(parts, ",")
}

// validate checks the covariate section of a result.
func (c *CovariateInfo) validate(r *Result, bad func(string, ...any) error) error {
	if len(c.Names) == 0 || len(c.Levels) != len(c.Names) {
		return bad("covariates: names and levels do not match")
	}
	if c.Complete < 0 || c.Partial < 0 || c.Complete+c.Partial != r.Observed {
		return bad("covariates: complete and partial counts do not add up to the observed count")
	}
	for _, m := range c.Missing {
		if m < 0 || m > c.Partial {
			return bad("covariates: a missing count is out of range")
		}
	}
	sums := map[string]float64{}
	partialSum := map[string]bool{} // a level of the covariate has no estimate
	for i, g := range c.Groups {
		if g.Observed < 0 || g.Observed > r.Observed {
			return bad("covariates: group %d has an observed count out of range", i+1)
		}
		if (g.Estimate == nil) != (g.Unobserved == nil) {
			return bad("covariates: group %d has an estimate without its unobserved part or the reverse", i+1)
		}
		if g.Estimate != nil {
			if !plausible(*g.Estimate) || !plausible(*g.Unobserved) || *g.Unobserved > *g.Estimate*(1+1e-9)+1e-9 {
				return bad("covariates: group %d has an implausible estimate", i+1)
			}
		}
		for _, iv := range g.Intervals {
			if !(iv.Quantile > 0 && iv.Quantile < 1) || iv.Value != nil && !plausible(*iv.Value) {
				return bad("covariates: group %d has an invalid interval limit", i+1)
			}
		}
		for _, p := range g.Intervals.Pairs() {
			if p.Lower.Value != nil && p.Upper.Value != nil && *p.Lower.Value > *p.Upper.Value {
				return bad("covariates: group %d has an interval with its limits reversed", i+1)
			}
		}
		if len(g.Group) == 1 {
			for name := range g.Group {
				if g.Estimate == nil {
					partialSum[name] = true
				} else {
					sums[name] += *g.Estimate
				}
			}
		}
	}
	// The levels of one covariate partition the population.
	if r.Estimate != nil {
		names := make([]string, 0, len(sums))
		for n := range sums {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if !partialSum[n] && math.Abs(sums[n]-*r.Estimate) > 1e-6*(*r.Estimate)+1e-6 {
				return bad("covariates: the estimates of the levels of %q do not add up to the total", n)
			}
		}
	}
	return nil
}
