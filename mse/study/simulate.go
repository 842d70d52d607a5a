package study

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
)

// DefaultSimulationReps is the default number of simulated tables.
const DefaultSimulationReps = 200

// MaxSimulationReps bounds the number of simulated tables of one study.
const MaxSimulationReps = 1000000

// SimulationOptions control Simulate. A nil *SimulationOptions means the
// defaults.
type SimulationOptions struct {
	// Reps is the number of tables drawn. Default 200.
	Reps int
	// Scheme is how tables are drawn. Default SchemeMultinomial (N fixed).
	Scheme Scheme
	// KeepNonInformative keeps lists that come out empty, hold every
	// observed case or duplicate another list in a simulated table.
	// Default false: each table is tidied as ReadTable tidies a file, so
	// that the procedures see what a user would give them.
	KeepNonInformative bool
	// Missed and False are linkage-error rates, each in [0, 1]: every
	// drawn table is perturbed as LinkageError perturbs a table (a share
	// Missed of the true links missed, about a share False of the links
	// made false) before it is estimated, while the truth stays the drawn
	// population. Default 0: the tables as drawn.
	Missed, False float64
	// RunOptions are passed to every estimate (bootstrap size, threshold,
	// seed, context, progress: one step per table and procedure).
	RunOptions
}

// SimulationResult is a simulation study: how each procedure fared on
// tables drawn from a known population.
type SimulationResult struct {
	Population PopulationInfo `json:"population"`
	Reps       int            `json:"reps"`
	Scheme     string         `json:"scheme"`
	Seed       uint64         `json:"seed"`
	NBoot      int            `json:"nboot,omitempty"`
	// Missed and False are the linkage-error rates applied to the drawn
	// tables (SimulationOptions).
	Missed float64 `json:"missed,omitempty"`
	False  float64 `json:"false,omitempty"`
	// Procedures in the order given; Summaries has one entry for each.
	Procedures []string            `json:"procedures"`
	Summaries  []SimulationSummary `json:"summaries"`
	// Replicates holds every table's outcome for every procedure, table by
	// table (replicate-major, procedures in order).
	Replicates []SimulationReplicate `json:"replicates"`
}

// PopulationInfo describes the population of a simulation.
type PopulationInfo struct {
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	Lists            []string `json:"lists"`
	N                int      `json:"n"`
	ExpectedObserved float64  `json:"expected_observed"`
	Model            string   `json:"model,omitempty"`
}

// SimulationReplicate is one procedure's outcome on one simulated table.
type SimulationReplicate struct {
	Rep int `json:"rep"`
	// Truth is the replicate's population size; Observed the cases on
	// at least one list (after linkage errors, when there are any: what
	// the procedures see); Lists the number of lists left after tidying.
	Truth    int `json:"truth"`
	Observed int `json:"observed"`
	Lists    int `json:"lists"`
	Outcome
}

// SimulationSummary is a procedure's performance over the replicates.
// The error measures are over the replicates with an estimate (0 when
// there are none).
type SimulationSummary struct {
	Procedure string `json:"procedure"`
	Reps      int    `json:"reps"`
	Estimable int    `json:"estimable"`
	// NotEstimable is the share of replicates without an estimate.
	NotEstimable float64 `json:"not_estimable"`
	// MeanEstimate is the mean of N̂; Bias the mean of N̂ − N; RelBias
	// the mean of (N̂ − N)/N; RMSE √mean (N̂ − N)²; RMSELog √mean (log N̂ −
	// log N)²; MedianAbsLogError the median of |log N̂ − log N|.
	MeanEstimate      float64 `json:"mean_estimate"`
	Bias              float64 `json:"bias"`
	RelBias           float64 `json:"relative_bias"`
	RMSE              float64 `json:"rmse"`
	RMSELog           float64 `json:"rmse_log"`
	MedianAbsLogError float64 `json:"median_abs_log_error"`
	// Below is the number of estimates below the truth.
	Below int `json:"below_truth"`
	// Coverage95 and Coverage80 are the coverage of the 95% and 80%
	// intervals (empty for procedures without one).
	Coverage95 Coverage `json:"coverage95"`
	Coverage80 Coverage `json:"coverage80"`
	// Models counts the models selected, most frequent first. Lists are
	// numbered in the simulated table after tidying: when a list was
	// dropped from a table (say it came out empty), the numbers after it
	// shift.
	Models []mse.ModelCount `json:"models"`
	// Reasons counts why replicates were not estimable, most frequent first.
	Reasons []ReasonCount `json:"reasons,omitempty"`
}

