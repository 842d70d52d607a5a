package mse

import (
	"fmt"
	"math"
	"slices"

	"github.com/morketall/morketall/loglinear"
)

// fitter fits hierarchical models to count vectors over K lists, reusing
// its memory between fits. One per goroutine.
type fitter struct {
	k   int
	chk loglinear.Checker
	d   loglinear.Design
	ws  loglinear.Workspace
	yk  []float64

	// Per count vector (set by use).
	y       []float64
	margins []float64
	n       int
	lgammaY float64 // Σ log y! over all cells
}

func newFitter(k int) *fitter { return &fitter{k: k} }

// use sets the counts (by cell code) that the following fits see.
func (f *fitter) use(y []float64, n int) {
	f.y = y
	f.n = n
	f.margins = loglinear.Margins(f.k, y)
	f.lgammaY = 0
	for _, v := range y[1:] {
		if v > 1 {
			lg, _ := math.Lgamma(v + 1)
			f.lgammaY += lg
		}
	}
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

// fitLight checks (unless skip) and fits m, without standard errors. It
// allocates nothing once warmed up.
func (f *fitter) fitLight(m Model, skipCheck bool, glm *loglinear.Options) lightFit {
	r := lightFit{code: -1}
	if f.n == 0 {
		r.reason = fmt.Errorf("%w: no cases observed", ErrNotEstimable)
		return r
	}
	terms := m.terms
	if m.IsSaturated() {
		r.reason = fmt.Errorf("%w: the saturated model %s has as many parameters as cells, and says nothing about the unobserved cell", ErrNotEstimable, m)
		return r
	}
	var cells, kept []Term
	if !skipCheck {
		code, s, err := f.chk.Code(f.k, terms, f.y, f.margins)
		if err != nil {
			r.reason = fmt.Errorf("%w: the existence check failed: %v", ErrNotEstimable, err)
			return r
		}
		r.code = code
		if code != 0 {
			r.reason = checkError(&loglinear.Check{Code: code, LPObjective: s})
			return r
		}
		kept, cells = f.chk.Kept()
		r.nEmpty = len(terms) - len(kept)
	} else {
		var empty []Term
		kept, empty, cells = loglinear.Reduce(f.k, terms, f.margins)
		r.nEmpty = len(empty)
	}
	f.d.SetHierarchical(cells, kept)
	f.yk = f.yk[:0]
	for _, c := range cells {
		f.yk = append(f.yk, f.y[c])
	}
	f.ws.Bind(&f.d)
	status, err := f.ws.Run(f.yk, glm)
	if err != nil {
		r.reason = fmt.Errorf("%w: model %s: %v", ErrNotEstimable, m, err)
		return r
	}
	_ = status
	if c := f.ws.Cond(); c > loglinear.NearSingularCond {
		r.reason = fmt.Errorf("%w: model %s: %v", ErrNotEstimable, m, &loglinear.SingularError{Cond: c})
		return r
	}
	r.intercept = f.ws.Coef()[0]
	if r.intercept > maxLogDark || !finite(r.intercept) {
		r.reason = fmt.Errorf("%w: model %s: the fitted dark figure overflows (log %.4g)", ErrNotEstimable, m, r.intercept)
		return r
	}
	p := float64(m.NumParams())
	r.logLik = f.ws.LogLikKernel() - f.lgammaY
	r.bic = p*math.Log(float64(f.n)) - 2*r.logLik
	r.aic = 2*p - 2*r.logLik
	r.estimate = float64(f.n) + math.Exp(r.intercept)
	if !finite(r.estimate) || !finite(r.bic) {
		r.reason = fmt.Errorf("%w: model %s: non-finite result", ErrNotEstimable, m)
		return r
	}
	r.ok = true
	return r
}

// fitFull fits m and returns everything about the fit (standard errors
// included).
func (f *fitter) fitFull(m Model, opts *FitOptions) (*ModelFit, error) {
	var o FitOptions
	if opts != nil {
		o = *opts
	}
	k, y, n := f.k, f.y, f.n
	mf := &ModelFit{Model: m, Observed: n}
	if n == 0 {
		return mf, fmt.Errorf("%w: no cases observed", ErrNotEstimable)
	}
	if m.IsSaturated() {
		return mf, fmt.Errorf("%w: the saturated model %s has as many parameters as cells, and says nothing about the unobserved cell", ErrNotEstimable, m)
	}
	terms := m.Terms()
	var kept, empty, cells []Term
	if !o.SkipCheck {
		ch, err := loglinear.CheckModel(k, terms, y)
		if err != nil {
			return mf, fmt.Errorf("%w: the existence check failed: %v", ErrNotEstimable, err)
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
		return mf, fmt.Errorf("%w: model %s: %v", ErrNotEstimable, m, err)
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
		return mf, fmt.Errorf("%w: model %s: the fitted dark figure overflows (log %.4g)", ErrNotEstimable, m, mf.Intercept)
	}
	dark := math.Exp(mf.Intercept)
	mf.Estimate = float64(n) + dark
	mf.StdErrEstimate = math.Sqrt(dark + dark*dark*mf.InterceptVar)
	if !finite(mf.Estimate) || !finite(mf.StdErrEstimate) || !finite(mf.BIC) {
		return mf, fmt.Errorf("%w: model %s: non-finite result", ErrNotEstimable, m)
	}
	return mf, nil
}
