package loglinear

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// R's glm.control defaults and poisson()$linkinv floor.
const (
	// DefaultMaxIter is R's glm.control(maxit = 25).
	DefaultMaxIter = 25
	// DefaultExtraIter is how many iterations beyond DefaultMaxIter a fit
	// may take before it is declared not converged. R stops at 25 and
	// warns; we go on when it helps and say so in Fit.Iter.
	DefaultExtraIter = 75
	// DefaultEpsilon is R's glm.control(epsilon = 1e-8).
	DefaultEpsilon = 1e-8
	// muFloor is .Machine$double.eps: R's log link never returns a smaller
	// mean.
	muFloor = 2.220446049250313e-16
	// logMuFloor is log(muFloor).
	logMuFloor = -36.04365338911715
	// nearSingularCond is the condition number (of the column-equilibrated
	// information matrix) above which a fit is flagged as near-singular.
	nearSingularCond = 1e12
)

// Status says how a fit ended.
type Status int

const (
	// Converged: the deviance changed by less than Epsilon relatively.
	Converged Status = iota
	// NotConverged: the iteration limit was reached.
	NotConverged
	// NearSingular: the information matrix is (nearly) singular; the
	// coefficients are not identified. Fit.Cond holds its condition number.
	NearSingular
	// Diverged: no finite deviance could be reached; the fit is unusable.
	Diverged
)