// ReasonCount is how often a reason was given.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Simulate draws opts.Reps tables from the population and runs every
// procedure on each. mse.Table r is drawn from its own random stream seeded
// by (seed, r), and procedure p's bootstrap on it from a seed derived from
// (seed, r, p's name): a procedure's results do not depend on the other
// procedures run, on the number of cores, or on the order of work. The
// replicates are estimated in parallel over GOMAXPROCS workers.
func Simulate(ctx context.Context, pop *Population, procs []Procedure, opts *SimulationOptions) (*SimulationResult, error) {
	var o SimulationOptions
	if opts != nil {
		o = *opts
	}
	if o.Reps == 0 {
		o.Reps = DefaultSimulationReps
	}
	if o.Reps < 1 {
		return nil, fmt.Errorf("study: reps must be at least 1")
	}
	if o.Scheme == "" {
		o.Scheme = SchemeMultinomial
	}
	if o.Scheme != SchemeMultinomial && o.Scheme != SchemePoisson {
		return nil, fmt.Errorf("%w: unknown sampling scheme %q (want multinomial or poisson)", ErrPopulation, o.Scheme)
	}
	if pop == nil || pop.K() < 2 || len(pop.Probs) != 1<<uint(pop.K()) {
		return nil, fmt.Errorf("%w: no population", ErrPopulation)
	}
	if !(o.Missed >= 0 && o.Missed <= 1) || !(o.False >= 0 && o.False <= 1) {
		return nil, fmt.Errorf("%w: linkage-error rates must be in [0, 1]", ErrPopulation)
	}
	run := o.RunOptions.withDefaults()
	if err := run.check(procs); err != nil {
		return nil, err
	}
	root := *run.Seed
	tableSeed := seed.Mix(root, "table")
	linkSeed := seed.Mix(root, "linkage")
	type rep struct {
		truth, observed, lists int
	}
	reps := make([]rep, o.Reps)
	jobs := make([]job, 0, o.Reps*len(procs))
	for r := 0; r < o.Reps; r++ {
		t, truth, err := pop.Sample(rand.NewPCG(tableSeed, uint64(r)), o.Scheme)
		if err != nil {
			return nil, err
		}
		if o.Missed > 0 || o.False > 0 {
			t, _, _, _ = perturb(t, splitStrata(t), o.Missed, o.False, seed.Stream(linkSeed, uint64(r)))
			if len(t.Rows) == 0 {
				t, _ = mse.NewTable(t.Lists, []mse.Pattern{1}, []int{0})
			}
		}
		reps[r] = rep{truth: truth, observed: t.N(), lists: t.K()}
		reason := ""
		if !o.KeepNonInformative {
			tt, _, err := t.Tidy()
			if err != nil {
				reason = mse.Reason(err)
				reps[r].lists = 0
			} else {
				t = tt
				reps[r].lists = t.K()
			}
		}
		if reason == "" && t.N() == 0 {
			reason = "no case was observed"
		}
		for _, p := range procs {
			jobs = append(jobs, job{table: t, proc: p, seed: seed.Mix(root, "boot", strconv.Itoa(r), p.String()), reason: reason})
		}
	}
	outs, err := runJobs(ctx, run, jobs)
	if err != nil {
		return nil, err
	}
	res := &SimulationResult{
		Population: infoOf(pop),
		Reps:       o.Reps, Scheme: string(o.Scheme), Seed: root, Missed: o.Missed, False: o.False,
		Replicates: make([]SimulationReplicate, len(jobs)),
	}
	for _, p := range procs {
		res.Procedures = append(res.Procedures, p.String())
		if p.bootstraps() {
			res.NBoot = run.NBoot
		}
	}
	for i, oc := range outs {
		r := i / len(procs)
		res.Replicates[i] = SimulationReplicate{Rep: r + 1, Truth: reps[r].truth, Observed: reps[r].observed, Lists: reps[r].lists, Outcome: oc}
	}
	for pi, name := range res.Procedures {
		acc := newAccumulator(name)
		for r := 0; r < o.Reps; r++ {
			rr := &res.Replicates[r*len(procs)+pi]
			acc.add(&rr.Outcome, float64(rr.Truth))
		}
		res.Summaries = append(res.Summaries, acc.simulationSummary())
	}
	return res, nil
}

