package loglin

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mathext"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// DefaultPThresh is SparseMSE's and MSE-R's stepwise threshold.
const DefaultPThresh = 0.02

// StepCandidate is one candidate pair examined in one stepwise cycle.
type StepCandidate struct {
	Pair     mse.Term
	Observed int     // N*_ij, the observed overlap of the pair
	Expected float64 // λ*_ij, its expected value under the current model
	P        float64 // the smaller one-sided Poisson tail (1 if the check fails)
	Code     int     // existence/identifiability code of current + pair
}

// Step is one cycle of the stepwise search.
type Step struct {
	Candidates []StepCandidate
	Best       mse.Term // the candidate with the smallest p (ties: lowest index)
	MinP       float64  // its p
	Added      bool     // whether it entered the model
}

// StepwiseResult is the outcome of Stepwise.
type StepwiseResult struct {
	Fit   *ModelFit  // the selected model's fit
	Added []mse.Term // pairs in the order they entered
	Steps []Step
	// Path holds the model after each step, starting with main effects.
	Path []Ranked
}

// SelectStepwise is SparseMSE's stepwisefit (and MSE-R's
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
func SelectStepwise(t *mse.Table, pthresh float64) (*StepwiseResult, error) {
	if !(pthresh >= 0 && pthresh <= 1) {
		return nil, fmt.Errorf("loglin: pthresh must be in [0, 1]")
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	f := newFitter(t.K())
	f.use(y, t.N())
	res, m, err := f.stepwise(pthresh, true)
	if err != nil {
		return res, err
	}
	res.Fit, err = f.fitFull(m, nil)
	return res, err
}

func pairsOf(k int) []mse.Term {
	var p []mse.Term
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			p = append(p, mse.Term(1)<<uint(i)|mse.Term(1)<<uint(j))
		}
	}
	return p
}

