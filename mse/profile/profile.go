package profile

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/loglinear"
	"gonum.org/v1/gonum/mat"
)

// Label describes the interval of ProfileInterval.
const Label = "multinomial profile likelihood (Rcapture closedpCI.t; Cormack 1992), conditional on the model"

// ErrInterval is returned when a profile-likelihood interval cannot be
// computed (invalid input, a model that is not estimable, or a fit that
// fails while the profile is evaluated).
var ErrInterval = errors.New("profile: profile-likelihood interval")

// Options control ProfileInterval. A nil *Options means the
// defaults, which are closedpCI.t's.
type Options struct {
	// Alpha: the interval has coverage 1 − Alpha (it is the set of N whose
	// profile log-likelihood is within χ²₁(1 − Alpha)/2 of its maximum).
	// Default 0.05. Must be in (0, 1). See Alpha for quantiles.
	Alpha float64
	// FmaxSupCL bounds the search for the upper limit to
	// [Nmult, FmaxSupCL·N̂]. Default 3, which is also the smallest value
	// Rcapture accepts.
	FmaxSupCL float64
}

// CI is a multinomial profile-likelihood interval for the
// population size, as closedpCI.t computes it. It is conditional on the
// model: it ignores the uncertainty of model selection.
type CI struct {
	// Label is Label.
	Label string
	// Alpha is 1 − the coverage, FmaxSupCL the search bound used.
	Alpha, FmaxSupCL float64
	// Nmult is the maximiser of the multinomial profile likelihood (R's
	// "abundance" in the CI table), found by Brent's method on
	// [n, 1.5 N̂] with tolerance 1e-4 as R's optimize().
	Nmult float64
	// Lower and Upper are the limits, found as R's uniroot() with
	// tolerance 1e-4.
	Lower, Upper float64
	// LowerAtN reports that the profile log-likelihood at N = n is still
	// above the cut-off: Lower is then set to n (R: "the CI lower bound is
	// set to the sample size n").
	LowerAtN bool
	// UpperOpen reports that the profile log-likelihood at FmaxSupCL·N̂ is
	// still above the cut-off: there is no finite upper limit within the
	// search range and Upper holds the bound FmaxSupCL·N̂, below the true
	// limit (R prints ">" and that bound rounded to 0.1).
	UpperOpen bool
	// Warnings are non-fatal findings (the two flags above in words, fits
	// inside the profile that needed more IRLS iterations than R allows, a
	// root search that hit its iteration limit).
	Warnings []string
	// Evaluations is the number of profile log-likelihood evaluations
	// (each a Poisson fit).
	Evaluations int
}

// Alpha converts a pair of quantiles such as 0.025, 0.975 (the
// CLI's --quantiles) into the Alpha of a two-sided profile interval (here
// 0.05; 0.1, 0.9 gives 0.2). The profile interval uses one cut-off for both
// limits, so the quantiles must be symmetric: q₁ + q₂ = 1.
func Alpha(quantiles []float64) (float64, error) {
	if len(quantiles) != 2 {
		return 0, fmt.Errorf("%w: need exactly two quantiles, got %d", ErrInterval, len(quantiles))
	}
	lo, hi := min(quantiles[0], quantiles[1]), max(quantiles[0], quantiles[1])
	if !(lo > 0 && hi < 1 && lo < hi) || math.Abs(lo+hi-1) > 1e-9 {
		return 0, fmt.Errorf("%w: quantiles must be q and 1 − q with 0 < q < 0.5", ErrInterval)
	}
	return 1 - (hi - lo), nil
}

func (o *Options) resolve() (Options, error) {
	r := Options{Alpha: 0.05, FmaxSupCL: 3}
	if o != nil {
		if o.Alpha != 0 {
			r.Alpha = o.Alpha
		}
		if o.FmaxSupCL != 0 {
			r.FmaxSupCL = o.FmaxSupCL
		}
	}
	if !(r.Alpha > 0 && r.Alpha < 1) {
		return r, fmt.Errorf("%w: alpha must be in (0, 1)", ErrInterval)
	}
	if !(r.FmaxSupCL >= 3) || math.IsInf(r.FmaxSupCL, 0) {
		return r, fmt.Errorf("%w: FmaxSupCL must be a finite number ≥ 3", ErrInterval)
	}
	return r, nil
}

