package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/randx"
	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
)

// CovariatePopulation is a population of known size split by one
// covariate whose levels are captured differently: people of level l are
// on the lists with the pattern probabilities Probs[l] (index 0, on no
// list, included). It is the population of covariate-dependent capture
// that stratified estimates and models with covariates are compared on.
type CovariatePopulation struct {
	Name        string
	Description string
	Lists       []string
	Covariate   string
	Levels      []string
	// Sizes is the number of people of each level.
	Sizes []int
	// Probs[l] are the pattern probabilities of level l (they sum to 1).
	Probs [][]float64
	// Model is the generating model in the notation of package
	// mse/covariates.
	Model string
}

// N is the population size.
func (p *CovariatePopulation) N() int {
	n := 0
	for _, s := range p.Sizes {
		n += s
	}
	return n
}

// CovariateScenario is the study's population of covariate-dependent
// capture: three lists, an age covariate with levels child (400 people,
// rarely seen: capture probabilities .10, .15, .08), youth (1000: .25,
// .20, .15) and adult (1600: .30, .35, .25), and the same positive
// dependence between lists A and B in every group (log odds ratio 0.7: a
// referral route). Collapsing the table mixes the groups and makes the
// lists look dependent (heterogeneity); each stratum alone has fewer
// people to estimate the A–B dependence from; the model with covariates
// [12,1:age,2:age,3:age] holds it, common to the groups.
func CovariateScenario() *CovariatePopulation {
	q := [][]float64{{0.10, 0.15, 0.08}, {0.25, 0.20, 0.15}, {0.30, 0.35, 0.25}}
	p := &CovariatePopulation{
		Name:        "covariate-capture",
		Description: "3 lists; age child 400 (capture .10 .15 .08), youth 1000 (.25 .20 .15), adult 1600 (.30 .35 .25); lists A and B dependent (log odds ratio 0.7) in every group",
		Lists:       []string{"A", "B", "C"}, Covariate: "age", Levels: []string{"adult", "child", "youth"},
		Model: "[12,1:age,2:age,3:age]",
	}
	sizes := map[string]int{"child": 400, "youth": 1000, "adult": 1600}
	qs := map[string][]float64{"child": q[0], "youth": q[1], "adult": q[2]}
	for _, l := range p.Levels {
		pr := loglinearProbs(3, logits(qs[l]), []pairEffect{{0, 1, 0.7}})
		// loglinearProbs gives the odds of independent lists times the
		// interaction, relative to the pattern on no list: normalise.
		var s float64
		for _, v := range pr {
			s += v
		}
		for i := range pr {
			pr[i] /= s
		}
		p.Sizes = append(p.Sizes, sizes[l])
		p.Probs = append(p.Probs, pr)
	}
	return p
}

// Sample draws a table with the covariate: each level's people are
// spread over the patterns by a multinomial draw of its size.
func (p *CovariatePopulation) Sample(src rand.Source) (*mse.Table, error) {
	r := rand.New(src)
	t := &mse.Table{Lists: slices.Clone(p.Lists), Covariates: []string{p.Covariate}}
	k := len(p.Lists)
	for l, lv := range p.Levels {
		out := make([]int64, 1<<uint(k))
		randx.Multinomial(r, int64(p.Sizes[l]), p.Probs[l], out)
		for pat := 1; pat < len(out); pat++ {
			if out[pat] > 0 {
				t.Rows = append(t.Rows, mse.Row{Pattern: mse.Pattern(pat), Covariates: []string{lv}, Count: int(out[pat])})
			}
		}
	}
	if t.N() == 0 {
		return nil, fmt.Errorf("%w: no case was observed", ErrPopulation)
	}
	return t, nil
}

// Arm says how a table with a covariate is estimated.
type Arm string

