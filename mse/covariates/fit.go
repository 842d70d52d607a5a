package covariates

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// ModelFit is a model fitted to data with covariates: by Poisson
// regression on the complete cells (glm, as mse) when every covariate is
// recorded, by the EM algorithm over the partially classified people
// otherwise (as MSEincomplete).
type ModelFit struct {
	Model Model
	// Names and Coef are the coefficients with R's names ("A1",
	// "sexM", "A1:sexM") in design-column order.
	Names []string
	Coef  []float64
	// Estimate is N̂, the total population; Observed the people observed.
	Estimate float64
	Observed int
	// Deviance, DF, LogLik, AIC and BIC are as the reference package
	// defines them: for complete data R's glm (Poisson log-likelihood,
	// AIC = −2ℓ + 2P, BIC = −2ℓ + P log n with n the observed people, as
	// mse's step()); with missing covariates MSEincomplete's (see EMStats).
	Deviance float64
	DF       int
	LogLik   float64
	AIC, BIC float64
	Params   int
	// Iterations of IRLS (complete data) or EM.
	Iterations int
	Converged  bool
	// EM holds the EM's own statistics (nil for complete data).
	EM *EMStats
	// Extended is set when the maximum-likelihood estimate does not exist
	// in the strict sense (fitted values of some cells tend to 0) but the
	// estimate is determined by the cells whose fitted values stay
	// positive (the extended MLE).
	Extended bool

	data *Data
	ds   *design
	// fitted are the fitted complete cells; unobs the fitted all-lists-0
	// cell of each level combination.
	fitted, unobs []float64
}

// EMStats are MSEincomplete's statistics of an EM fit: LogLik is the
// observed-data log-likelihood Σ x log q (q the cell probabilities of the
// complete and partial rows), Params = P + the number of groups of
// partial rows with the same covariates recorded, DF = rows − Params,
// Deviance = 2 Σ y log(y/ŷ) + the partial rows' term, AIC =
// 2 (Params − 1 − LogLik), BIC = (Params − 1) log n − 2 LogLik.
type EMStats struct {
	LogLik   float64
	Params   int
	DF       int
	Deviance float64
	AIC, BIC float64
	// Tolerance is the stopping rule: the gain in LogLik below it.
	Tolerance     float64
	MaxIterations int
}

// FitOptions control FitModel. A nil *FitOptions means the defaults.
type FitOptions struct {
	// Start holds starting coefficients (a warm start, as mse's
	// bootstrap refits from the original estimates). Default nil: R's
	// glm start (μ = y + 0.1), or for EM the counts of each partial row
	// spread evenly over the cells it is compatible with.
	Start []float64
	// EMTolerance stops the EM when the gain in the observed-data
	// log-likelihood is below it times max(1, |log-likelihood|). Default
	// DefaultEMTolerance.
	EMTolerance float64
	// EMMaxIter bounds the EM iterations. Default DefaultEMMaxIter
	// (MSEincomplete's maxit); a fit that reaches it is not converged.
	EMMaxIter int
	// SkipChecks omits the existence and identifiability checks (for
	// the criterion of a candidate during a search; the selected model
	// is checked).
	SkipChecks bool
	// GLM passes options to the IRLS fit. Default nil: R's glm.control
	// (25 iterations, ε = 1e-8), with up to 75 more when they do not
	// converge.
	GLM *loglinear.Options

	// from, when set, warm-starts the fit from another model's fit on the
	// same data: coefficients of the same name are taken over, new ones
	// start at 0 (a search's candidates start from the current model).
	from *ModelFit
}

// startFrom maps the coefficients of fit g onto the columns of ds.
func startFrom(g *ModelFit, ds *design) []float64 {
	if g == nil || g.Coef == nil {
		return nil
	}
	byName := make(map[string]float64, len(g.Names))
	for i, n := range g.Names {
		byName[n] = g.Coef[i]
	}
	start := make([]float64, len(ds.names))
	for i, n := range ds.names {
		start[i] = byName[n]
	}
	return start
}