// ProfileInterval computes closedpCI.t's multinomial profile-likelihood
// interval for a Poisson log-linear model given by its design d over the
// fitted observable cells (one row per cell; column 0 must be the
// intercept, a column of ones), the counts y of those cells, the number of
// observed cases n (= Σ y) and the model's Poisson estimate nhat. The
// design may be a hierarchical model with the cells of −∞ terms removed,
// or an Rcapture heterogeneity design; for Rcapture's Chao models use
// RcaptureResult.ProfileInterval, which re-applies the negative-eta rule
// at every N as R does.
//
// The profile log-likelihood of Cormack (1992) at a continuous N refits
// the model with one more cell, the unobserved one (design row: the
// intercept only), holding N − n, and is ℓ(N) = −D(N)/2 + c(N), D the
// deviance and c Rcapture's Stirling-type correction: for N > 100,
// c = n₀ − N − ½ log(n₀/N) (n₀ = N − n; −N + ½ log(2πN) when n₀ is 0 or
// 1), else log(n₀^n₀ N! / (N^N n₀!)). Nmult maximises ℓ on [n, 1.5 N̂];
// the limits solve ℓ(N) = ℓ(Nmult) − χ²₁(1 − α)/2 on [n, Nmult] and
// [Nmult, FmaxSupCL·N̂]; see CI for the flags when a side has no
// sign change. Brent's minimiser and root finder reproduce R's optimize()
// and uniroot() step for step with R's tolerance 1e-4.
func Interval(d *loglinear.Design, y []float64, n int, nhat float64, opts *Options) (*CI, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil design", ErrInterval)
	}
	rows, cols := d.Dims()
	if rows == 0 || cols == 0 || len(y) != rows {
		return nil, fmt.Errorf("%w: %d counts for a %d×%d design", ErrInterval, len(y), rows, cols)
	}
	var sum float64
	for i, v := range y {
		if d.At(i, 0) != 1 {
			return nil, fmt.Errorf("%w: column 0 of the design must be the intercept (all ones)", ErrInterval)
		}
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: counts must be finite and non-negative", ErrInterval)
		}
		sum += v
	}
	if n <= 0 || math.Abs(sum-float64(n)) > 1e-9*float64(n) {
		return nil, fmt.Errorf("%w: n = %d must be the positive sum of the counts", ErrInterval, n)
	}
	if !(nhat > float64(n)) || math.IsInf(nhat, 0) {
		return nil, fmt.Errorf("%w: the estimate must be finite and larger than n", ErrInterval)
	}
	pm := &Model{X: d.Matrix(), Y: slices.Clone(y), N: n, EtaFrom: -1}
	return pm.Interval(nhat, opts)
}

// Model is a Poisson log-linear model over observable cells, with
// what it takes to fit it at the data and to evaluate its profile
// likelihood. It is not modified after construction, so a result's
// ProfileInterval may be called concurrently.
type Model struct {
	X        *mat.Dense // design over the fitted cells, intercept in column 0
	Names    []string   // column names (may be nil)
	Y        []float64  // counts of the fitted cells
	N        int        // observed cases
	EtaFrom  int        // Chao: columns ≥ EtaFrom are dropped when negative; −1 otherwise
	AllCells int        // 2^K − 1 when cells were removed, for DF; 0: rows of X
}

// eval holds the state of one profile computation: workspaces of
// the augmented designs (the fitted cells plus the unobserved one) by
// column set, the augmented counts, and a count of slow fits.
type eval struct {
	pm       *Model
	aug      map[string]*loglinear.Workspace
	yAug     []float64
	slowFits int // fits that needed more than R's 25 IRLS iterations
}

func (pm *Model) newEval() *eval {
	return &eval{pm: pm, aug: map[string]*loglinear.Workspace{}, yAug: append(slices.Clone(pm.Y), 0)}
}