// The arms of a covariate study.
const (
	// ArmCovariates fits a model with the covariate (a method of package
	// mse/covariates): the groups' estimates come from one model.
	ArmCovariates Arm = "covariates"
	// ArmStratified estimates each level alone (the covariate as a
	// stratum); the total is their sum.
	ArmStratified Arm = "stratified"
	// ArmCollapsed ignores the covariate: the total only.
	ArmCollapsed Arm = "collapsed"
)

// CovariateProcedure is a procedure run on one arm.
type CovariateProcedure struct {
	Arm Arm
	Procedure
}

// String writes "arm:method/interval".
func (p CovariateProcedure) String() string { return string(p.Arm) + ":" + p.Procedure.String() }

// CovariateSimulationResult is a covariate study: each procedure's
// performance for the total and for each level.
type CovariateSimulationResult struct {
	Population  string             `json:"population"`
	Description string             `json:"description"`
	Model       string             `json:"model"`
	N           int                `json:"n"`
	Reps        int                `json:"reps"`
	Seed        uint64             `json:"seed"`
	NBoot       int                `json:"nboot"`
	Summaries   []CovariateSummary `json:"summaries"`
}

// CovariateSummary is one procedure's performance, the total first and
// then each level (the collapsed arm has the total only).
type CovariateSummary struct {
	Procedure string         `json:"procedure"`
	Groups    []GroupSummary `json:"groups"`
}

// GroupSummary is a procedure's performance for one group (or the
// total): over the replicates with an estimate, the mean estimate, the
// relative bias and root mean squared error, and the coverage of the 95%
// interval with its binomial standard error.
type GroupSummary struct {
	Group        string   `json:"group"`
	Truth        int      `json:"truth"`
	Estimable    int      `json:"estimable"`
	MeanEstimate float64  `json:"mean_estimate"`
	RelBias      float64  `json:"relative_bias"`
	RMSE         float64  `json:"rmse"`
	Coverage95   Coverage `json:"coverage95"`
}

