package covariates

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// fitEM is the EM algorithm of Zwane and van der Heijden (2007) for
// covariates missing at random given the lists, as MSEincomplete's
// loglinear(method = 1): the E-step distributes each partially classified
// row over the complete cells it is compatible with, in proportion to
// their current fitted probabilities; the M-step is the Poisson fit to the
// completed counts. It stops when the observed-data log-likelihood gains
// less than the tolerance. The start is deterministic: each partial row
// spread evenly over its cells (the base-R oracle's start; MSEincomplete
// draws a random one).
func fitEM(d *Data, ds *design, o FitOptions) (*ModelFit, error) {
	f := &ModelFit{Model: ds.model, Names: ds.names, Observed: d.n, data: d, ds: ds}
	tol, maxit := o.EMTolerance, o.EMMaxIter
	if tol <= 0 {
		tol = DefaultEMTolerance
	}
	if maxit <= 0 {
		maxit = DefaultEMMaxIter
	}
	f.EM = &EMStats{Tolerance: tol, MaxIterations: maxit}
	if err := f.preCheck(o); err != nil {
		return f, err
	}
	y := d.y
	ycomp := slices.Clone(y)
	if o.Start == nil {
		for _, p := range d.partial {
			share := p.count / float64(len(p.cells))
			for _, c := range p.cells {
				ycomp[c] += share
			}
		}
	}
	glmOpts := loglinear.Options{Epsilon: 1e-12, SkipCovariance: true}
	if o.GLM != nil {
		glmOpts = *o.GLM
		glmOpts.SkipCovariance = true
	}
	ws := loglinear.NewWorkspace(ds.x)
	var coef []float64
	mstep := func() error {
		opts := glmOpts
		opts.Start = coef
		status, err := ws.Run(ycomp, &opts)
		if status == loglinear.Diverged {
			return fmt.Errorf("%w: the M-step's Poisson fit diverged", mse.ErrNotEstimable)
		}
		if err != nil && !errors.Is(err, loglinear.ErrNearSingular) && !errors.Is(err, loglinear.ErrNotConverged) {
			return err
		}
		coef = append(coef[:0], ws.Coef()...)
		return nil
	}
	if o.Start != nil {
		// The first E-step from the start instead of the even spread.
		coef = slices.Clone(o.Start)
		estep(d, ds.fittedAt(coef), ycomp)
	}
	if err := mstep(); err != nil {
		return f, err
	}
	n := float64(d.n)
	prev := math.Inf(-1)
	gain := math.Inf(1)
	iter := 0
	for iter = 1; iter <= maxit; iter++ {
		ll := obsLogLik(d, ws.Mu(), n)
		gain = ll - prev
		prev = ll
		if iter > 1 && gain < tol*math.Max(1, math.Abs(ll)) {
			break
		}
		estep(d, ws.Mu(), ycomp)
		if err := mstep(); err != nil {
			return f, err
		}
	}
	f.Iterations = min(iter, maxit)
	f.Converged = iter <= maxit
	f.Coef = slices.Clone(coef)
	f.fitted = slices.Clone(ws.Mu())
	f.unobs = ds.unobserved(f.Coef)
	f.setEstimate()
	f.emStats(n)
	f.Params = ds.cols()
	if !f.Converged {
		return f, fmt.Errorf("%w: the EM did not converge in %d iterations (the log-likelihood still rose by %.3g in the last one; the tolerance is %g of it)", mse.ErrNotConverged, maxit, gain, tol)
	}
	if o.SkipChecks {
		return f, nil
	}
	return f, f.check(ws, ycomp, glmOpts)
}

// estep sets ycomp = y + the partial rows distributed over their cells in
// proportion to mu.
func estep(d *Data, mu, ycomp []float64) {
	copy(ycomp, d.y)
	for _, p := range d.partial {
		var q float64
		for _, c := range p.cells {
			q += mu[c]
		}
		if q <= 0 {
			continue
		}
		for _, c := range p.cells {
			ycomp[c] += p.count * mu[c] / q
		}
	}
}

// obsLogLik is the observed-data log-likelihood Σ y log p + Σ z log q
// with p = mu / n.
func obsLogLik(d *Data, mu []float64, n float64) float64 {
	var tot float64
	for _, v := range mu {
		tot += v
	}
	var ll float64
	for c, v := range d.y {
		if v > 0 {
			ll += v * math.Log(mu[c]/tot)
		}
	}
	for _, p := range d.partial {
		if p.count == 0 {
			continue
		}
		var q float64
		for _, c := range p.cells {
			q += mu[c]
		}
		ll += p.count * math.Log(q/tot)
	}
	return ll
}

// emStats fills in MSEincomplete's statistics of the EM fit.
func (f *ModelFit) emStats(n float64) {
	d := f.data
	mu := f.fitted
	var tot, sumY float64
	for _, v := range mu {
		tot += v
	}
	for _, v := range d.y {
		sumY += v
	}
	s := f.EM
	s.LogLik = obsLogLik(d, mu, n)
	var dev float64
	for c, v := range d.y {
		if v > 0 {
			dev += 2 * v * math.Log(v/(mu[c]/tot*sumY))
		}
	}
	// Partial rows by the set of covariates they record.
	groupSum := map[int]float64{}
	var groups []int
	for _, p := range d.partial {
		if p.count == 0 {
			continue
		}
		if _, ok := groupSum[p.group]; !ok {
			groups = append(groups, p.group)
		}
		groupSum[p.group] += p.count
	}
	nrows := len(d.y)
	for _, p := range d.partial {
		if p.count == 0 {
			continue
		}
		nrows++
		var q float64
		for _, c := range p.cells {
			q += mu[c]
		}
		q /= tot
		if p.count > 0 {
			dev += 2 * p.count * math.Log(p.count/(groupSum[p.group]*q))
		}
	}
	s.Deviance = dev
	s.Params = f.ds.cols() + len(groups)
	s.DF = nrows - s.Params
	s.AIC = 2 * (float64(s.Params) - 1 - s.LogLik)
	s.BIC = float64(s.Params-1)*math.Log(n) - 2*s.LogLik
	f.Deviance, f.DF, f.LogLik, f.AIC, f.BIC = s.Deviance, s.DF, s.LogLik, s.AIC, s.BIC
}
