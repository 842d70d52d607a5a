package covariates

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/morketall/morketall/mse"
)

// Criterion returns the fit's −2ℓ + k·P, the quantity R's step() ranks
// models by (k = 2 is AIC, k = log n BIC): with the Poisson log-likelihood
// and P parameters for complete data (glm's extractAIC, as mse), with the
// observed-data log-likelihood and MSEincomplete's parameter count minus
// one with missing covariates (MSEincomplete's AIC and BIC). Only
// differences between models fitted to the same data mean anything.
func (f *ModelFit) Criterion(k float64) float64 {
	if f.EM != nil {
		return -2*f.EM.LogLik + k*float64(f.EM.Params-1)
	}
	return -2*f.LogLik + k*float64(f.Params)
}

// Scope is the set of models a search moves in: every model between Lower
// and Upper (hierarchical, holding all of Lower's terms, none beyond
// Upper's).
type Scope struct {
	Lower, Upper Model
}

// DefaultScope is the scope of the selection methods: from the main
// effects with the covariates' joint distribution saturated to every
// list × list and list × covariate term. With IncludeCovariatePairs the
// lower model holds main effects only and every covariate × covariate
// pair is in the upper one: mse's model_search scope (Freq ~ . to
// Freq ~ .^2).
func DefaultScope(lists, covs []string, mseScope bool) Scope {
	k, c := len(lists), len(covs)
	var upper []Term
	for i := 0; i < k+c; i++ {
		for j := i + 1; j < k+c; j++ {
			if !mseScope && i >= k {
				continue
			}
			upper = append(upper, Term(1)<<uint(i)|Term(1)<<uint(j))
		}
	}
	var lower []Term
	if !mseScope && c > 0 {
		lower = []Term{Saturated(k, c)}
		upper = append(upper, Saturated(k, c))
	}
	lo, _ := NewModel(lists, covs, lower)
	up, _ := NewModel(lists, covs, upper)
	return Scope{Lower: lo, Upper: up}
}

// Step is one model on a search path.
type Step struct {
	// Change is the term added ("+ A:sex") or dropped ("- A:B"); empty
	// for the first model.
	Change string
	Model  Model
	Fit    *ModelFit
	// Err says why the model has no estimate (nil when it has one). A
	// reference search (Admissible false) passes through such models as
	// R's step() does.
	Err error
	// Stage numbers the chained search's stage (1 BIC, 2 AIC, 3 k = 1).
	Stage int
}

// StepOptions control StepSearch.
type StepOptions struct {
	// K is the penalty per parameter: 2 (AIC) or log n (BIC). Required.
	K float64
	// Admissible restricts the moves to models with an estimate (each
	// candidate that would be chosen is checked for existence and
	// identifiability, and skipped when it fails). Default false: R's
	// step(), which ranks models by the criterion alone.
	Admissible bool
	// Fit passes options to every fit.
	Fit *FitOptions
	// MaxSteps bounds the number of moves. Default 200.
	MaxSteps int
}