// SimulateCovariates draws opts.Reps tables from the population and runs
// every procedure on its arm of each. Table r is drawn from its own stream
// seeded by (seed, r) and each procedure's bootstrap from (seed, r,
// procedure), so results depend on the seed alone.
func SimulateCovariates(ctx context.Context, pop *CovariatePopulation, procs []CovariateProcedure, opts *SimulationOptions) (*CovariateSimulationResult, error) {
	var o SimulationOptions
	if opts != nil {
		o = *opts
	}
	if o.Reps == 0 {
		o.Reps = DefaultSimulationReps
	}
	if o.Reps < 1 || o.Reps > MaxSimulationReps {
		return nil, fmt.Errorf("study: reps must be in [1, %d]", MaxSimulationReps)
	}
	if pop == nil || len(pop.Levels) < 2 || len(pop.Sizes) != len(pop.Levels) || len(pop.Probs) != len(pop.Levels) {
		return nil, fmt.Errorf("%w: no covariate population", ErrPopulation)
	}
	if len(procs) == 0 {
		return nil, errors.New("study: no procedures given")
	}
	run := o.RunOptions.withDefaults()
	root := *run.Seed
	tableSeed := seed.Mix(root, "covariate-table")
	tables := make([]*mse.Table, o.Reps)
	for r := range tables {
		t, err := pop.Sample(rand.NewPCG(tableSeed, uint64(r)))
		if err != nil {
			return nil, err
		}
		tables[r] = t
	}
	type outcome struct {
		est, lo, hi []float64 // total then levels; NaN where none
	}
	ng := len(pop.Levels) + 1
	outs := make([]outcome, o.Reps*len(procs))
	var done atomic.Int64
	total := len(outs)
	err := pool.Run(ctx, total, func() func(i int) error {
		return func(i int) error {
			r, p := i/len(procs), procs[i%len(procs)]
			oc := outcome{est: nanSlice(ng), lo: nanSlice(ng), hi: nanSlice(ng)}
			t := tables[r]
			switch p.Arm {
			case ArmStratified:
				t = stratify(t)
			case ArmCollapsed:
				t = t.DropCovariates()
			}
			res, err := mse.Estimate(ctx, t, p.Method, run.options(p.Procedure, seed.Mix(root, "boot", strconv.Itoa(r), p.String())))
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil && res.Estimated() {
				set := func(g int, est float64, iv mse.Intervals) {
					oc.est[g] = est
					if pr, ok := iv.Level(0.95); ok {
						oc.lo[g], oc.hi[g] = pr.Bounds()
					}
				}
				set(0, *res.Estimate, res.Intervals)
				for l, lv := range pop.Levels {
					switch p.Arm {
					case ArmCovariates:
						if c := res.Covariates; c != nil {
							for _, g := range c.Groups {
								if len(g.Group) == 1 && g.Group[pop.Covariate] == lv && g.Estimate != nil {
									set(l+1, *g.Estimate, g.Intervals)
								}
							}
						}
					case ArmStratified:
						for _, s := range res.Strata {
							if s.Stratum[pop.Covariate] == lv && s.Result.Estimated() {
								set(l+1, *s.Result.Estimate, s.Result.Intervals)
							}
						}
					}
				}
			}
			outs[i] = oc
			if d := int(done.Add(1)); run.Progress != nil {
				run.Progress(d, total)
			}
			return nil
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", mse.ErrCancelled, err)
	}
	res := &CovariateSimulationResult{Population: pop.Name, Description: pop.Description, Model: pop.Model,
		N: pop.N(), Reps: o.Reps, Seed: root, NBoot: run.NBoot}
	truths := append([]int{pop.N()}, pop.Sizes...)
	names := append([]string{"total"}, pop.Levels...)
	for pi, p := range procs {
		s := CovariateSummary{Procedure: p.String()}
		for g := range ng {
			if p.Arm == ArmCollapsed && g > 0 {
				break
			}
			gs := GroupSummary{Group: names[g], Truth: truths[g], Coverage95: Coverage{Level: 0.95}}
			truth := float64(truths[g])
			var sum, sq float64
			var widths []float64
			for r := range o.Reps {
				oc := outs[r*len(procs)+pi]
				e := oc.est[g]
				if math.IsNaN(e) {
					continue
				}
				gs.Estimable++
				sum += e
				sq += (e - truth) * (e - truth)
				if !math.IsNaN(oc.lo[g]) {
					gs.Coverage95.add(oc.lo[g] <= truth && truth <= oc.hi[g], oc.lo[g], oc.hi[g], &widths)
				}
			}
			if gs.Estimable > 0 {
				gs.MeanEstimate = sum / float64(gs.Estimable)
				gs.RelBias = gs.MeanEstimate/truth - 1
				gs.RMSE = math.Sqrt(sq / float64(gs.Estimable))
			}
			gs.Coverage95.finish(widths)
			s.Groups = append(s.Groups, gs)
		}
		res.Summaries = append(res.Summaries, s)
	}
	return res, nil
}

// stratify turns a table's covariates into strata.
func stratify(t *mse.Table) *mse.Table {
	nt := &mse.Table{Lists: t.Lists, Strata: t.Covariates}
	for _, r := range t.Rows {
		nt.Rows = append(nt.Rows, mse.Row{Pattern: r.Pattern, Stratum: r.Covariates, Count: r.Count})
	}
	return nt
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// FormatCovariateSummaries writes the summaries as a text table.
func FormatCovariateSummaries(res *CovariateSimulationResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %-7s %6s %9s %8s %8s %15s %9s\n", "procedure", "group", "truth", "mean N̂", "rel.bias", "RMSE", "coverage95", "width")
	for _, s := range res.Summaries {
		for _, g := range s.Groups {
			fmt.Fprintf(&b, "%-34s %-7s %6d %9.1f %+8.3f %8.1f %8.3f ± %.3f %9.1f\n", s.Procedure, g.Group, g.Truth, g.MeanEstimate, g.RelBias, g.RMSE, g.Coverage95.Rate, g.Coverage95.SE, g.Coverage95.MedianWidth)
		}
	}
	return b.String()
}