// accumulator gathers one procedure's outcomes against their truths.
type accumulator struct {
	name                   string
	n, est                 int
	sumEst, sumErr, sumRel float64
	sumSq, sumLogSq        float64
	absLog                 []float64
	cov95, cov80           Coverage
	widths95, widths80     []float64
	models, reasons        map[string]int
	under                  int
}

func newAccumulator(name string) *accumulator {
	return &accumulator{name: name, cov95: Coverage{Level: 0.95}, cov80: Coverage{Level: 0.8},
		models: map[string]int{}, reasons: map[string]int{}}
}

func (a *accumulator) add(o *Outcome, truth float64) {
	a.n++
	if !o.Estimated() {
		a.reasons[o.Reason]++
		return
	}
	a.est++
	v := *o.Estimate
	a.sumEst += v
	a.sumErr += v - truth
	a.sumRel += (v - truth) / truth
	a.sumSq += (v - truth) * (v - truth)
	l := math.Log(v / truth)
	a.sumLogSq += l * l
	a.absLog = append(a.absLog, math.Abs(l))
	if v < truth {
		a.under++
	}
	if o.Model != "" {
		a.models[o.Model]++
	}
	if lo, hi, ok := o.interval(0.95); ok {
		a.cov95.add(lo <= truth && truth <= hi, lo, hi, &a.widths95)
	}
	if lo, hi, ok := o.interval(0.8); ok {
		a.cov80.add(lo <= truth && truth <= hi, lo, hi, &a.widths80)
	}
}

func (a *accumulator) simulationSummary() SimulationSummary {
	s := SimulationSummary{Procedure: a.name, Reps: a.n, Estimable: a.est, Below: a.under,
		Models: mse.CountModels(a.models), Reasons: reasons(a.reasons)}
	if a.n > 0 {
		s.NotEstimable = float64(a.n-a.est) / float64(a.n)
	}
	if a.est > 0 {
		m := float64(a.est)
		s.MeanEstimate = a.sumEst / m
		s.Bias = a.sumErr / m
		s.RelBias = a.sumRel / m
		s.RMSE = math.Sqrt(a.sumSq / m)
		s.RMSELog = math.Sqrt(a.sumLogSq / m)
		s.MedianAbsLogError = median(slices.Clone(a.absLog))
	}
	a.cov95.finish(a.widths95)
	a.cov80.finish(a.widths80)
	s.Coverage95, s.Coverage80 = a.cov95, a.cov80
	return s
}

func reasons(m map[string]int) []ReasonCount {
	out := make([]ReasonCount, 0, len(m))
	for k, c := range m {
		out = append(out, ReasonCount{Reason: k, Count: c})
	}
	slices.SortFunc(out, func(a, b ReasonCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Reason, b.Reason)
	})
	if len(out) == 0 {
		return nil
	}
	return out
}
