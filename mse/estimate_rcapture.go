package mse

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/morketall/morketall/loglinear"
)

// profileIntervals computes Rcapture's multinomial profile-likelihood
// interval for the selected log-linear model: one interval per symmetric
// pair of quantiles (q, 1 − q).
func profileIntervals(t *Table, f *ModelFit, quantiles []float64) ([]Interval, error) {
	d := loglinear.HierarchicalDesign(f.Cells, f.Terms)
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	yk := make([]float64, len(f.Cells))
	for i, c := range f.Cells {
		yk[i] = y[c]
	}
	return pairedProfile(quantiles, func(alpha float64) (*ProfileCI, error) {
		return ProfileInterval(d, yk, f.Observed, f.Estimate, &ProfileOptions{Alpha: alpha})
	})
}

// pairedProfile groups quantiles into symmetric pairs and computes one
// profile interval per pair.
func pairedProfile(quantiles []float64, ci func(alpha float64) (*ProfileCI, error)) ([]Interval, error) {
	qs := sortedUnique(quantiles)
	out := []Interval{}
	var firstErr error
	used := make([]bool, len(qs))
	for i, q := range qs {
		if used[i] || q >= 0.5 {
			continue
		}
		j := -1
		for k := len(qs) - 1; k > i; k-- {
			if !used[k] && math.Abs(qs[k]-(1-q)) < 1e-9 {
				j = k
				break
			}
		}
		if j < 0 {
			continue
		}
		used[i], used[j] = true, true
		p, err := ci(1 - (qs[j] - q))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		lo, hi := p.Lower, p.Upper
		lower := Interval{Method: string(IntervalProfile), Quantile: q, Value: &lo, Conditional: true}
		if p.LowerAtN {
			lower.Note = "set to the observed count: the profile likelihood does not fall below the cut-off above it"
		}
		upper := Interval{Method: string(IntervalProfile), Quantile: qs[j], Conditional: true}
		if p.UpperOpen {
			upper.Note = fmt.Sprintf("open: above %.1f (%g times the estimate)", hi, p.FmaxSupCL)
		} else {
			upper.Value = &hi
		}
		out = append(out, lower, upper)
	}
	for i, q := range qs {
		if !used[i] && firstErr == nil {
			firstErr = fmt.Errorf("quantile %g has no symmetric partner: a profile interval needs pairs q, 1 − q", q)
		}
	}
	return out, firstErr
}

// estimateRcapture fills r with one of Rcapture's closed-population models.
func estimateRcapture(t *Table, o Options, r *Result) (*Result, error) {
	model, err := ParseRcaptureModel(o.Rcapture)
	if err != nil {
		return nil, err
	}
	r.Method = "rcapture:" + string(model)
	res, err := FitRcapture(t, model)
	if err != nil {
		return nil, err
	}
	r.Model = &ModelInfo{Notation: string(model), Terms: [][]string{}}
	r.TopModels = []TopModel{}
	r.Warnings = append(r.Warnings, res.Warnings...)
	if !res.Estimable {
		return r.notEstimable(fmt.Errorf("%s", res.Reason)), nil
	}
	est, dark := res.Estimate, res.Estimate-float64(res.Observed)
	r.Estimate, r.DarkFigure = &est, &dark
	r.Status = "ok"
	p := (1<<uint(t.K()) - 1) - res.DF
	r.Fit = &FitInfo{Deviance: res.Deviance, DF: res.DF, DFAllCells: res.DF, AIC: res.AIC, BIC: res.BIC,
		LogLik: -(res.AIC - 2*float64(p)) / 2, Params: p, StdErr: res.StdErr, EmptyMargins: [][]string{},
		Iterations: res.Iter, Converged: true}
	r.TopModels = []TopModel{{Rank: 1, Notation: string(model), BIC: res.BIC, AIC: res.AIC, Estimate: est, Params: p,
		Note: "Rcapture's AIC and BIC (parameters counted by rank)"}}
	switch o.Interval {
	case IntervalConditional:
		r.Intervals = chaoLogNormal(res, o.Quantiles)
	case IntervalProfile:
		iv, err := pairedProfile(o.Quantiles, func(alpha float64) (*ProfileCI, error) {
			return res.ProfileInterval(&ProfileOptions{Alpha: alpha})
		})
		if err != nil {
			r.Warnings = append(r.Warnings, "profile interval: "+err.Error())
		}
		r.Intervals = iv
	case IntervalBCa, IntervalPercentile:
		if err := r.rcaptureBootstrap(t, o, model, est); err != nil {
			return nil, err
		}
		r.Options.Seed, r.Options.NBoot = o.Seed, o.NBoot
	}
	if r.Intervals == nil {
		r.Intervals = []Interval{}
	}
	return r, nil
}

// chaoLogNormal is the log-normal interval for N̂ from its standard error
// (Chao 1987): n + f/C and n + f·C with f the dark figure and
// C = exp(z √log(1 + SE²/f²)). It is conditional on the model.
func chaoLogNormal(res *RcaptureResult, quantiles []float64) []Interval {
	n := float64(res.Observed)
	f := res.Estimate - n
	s := math.Sqrt(math.Log(1 + res.StdErr*res.StdErr/(f*f)))
	out := []Interval{}
	for _, q := range sortedUnique(quantiles) {
		v := n + f*math.Exp(distuv.UnitNormal.Quantile(q)*s)
		iv := Interval{Method: string(IntervalConditional), Quantile: q, Conditional: true, Note: "log-normal (Chao 1987)"}
		if finite(v) {
			iv.Value = &v
		}
		out = append(out, iv)
	}
	return out
}

// rcaptureBootstrap refits the Rcapture model in every replicate.
func (r *Result) rcaptureBootstrap(t *Table, o Options, model RcaptureModel, popest float64) error {
	y, err := cellCounts(t)
	if err != nil {
		return err
	}
	k := t.K()
	p := &bootPlan{k: k, y: y, n: t.N(), popest: popest, models: []Model{MainEffects(k)}}
	for _, row := range t.Rows {
		if row.Count > 0 {
			p.rows = append(p.rows, row.Pattern)
			p.counts = append(p.counts, row.Count)
		}
	}
	lists := t.Lists
	p.newEst = func() estimator { return &rcaptureEst{lists: lists, model: model} }
	if err := r.finishBootstrap(t, o, p, "rows"); err != nil {
		return err
	}
	// Every replicate fits the same model.
	r.Bootstrap.ModelFrequency = []ModelCount{{Notation: string(model), Count: len(r.Bootstrap.Replicates)}}
	return nil
}

type rcaptureEst struct {
	lists []string
	model RcaptureModel
	pats  []Pattern
	cnts  []int
}

func (e *rcaptureEst) est(y []float64, n int) (float64, int, bool) {
	e.pats, e.cnts = e.pats[:0], e.cnts[:0]
	for c := 1; c < len(y); c++ {
		if y[c] > 0 {
			e.pats = append(e.pats, Pattern(c))
			e.cnts = append(e.cnts, int(y[c]))
		}
	}
	tab, err := NewTable(e.lists, e.pats, e.cnts)
	if err != nil {
		return 0, -1, false
	}
	res, err := FitRcapture(tab, e.model)
	if err != nil || !res.Estimable {
		return 0, -1, false
	}
	return res.Estimate, 0, true
}
