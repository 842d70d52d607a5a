package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Study planning.
//
// Before any list is collected, a research team asks how precise the
// estimate will be: with four lists of about 100 cases each, how wide will
// the 95% interval be, how often will there be no estimate at all, and
// does a fifth list help? Plan answers by simulation: for each planned
// configuration of lists and each assumed population size it builds the
// population the assumptions describe and runs Simulate on it with the
// procedure that will be used, then reduces the replicates to the
// figures a plan needs, each with its Monte Carlo standard error and the
// number of replicates behind it.
//
// The overlap structure is assumed in one of two ways. Without a pilot,
// a configuration gives the lists' expected sizes (or their capture
// probabilities) and the Structure adds pairwise dependence and
// heterogeneity: at population size N, list j's capture probability is
// its expected size over N. With a pilot population (the parametric
// population of a model fitted to a pilot table, PopulationFromMethod),
// its pattern probabilities give the structure: unchanged when no
// configuration is given — so that Plan at the pilot's own size is
// exactly Simulate on the pilot, as `morketall simulate --from` runs it —
// or tilted to a configuration's capture probabilities keeping every
// interaction of the fitted model (Population.WithCapture), lists beyond
// the pilot's being new lists independent of the others.
//
// Every point is simulated with the same seed, so that its tables share
// their random numbers with the other points' (common random numbers):
// the differences between configurations and sizes are not blurred by
// independent noise.

// DefaultPlanReps is the default number of simulated tables per point of
// a plan.
const DefaultPlanReps = 200

// PlanConfig is one configuration of lists of a plan.
type PlanConfig struct {
	// ListSizes are the lists' expected sizes (cases on each list); at
	// population size N the capture probabilities are ListSizes / N.
	ListSizes []float64 `json:"list_sizes,omitempty"`
	// Capture are the lists' capture probabilities, used when ListSizes
	// is empty.
	Capture []float64 `json:"capture,omitempty"`
}

// PlanSpec is what a planned study assumes.
type PlanSpec struct {
	// Pilot, when set, gives the overlap structure (see "Study planning"
	// above); Dependence and Heterogeneity must then be zero.
	Pilot *Population
	// Dependence and Heterogeneity complete the configurations into a
	// Structure when there is no pilot. Default: independent lists, no
	// heterogeneity.
	Dependence    Dependence
	Heterogeneity float64
	// Configs are the configurations of lists to compare. Required
	// without a pilot; with one, default the pilot's own.
	Configs []PlanConfig
	// Sizes are the population sizes N to consider. Required without a
	// pilot; with one, default the pilot's N.
	Sizes []int
	// Procedure is the estimation procedure the study will use. Required.
	Procedure Procedure
}

// PlanOptions control Plan. A nil *PlanOptions means the defaults.
type PlanOptions struct {
	// Reps is the number of simulated tables per point. Default 200.
	Reps int
	// Scheme is how tables are drawn. Default SchemeMultinomial.
	Scheme Scheme
	// RunOptions are the bootstrap size, the seed and the progress (one
	// step per table, over all points).
	RunOptions
}

// PlanResult is a plan: one point per configuration and population size,
// configurations outer.
type PlanResult struct {
	Procedure string `json:"procedure"`
	Reps      int    `json:"reps"`
	Scheme    string `json:"scheme"`
	Seed      uint64 `json:"seed"`
	NBoot     int    `json:"nboot,omitempty"`
	// Pilot describes the pilot population, when there is one;
	// otherwise Dependence and Heterogeneity are the assumed structure's.
	Pilot         *PopulationInfo `json:"pilot,omitempty"`
	Dependence    *Dependence     `json:"dependence,omitempty"`
	Heterogeneity float64         `json:"heterogeneity"`
	Points        []PlanPoint     `json:"points"`
}

// PlanPoint is the outlook of one configuration at one population size.
type PlanPoint struct {
	// Config is the configuration's number, from 1.
	Config int `json:"config"`
	N      int `json:"n"`
	Lists  int `json:"lists"`
	// ListSizes are the expected list sizes N·q_j, Capture the capture
	// probabilities q_j, ExpectedObserved the expected number of distinct
	// cases seen.
	ListSizes        []float64      `json:"list_sizes"`
	Capture          []float64      `json:"capture"`
	ExpectedObserved float64        `json:"expected_observed"`
	Population       PopulationInfo `json:"population"`
	// Reps is the number of simulated tables behind every figure.
	Reps int `json:"reps"`
	// NotEstimable is the chance that a table gives no estimate.
	NotEstimable MCShare `json:"not_estimable"`
	// RelBias is the mean relative error (N̂ − N)/N over the estimable
	// tables.
	RelBias MCMean `json:"relative_bias"`
	// Coverage95 is the share of 95% intervals that hold N.
	Coverage95 MCShare `json:"coverage95"`
	// HalfWidth is the 95% interval's relative half-width (U − L)/(2 N̂):
	// an interval of ±35% has half-width 0.35.
	HalfWidth HalfWidth `json:"half_width95"`
	// Summary is the full simulation summary of the point.
	Summary SimulationSummary `json:"summary"`
}