// EM defaults.
const (
	// DefaultEMTolerance is the EM's stopping rule on the relative
	// log-likelihood gain: it stops when the log-likelihood no longer
	// rises in the 15th digit. MSEincomplete stops at an absolute gain of
	// 1e-5, which leaves N̂ about 1e-8 and the estimates by level up to
	// 3e-6 (relative) from the maximum on the simulated data; 1e-13 still
	// leaves 2e-7.
	DefaultEMTolerance = 1e-15
	// DefaultEMMaxIter is MSEincomplete's maxit.
	DefaultEMMaxIter = 2000
)

// FitModel fits model m to the data. A model whose estimate is not
// determined returns the fit (with what is known of it) and an error
// wrapping mse.ErrNotEstimable that says why; an EM that does not
// converge returns an error wrapping mse.ErrNotConverged. Other errors
// mean an invalid model.
func FitModel(d *Data, m Model, opts *FitOptions) (*ModelFit, error) {
	if m.K() != d.k || m.C() != len(d.covs) {
		return nil, fmt.Errorf("%w: the model has %d lists and %d covariates, the data %d and %d", ErrModel, m.K(), m.C(), d.k, len(d.covs))
	}
	var o FitOptions
	if opts != nil {
		o = *opts
	}
	ds := newDesign(d, m)
	if d.HasMissing() {
		return fitEM(d, ds, o)
	}
	return fitComplete(d, ds, d.y, o)
}

// fitComplete is glm(formula, poisson) on the complete cells.
func fitComplete(d *Data, ds *design, y []float64, o FitOptions) (*ModelFit, error) {
	f := &ModelFit{Model: ds.model, Names: ds.names, Observed: d.n, data: d, ds: ds}
	if err := f.preCheck(o); err != nil {
		return f, err
	}
	glmOpts := loglinear.Options{}
	if o.GLM != nil {
		glmOpts = *o.GLM
	}
	if o.Start != nil {
		glmOpts.Start = o.Start
	} else if o.from != nil && o.from.EM == nil {
		glmOpts.Start = startFrom(o.from, ds)
	}
	glmOpts.SkipCovariance = true
	ws := loglinear.NewWorkspace(ds.x)
	status, err := ws.Run(y, &glmOpts)
	f.Iterations = ws.Iter()
	if status == loglinear.Diverged {
		return f, fmt.Errorf("%w: the Poisson fit diverged (no finite deviance)", mse.ErrNotEstimable)
	}
	if err != nil && !errors.Is(err, loglinear.ErrNearSingular) && !errors.Is(err, loglinear.ErrNotConverged) {
		return f, err
	}
	f.Converged = status == loglinear.Converged
	f.Coef = slices.Clone(ws.Coef())
	f.fitted = slices.Clone(ws.Mu())
	f.Params = ds.cols()
	rows, _ := ds.x.Dims()
	f.DF = rows - f.Params
	f.Deviance = ws.Deviance()
	var lgamma float64
	for _, v := range y {
		if v > 1 {
			lg, _ := math.Lgamma(v + 1)
			lgamma += lg
		}
	}
	f.LogLik = ws.LogLikKernel() - lgamma
	f.AIC = -2*f.LogLik + 2*float64(f.Params)
	f.BIC = -2*f.LogLik + float64(f.Params)*math.Log(float64(d.n))
	f.unobs = ds.unobserved(f.Coef)
	f.setEstimate()
	if status == loglinear.NearSingular && !o.SkipChecks {
		// The information matrix became near-singular: legitimate only
		// when fitted values tend to 0 (checked below).
		f.Converged = true
	}
	if o.SkipChecks {
		return f, nil
	}
	if !f.Converged {
		return f, fmt.Errorf("%w: the Poisson fit did not converge in %d iterations", mse.ErrNotEstimable, f.Iterations)
	}
	return f, f.check(ws, y, glmOpts)
}