// Design returns the design with the given columns of X.
func (pm *Model) Design(cols []int) *loglinear.Design {
	rows, _ := pm.X.Dims()
	m := mat.NewDense(rows, len(cols), nil)
	var names []string
	for jj, j := range cols {
		for i := 0; i < rows; i++ {
			m.Set(i, jj, pm.X.At(i, j))
		}
		if pm.Names != nil {
			names = append(names, pm.Names[j])
		}
	}
	return loglinear.NewDesign(m, names)
}

// Dropped returns the columns of X not in cols.
func (pm *Model) Dropped(cols []int) []int {
	_, p := pm.X.Dims()
	var out []int
	for j := 0; j < p; j++ {
		if !slices.Contains(cols, j) {
			out = append(out, j)
		}
	}
	return out
}

// Fit fits the model to y over the fitted cells and returns the fit, the
// columns kept (all, or fewer for Chao) and warnings.
func (pm *Model) Fit(y []float64) (*loglinear.Fit, []int, []string, error) {
	return NegEta(pm.X, y, pm.EtaFrom, pm.Names, func(cols []int) (*loglinear.Fit, []float64, error) {
		f, err := loglinear.FitPoisson(pm.Design(cols), y, nil)
		if f == nil || f.Status == loglinear.Diverged || f.Cov == nil && f.Status == loglinear.NearSingular {
			if err == nil {
				err = loglinear.ErrDiverged
			}
			return f, nil, err
		}
		return f, f.Coef, err
	})
}

// NegEta fits with all columns, then, when etaFrom ≥ 0, drops the first
// eta column (index ≥ etaFrom) with a negative coefficient and refits,
// until no eta coefficient is negative: Rcapture's Chao.neg. fitCols
// returns the fit, its coefficients (nil when it failed) and an error. A
// refit that fails leaves the previous fit in place with a warning, as R
// does; a failure of the first fit is returned.
//
// An eta column whose cells all have count 0 (y, the counts of the rows
// of x) counts as negative whatever its fitted value: its MLE is −∞
// (lowering it only lowers fitted values of empty cells). R's glm can
// stop before such a coefficient turns negative when the other columns
// have already made those fitted values tiny (neworl, K = 8: eta8 ends at
// +1.2 with its one cell fitted at 2e-7), and then keeps it.
func NegEta[F any](x *mat.Dense, y []float64, etaFrom int, names []string, fitCols func(cols []int) (F, []float64, error)) (F, []int, []string, error) {
	_, p := x.Dims()
	cols := make([]int, p)
	for j := range cols {
		cols[j] = j
	}
	f, coef, err := fitCols(cols)
	if coef == nil || etaFrom < 0 {
		return f, cols, nil, err
	}
	rows, _ := x.Dims()
	empty := make([]bool, p)
	for j := etaFrom; j < p; j++ {
		empty[j] = true
		for i := 0; i < rows; i++ {
			if x.At(i, j) != 0 && y[i] != 0 {
				empty[j] = false
				break
			}
		}
	}
	var warns []string
	for {
		pos := -1
		for jj, j := range cols {
			if j >= etaFrom && (coef[jj] < 0 || empty[j]) {
				pos = jj
				break
			}
		}
		if pos < 0 {
			return f, cols, warns, err
		}
		next := slices.Delete(slices.Clone(cols), pos, pos+1)
		f2, coef2, err2 := fitCols(next)
		if coef2 == nil {
			name := "column " + strconv.Itoa(cols[pos])
			if names != nil {
				name = names[cols[pos]]
			}
			warns = append(warns, fmt.Sprintf("the negative %s was kept: the fit without it failed (%v)", name, err2))
			return f, cols, warns, err
		}
		f, coef, err, cols = f2, coef2, err2, next
	}
}