// MCShare is a share estimated from N replicates, with its binomial
// standard error √(Rate(1 − Rate)/N); both 0 when N is 0.
type MCShare struct {
	Rate float64 `json:"rate"`
	SE   float64 `json:"se"`
	N    int     `json:"n"`
}

// MCMean is a mean over N replicates with its standard error s/√N (0
// when N < 2).
type MCMean struct {
	Mean float64 `json:"mean"`
	SE   float64 `json:"se"`
	N    int     `json:"n"`
}

// HalfWidth summarises the relative half-widths of the 95% intervals of
// the N estimable tables that have one. An interval without an upper
// limit (the data cannot bound it) counts as infinitely wide, so a
// median is absent (nil) when half of them are open. SE is the Monte
// Carlo standard error of the median: half the length of the
// distribution-free 68% confidence interval for it, from the order
// statistics of ranks N/2 ∓ √N/2; nil when that interval is not finite or
// N < 4.
type HalfWidth struct {
	Median *float64 `json:"median,omitempty"`
	SE     *float64 `json:"se,omitempty"`
	Q25    *float64 `json:"q25,omitempty"`
	Q75    *float64 `json:"q75,omitempty"`
	// Mean is over the finite ones only.
	Mean *float64 `json:"mean_finite,omitempty"`
	N    int      `json:"n"`
	Open int      `json:"open"`
}

// ErrPlan is wrapped by errors that reject a plan.
var ErrPlan = errors.New("study: invalid plan")

// Plan simulates every configuration at every population size (see
// "Study planning" above).
func Plan(ctx context.Context, spec PlanSpec, opts *PlanOptions) (*PlanResult, error) {
	var o PlanOptions
	if opts != nil {
		o = *opts
	}
	if o.Reps == 0 {
		o.Reps = DefaultPlanReps
	}
	if o.Scheme == "" {
		o.Scheme = SchemeMultinomial
	}
	if spec.Procedure.Method == nil {
		return nil, fmt.Errorf("%w: no procedure", ErrPlan)
	}
	pops, configs, err := spec.populations()
	if err != nil {
		return nil, err
	}
	run := o.RunOptions.withDefaults()
	res := &PlanResult{Procedure: spec.Procedure.String(), Reps: o.Reps, Scheme: string(o.Scheme), Seed: *run.Seed}
	if spec.Procedure.bootstraps() {
		res.NBoot = run.NBoot
	}
	if spec.Pilot != nil {
		info := infoOf(spec.Pilot)
		res.Pilot = &info
	} else {
		d := spec.Dependence
		res.Dependence, res.Heterogeneity = &d, spec.Heterogeneity
	}
	total := len(pops) * o.Reps
	for i, pop := range pops {
		so := &SimulationOptions{Reps: o.Reps, Scheme: o.Scheme, RunOptions: run}
		if o.Progress != nil {
			base := i * o.Reps
			so.Progress = func(d, _ int) { o.Progress(base+d, total) }
		}
		sim, err := Simulate(ctx, pop, []Procedure{spec.Procedure}, so)
		if err != nil {
			return nil, err
		}
		pt := planPoint(sim, pop)
		pt.Config = configs[i]
		res.Points = append(res.Points, pt)
	}
	return res, nil
}

func infoOf(p *Population) PopulationInfo {
	return PopulationInfo{Name: p.Name, Description: p.Description, Lists: slices.Clone(p.Lists), N: p.N,
		ExpectedObserved: p.ExpectedObserved(), Model: p.Model}
}

// populations builds the population of every point, and each point's
// configuration number.
func (s PlanSpec) populations() ([]*Population, []int, error) {
	if s.Pilot != nil && (!s.Dependence.IsZero() || s.Heterogeneity != 0) {
		return nil, nil, fmt.Errorf("%w: a pilot table gives the structure; dependence and heterogeneity are for assumed capture probabilities", ErrPlan)
	}
	sizes := s.Sizes
	if len(sizes) == 0 {
		if s.Pilot == nil {
			return nil, nil, fmt.Errorf("%w: no population sizes", ErrPlan)
		}
		sizes = []int{s.Pilot.N}
	}
	for i, n := range sizes {
		if n < 1 {
			return nil, nil, fmt.Errorf("%w: population size %d must be at least 1", ErrPlan, i+1)
		}
	}
	configs := s.Configs
	if len(configs) == 0 {
		if s.Pilot == nil {
			return nil, nil, fmt.Errorf("%w: no list sizes or capture probabilities", ErrPlan)
		}
		configs = []PlanConfig{{}}
	}
	var pops []*Population
	var which []int
	for ci, c := range configs {
		if len(c.ListSizes) > 0 && len(c.Capture) > 0 {
			return nil, nil, fmt.Errorf("%w: configuration %d gives both list sizes and capture probabilities", ErrPlan, ci+1)
		}
		for j, v := range c.ListSizes {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("%w: configuration %d: list %d's size must be positive", ErrPlan, ci+1, j+1)
			}
		}
		for _, n := range sizes {
			q := c.Capture
			if len(c.ListSizes) > 0 {
				q = make([]float64, len(c.ListSizes))
				for j, v := range c.ListSizes {
					if v >= float64(n) {
						return nil, nil, fmt.Errorf("%w: configuration %d: list %d's expected %g cases do not fit in a population of %d", ErrPlan, ci+1, j+1, v, n)
					}
					q[j] = v / float64(n)
				}
			}
			var pop *Population
			var err error
			switch {
			case s.Pilot != nil && len(q) == 0:
				pop = s.Pilot.withN(n)
			case s.Pilot != nil:
				if pop, err = s.Pilot.WithCapture(q); err == nil {
					pop = pop.withN(n)
				}
			default:
				pop, err = Structure{Capture: q, Dependence: s.Dependence, Heterogeneity: s.Heterogeneity}.Population(n)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("configuration %d, N = %d: %w", ci+1, n, err)
			}
			pops = append(pops, pop)
			which = append(which, ci+1)
		}
	}
	return pops, which, nil
}

