package covariates

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// errNoCovariance says the information matrix could not be inverted.
var errNoCovariance = errors.New("covariates: the information matrix is singular")

// Covariance returns the inverse of the information matrix of the
// coefficients in the Poisson parametrisation: (XᵀWX)⁻¹ for complete data
// (summary.glm's cov.unscaled), and for missing covariates the inverse of
// the observed-data information, the negative Hessian of the observed-data
// log-likelihood Σ y log μ + Σ z log Σμ − Σ μ, by central differences of
// its score Xᵀ(E[y | z] − μ) (Fisher's identity). The block of the
// coefficients other than the intercept is the covariance of the
// multinomial parametrisation that MSEincomplete reports.
func (f *ModelFit) Covariance() (*mat.SymDense, error) {
	p := len(f.Coef)
	var info *mat.SymDense
	if f.EM == nil {
		info = f.completeInfo(f.fitted)
	} else {
		info = f.observedInfo()
	}
	var ch mat.Cholesky
	if !ch.Factorize(info) {
		return nil, errNoCovariance
	}
	cov := mat.NewSymDense(p, nil)
	if err := ch.InverseTo(cov); err != nil {
		return nil, errNoCovariance
	}
	for i := range p {
		if v := cov.At(i, i); !(v > 0) || math.IsInf(v, 0) {
			return nil, errNoCovariance
		}
	}
	return cov, nil
}

// completeInfo is XᵀWX with W = diag(mu).
func (f *ModelFit) completeInfo(mu []float64) *mat.SymDense {
	p := len(f.Coef)
	x := f.ds.x
	rows, _ := x.Dims()
	h := mat.NewSymDense(p, nil)
	nz := make([]int, 0, p)
	for i := range rows {
		nz = nz[:0]
		for j := range p {
			if x.At(i, j) != 0 {
				nz = append(nz, j)
			}
		}
		for a, ja := range nz {
			for _, jb := range nz[a:] {
				h.SetSym(ja, jb, h.At(ja, jb)+mu[i])
			}
		}
	}
	return h
}

// observedInfo is the negative Hessian of the observed-data
// log-likelihood at the fit, by central differences of the score.
func (f *ModelFit) observedInfo() *mat.SymDense {
	p := len(f.Coef)
	d := f.data
	x := f.ds.x
	rows, _ := x.Dims()
	dense := make([][]int, rows)
	for i := range rows {
		for j := range p {
			if x.At(i, j) != 0 {
				dense[i] = append(dense[i], j)
			}
		}
	}
	mu := make([]float64, rows)
	ycomp := make([]float64, rows)
	score := func(b []float64, out []float64) {
		for i, cols := range dense {
			var eta float64
			for _, j := range cols {
				eta += b[j]
			}
			mu[i] = math.Exp(eta)
		}
		estep(d, mu, ycomp)
		clear(out)
		for i, cols := range dense {
			r := ycomp[i] - mu[i]
			for _, j := range cols {
				out[j] += r
			}
		}
	}
	h := mat.NewDense(p, p, nil)
	b := make([]float64, p)
	sp, sm := make([]float64, p), make([]float64, p)
	for j := range p {
		copy(b, f.Coef)
		step := 1e-5 * math.Max(1, math.Abs(f.Coef[j]))
		b[j] = f.Coef[j] + step
		score(b, sp)
		b[j] = f.Coef[j] - step
		score(b, sm)
		for i := range p {
			h.Set(i, j, -(sp[i]-sm[i])/(2*step))
		}
	}
	info := mat.NewSymDense(p, nil)
	for i := range p {
		for j := i; j < p; j++ {
			info.SetSym(i, j, (h.At(i, j)+h.At(j, i))/2)
		}
	}
	return info
}

// StdErrs returns the standard errors of the coefficients (sqrt of the
// diagonal of Covariance).
func (f *ModelFit) StdErrs() ([]float64, error) {
	cov, err := f.Covariance()
	if err != nil {
		return nil, err
	}
	se := make([]float64, len(f.Coef))
	for i := range se {
		se[i] = math.Sqrt(cov.At(i, i))
	}
	return se, nil
}

// UnobservedSE returns the delta-method (Wald) standard error of the
// fitted unobserved count of the level combinations selected by in (all
// when in is nil), conditional on the model: sqrt(gᵀVg) with g the sum
// over those all-lists-0 cells of μ x and V = Covariance. For the total it
// is the standard error of N̂ given the observed count.
func (f *ModelFit) UnobservedSE(in func(combo int) bool) (float64, error) {
	cov, err := f.Covariance()
	if err != nil {
		return 0, err
	}
	p := len(f.Coef)
	g := mat.NewVecDense(p, nil)
	for combo, cols := range f.ds.x0 {
		if in != nil && !in(combo) {
			continue
		}
		for _, j := range cols {
			g.SetVec(j, g.AtVec(j)+f.unobs[combo])
		}
	}
	v := mat.Inner(g, cov, g)
	if !(v >= 0) || math.IsInf(v, 0) {
		return 0, errNoCovariance
	}
	return math.Sqrt(v), nil
}