// stepwise runs the search on the fitter's counts and returns the selected
// model. trace records every candidate and the path (the bootstrap turns
// it off).
func (f *fitter) stepwise(pthresh float64, trace bool) (*StepwiseResult, mse.Model, error) {
	k := f.k
	pairs := pairsOf(k)
	res := &StepwiseResult{}
	cur := mse.MainEffects(k)
	if pthresh == 0 {
		return res, cur, nil
	}
	if pthresh == 1 {
		all, _ := mse.NewModel(k, pairs)
		if code, _, err := f.chk.Code(k, all.RawTerms(), f.y, f.margins); err == nil && code == 0 {
			// R reports the terms of the all-pairs formula in its own order:
			// by increasing code (12, 13, 23, 14, …).
			res.Added = slices.Sorted(slices.Values(pairs))
			return res, all, nil
		}
	}
	terms := slices.Clone(cur.RawTerms())
	cand := make([]mse.Term, 0, len(terms)+len(pairs))
	var cells []mse.Term
	var mu []float64
	refit := func() error {
		lf := f.fitLight(cur, checkSkip, [2]uint64{}, nil)
		if !lf.ok {
			return lf.reason
		}
		cells = append(cells[:0], f.d.Cells()...)
		mu = append(mu[:0], f.ws.Mu()...)
		if trace {
			res.Path = append(res.Path, Ranked{Model: cur, Score: lf.bic, BIC: lf.bic, AIC: lf.aic,
				LogLik: lf.logLik, Estimate: lf.estimate, EmptyMargins: lf.nEmpty})
		}
		return nil
	}
	if err := refit(); err != nil {
		return res, cur, err
	}
	for cycle := 0; cycle < len(pairs); cycle++ {
		step := Step{MinP: math.Inf(1)}
		best := mse.Term(0)
		for _, pr := range pairs {
			if _, in := slices.BinarySearch(terms, pr); in {
				continue
			}
			nstar := f.margins[pr]
			var lambda float64
			for i, c := range cells {
				if pr&^c == 0 {
					lambda += mu[i]
				}
			}
			p := poissonTail(nstar, lambda)
			cand = append(cand[:0], terms...)
			pos, _ := slices.BinarySearch(cand, pr)
			cand = slices.Insert(cand, pos, pr)
			code, err := f.codeTerms(cand)
			if err != nil {
				code = loglinear.CodeNoMLENotIdenti
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
			if trace {
				res.Steps = append(res.Steps, step)
			}
			break
		}
		step.Added = true
		if trace {
			res.Steps = append(res.Steps, step)
		}
		res.Added = append(res.Added, best)
		cur = cur.With(best)
		terms = append(terms[:0], cur.RawTerms()...)
		if err := refit(); err != nil {
			return res, cur, err
		}
	}
	return res, cur, nil
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

// Ranked is one model of a criterion search.
type Ranked struct {
	Model    mse.Model
	Score    float64 // the criterion's value
	BIC, AIC float64
	LogLik   float64
	Estimate float64
	// EmptyMargins is the number of the model's terms held at −∞.
	EmptyMargins int

	start *warmStart // full-data coefficients, a warm start for the bootstrap
}

// SearchResult is the outcome of SelectByCriterion.
type SearchResult struct {
	Criterion  Criterion
	MaxOrder   int
	Ranked     []Ranked  // every valid model, best first
	Best       *ModelFit // the full fit of Ranked[0]
	Candidates int       // models in the catalogue
	Invalid    int       // models that failed the check or the fit
}

// ErrTooManyLists is returned by SelectByCriterion for K > 6.
var ErrTooManyLists = mse.UsageError("loglin: the BIC/AIC search over all hierarchical models allows at most 6 lists; use stepwise")

// SelectByCriterion fits every hierarchical model over the table's lists
// up to maxOrder (0: MSE-R's default by K) that passes the existence and
// identifiability check, and ranks them by BIC or AIC (MSE-R's
// estimate_population_bic; AIC is the same search with AIC). Exact ties
// keep the catalogue order of mse.HierarchicalModels. For K = 6 the order is
// at most 2, as in MSE-R. The models are fitted in parallel; the result
// does not depend on the number of cores.
func SelectByCriterion(t *mse.Table, crit Criterion, maxOrder int) (*SearchResult, error) {
	k := t.K()
	if k > 6 {
		return nil, ErrTooManyLists
	}
	if crit != BIC && crit != AIC {
		return nil, fmt.Errorf("loglin: unknown criterion %q", crit)
	}
	maxOrder = searchOrder(k, maxOrder)
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	models := catalogue(k, maxOrder)
	res := &SearchResult{Criterion: crit, MaxOrder: maxOrder, Candidates: len(models)}
	n := t.N()
	fits := make([]lightFit, len(models))
	starts := make([]*warmStart, len(models))
	pool.For(len(models), func() func(i int) {
		f := newFitter(k)
		f.use(y, n)
		return func(i int) {
			fits[i] = f.fitLight(models[i], checkAlways, [2]uint64{}, nil)
			if fits[i].ok {
				starts[i] = f.save()
			}
		}
	})
	for i, lf := range fits {
		if !lf.ok {
			res.Invalid++
			continue
		}
		s := lf.bic
		if crit == AIC {
			s = lf.aic
		}
		res.Ranked = append(res.Ranked, Ranked{Model: models[i], Score: s, BIC: lf.bic, AIC: lf.aic,
			LogLik: lf.logLik, Estimate: lf.estimate, EmptyMargins: lf.nEmpty, start: starts[i]})
	}
	slices.SortStableFunc(res.Ranked, func(a, b Ranked) int { return cmp.Compare(a.Score, b.Score) })
	if len(res.Ranked) == 0 {
		return res, fmt.Errorf("%w: none of the %d models up to order %d passes the existence and identifiability check", mse.ErrNotEstimable, len(models), maxOrder)
	}
	res.Best, err = fitCounts(k, y, n, res.Ranked[0].Model, nil)
	if err != nil {
		return res, err
	}
	return res, nil
}

// searchOrder resolves the maximum order of a BIC/AIC search.
func searchOrder(k, maxOrder int) int {
	if maxOrder <= 0 {
		maxOrder = DefaultMaxOrder(k)
	}
	if k == 6 && maxOrder > 2 {
		maxOrder = 2
	}
	if maxOrder > k-1 {
		maxOrder = k - 1
	}
	return maxOrder
}

var (
	catalogueMu    sync.Mutex
	catalogueCache = map[[2]int][]mse.Model{}
)

// catalogue returns mse.HierarchicalModels(k, order), computed once.
func catalogue(k, order int) []mse.Model {
	catalogueMu.Lock()
	defer catalogueMu.Unlock()
	key := [2]int{k, order}
	if m, ok := catalogueCache[key]; ok {
		return m
	}
	m := mse.HierarchicalModels(k, order)
	catalogueCache[key] = m
	return m
}