// withN is the population with size n (itself when n is its size).
func (p *Population) withN(n int) *Population {
	if n == p.N {
		return p
	}
	q := *p
	q.N = n
	q.Description = fmt.Sprintf("%s; here with N = %d", p.Description, n)
	return &q
}

// planPoint reduces a one-procedure simulation to a plan's figures.
func planPoint(sim *SimulationResult, pop *Population) PlanPoint {
	k := pop.K()
	pt := PlanPoint{N: pop.N, Lists: k, ExpectedObserved: pop.ExpectedObserved(), Population: sim.Population,
		Reps: sim.Reps, Summary: sim.Summaries[0], Capture: make([]float64, k), ListSizes: make([]float64, k)}
	for c, p := range pop.Probs {
		for j := 0; j < k; j++ {
			if c>>uint(j)&1 == 1 {
				pt.Capture[j] += p
			}
		}
	}
	for j, q := range pt.Capture {
		pt.ListSizes[j] = q * float64(pop.N)
	}
	var rel []float64
	var widths []float64 // +Inf for open intervals
	cov := 0
	for i := range sim.Replicates {
		r := &sim.Replicates[i]
		if !r.Estimated() {
			continue
		}
		truth := float64(r.Truth)
		rel = append(rel, (*r.Estimate-truth)/truth)
		lo, hi, ok := r.interval(0.95)
		if !ok {
			continue
		}
		if lo <= truth && truth <= hi {
			cov++
		}
		widths = append(widths, (hi-lo)/(2**r.Estimate))
	}
	pt.NotEstimable = share(sim.Reps-len(rel), sim.Reps)
	pt.RelBias = mcMean(rel)
	pt.Coverage95 = share(cov, len(widths))
	pt.HalfWidth = halfWidth(widths)
	return pt
}

func share(x, n int) MCShare {
	if n == 0 {
		return MCShare{}
	}
	r := float64(x) / float64(n)
	return MCShare{Rate: r, SE: math.Sqrt(r * (1 - r) / float64(n)), N: n}
}

func mcMean(x []float64) MCMean {
	m := MCMean{N: len(x)}
	if len(x) == 0 {
		return m
	}
	var s float64
	for _, v := range x {
		s += v
	}
	m.Mean = s / float64(len(x))
	if len(x) > 1 {
		var ss float64
		for _, v := range x {
			ss += (v - m.Mean) * (v - m.Mean)
		}
		m.SE = math.Sqrt(ss / float64(len(x)-1) / float64(len(x)))
	}
	return m
}

func halfWidth(w []float64) HalfWidth {
	h := HalfWidth{N: len(w)}
	if len(w) == 0 {
		return h
	}
	x := slices.Sorted(slices.Values(w))
	fin := func(v float64) *float64 {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		return &v
	}
	var sum float64
	finite := 0
	for _, v := range x {
		if math.IsInf(v, 1) {
			h.Open++
		} else {
			sum += v
			finite++
		}
	}
	if finite > 0 {
		h.Mean = fin(sum / float64(finite))
	}
	// Order statistics with infinite values: the type-7 quantile of the
	// sorted values, open intervals last.
	q := func(p float64) float64 {
		pos := p * float64(len(x)-1)
		i := int(math.Floor(pos))
		if i+1 >= len(x) || pos == float64(i) {
			return x[i]
		}
		if math.IsInf(x[i+1], 1) {
			return math.Inf(1)
		}
		return x[i] + (pos-float64(i))*(x[i+1]-x[i])
	}
	h.Median, h.Q25, h.Q75 = fin(q(0.5)), fin(q(0.25)), fin(q(0.75))
	if n := len(x); n >= 4 && h.Median != nil {
		half := math.Sqrt(float64(n)) / 2
		lo := max(int(math.Floor(float64(n)/2-half)), 1)
		hi := min(int(math.Ceil(float64(n)/2+half)), n)
		h.SE = fin((x[hi-1] - x[lo-1]) / 2)
	}
	return h
}