// deviance returns the deviance of the model refitted to the
// observed counts plus an unobserved cell (intercept only) holding n0, the
// Chao rule re-applied from all columns.
func (pe *eval) deviance(n0 float64) (float64, error) {
	pm := pe.pm
	rows, _ := pm.X.Dims()
	pe.yAug[rows] = n0
	dev, _, _, err := NegEta(pm.X, pe.yAug, pm.EtaFrom, pm.Names, func(cols []int) (float64, []float64, error) {
		ws := pe.workspace(cols)
		status, err := ws.Run(pe.yAug, nil)
		switch status {
		case loglinear.Diverged, loglinear.NearSingular:
			return 0, nil, err
		case loglinear.NotConverged:
			// R would use its 25-iteration value with a warning; we
			// allow more iterations and use the last one.
			pe.slowFits++
		default:
			if ws.Iter() > loglinear.DefaultMaxIter {
				pe.slowFits++
			}
		}
		return ws.Deviance(), ws.Coef(), nil
	})
	if err != nil {
		return 0, fmt.Errorf("%w: the fit at N = n + %.6g failed: %v", ErrInterval, n0, err)
	}
	return dev, nil
}

// workspace returns the cached workspace of the augmented design with the
// given columns: the fitted cells plus a last row (1, 0, …, 0).
func (pe *eval) workspace(cols []int) *loglinear.Workspace {
	pm := pe.pm
	var key strings.Builder
	for _, j := range cols {
		key.WriteString(strconv.Itoa(j))
		key.WriteByte(',')
	}
	if ws, ok := pe.aug[key.String()]; ok {
		return ws
	}
	rows, _ := pm.X.Dims()
	m := mat.NewDense(rows+1, len(cols), nil)
	for jj, j := range cols {
		for i := 0; i < rows; i++ {
			m.Set(i, jj, pm.X.At(i, j))
		}
	}
	m.Set(rows, 0, 1)
	ws := loglinear.NewWorkspace(loglinear.NewDesign(m, nil))
	pe.aug[key.String()] = ws
	return ws
}

// cormackCorrection is closedpCI.t's term ct added to −D/2 to give the
// multinomial profile log-likelihood, with N = n + n0 the total.
func cormackCorrection(total, n0 float64) float64 {
	if total > 100 {
		if n0 == 0 || n0 == 1 {
			return -total + 0.5*math.Log(2*math.Pi*total)
		}
		return n0 - total - 0.5*math.Log(n0/total)
	}
	// log(n0^n0 · N! / (N^N · n0!)), with 0^0 = 1.
	var n0logn0 float64
	if n0 > 0 {
		n0logn0 = n0 * math.Log(n0)
	}
	lgN, _ := math.Lgamma(total + 1)
	lgn0, _ := math.Lgamma(n0 + 1)
	return n0logn0 + lgN - total*math.Log(total) - lgn0
}

// LogLik is the profile log-likelihood of the model at a population size
// N ≥ n: closedpCI.t's loglikemult with lobj = 0, −D(N)/2 plus Cormack's
// correction. Interval finds its maximum and the cut-off crossings.
func (pm *Model) LogLik(N float64) (float64, error) {
	n := float64(pm.N)
	if !(N >= n) || math.IsInf(N, 0) {
		return 0, fmt.Errorf("%w: N must be finite and at least n", ErrInterval)
	}
	dev, err := pm.newEval().deviance(N - n)
	if err != nil {
		return 0, err
	}
	return -dev/2 + cormackCorrection(N, N-n), nil
}

// CutOff is the drop of the profile log-likelihood from its maximum at
// the limits of a 1 − alpha interval: qchisq(1 − alpha, 1)/2.
func CutOff(alpha float64) float64 { return chisq1Half(alpha) }

// chisq1Half returns qchisq(1 − alpha, 1)/2 = qnorm(1 − alpha/2)²/2.
func chisq1Half(alpha float64) float64 {
	z := math.Sqrt2 * math.Erfinv(1-alpha)
	return z * z / 2
}

// The tolerances and iteration limit of closedpCI.t's optimize() and
// uniroot() calls.
const (
	profileTol     = 1e-4
	profileMaxIter = 1000
)

