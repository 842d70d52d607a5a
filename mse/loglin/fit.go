package loglin

import (
	"fmt"
	"math"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// maxLogDark bounds log(dark figure): beyond it the estimate is not a
// number anyone should publish (and exp would overflow soon after).
const maxLogDark = 690

// ModelFit is a fitted hierarchical log-linear model with its population
// estimate, as MSE-R's fit_hier_model computes it.
type ModelFit struct {
	Model    mse.Model
	Observed int     // n, the number of cases observed
	Estimate float64 // N̂ = n + exp(θ̂_∅)
	// Intercept is θ̂_∅, the log of the expected count in the unobserved
	// cell; InterceptVar its variance from the unscaled covariance.
	Intercept, InterceptVar float64
	// LogLik is Σ over fitted cells of y log μ̂ − μ̂ − log y!.
	LogLik float64
	// BIC = P log n − 2 LogLik and AIC = 2P − 2 LogLik, where P counts every
	// term of the model, including those held at −∞ (MSE-R; SparseMSE's
	// AIC adds 2 per empty overlap to glm's AIC, which is the same).
	BIC, AIC float64
	// Deviance is the Poisson deviance over the observable cells (removed
	// cells have μ̂ = y = 0 and add nothing). DF is the residual degrees of
	// freedom: fitted cells minus fitted parameters, as glm on the reduced
	// table (SparseMSE's df.residual) counts them, the cells under empty
	// margins being structural zeros. DFAllCells is (2^K − 1) − P, as
	// Rcapture counts them; the two agree when no margin is empty.
	Deviance       float64
	DF, DFAllCells int
	// EmptyTerms are the model's terms with an empty margin, held at −∞;
	// the cells containing them are removed before fitting.
	EmptyTerms []mse.Term
	// Terms, Coef and StdErr describe the fitted (finite) parameters, in
	// increasing code order (intercept first).
	Terms          []mse.Term
	Coef, StdErr   []float64
	Cells          []mse.Term // fitted cells, increasing code
	Fitted         []float64  // μ̂ over Cells
	Iter           int
	Status         loglinear.Status
	Check          *loglinear.Check // nil when the check was skipped
	StdErrEstimate float64          // √(e^θ̂ + e^{2θ̂} Var θ̂), Rcapture's SE of N̂
}

// DarkFigure is N̂ − n.
func (f *ModelFit) DarkFigure() float64 { return f.Estimate - float64(f.Observed) }

// FitOptions control FitModel. A nil *FitOptions means the defaults.
type FitOptions struct {
	// SkipCheck skips the existence and identifiability check (the
	// stepwise search checks candidates itself). Default false.
	SkipCheck bool
	// GLM passes options to the IRLS fit. Default nil: R's glm defaults,
	// with up to 75 extra iterations when R's 25 do not converge.
	GLM *loglinear.Options
}

// cellCounts returns the counts of an unstratified table by cell code.
func cellCounts(t *mse.Table) ([]float64, error) {
	if len(t.Strata) > 0 {
		return nil, fmt.Errorf("mse: table is stratified: estimate each stratum (mse.Table.Stratum) or collapse it")
	}
	if len(t.Covariates) > 0 {
		return nil, mse.UsageError("loglin: the table has covariates, which these models do not use: drop them (mse.Table.DropCovariates) or use a covariate method")
	}
	if t.K() > loglinear.MaxFactors {
		return nil, fmt.Errorf("%w: %d lists; models are fitted for at most %d", mse.ErrModel, t.K(), loglinear.MaxFactors)
	}
	c := t.Cells()
	y := make([]float64, len(c))
	for i, v := range c {
		y[i] = float64(v)
	}
	return y, nil
}

// FitModel fits model m to table t (unstratified). Unless opts.SkipCheck,
// the model first passes the existence and identifiability check; a model
// that fails it, or whose fit is not usable, is returned with an error
// wrapping mse.ErrNotEstimable that says why (the ModelFit then carries the
// check result but no estimate).
func FitModel(t *mse.Table, m mse.Model, opts *FitOptions) (*ModelFit, error) {
	if m.K() != t.K() {
		return nil, fmt.Errorf("%w: model has %d lists, table %d", mse.ErrModel, m.K(), t.K())
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	return fitCounts(t.K(), y, t.N(), m, opts)
}

func fitCounts(k int, y []float64, n int, m mse.Model, opts *FitOptions) (*ModelFit, error) {
	f := newFitter(k)
	f.use(y, n)
	return f.fitFull(m, opts)
}

// checkError turns a failed check into an explanation.
func checkError(ch *loglinear.Check) error {
	switch ch.Code {
	case loglinear.CodeOK:
		return nil
	case loglinear.CodeNoMLE:
		return fmt.Errorf("%w: the maximum likelihood estimate does not exist: no table with only positive cells has the observed margins (Fienberg–Rinaldo linear program optimum %.3g)", mse.ErrNotEstimable, ch.LPObjective)
	case loglinear.CodeNotIdentified:
		return fmt.Errorf("%w: the model is not identifiable: its design is rank deficient by %d after removing cells under empty margins", mse.ErrNotEstimable, ch.RankDeficiency)
	default:
		return fmt.Errorf("%w: the maximum likelihood estimate does not exist and the model is not identifiable (rank deficient by %d)", mse.ErrNotEstimable, ch.RankDeficiency)
	}
}

// finite reports whether x is a finite number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