// StepSearch is R's step(direction = "both") from start within scope: in
// each step every term that can be added (all its margins in the model)
// or dropped (no other term contains it, not in Lower) is tried, and the
// move that lowers the criterion most is made, until none lowers it. Ties
// go to the first candidate in R's order: drops in the order the terms
// entered, then additions in the order of Upper. It returns the path,
// from start to the selected model. An error is returned only for a
// cancelled ctx or an invalid scope.
func StepSearch(ctx context.Context, d *Data, start Model, scope Scope, o StepOptions) ([]Step, error) {
	if o.K <= 0 {
		return nil, fmt.Errorf("%w: the search needs a positive penalty", ErrModel)
	}
	maxSteps := o.MaxSteps
	if maxSteps <= 0 {
		maxSteps = 200
	}
	fitOpts := FitOptions{}
	if o.Fit != nil {
		fitOpts = *o.Fit
	}
	light := fitOpts
	light.SkipChecks = true
	fitLight := func(m Model, from *ModelFit) (*ModelFit, float64) {
		lo := light
		lo.from = from
		f, err := FitModel(d, m, &lo)
		if f == nil || f.Coef == nil || (err != nil && !errors.Is(err, mse.ErrNotConverged)) {
			return f, math.Inf(1)
		}
		c := f.Criterion(o.K)
		if !finite(c) {
			return f, math.Inf(1)
		}
		return f, c
	}
	full := func(m Model) (*ModelFit, error) { return FitModel(d, m, &fitOpts) }

	cur := start
	order := slices.Clone(cur.Interactions()) // the order terms entered (R's formula order)
	curFit, curErr := full(cur)
	if curFit == nil || curFit.Coef == nil {
		return nil, fmt.Errorf("%w: the start model cannot be fitted: %v", ErrModel, curErr)
	}
	path := []Step{{Model: cur, Fit: curFit, Err: curErr}}
	curCrit := curFit.Criterion(o.K)
	for range maxSteps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		type cand struct {
			change string
			model  Model
			crit   float64
			fit    *ModelFit
			term   Term
			add    bool
		}
		var cands []cand
		// Drops: generators of order ≥ 2 not in Lower, in entry order.
		for _, t := range order {
			if !slices.Contains(cur.gens, t) || scope.Lower.Has(t) {
				continue
			}
			m := cur.Without(t)
			f, c := fitLight(m, curFit)
			cands = append(cands, cand{"- " + cur.TermName(t), m, c, f, t, false})
		}
		// Additions: terms of Upper not in the model whose margins are.
		for _, t := range scope.Upper.Interactions() {
			if cur.Has(t) || !marginsIn(cur, t) {
				continue
			}
			m := cur.With(t)
			f, c := fitLight(m, curFit)
			cands = append(cands, cand{"+ " + cur.TermName(t), m, c, f, t, true})
		}
		// R's order(): the current model first, then the candidates in
		// table order; a stable sort by the criterion.
		idx := make([]int, len(cands))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			switch ca, cb := cands[a].crit, cands[b].crit; {
			case ca < cb:
				return -1
			case ca > cb:
				return 1
			}
			return 0
		})
		moved := false
		for _, i := range idx {
			c := cands[i]
			if !(c.crit < curCrit) {
				break // the current model is best
			}
			f, err := full(c.model)
			if o.Admissible && err != nil {
				continue
			}
			if f == nil || f.Coef == nil {
				continue
			}
			cur, curFit, curErr, curCrit = c.model, f, err, f.Criterion(o.K)
			if c.add {
				order = append(order, c.term)
			} else {
				order = slices.DeleteFunc(order, func(x Term) bool { return x == c.term })
				// Its margins of order ≥ 2 stay where they were; those
				// that were not listed (absorbed) enter now.
				for _, x := range cur.Interactions() {
					if !slices.Contains(order, x) {
						order = append(order, x)
					}
				}
			}
			path = append(path, Step{Change: c.change, Model: cur, Fit: curFit, Err: curErr})
			moved = true
			break
		}
		if !moved {
			break
		}
	}
	return path, nil
}

// marginsIn reports whether every subset of t one factor smaller is in m.
func marginsIn(m Model, t Term) bool {
	for _, f := range t.Factors() {
		if s := t &^ (Term(1) << uint(f)); s != 0 && !m.Has(s) {
			return false
		}
	}
	return true
}

// ModelSearch is mse's model_search: three chained step() runs, by BIC
// (k = log n) from start within scope, then by AIC (k = 2) from the
// BIC model with that model as the lower bound, then with k = 1 from the
// AIC model likewise. It returns every model visited, in order, each
// marked with its stage. mse's later stages can reach models whose
// estimate is not determined (R then prints numbers up to 5e9); here
// such a step carries its reason in Err.
func ModelSearch(ctx context.Context, d *Data, start Model, scope Scope, fit *FitOptions) ([]Step, error) {
	n := float64(d.n)
	var path []Step
	lower := scope.Lower
	cur := start
	for stage, k := range []float64{math.Log(n), 2, 1} {
		sc := Scope{Lower: lower, Upper: scope.Upper}
		p, err := StepSearch(ctx, d, cur, sc, StepOptions{K: k, Fit: fit})
		if err != nil {
			return nil, err
		}
		if stage > 0 {
			p = p[1:] // the first model is the previous stage's last
		}
		for i := range p {
			p[i].Stage = stage + 1
		}
		path = append(path, p...)
		if len(path) > 0 {
			cur = path[len(path)-1].Model
		}
		lower = cur
	}
	return path, nil
}
