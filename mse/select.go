package mse

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"

	"github.com/morketall/morketall/loglinear"
)

// DefaultPThresh is SparseMSE's and MSE-R's stepwise threshold.
const DefaultPThresh = 0.02

// StepCandidate is one candidate pair examined in one stepwise cycle.
type StepCandidate struct {
	Pair     Term
	Observed int     // N*_ij, the observed overlap of the pair
	Expected float64 // λ*_ij, its expected value under the current model
	P        float64 // the smaller one-sided Poisson tail (1 if the check fails)
	Code     int     // existence/identifiability code of current + pair
}

// Step is one cycle of the stepwise search.
type Step struct {
	Candidates []StepCandidate
	Best       Term    // the candidate with the smallest p (ties: lowest index)
	MinP       float64 // its p
	Added      bool    // whether it entered the model
}

// StepwiseResult is the outcome of Stepwise.
type StepwiseResult struct {
	Fit   *ModelFit // the selected model's fit
	Added []Term    // pairs in the order they entered
	Steps []Step
	Path  []*ModelFit // the fit after each step, starting with main effects
}

// Stepwise is SparseMSE's stepwisefit (and MSE-R's
// estimate_population_stepwise): starting from main effects, repeatedly add
// the two-list interaction whose observed overlap is least compatible with
// the current model — the smaller one-sided Poisson tail probability of
// N*_ij given λ*_ij — while that probability is below pthresh. A candidate
// whose model fails the existence or identifiability check gets p = 1.
// There is no backward step. pthresh 0 returns main effects; pthresh 1
// returns all pairs when they pass the check.
//
// Empty lists follow MSE-R: the main effect of a list with no cases is a
// −∞ term (SparseMSE would refuse every candidate instead).
func Stepwise(t *Table, pthresh float64) (*StepwiseResult, error) {
	if !(pthresh >= 0 && pthresh <= 1) {
		return nil, fmt.Errorf("mse: pthresh must be in [0, 1]")
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	return stepwiseCounts(t.K(), y, t.N(), pthresh, true)
}

func pairsOf(k int) []Term {
	var p []Term
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			p = append(p, Term(1)<<uint(i)|Term(1)<<uint(j))
		}
	}
	return p
}

// stepwiseCounts runs the search on counts by cell code. trace records
// every candidate (the bootstrap turns it off).
func stepwiseCounts(k int, y []float64, n int, pthresh float64, trace bool) (*StepwiseResult, error) {
	pairs := pairsOf(k)
	margins := loglinear.Margins(k, y)
	res := &StepwiseResult{}
	cur := MainEffects(k)
	final := func(m Model) (*StepwiseResult, error) {
		f, err := fitCounts(k, y, n, m, nil)
		res.Fit = f
		if err != nil {
			return res, err
		}
		return res, nil
	}
	if pthresh == 0 {
		return final(cur)
	}
	if pthresh == 1 {
		all, _ := NewModel(k, pairs)
		if ch, err := loglinear.CheckModel(k, all.Terms(), y); err == nil && ch.Code == 0 {
			// R reports the terms of the all-pairs formula in its own order:
			// by increasing code (12, 13, 23, 14, …).
			res.Added = slices.Sorted(slices.Values(pairs))
			return final(all)
		}
	}
	fit, err := fitCounts(k, y, n, cur, &FitOptions{SkipCheck: true})
	if err != nil {
		res.Fit = fit
		return res, err
	}
	res.Path = append(res.Path, fit)
	for cycle := 0; cycle < len(pairs); cycle++ {
		step := Step{MinP: math.Inf(1)}
		best := Term(0)
		for _, pr := range pairs {
			if cur.Has(pr) {
				continue
			}
			nstar := margins[pr]
			var lambda float64
			for i, c := range fit.Cells {
				if pr.SubsetOf(c) {
					lambda += fit.Fitted[i]
				}
			}
			p := poissonTail(nstar, lambda)
			cand := cur.With(pr)
			ch, err := loglinear.CheckModel(k, cand.Terms(), y)
			code := loglinear.CodeNoMLENotIdenti
			if err == nil {
				code = ch.Code
			}
			if code > 0 {
				p = 1
			}
			if trace {
				step.Candidates = append(step.Candidates, StepCandidate{Pair: pr, Observed: int(nstar), Expected: lambda, P: p, Code: code})
			}
			if p < step.MinP {
				step.MinP, best = p, pr
			}
		}
		if best == 0 {
			break // every pair is in
		}
		step.Best = best
		if step.MinP >= pthresh {
			res.Steps = append(res.Steps, step)
			break
		}
		step.Added = true
		res.Steps = append(res.Steps, step)
		res.Added = append(res.Added, best)
		cur = cur.With(best)
		fit, err = fitCounts(k, y, n, cur, &FitOptions{SkipCheck: true})
		if err != nil {
			res.Fit = fit
			return res, err
		}
		res.Path = append(res.Path, fit)
	}
	return final(cur)
}