// Interval is the profile-likelihood interval of the model around its
// Poisson estimate nhat; see the function Interval.
func (pm *Model) Interval(nhat float64, opts *Options) (*CI, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	n := float64(pm.N)
	ci := &CI{Label: Label, Alpha: o.Alpha, FmaxSupCL: o.FmaxSupCL}
	pe := pm.newEval()
	// loglik is closedpCI.t's loglikemult: the profile log-likelihood
	// minus lobj.
	loglik := func(N, lobj float64) (float64, error) {
		ci.Evaluations++
		n0 := N - n
		dev, err := pe.deviance(n0)
		if err != nil {
			return 0, err
		}
		total := n + n0 // R: sum(Yavec)
		ct := cormackCorrection(total, n0)
		return (dev-2*ct)/(-2) - lobj, nil
	}

	nmult, err := brentMin(func(N float64) (float64, error) {
		l, err := loglik(N, 0)
		return -l, err
	}, n, 1.5*nhat, profileTol)
	if err != nil {
		return nil, err
	}
	lmax, err := loglik(nmult, 0)
	if err != nil {
		return nil, err
	}
	ci.Nmult = nmult
	lmin := lmax - chisq1Half(o.Alpha)
	g := func(N float64) (float64, error) { return loglik(N, lmin) }

	// root runs R's uniroot on [a, b]: ok is false when the end values do
	// not have opposite signs (or f failed there); why says so.
	root := func(a, b float64) (r float64, ok bool, why string) {
		fa, err := g(a)
		if err != nil {
			return 0, false, err.Error()
		}
		fb, err := g(b)
		if err != nil {
			return 0, false, err.Error()
		}
		if !(sign(fa)*sign(fb) <= 0) {
			return 0, false, ""
		}
		clamp := func(v float64) float64 { return max(min(v, math.MaxFloat64), -math.MaxFloat64) }
		r, iter, _, err := brentRoot(g, a, b, clamp(fa), clamp(fb), profileTol, profileMaxIter)
		if err != nil {
			return 0, false, err.Error()
		}
		if iter < 0 {
			ci.Warnings = append(ci.Warnings, fmt.Sprintf("a limit's root search did not converge in %d iterations", profileMaxIter))
		}
		return r, true, ""
	}

	if lo, ok, why := root(n, nmult); ok {
		ci.Lower = lo
	} else {
		ci.Lower, ci.LowerAtN = n, true
		msg := "the lower limit is set to the sample size n: the profile likelihood at n is above the cut-off"
		if why != "" {
			msg = "the lower limit is set to the sample size n because of this error: " + why
		}
		ci.Warnings = append(ci.Warnings, msg)
	}
	top := o.FmaxSupCL * nhat
	if hi, ok, why := root(nmult, top); ok {
		ci.Upper = hi
	} else {
		ci.Upper, ci.UpperOpen = top, true
		msg := fmt.Sprintf("the upper limit is above %.6g = %g × N̂ (no sign change in the search range); set FmaxSupCL larger to find it", top, o.FmaxSupCL)
		if why != "" {
			msg = "the upper limit could not be computed because of this error: " + why
		}
		ci.Warnings = append(ci.Warnings, msg)
	}
	// Rcapture's Stirling form of the correction, −½ log(n₀/N), is not
	// valid for n₀ < 1 and tends to +∞ as n₀ → 0 (while n₀ = 0 itself uses
	// the exact form): within one case of n the profile has a spurious
	// spike, which can pull a limit or Nmult there. We reproduce R, and
	// say so.
	if n > 100 && (ci.Nmult-n < 1 || !ci.LowerAtN && ci.Lower-n < 1) {
		ci.Warnings = append(ci.Warnings, "a limit or Nmult is within one case of n, where Rcapture's Stirling correction is not valid")
	}
	if pe.slowFits > 0 {
		ci.Warnings = append(ci.Warnings, fmt.Sprintf("%d profile fits needed more than R's %d IRLS iterations", pe.slowFits, loglinear.DefaultMaxIter))
	}
	if !allFinite(ci.Nmult, ci.Lower, ci.Upper) {
		return nil, fmt.Errorf("%w: a limit is not finite", ErrInterval)
	}
	return ci, nil
}

func allFinite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
