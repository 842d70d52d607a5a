package mse

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// runBootstrap adds the bca or percentile interval to r: it re-runs the
// selection behind fit (or search) on nboot multinomial resamples of the
// observed cases with the total fixed, and on the delete-one-individual
// jackknife for the acceleration.
func (r *Result) runBootstrap(t *Table, o Options, fit *ModelFit, search *SearchResult) error {
	plan, err := newBootPlan(t, o, fit, search)
	if err != nil {
		return err
	}
	scheme := "rows"
	if o.Method == MethodBIC || o.Method == MethodAIC {
		scheme = "cells"
	}
	if err := r.finishBootstrap(t, o, plan, scheme); err != nil {
		return err
	}
	if scheme == "cells" && len(plan.models) < len(search.Ranked) {
		r.Bootstrap.NTop = len(plan.models)
	}
	return nil
}

// finishBootstrap runs the plan and turns its replicates into the
// interval and the bootstrap summary of r.
func (r *Result) finishBootstrap(t *Table, o Options, plan *bootPlan, scheme string) error {
	out, err := plan.run(o.Context, o.NBoot, *o.Seed, o.Progress)
	if err != nil {
		return err
	}
	info := &BootstrapInfo{Seed: *o.Seed, NBoot: o.NBoot, Scheme: scheme, Replicates: []float64{}, ModelFrequency: []ModelCount{}}
	r.boot = &bootRaw{reps: out.reps, jack: out.jack, counts: plan.counts, popest: plan.popest}
	var reps []float64
	freq := map[int]int{}
	for b, v := range out.reps {
		if math.IsNaN(v) {
			info.NotEstimable++
			continue
		}
		reps = append(reps, v)
		freq[out.selected[b]]++
	}
	info.Replicates = reps
	for idx, c := range freq {
		m := plan.models[idx]
		info.ModelFrequency = append(info.ModelFrequency, ModelCount{Notation: m.String(), Named: m.Named(t.Lists), Count: c})
	}
	slices.SortFunc(info.ModelFrequency, func(a, b ModelCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Notation, b.Notation)
	})
	r.Bootstrap = info
	for _, v := range out.jack {
		if !math.IsNaN(v) {
			info.Jackknife = append(info.Jackknife, v)
		} else {
			info.Jackknife = nil
			break
		}
	}
	if info.NotEstimable > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d bootstrap replicates were not estimable and are left out of the interval", info.NotEstimable, o.NBoot))
	}
	if len(reps) < 10 {
		r.Warnings = append(r.Warnings, "too few estimable bootstrap replicates for an interval")
		r.Intervals = []Interval{}
		return nil
	}
	qs := sortedUnique(o.Quantiles)
	var limits []float64
	method := string(o.Interval)
	if o.Interval == IntervalPercentile {
		limits = percentileLimits(reps, qs)
	} else {
		ahat, ok := acceleration(plan.counts, out.jack)
		if !ok {
			r.Warnings = append(r.Warnings, "the jackknife for the BCa acceleration failed (a delete-one table was not estimable); the interval is the percentile interval")
			limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
		} else {
			var z0 float64
			limits, z0, err = bcaLimits(reps, plan.popest, ahat, qs)
			info.Acceleration, info.BiasCorrection = ahat, z0
			if err != nil {
				r.Warnings = append(r.Warnings, "BCa: "+err.Error()+"; the interval is the percentile interval")
				limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
			}
		}
	}
	r.Intervals = make([]Interval, len(qs))
	for i, q := range qs {
		v := limits[i]
		r.Intervals[i] = Interval{Method: method, Quantile: q, Value: &v}
	}
	return nil
}

// newBootPlan sets up what each replicate re-runs.
func newBootPlan(t *Table, o Options, fit *ModelFit, search *SearchResult) (*bootPlan, error) {
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	k := t.K()
	p := &bootPlan{k: k, y: y, n: t.N(), popest: fit.Estimate}
	for _, row := range t.Rows {
		if row.Count > 0 {
			p.rows = append(p.rows, row.Pattern)
			p.counts = append(p.counts, row.Count)
		}
	}
	switch o.Method {
	case MethodMain, MethodFixed:
		m := fit.Model
		p.models = []Model{m}
		f0 := newFitter(k)
		f0.use(y, p.n)
		var start *warmStart
		if lf := f0.fitLight(m, checkSkip, [2]uint64{}, nil); lf.ok {
			start = f0.save()
		}
		p.newEst = func() estimator {
			f := newFitter(k)
			f.enableCache()
			return &fixedEst{f: f, m: m, start: start}
		}
	case MethodStepwise:
		shared := &stepwiseEst{index: map[string]int{}, models: &p.models}
		p.newEst = func() estimator {
			f := newFitter(k)
			f.enableCache()
			return &stepwiseShard{stepwiseEst: shared, f: f, pthresh: o.PThresh}
		}
	case MethodBIC, MethodAIC:
		ntop := o.NTop
		if ntop == 0 {
			ntop = NTopAll
			if k > 5 {
				ntop = mserNTop(k)
			}
		}
		ranked := search.Ranked
		if ntop != NTopAll && ntop < len(ranked) {
			ranked = ranked[:ntop]
		}
		starts := make([]*warmStart, len(ranked))
		for i, rk := range ranked {
			p.models = append(p.models, rk.Model)
			starts[i] = rk.start
		}
		crit := Criterion(o.Method)
		p.newEst = func() estimator {
			f := newFitter(k)
			f.enableCache()
			return &searchEst{f: f, crit: crit, ranked: ranked, starts: starts}
		}
	default:
		return nil, fmt.Errorf("mse: the bootstrap is not available for method %s", o.Method)
	}
	return p, nil
}

// stepwiseShard is one worker's stepwise estimator; the model index is
// shared between workers.
type stepwiseShard struct {
	*stepwiseEst
	f       *fitter
	pthresh float64
}

func (e *stepwiseShard) est(y []float64, n int) (float64, int, bool) {
	e.f.use(y, n)
	_, m, err := e.f.stepwise(e.pthresh, false)
	if err != nil {
		return 0, -1, false
	}
	id, _ := pairsID(m)
	lf := e.f.fitLight(m, checkCached, id, nil)
	if !lf.ok {
		return 0, -1, false
	}
	return lf.estimate, e.modelIndex(m), true
}