func (s Status) String() string {
	switch s {
	case Converged:
		return "converged"
	case NotConverged:
		return "not converged"
	case NearSingular:
		return "near-singular"
	case Diverged:
		return "diverged"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Errors returned with a Fit whose Status is not Converged.
var (
	ErrNotConverged = errors.New("loglinear: IRLS did not converge")
	ErrNearSingular = errors.New("loglinear: information matrix is near-singular")
	ErrDiverged     = errors.New("loglinear: fit diverged (no finite deviance)")
	ErrInput        = errors.New("loglinear: invalid input")
)

// SingularError is returned with a near-singular fit; it carries the
// condition number, as gonum's mat.Condition does.
type SingularError struct{ Cond float64 }

func (e *SingularError) Error() string {
	return fmt.Sprintf("loglinear: information matrix is near-singular (condition number %.3g)", e.Cond)
}

// Unwrap lets errors.Is(err, ErrNearSingular) match.
func (e *SingularError) Unwrap() error { return ErrNearSingular }

// Options control a Poisson fit. A nil *Options means the defaults, which
// reproduce R's glm(family = poisson) with glm.control().
type Options struct {
	// MaxIter is the iteration count after which R would stop. Default 25.
	MaxIter int
	// ExtraIter is how many more iterations are allowed before giving up.
	// Default 75; set a negative value to stop exactly where R stops.
	ExtraIter int
	// Epsilon is the convergence tolerance on |dev − dev_old| / (|dev| +
	// 0.1). Default 1e-8.
	Epsilon float64
	// Start, when non-nil, holds starting coefficients (a warm start; its
	// length must equal the number of columns). Default nil: R's start,
	// μ = y + 0.1.
	Start []float64
	// SkipCovariance omits the covariance matrix, standard errors and
	// condition number (for hot loops that need only the estimates).
	SkipCovariance bool
	// Offset, when non-nil, is added to the linear predictor of each row
	// (one finite value per row), as glm's offset: log μ = Xβ + offset.
	// Default nil: no offset.
	Offset []float64
}

// Fit is a fitted Poisson log-linear model (log link).
type Fit struct {
	Coef   []float64 // coefficients, one per design column
	StdErr []float64 // standard errors: sqrt of the diagonal of Cov
	// Cov is the unscaled covariance (XᵀWX)⁻¹ from the last IRLS step, as
	// summary.glm's cov.unscaled (the Poisson dispersion is 1).
	Cov *mat.SymDense
	// Deviance is the Poisson deviance 2 Σ [y log(y/μ) − (y − μ)].
	Deviance float64
	// DFResidual is the number of observations minus the number of
	// parameters.
	DFResidual int
	// LogLik is the full Poisson log-likelihood Σ [y log μ − μ − log y!].
	LogLik float64
	// AIC is −2 LogLik + 2p, as R's glm; BIC is −2 LogLik + p log(m) with m
	// the number of observations, as R's stats::BIC. Packages that count
	// parameters or observations differently derive their own from LogLik.
	AIC, BIC float64
	Fitted   []float64 // μ̂
	Pearson  []float64 // Pearson residuals (y − μ̂)/√μ̂
	Iter     int       // IRLS iterations (weighted least-squares solves)
	Status   Status
	Cond     float64 // condition number of the equilibrated XᵀWX (0 if skipped)
}

// FitPoisson fits a Poisson log-linear model by iteratively reweighted
// least squares, with R's start (μ = y + 0.1), step and stopping rule. A
// fit that is not usable is returned together with an error: it never holds
// Inf or NaN coefficients.
func FitPoisson(d *Design, y []float64, opts *Options) (*Fit, error) {
	ws := NewWorkspace(d)
	return ws.Fit(y, opts)
}

// Workspace holds the buffers of repeated fits on one design. A Workspace
// is not safe for concurrent use; make one per goroutine.
type Workspace struct {
	d                  *Design
	coef, coefOld, rhs []float64
	eta, mu, z, w      []float64
	ylogy              []float64 // y log y, 0 for y = 0
	h                  []float64 // p×p information matrix (upper)
	sw, swz            []float64 // superset sums of w and w·z (hierarchical designs)
	hdiag, scale       []float64
	work               []float64
	iwork              []int
	lastIter           int
	lastDev, lastKern  float64 // deviance and Σ (y log μ − μ)
	lastStatus         Status
	cholOK             bool
	off                []float64 // the offset of the current Run, or nil
}

// NewWorkspace allocates the buffers for fits on d.
func NewWorkspace(d *Design) *Workspace {
	ws := &Workspace{}
	ws.Bind(d)
	return ws
}

// Bind points the workspace at another design, reusing its buffers when
// they are large enough.
func (ws *Workspace) Bind(d *Design) {
	n, p := d.rows, d.cols
	ws.d = d
	grow := func(b []float64, n int) []float64 {
		if cap(b) >= n {
			return b[:n]
		}
		return make([]float64, n, n+n/2)
	}
	ws.coef, ws.coefOld, ws.rhs = grow(ws.coef, p), grow(ws.coefOld, p), grow(ws.rhs, p)
	ws.eta, ws.mu, ws.z, ws.w, ws.ylogy = grow(ws.eta, n), grow(ws.mu, n), grow(ws.z, n), grow(ws.w, n), grow(ws.ylogy, n)
	ws.h, ws.hdiag, ws.scale, ws.work = grow(ws.h, p*p), grow(ws.hdiag, p), grow(ws.scale, p), grow(ws.work, 3*p)
	if d.hierK > 0 {
		m := 1 << uint(d.hierK)
		ws.sw, ws.swz = grow(ws.sw, m), grow(ws.swz, m)
	}
	if cap(ws.iwork) >= p {
		ws.iwork = ws.iwork[:p]
	} else {
		ws.iwork = make([]int, p)
	}
}

// Fit fits the model to y and returns a freshly allocated Fit.
func (ws *Workspace) Fit(y []float64, opts *Options) (*Fit, error) {
	status, err := ws.Run(y, opts)
	d := ws.d
	n, p := d.rows, d.cols
	var lgammaY float64
	for _, v := range y {
		if v > 1 {
			lg, _ := math.Lgamma(v + 1)
			lgammaY += lg
		}
	}
	f := &Fit{
		Coef:       append([]float64(nil), ws.coef...),
		Deviance:   ws.lastDev,
		DFResidual: n - p,
		LogLik:     ws.lastKern - lgammaY,
		Fitted:     append([]float64(nil), ws.mu...),
		Pearson:    make([]float64, n),
		Iter:       ws.lastIter,
		Status:     status,
	}
	if status == Diverged {
		f.Coef = make([]float64, p)
		f.Fitted = make([]float64, n)
		f.Deviance, f.LogLik = 0, 0
		return f, err
	}
	for i := range y {
		f.Pearson[i] = (y[i] - ws.mu[i]) / math.Sqrt(ws.mu[i])
	}
	f.AIC = -2*f.LogLik + 2*float64(p)
	f.BIC = -2*f.LogLik + float64(p)*math.Log(float64(n))
	skip := opts != nil && opts.SkipCovariance
	if !skip && ws.cholOK {
		f.Cov, f.StdErr = ws.covariance()
		f.Cond = ws.cond()
		if f.Cond > nearSingularCond && f.Status == Converged {
			f.Status = NearSingular
			err = &SingularError{Cond: f.Cond}
		}
	}
	if !ws.cholOK {
		f.Status = NearSingular
		f.Cond = math.MaxFloat64
		err = &SingularError{Cond: math.Inf(1)}
		f.StdErr = make([]float64, p)
	}
	return f, err
}

// Run fits y and leaves the result in the workspace (see Coef, Mu,
// Deviance, LogLik, Iter). It allocates nothing.
func (ws *Workspace) Run(y []float64, opts *Options) (Status, error) {
	d := ws.d
	n, p := d.rows, d.cols
	if len(y) != n {
		return Diverged, fmt.Errorf("%w: %d observations for a design with %d rows", ErrInput, len(y), n)
	}
	maxIter, extra, eps := DefaultMaxIter, DefaultExtraIter, DefaultEpsilon
	var start []float64
	if opts != nil {
		if opts.MaxIter > 0 {
			maxIter = opts.MaxIter
		}
		if opts.ExtraIter != 0 {
			extra = max(opts.ExtraIter, 0)
		}
		if opts.Epsilon > 0 {
			eps = opts.Epsilon
		}
		start = opts.Start
	}
	ws.off = nil
	if opts != nil && opts.Offset != nil {
		if len(opts.Offset) != n {
			return Diverged, fmt.Errorf("%w: %d offsets for a design with %d rows", ErrInput, len(opts.Offset), n)
		}
		for _, v := range opts.Offset {
			if !isFinite(v) {
				return Diverged, fmt.Errorf("%w: offsets must be finite", ErrInput)
			}
		}
		ws.off = opts.Offset
	}
	if start != nil && len(start) != p {
		return Diverged, fmt.Errorf("%w: %d starting values for %d coefficients", ErrInput, len(start), p)
	}
	for i, v := range y {
		if !(v >= 0) || math.IsInf(v, 0) {
			return Diverged, fmt.Errorf("%w: counts must be finite and non-negative", ErrInput)
		}
		ws.ylogy[i] = 0
		if v > 0 {
			ws.ylogy[i] = v * math.Log(v)
		}
	}
	// Start: R's mustart = y + 0.1, eta = log(mustart); or a warm start.
	if start != nil {
		copy(ws.coef, start)
		ws.linpred()
	} else {
		for i, v := range y {
			ws.mu[i] = v + 0.1
			ws.eta[i] = math.Log(ws.mu[i])
		}
	}
	devOld := ws.deviance(y)
	ws.cholOK = true
	haveCoef := start != nil
	limit := maxIter + extra
	status := NotConverged
	iter := 0
	for iter = 1; iter <= limit; iter++ {
		copy(ws.coefOld, ws.coef)
		// Working response and weights for the log link: z = η + (y−μ)/μ,
		// w = μ (R's w is √μ applied to rows; the normal equations use μ).
		for i := range y {
			ws.z[i] = ws.eta[i] + (y[i]-ws.mu[i])/ws.mu[i]
			if ws.off != nil {
				ws.z[i] -= ws.off[i]
			}
			ws.w[i] = ws.mu[i]
		}
		if !ws.solveWLS() {
			ws.cholOK = false
			ws.lastIter = iter
			ws.lastStatus = NearSingular
			// Keep the last finite coefficients (or zeros).
			copy(ws.coef, ws.coefOld)
			ws.linpred()
			ws.finish(y)
			return NearSingular, &SingularError{Cond: math.Inf(1)}
		}
		ws.linpred()
		dev := ws.deviance(y)
		// R's step halving when the deviance is not finite.
		for halve := 0; !isFinite(dev); halve++ {
			if !haveCoef || halve >= maxIter {
				ws.lastIter = iter
				ws.lastStatus = Diverged
				return Diverged, ErrDiverged
			}
			for j := range ws.coef {
				ws.coef[j] = (ws.coef[j] + ws.coefOld[j]) / 2
			}
			ws.linpred()
			dev = ws.deviance(y)
		}
		haveCoef = true
		if math.Abs(dev-devOld)/(math.Abs(dev)+0.1) < eps {
			status = Converged
			break
		}
		devOld = dev
	}
	if iter > limit {
		iter = limit
	}
	for _, c := range ws.coef {
		if !isFinite(c) {
			ws.lastIter = iter
			ws.lastStatus = Diverged
			return Diverged, ErrDiverged
		}
	}
	ws.lastIter = iter
	ws.lastStatus = status
	ws.finish(y)
	if status != Converged {
		return status, fmt.Errorf("%w after %d iterations", ErrNotConverged, iter)
	}
	return status, nil
}

func (ws *Workspace) finish(y []float64) {
	ws.lastDev = ws.deviance(y)
	var k float64
	for i, v := range y {
		k += v*ws.logMu(i) - ws.mu[i]
	}
	ws.lastKern = k
}

// logMu is log μ_i, consistent with the floor on μ.
func (ws *Workspace) logMu(i int) float64 { return max(ws.eta[i], logMuFloor) }

// linpred sets η = X coef (+ the offset) and μ = max(exp(η), ε).
func (ws *Workspace) linpred() {
	d := ws.d
	if d.hierK > 0 {
		// η_ω = Σ_{θ ⊆ ω} coef_θ: a subset sum over all 2^K terms.
		k := d.hierK
		m := 1 << uint(k)
		b := ws.sw[:m]
		clear(b)
		for j, t := range d.hier {
			b[t] = ws.coef[j]
		}
		for bit := 1; bit < m; bit <<= 1 {
			for s := 0; s < m; s++ {
				if s&bit != 0 {
					b[s] += b[s&^bit]
				}
			}
		}
		for i, c := range d.hierCells {
			e := b[c]
			if ws.off != nil {
				e += ws.off[i]
			}
			ws.eta[i] = e
			ws.mu[i] = max(math.Exp(e), muFloor)
		}
		return
	}
	for i := 0; i < d.rows; i++ {
		var s float64
		for k := d.nzStart[i]; k < d.nzStart[i+1]; k++ {
			s += d.nzVal[k] * ws.coef[d.nzCol[k]]
		}
		if ws.off != nil {
			s += ws.off[i]
		}
		ws.eta[i] = s
		ws.mu[i] = max(math.Exp(s), muFloor)
	}
}

// solveWLS solves (XᵀWX) coef = XᵀWz by Cholesky, leaving the factor in
// ws.h. It reports false if XᵀWX is not numerically positive definite.
func (ws *Workspace) solveWLS() bool {
	if ws.d.hierK > 0 {
		ws.hierCrossProducts()
	} else {
		ws.crossProducts()
	}
	return ws.factorSolve()
}

// hierCrossProducts forms XᵀWX and XᵀWz for a hierarchical 0/1 design,
// where column θ is the indicator of θ ⊆ ω: (XᵀWX)_{θφ} = Σ_{ω ⊇ θ∪φ} w_ω
// and (XᵀWz)_θ = Σ_{ω ⊇ θ} w_ω z_ω. Both are superset sums, computed for
// all 2^K terms at once in O(K 2^K) instead of Σ_ω (non-zeros in row ω)².
func (ws *Workspace) hierCrossProducts() {
	d := ws.d
	p, k := d.cols, d.hierK
	m := 1 << uint(k)
	sw, swz := ws.sw[:m], ws.swz[:m]
	clear(sw)
	clear(swz)
	for i, c := range d.hierCells {
		sw[c] = ws.w[i]
		swz[c] = ws.w[i] * ws.z[i]
	}
	for b := 0; b < k; b++ {
		bit := 1 << uint(b)
		for s := 0; s < m; s++ {
			if s&bit == 0 {
				sw[s] += sw[s|bit]
				swz[s] += swz[s|bit]
			}
		}
	}
	h := ws.h
	for a, ta := range d.hier {
		ws.rhs[a] = swz[ta]
		row := h[a*p:]
		for b := a; b < p; b++ {
			row[b] = sw[ta|d.hier[b]]
		}
	}
}

// crossProducts forms XᵀWX and XᵀWz from the non-zeros of each row.
func (ws *Workspace) crossProducts() {
	d := ws.d
	p := d.cols
	h := ws.h
	clear(h)
	clear(ws.rhs)
	for i := 0; i < d.rows; i++ {
		wi := ws.w[i]
		wz := wi * ws.z[i]
		lo, hi := d.nzStart[i], d.nzStart[i+1]
		for a := lo; a < hi; a++ {
			ca := int(d.nzCol[a])
			va := d.nzVal[a]
			ws.rhs[ca] += va * wz
			wva := wi * va
			row := h[ca*p:]
			for b := a; b < hi; b++ {
				row[d.nzCol[b]] += wva * d.nzVal[b]
			}
		}
	}
}

// factorSolve equilibrates and factors XᵀWX and solves for the new
// coefficients.
func (ws *Workspace) factorSolve() bool {
	p := ws.d.cols
	h := ws.h
	// Equilibrate: H̃ = S H S with S = diag(1/√H_jj), so the Cholesky
	// factor's accuracy and the condition number do not depend on the
	// scale of the columns or the weights.
	for j := 0; j < p; j++ {
		hjj := h[j*p+j]
		if !(hjj > 0) || !isFinite(hjj) {
			return false
		}
		ws.hdiag[j] = hjj
		ws.scale[j] = 1 / math.Sqrt(hjj)
	}
	for a := 0; a < p; a++ {
		for b := a; b < p; b++ {
			h[a*p+b] *= ws.scale[a] * ws.scale[b]
		}
		ws.rhs[a] *= ws.scale[a]
	}
	// Cholesky H̃ = UᵀU in place (upper triangle, row-major), by hand: the
	// matrices are small and this is the innermost loop of every search.
	for j := 0; j < p; j++ {
		rowj := h[j*p:]
		d := rowj[j]
		for k := 0; k < j; k++ {
			u := h[k*p+j]
			d -= u * u
		}
		// Reject pivots that lost all precision (rank deficiency).
		if !(d > 1e-13) {
			return false
		}
		d = math.Sqrt(d)
		rowj[j] = d
		inv := 1 / d
		for i := j + 1; i < p; i++ {
			v := rowj[i]
			for k := 0; k < j; k++ {
				v -= h[k*p+j] * h[k*p+i]
			}
			rowj[i] = v * inv
		}
	}
	// Solve Uᵀ v = r, then U x = v.
	r := ws.rhs
	for i := 0; i < p; i++ {
		v := r[i]
		for k := 0; k < i; k++ {
			v -= h[k*p+i] * r[k]
		}
		r[i] = v / h[i*p+i]
	}
	for i := p - 1; i >= 0; i-- {
		v := r[i]
		row := h[i*p:]
		for k := i + 1; k < p; k++ {
			v -= row[k] * r[k]
		}
		r[i] = v / row[i]
	}
	for j := 0; j < p; j++ {
		ws.coef[j] = r[j] * ws.scale[j]
	}
	return true
}

// covariance returns (XᵀWX)⁻¹ from the last factorisation and its square
// root diagonal.
func (ws *Workspace) covariance() (*mat.SymDense, []float64) {
	p := ws.d.cols
	// Invert the equilibrated matrix from its Cholesky factor, then undo the
	// scaling: H⁻¹ = S H̃⁻¹ S.
	inv := make([]float64, p*p)
	copy(inv, ws.h)
	t := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Data: inv, Stride: p}
	lapack64.Potri(t)
	cov := mat.NewSymDense(p, nil)
	se := make([]float64, p)
	for a := 0; a < p; a++ {
		for b := a; b < p; b++ {
			cov.SetSym(a, b, inv[a*p+b]*ws.scale[a]*ws.scale[b])
		}
		se[a] = math.Sqrt(cov.At(a, a))
	}
	return cov, se
}

// Cond returns the 1-norm condition number of the column-equilibrated
// XᵀWX of the last Run's final step, or +Inf if it was singular. Fit
// flags fits above 1e12 as near-singular.
func (ws *Workspace) Cond() float64 {
	if !ws.cholOK {
		return math.Inf(1)
	}
	return ws.cond()
}

// NearSingularCond is the condition number above which Fit reports a
// near-singular fit.
const NearSingularCond = nearSingularCond

// cond returns the 1-norm condition number of the equilibrated XᵀWX.
func (ws *Workspace) cond() float64 {
	p := ws.d.cols
	// 1-norm of the equilibrated matrix, rebuilt from its diagonal scaling
	// of the original entries is not kept, so recompute from the factor:
	// ‖H̃‖₁ ≤ p since |H̃_ab| ≤ 1 (Cauchy–Schwarz on a PSD matrix).
	anorm := ws.equilibratedNorm()
	sym := blas64.Symmetric{Uplo: blas.Upper, N: p, Data: ws.h, Stride: p}
	rcond := lapack64.Pocon(sym, anorm, ws.work, ws.iwork)
	if rcond <= 0 {
		return math.MaxFloat64
	}
	return 1 / rcond
}

// equilibratedNorm computes ‖UᵀU‖₁ from the Cholesky factor U in ws.h.
func (ws *Workspace) equilibratedNorm() float64 {
	p := ws.d.cols
	u := ws.h
	var best float64
	for b := 0; b < p; b++ {
		var col float64
		for a := 0; a < p; a++ {
			// (UᵀU)_ab = Σ_k≤min(a,b) U_ka U_kb
			var s float64
			for k := 0; k <= min(a, b); k++ {
				s += u[k*p+a] * u[k*p+b]
			}
			col += math.Abs(s)
		}
		best = max(best, col)
	}
	return best
}

// Coef returns the workspace's current coefficients (not a copy).
func (ws *Workspace) Coef() []float64 { return ws.coef }

// Mu returns the workspace's current fitted values (not a copy).
func (ws *Workspace) Mu() []float64 { return ws.mu }

// Deviance returns the deviance of the last Run.
func (ws *Workspace) Deviance() float64 { return ws.lastDev }

// LogLikKernel returns Σ (y log μ̂ − μ̂) of the last Run: the
// log-likelihood without the constant −Σ log y!, which depends on y only.
func (ws *Workspace) LogLikKernel() float64 { return ws.lastKern }

// Iter returns the iterations of the last Run.
func (ws *Workspace) Iter() int { return ws.lastIter }

// Variance returns (XᵀWX)⁻¹[j, j] from the last Run's final
// factorisation, without forming the whole inverse.
func (ws *Workspace) Variance(j int) float64 {
	p := ws.d.cols
	// Solve H̃ v = e_j; then (H⁻¹)_jj = s_j² v_j.
	v := ws.work[:p]
	clear(v)
	v[j] = 1
	t := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Data: ws.h, Stride: p}
	lapack64.Potrs(t, blas64.General{Rows: p, Cols: 1, Data: v, Stride: 1})
	return v[j] * ws.scale[j] * ws.scale[j]
}

// deviance is the Poisson deviance 2 Σ [y log(y/μ) − (y − μ)], with
// y log(y/μ) = 0 for y = 0, computed as y log y − y log μ from the stored
// y log y and η so that no logarithm is taken per iteration.
func (ws *Workspace) deviance(y []float64) float64 {
	var s float64
	for i, v := range y {
		if v > 0 {
			s += ws.ylogy[i] - v*ws.logMu(i) - (v - ws.mu[i])
		} else {
			s += ws.mu[i]
		}
	}
	return 2 * s
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
