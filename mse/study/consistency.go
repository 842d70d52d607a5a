package study

import (
	"context"
	"fmt"
	"slices"

	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
)

// ConsistencyResult is an internal-consistency analysis (Binette and
// Steorts 2022): each list in turn is taken as a population whose size is
// known — its own number of cases — and estimated from the other lists.
type ConsistencyResult struct {
	Lists    []string `json:"lists"`
	Observed int      `json:"observed"`
	Seed     uint64   `json:"seed"`
	NBoot    int      `json:"nboot,omitempty"`
	// Procedures in the order given; Summaries has one entry for each.
	Procedures []string             `json:"procedures"`
	Summaries  []ConsistencySummary `json:"summaries"`
	// Cases holds one outcome for each list held out and each procedure,
	// list by list.
	Cases []ConsistencyCase `json:"cases"`
}

// ConsistencyCase is one procedure estimating the size of one list from
// the others.
type ConsistencyCase struct {
	// Target is the list whose cases are the population; Truth its
	// number of cases; Observed how many of them the other lists hold
	// (the rest are the dark figure of this sub-problem).
	Target   string `json:"target"`
	Truth    int    `json:"truth"`
	Observed int    `json:"observed"`
	// Lists are the other lists that hold some of the target's cases
	// (after tidying: empty and duplicate lists are dropped).
	Lists []string `json:"lists"`
	Outcome
	// RelativeError is (N̂ − truth)/truth, absent when not estimable.
	RelativeError *float64 `json:"relative_error,omitempty"`
	// Covered95 and Covered80 say whether the intervals held the truth
	// (absent without an interval).
	Covered95 *bool `json:"covered95,omitempty"`
	Covered80 *bool `json:"covered80,omitempty"`
}

// ConsistencySummary is a procedure's internal consistency over the lists.
type ConsistencySummary struct {
	Procedure string `json:"procedure"`
	Cases     int    `json:"cases"`
	Estimable int    `json:"estimable"`
	// MeanRelBias and MedianRelBias are the mean and median of
	// (N̂ − truth)/truth; MeanAbsRelError the mean of its absolute value;
	// Below the number of estimates under the truth.
	MeanRelBias     float64  `json:"mean_relative_bias"`
	MedianRelBias   float64  `json:"median_relative_bias"`
	MeanAbsRelError float64  `json:"mean_abs_relative_error"`
	Below           int      `json:"below_truth"`
	Coverage95      Coverage `json:"coverage95"`
	Coverage80      Coverage `json:"coverage80"`
}

// InternalConsistency runs the procedures on each list's sub-problem
// (SubTable, tidied as ReadTable tidies a file) and compares the
// estimates with the list's size. The table must be unstratified and have
// at least three lists. A sub-problem that cannot be estimated (fewer than
// two of the other lists hold the target's cases, or none of its cases is
// on another list) is reported as not estimable.
//
// It measures whether a procedure recovers a known total from real
// overlap data, with the real patterns of dependence and heterogeneity;
// but the sub-problems are not the problem itself: they have one list
// fewer and a population already found by one agency, which may be
// easier to find again than the dark figure.
func InternalConsistency(ctx context.Context, t *mse.Table, procs []Procedure, opts *RunOptions) (*ConsistencyResult, error) {
	if len(t.Strata) > 0 {
		return nil, fmt.Errorf("study: internal consistency needs an unstratified table; collapse it first")
	}
	if t.K() < 3 {
		return nil, fmt.Errorf("%w: internal consistency needs at least 3 lists (2 to estimate each one), the table has %d", mse.ErrTooFewLists, t.K())
	}
	run := opts.WithDefaults()
	if err := run.check(procs); err != nil {
		return nil, err
	}
	root := *run.Seed
	totals := t.ListTotals()
	type target struct {
		truth, observed int
		lists           []string
		reason          string
	}
	targets := make([]target, t.K())
	var jobs []job
	for j := range t.K() {
		sub := t.SubTable(j)
		tg := target{truth: totals[j], observed: sub.N()}
		tidy, _, err := sub.Tidy()
		switch {
		case sub.N() == 0:
			tg.reason = "no case of this list is on another list"
		case err != nil:
			tg.reason = "fewer than two other lists hold cases of this list"
		default:
			sub = tidy
			tg.lists = slices.Clone(sub.Lists)
		}
		targets[j] = tg
		for _, p := range procs {
			jobs = append(jobs, job{table: sub, proc: p, seed: seed.Mix(root, "consistency", t.Lists[j], p.String()), reason: tg.reason})
		}
	}
	outs, err := runJobs(ctx, run, jobs)
	if err != nil {
		return nil, err
	}
	res := &ConsistencyResult{Lists: slices.Clone(t.Lists), Observed: t.N(), Seed: root}
	for _, p := range procs {
		res.Procedures = append(res.Procedures, p.String())
		if p.bootstraps() {
			res.NBoot = run.NBoot
		}
	}
	for i, oc := range outs {
		j := i / len(procs)
		tg := targets[j]
		c := ConsistencyCase{Target: t.Lists[j], Truth: tg.truth, Observed: tg.observed, Lists: tg.lists, Outcome: oc}
		if c.Lists == nil {
			c.Lists = []string{}
		}
		truth := float64(tg.truth)
		if oc.Estimated() {
			e := (*oc.Estimate - truth) / truth
			c.RelativeError = &e
			if cov, ok := oc.covers(0.95, truth); ok {
				c.Covered95 = &cov
			}
			if cov, ok := oc.covers(0.8, truth); ok {
				c.Covered80 = &cov
			}
		}
		res.Cases = append(res.Cases, c)
	}
	for pi, name := range res.Procedures {
		acc := newAccumulator(name)
		var rel, absRel []float64
		for j := range t.K() {
			c := &res.Cases[j*len(procs)+pi]
			acc.add(&c.Outcome, float64(c.Truth))
			if c.RelativeError != nil {
				rel = append(rel, *c.RelativeError)
				absRel = append(absRel, abs64(*c.RelativeError))
			}
		}
		ss := acc.simulationSummary()
		s := ConsistencySummary{Procedure: name, Cases: ss.Reps, Estimable: ss.Estimable, Below: ss.Below,
			MeanRelBias: ss.RelBias, MedianRelBias: median(rel), MeanAbsRelError: mean(absRel),
			Coverage95: ss.Coverage95, Coverage80: ss.Coverage80}
		res.Summaries = append(res.Summaries, s)
	}
	return res, nil
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
