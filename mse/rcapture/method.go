package rcapture

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/profile"
)

// Method fits one of Rcapture's closed-population models as an
// mse.Method. Its conditional interval is the log-normal interval of Chao
// (1987) and its profile interval closedpCI.t's; the bootstrap refits the
// model in every replicate.
type Method struct {
	// Model is the model, one of Models. Required.
	Model Model
}

// Name is "rcapture:" and the model, e.g. "rcapture:Mth-Chao".
func (m Method) Name() string { return "rcapture:" + string(m.Model) }

// Settings records the model in the result's options.
func (m Method) Settings(o *mse.OptionsInfo) {
	o.Method, o.Rcapture = "rcapture", string(m.Model)
}

// Fit fits the model. It fails for an unknown model and for a table the
// models cannot take (see FitModel).
func (m Method) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if _, err := ParseModel(string(m.Model)); err != nil {
		return nil, mse.UsageError(err.Error())
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := FitModel(t, m.Model)
	if err != nil {
		return nil, err
	}
	return &fit{res: res, k: t.K()}, nil
}

// fit is a fitted Rcapture model.
type fit struct {
	res *Result
	k   int
}

func (f *fit) Estimate() (float64, error) {
	if !f.res.Estimable {
		return 0, fmt.Errorf("%w: %s", mse.ErrNotEstimable, f.res.Reason)
	}
	return f.res.Estimate, nil
}

func (f *fit) Report(r *mse.Result, top int) {
	res := f.res
	r.Model = &mse.ModelInfo{Notation: res.Model, Terms: [][]string{}}
	r.TopModels = []mse.TopModel{}
	r.Warnings = append(r.Warnings, res.Warnings...)
	if !res.Estimable {
		return
	}
	p := (1<<uint(f.k) - 1) - res.DF
	r.Fit = &mse.FitInfo{Deviance: res.Deviance, DF: res.DF, DFAllCells: res.DF, AIC: res.AIC, BIC: res.BIC,
		LogLik: -(res.AIC - 2*float64(p)) / 2, Params: p, StdErr: res.StdErr, EmptyMargins: [][]string{},
		Iterations: res.Iter, Converged: true}
	if top > 0 {
		tm := mse.TopModel{Rank: 1, Notation: res.Model, BIC: res.BIC, AIC: res.AIC, Estimate: res.Estimate, Params: p,
			Note: "Rcapture's AIC and BIC (parameters counted by rank)"}
		if iv := chaoLogNormal(res, []float64{0.025, 0.975}); iv[0].Value != nil && iv[1].Value != nil {
			tm.Conditional95 = []float64{*iv[0].Value, *iv[1].Value}
		}
		r.TopModels = append(r.TopModels, tm)
	}
}

// Intervals gives the conditional (Chao's log-normal) and profile
// intervals.
func (f *fit) Intervals(ctx context.Context, kind mse.IntervalKind, quantiles []float64) (mse.Intervals, []string, error) {
	switch kind {
	case mse.IntervalConditional:
		return chaoLogNormal(f.res, quantiles), nil, nil
	case mse.IntervalProfile:
		iv, err := profile.Limits(quantiles, func(alpha float64) (*profile.CI, error) {
			return f.res.ProfileInterval(&profile.Options{Alpha: alpha})
		})
		return iv, nil, err
	}
	return nil, nil, mse.ErrNoInterval
}

// Selected is the method itself: the model is fixed.
func (f *fit) Selected() mse.Method { return Method{Model: Model(f.res.Model)} }

// chaoLogNormal is the log-normal interval for N̂ from its standard error
// (Chao 1987): n + f/C and n + f·C with f the dark figure and
// C = exp(z √log(1 + SE²/f²)). It is conditional on the model.
func chaoLogNormal(res *Result, quantiles []float64) mse.Intervals {
	n := float64(res.Observed)
	f := res.Estimate - n
	s := math.Sqrt(math.Log(1 + res.StdErr*res.StdErr/(f*f)))
	out := mse.Intervals{}
	for _, q := range mse.SortedQuantiles(quantiles) {
		v := n + f*math.Exp(distuv.UnitNormal.Quantile(q)*s)
		out = append(out, mse.Limit(string(mse.IntervalConditional), q, &v, true, "log-normal (Chao 1987)"))
	}
	return out
}