// preCheck refuses models that cannot say anything about the unobserved.
func (f *ModelFit) preCheck(o FitOptions) error {
	if f.Model.IsListSaturated() {
		return fmt.Errorf("%w: the model holds a term with every list, which the observed cells cannot determine", mse.ErrNotEstimable)
	}
	if o.SkipChecks {
		return nil
	}
	if r := loglinear.Rank(f.ds.x); r < f.ds.cols() {
		return fmt.Errorf("%w: the model's %d parameters are not identified by the cells (rank %d)", mse.ErrNotEstimable, f.ds.cols(), r)
	}
	return nil
}

// setEstimate sums the fitted cells.
func (f *ModelFit) setEstimate() {
	var s float64
	for _, v := range f.fitted {
		s += v
	}
	for _, v := range f.unobs {
		s += v
	}
	f.Estimate = s
}

// faceTol is the fitted value below which a cell with count 0 is taken
// to lie outside the facial set, once the fit has been driven on until
// its deviance no longer changes in the 15th digit: the fitted values of
// such cells fall by a factor of about e per iteration, those of the
// other cells stay at their limits.
const faceTol = 1e-9

// check is the existence and identifiability check of the fit. The fit
// is driven on from where R's glm stops until its deviance is stable to
// 1e-15. If no cell with count 0 falls below faceTol, the
// maximum-likelihood estimate exists and is the fit. Otherwise it does
// not: some parameters tend to −∞ and the fitted values of the cells
// outside the facial set to 0 (what the Fienberg–Rinaldo linear program
// of package loglinear detects). The estimate is then the extended MLE
// (Fienberg and Rinaldo 2012) when the fitted unobserved cells have
// limits: when N̂ moved by less than 1e-6 (relative) while the fit was
// driven on — an unobserved cell in the span of the facial cells keeps
// its value, one that follows the diverging parameters down tends to 0.
// Otherwise it depends on how far the fit went (R's glm then returns
// numbers up to 1e9 and more) and the model is not estimable.
func (f *ModelFit) check(ws *loglinear.Workspace, y []float64, glmOpts loglinear.Options) error {
	if !finite(f.Estimate) || f.Estimate > mse.MaxPlausible {
		return fmt.Errorf("%w: the fitted dark figure is not a plausible number", mse.ErrNotEstimable)
	}
	o := glmOpts
	o.Start = slices.Clone(f.Coef)
	o.Epsilon, o.MaxIter, o.ExtraIter = 1e-15, 100, -1
	ws.Run(y, &o)
	mu := ws.Mu()
	for i, v := range y {
		if v == 0 && mu[i] <= faceTol {
			f.Extended = true
			break
		}
	}
	if !f.Extended {
		return nil
	}
	var n2 float64
	for _, v := range mu {
		n2 += v
	}
	for _, v := range f.ds.unobserved(ws.Coef()) {
		n2 += v
	}
	if !finite(n2) || math.Abs(n2-f.Estimate) > 1e-6*f.Estimate+1e-6 {
		return fmt.Errorf("%w: the maximum-likelihood estimate does not exist (the fitted values of some observable cells tend to 0) and the fitted unobserved cells have no limit: the dark figure depends on where the fit stops", mse.ErrNotEstimable)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func exp(x float64) float64 { return math.Exp(x) }

// Fitted returns the fitted complete cells (in Data's cell order) and the
// fitted all-lists-0 cell of each level combination.
func (f *ModelFit) Fitted() (cells, unobserved []float64) {
	return slices.Clone(f.fitted), slices.Clone(f.unobs)
}

// ByCombination returns, for each combination of covariate levels (the
// first covariate varying fastest), N̂ and the fitted unobserved count.
func (f *ModelFit) ByCombination() (est, unobserved []float64) {
	d := f.data
	est = make([]float64, d.ncomb)
	for cell, v := range f.fitted {
		_, combo := d.cellPattern(cell)
		est[combo] += v
	}
	for combo, v := range f.unobs {
		est[combo] += v
	}
	return est, slices.Clone(f.unobs)
}