// poissonTail returns min(P(X ≤ N), P(X ≥ N)) for X ~ Poisson(λ), as
// SparseMSE's min(ppois(N*, λ*), ppois(N* − 1, λ*, lower.tail = FALSE)).
func poissonTail(nstar, lambda float64) float64 {
	if lambda <= 0 {
		if nstar == 0 {
			return 1
		}
		return 0
	}
	lower := mathext.GammaIncRegComp(nstar+1, lambda) // P(X ≤ N)
	upper := 1.0                                      // P(X ≥ N)
	if nstar > 0 {
		upper = mathext.GammaIncReg(nstar, lambda)
	}
	return math.Min(lower, upper)
}

// Criterion names a model-selection criterion.
type Criterion string

// The criteria of SelectByCriterion.
const (
	BIC Criterion = "bic"
	AIC Criterion = "aic"
)

// Ranked is one model of a criterion search.
type Ranked struct {
	Fit   *ModelFit
	Score float64 // the criterion's value
}

// SearchResult is the outcome of SelectByCriterion.
type SearchResult struct {
	Criterion  Criterion
	MaxOrder   int
	Ranked     []Ranked // every valid model, best first
	Candidates int      // models in the catalogue
	Invalid    int      // models that failed the check or the fit
}

// ErrTooManyLists is returned by SelectByCriterion for K > 6.
var ErrTooManyLists = errors.New("mse: the BIC/AIC search over all hierarchical models allows at most 6 lists; use stepwise")

// SelectByCriterion fits every hierarchical model over the table's lists
// up to maxOrder (0: MSE-R's default by K) that passes the existence and
// identifiability check, and ranks them by BIC or AIC (MSE-R's
// estimate_population_bic; AIC is the same search with AIC). Exact ties
// keep the catalogue order of HierarchicalModels. For K = 6 the order is
// at most 2 (with more it would not finish), as in MSE-R.
func SelectByCriterion(t *Table, crit Criterion, maxOrder int) (*SearchResult, error) {
	k := t.K()
	if k > 6 {
		return nil, ErrTooManyLists
	}
	if crit != BIC && crit != AIC {
		return nil, fmt.Errorf("mse: unknown criterion %q", crit)
	}
	if maxOrder <= 0 {
		maxOrder = DefaultMaxOrder(k)
	}
	if k == 6 && maxOrder > 2 {
		maxOrder = 2
	}
	if maxOrder > k-1 {
		maxOrder = k - 1
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	models := HierarchicalModels(k, maxOrder)
	res := &SearchResult{Criterion: crit, MaxOrder: maxOrder, Candidates: len(models)}
	n := t.N()
	for _, m := range models {
		f, err := fitCounts(k, y, n, m, nil)
		if err != nil {
			res.Invalid++
			continue
		}
		s := f.BIC
		if crit == AIC {
			s = f.AIC
		}
		res.Ranked = append(res.Ranked, Ranked{Fit: f, Score: s})
	}
	slices.SortStableFunc(res.Ranked, func(a, b Ranked) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return 0
	})
	if len(res.Ranked) == 0 {
		return res, fmt.Errorf("%w: none of the %d models up to order %d passes the existence and identifiability check", ErrNotEstimable, len(models), maxOrder)
	}
	return res, nil
}
