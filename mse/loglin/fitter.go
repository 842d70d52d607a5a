package loglin

import (
	"fmt"
	"math"
	"slices"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// fitter fits hierarchical models to count vectors over K lists, reusing
// its memory between fits. One per goroutine.
type fitter struct {
	k   int
	chk loglinear.Checker
	d   loglinear.Design
	ws  loglinear.Workspace
	glm loglinear.Options
	yk  []float64

	kept, empty, cells []mse.Term

	// Per count vector (set by use).
	y       []float64
	margins []float64
	n       int
	lgammaY float64   // Σ log y! over all cells
	satLL   float64   // the saturated log-likelihood, an upper bound
	support [4]uint64 // cells with y > 0 (K ≤ 8)

	// cache of existence codes by (model, support), when enabled.
	cache map[checkKey]int8
}

// checkKey identifies a model and a support pattern for the cache.
type checkKey struct {
	model   [2]uint64
	support [4]uint64
}

func newFitter(k int) *fitter { return &fitter{k: k} }

// enableCache turns on the existence-code cache (models are identified by
// the ids the caller passes; K ≤ 8 only).
func (f *fitter) enableCache() {
	if f.k <= 8 {
		f.cache = make(map[checkKey]int8)
	}
}

// use sets the counts (by cell code) that the following fits see.
func (f *fitter) use(y []float64, n int) {
	f.y = y
	f.n = n
	if len(f.margins) == len(y) {
		copy(f.margins, y)
		f.margins = marginsInPlace(f.k, f.margins)
	} else {
		f.margins = loglinear.Margins(f.k, y)
	}
	f.lgammaY, f.satLL = 0, 0
	f.support = [4]uint64{}
	for c, v := range y {
		if c == 0 || v <= 0 {
			continue
		}
		if c < 256 {
			f.support[c>>6] |= 1 << uint(c&63)
		}
		lg := 0.0
		if v > 1 {
			lg, _ = math.Lgamma(v + 1)
		}
		f.lgammaY += lg
		f.satLL += v*math.Log(v) - v - lg
	}
}

// marginsInPlace turns counts by cell into superset sums, in place.
func marginsInPlace(k int, m []float64) []float64 {
	m[0] = 0
	n := len(m)
	for i := 0; i < k; i++ {
		bit := 1 << uint(i)
		for s := 0; s < n; s++ {
			if s&bit == 0 {
				m[s] += m[s|bit]
			}
		}
	}
	return m
}

// lightFit is what a model search needs of a fit.
type lightFit struct {
	ok        bool
	code      int     // check code (−1 when skipped)
	reason    error   // why not ok
	estimate  float64 // N̂
	intercept float64
	logLik    float64
	bic, aic  float64
	nEmpty    int
}

// checkMode says how fitLight runs the existence check.
type checkMode int

const (
	checkAlways checkMode = iota // run the LP
	checkCached                  // look up (id, support) in the cache first
	checkSkip                    // do not check (apply the −∞ rule only)
)

// warmStart is a fit's coefficients and the terms they belong to.
type warmStart struct {
	coef []float64
	kept []mse.Term
}

// save returns the last fit's coefficients as a warm start.
func (f *fitter) save() *warmStart {
	return &warmStart{coef: slices.Clone(f.ws.Coef()), kept: slices.Clone(f.kept)}
}

// fitLight checks and fits m, without standard errors. id identifies the
// model for checkCached; start, when it was saved for the same kept
// terms, is a warm start. It allocates nothing once warmed up.
func (f *fitter) fitLight(m mse.Model, mode checkMode, id [2]uint64, start *warmStart) lightFit {
	r := lightFit{code: -1}
	if f.n == 0 {
		r.reason = fmt.Errorf("%w: no cases observed", mse.ErrNotEstimable)
		return r
	}
	terms := m.RawTerms()
	if m.IsSaturated() {
		r.reason = fmt.Errorf("%w: the saturated model %s has as many parameters as cells, and says nothing about the unobserved cell", mse.ErrNotEstimable, m)
		return r
	}
	if mode != checkSkip {
		code, err := f.code(m, mode, id)
		if err != nil {
			r.reason = fmt.Errorf("%w: the existence check failed: %v", mse.ErrNotEstimable, err)
			return r
		}
		r.code = code
		if code != 0 {
			r.reason = checkError(&loglinear.Check{Code: code})
			return r
		}
	}
	f.kept, f.empty, f.cells = loglinear.ReduceInto(f.k, terms, f.margins, f.kept[:0], f.empty[:0], f.cells[:0])
	r.nEmpty = len(f.empty)
	f.d.SetHierarchical(f.cells, f.kept)
	f.yk = f.yk[:0]
	for _, c := range f.cells {
		f.yk = append(f.yk, f.y[c])
	}
	f.ws.Bind(&f.d)
	f.glm.Start = nil
	if start != nil && slices.Equal(start.kept, f.kept) {
		f.glm.Start = start.coef
	}
	if _, err := f.ws.Run(f.yk, &f.glm); err != nil {
		r.reason = fmt.Errorf("%w: model %s: %v", mse.ErrNotEstimable, m, err)
		if c := f.ws.Coef(); len(c) > 0 {
			r.intercept = c[0]
		}
		return r
	}
	// No condition-number check here: like R's glm.fit, a search accepts
	// any fit whose design has full rank (rank deficiency fails the
	// Cholesky). The selected model's full fit reports its condition.
	r.intercept = f.ws.Coef()[0]
	if r.intercept > maxLogDark || !finite(r.intercept) {
		r.reason = fmt.Errorf("%w: model %s: the fitted dark figure overflows (log %.4g)", mse.ErrNotEstimable, m, r.intercept)
		return r
	}
	p := float64(m.NumParams())
	r.logLik = f.ws.LogLikKernel() - f.lgammaY
	r.bic = p*math.Log(float64(f.n)) - 2*r.logLik
	r.aic = 2*p - 2*r.logLik
	r.estimate = float64(f.n) + math.Exp(r.intercept)
	if !finite(r.estimate) || !finite(r.bic) {
		r.reason = fmt.Errorf("%w: model %s: non-finite result", mse.ErrNotEstimable, m)
		return r
	}
	r.ok = true
	return r
}

// unboundedFactor: a replicate whose dark figure exceeds this many times
// the number observed counts as unbounded.
const unboundedFactor = 1e6

// withoutMLE handles a bootstrap replicate whose selected model m is
// identifiable but has no maximum-likelihood estimate (check code 1): it
// fits m without the check, as R's glm does, and returns +Inf when the
// dark figure grows without bound (the usual case: a replicate in which
// the lists no longer overlap enough), or the fitted value when the fit
// settles (then it approximates the extended MLE of N). ok is false when
// neither can be said.
func (f *fitter) withoutMLE(m mse.Model) (float64, bool) {
	lf := f.fitLight(m, checkSkip, [2]uint64{}, nil)
	n := float64(f.n)
	limit := math.Log(unboundedFactor * n)
	switch {
	case lf.ok && lf.intercept <= limit:
		return lf.estimate, true
	case lf.intercept > limit:
		return math.Inf(1), true
	}
	return math.NaN(), false
}

// code returns the existence/identifiability code of m on the current
// counts, from the cache when mode is checkCached and it is enabled.
func (f *fitter) code(m mse.Model, mode checkMode, id [2]uint64) (int, error) {
	if mode == checkCached && f.cache != nil {
		key := checkKey{model: id, support: f.support}
		if c, ok := f.cache[key]; ok {
			return int(c), nil
		}
		code, _, err := f.chk.Code(f.k, m.RawTerms(), f.y, f.margins)
		if err != nil {
			return 0, err
		}
		f.cache[key] = int8(code)
		return code, nil
	}
	code, _, err := f.chk.Code(f.k, m.RawTerms(), f.y, f.margins)
	return code, err
}

// pairsID identifies a model by its set of pairs, for the check cache of
// pairwise models (K ≤ 11); ok is false for models with higher terms.
func pairsID(m mse.Model) (id [2]uint64, ok bool) {
	k := m.K()
	idx := 0
	for i := 0; i < k; i++ {
		for j := i + 1; j < k; j++ {
			if m.Has(mse.Term(1)<<uint(i) | mse.Term(1)<<uint(j)) {
				id[idx>>6] |= 1 << uint(idx&63)
			}
			idx++
		}
	}
	if m.Order() > 2 || idx > 128 {
		return id, false
	}
	id[1] |= 1 << 63 // namespace: pairwise models
	return id, true
}

// fitFull fits m and returns everything about the fit (standard errors
// included).
func (f *fitter) fitFull(m mse.Model, opts *FitOptions) (*ModelFit, error) {
	var o FitOptions
	if opts != nil {
		o = *opts
	}
	k, y, n := f.k, f.y, f.n
	mf := &ModelFit{Model: m, Observed: n}
	if n == 0 {
		return mf, fmt.Errorf("%w: no cases observed", mse.ErrNotEstimable)
	}
	if m.IsSaturated() {
		return mf, fmt.Errorf("%w: the saturated model %s has as many parameters as cells, and says nothing about the unobserved cell", mse.ErrNotEstimable, m)
	}
	terms := m.Terms()
	var kept, empty, cells []mse.Term
	if !o.SkipCheck {
		ch, err := loglinear.CheckModel(k, terms, y)
		if err != nil {
			return mf, fmt.Errorf("%w: the existence check failed: %v", mse.ErrNotEstimable, err)
		}
		mf.Check = ch
		kept, empty, cells = ch.KeptTerms, ch.EmptyTerms, ch.KeptCells
		mf.EmptyTerms = empty
		if err := checkError(ch); err != nil {
			return mf, err
		}
	} else {
		kept, empty, cells = loglinear.Reduce(k, terms, f.margins)
		mf.EmptyTerms = empty
	}
	d := loglinear.HierarchicalDesign(cells, kept)
	yk := make([]float64, len(cells))
	for i, c := range cells {
		yk[i] = y[c]
	}
	fit, err := loglinear.FitPoisson(d, yk, o.GLM)
	mf.Terms, mf.Cells = slices.Clone(kept), slices.Clone(cells)
	mf.Iter, mf.Status = fit.Iter, fit.Status
	if err != nil {
		return mf, fmt.Errorf("%w: model %s: %v", mse.ErrNotEstimable, m, err)
	}
	p := float64(m.NumParams())
	mf.Coef, mf.StdErr, mf.Fitted = fit.Coef, fit.StdErr, fit.Fitted
	mf.Intercept = fit.Coef[0]
	mf.InterceptVar = fit.Cov.At(0, 0)
	mf.LogLik = fit.LogLik
	mf.Deviance = fit.Deviance
	mf.BIC = p*math.Log(float64(n)) - 2*fit.LogLik
	mf.AIC = 2*p - 2*fit.LogLik
	mf.DF = fit.DFResidual
	mf.DFAllCells = (1<<uint(k) - 1) - m.NumParams()
	if mf.Intercept > maxLogDark || !finite(mf.Intercept) {
		return mf, fmt.Errorf("%w: model %s: the fitted dark figure overflows (log %.4g)", mse.ErrNotEstimable, m, mf.Intercept)
	}
	dark := math.Exp(mf.Intercept)
	mf.Estimate = float64(n) + dark
	mf.StdErrEstimate = math.Sqrt(dark + dark*dark*mf.InterceptVar)
	if !finite(mf.Estimate) || !finite(mf.StdErrEstimate) || !finite(mf.BIC) {
		return mf, fmt.Errorf("%w: model %s: non-finite result", mse.ErrNotEstimable, m)
	}
	return mf, nil
}

// codeTerms returns the check code of the pairwise model with the given
// terms (sorted, with intercept and main effects), cached by its pairs
// when the cache is on.
func (f *fitter) codeTerms(terms []mse.Term) (int, error) {
	if f.cache != nil && f.k <= 11 {
		var id [2]uint64
		idx := 0
		pairwise := true
		for _, t := range terms {
			if t.Size() > 2 {
				pairwise = false
			}
		}
		if pairwise {
			for i := 0; i < f.k; i++ {
				for j := i + 1; j < f.k; j++ {
					if _, in := slices.BinarySearch(terms, mse.Term(1)<<uint(i)|mse.Term(1)<<uint(j)); in {
						id[idx>>6] |= 1 << uint(idx&63)
					}
					idx++
				}
			}
			id[1] |= 1 << 63
			key := checkKey{model: id, support: f.support}
			if c, ok := f.cache[key]; ok {
				return int(c), nil
			}
			code, _, err := f.chk.Code(f.k, terms, f.y, f.margins)
			if err != nil {
				return 0, err
			}
			f.cache[key] = int8(code)
			return code, nil
		}
	}
	code, _, err := f.chk.Code(f.k, terms, f.y, f.margins)
	return code, err
}
