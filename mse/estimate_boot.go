package mse

import (
	"fmt"
	"math"
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
	byName := map[string]int{}
	named := map[string]string{}
	for idx, c := range freq {
		m := plan.models[idx]
		byName[m.String()] += c
		named[m.String()] = m.Named(t.Lists)
	}
	info.ModelFrequency = counted(byName)
	for i := range info.ModelFrequency {
		info.ModelFrequency[i].Named = named[info.ModelFrequency[i].Notation]
	}
	r.Bootstrap = info
	for _, v := range out.jack {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			info.Jackknife = nil
			break
		}
		info.Jackknife = append(info.Jackknife, v)
	}
	r.setBootIntervals(info, reps, plan.popest, plan.counts, out.jack, o)
	return nil
}

// setBootIntervals turns the replicate estimates (NaN already removed;
// +Inf for replicates whose estimate is unbounded) into r's interval and
// completes info. The BCa acceleration comes from the jackknife values
// jack of the rows with the given counts.
func (r *Result) setBootIntervals(info *BootstrapInfo, reps []float64, popest float64, counts []int, jack []float64, o Options) {
	info.Replicates = []float64{}
	for _, v := range reps {
		if math.IsInf(v, 1) {
			info.Unbounded++
		} else {
			info.Replicates = append(info.Replicates, v)
		}
	}
	if info.NotEstimable > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d bootstrap replicates were not estimable and are left out of the interval", info.NotEstimable, o.NBoot))
	}
	if info.Unbounded > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("in %d of %d bootstrap replicates the selected model has no finite estimate (the dark figure is unbounded); they count as infinite, so upper limits may be open", info.Unbounded, o.NBoot))
	}
	r.Intervals = []Interval{}
	if len(reps) < 10 {
		r.Warnings = append(r.Warnings, "too few estimable bootstrap replicates for an interval")
		return
	}
	qs := sortedUnique(o.Quantiles)
	var limits []float64
	method := string(o.Interval)
	if o.Interval == IntervalPercentile {
		limits = percentileLimits(reps, qs)
	} else {
		ahat, ok := acceleration(counts, jack)
		var err error
		if ok {
			var z0 float64
			limits, z0, err = bcaLimits(reps, popest, ahat, qs)
			info.Acceleration, info.BiasCorrection = ahat, z0
		}
		switch {
		case !ok:
			r.Warnings = append(r.Warnings, "the jackknife for the BCa acceleration failed (a delete-one table has no finite estimate); the interval is the percentile interval")
			limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
		case err != nil:
			r.Warnings = append(r.Warnings, "BCa: "+err.Error()+"; the interval is the percentile interval")
			limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
		}
	}
	for i, q := range qs {
		iv := Interval{Method: method, Quantile: q}
		if v := limits[i]; finite(v) {
			iv.Value = &v
		} else {
			iv.Note = "open: this limit falls among bootstrap replicates whose estimate is unbounded"
		}
		r.Intervals = append(r.Intervals, iv)
	}
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
		// The main-effects start could not be fitted.
		v, ok := e.f.withoutMLE(m)
		return v, e.modelIndex(m), ok
	}
	id, _ := pairsID(m)
	lf := e.f.fitLight(m, checkCached, id, nil)
	if !lf.ok {
		if lf.code != 1 {
			return 0, -1, false
		}
		v, ok := e.f.withoutMLE(m)
		return v, e.modelIndex(m), ok
	}
	return lf.estimate, e.modelIndex(m), true
}
