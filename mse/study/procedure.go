package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
)

// Procedure is one estimation procedure of a benchmark: a method and an
// interval. It is written "method/interval": "stepwise/bca",
// "bic/profile", "Mth-Chao/profile".
type Procedure struct {
	// Name is the method's name as written (a name of package methods).
	Name string
	// Method is the method.
	Method mse.Method
	// Interval is the interval method; mse.IntervalNone for a point
	// estimate.
	Interval mse.IntervalKind
}

// String writes the procedure as ParseProcedure reads it.
func (p Procedure) String() string { return p.Name + "/" + string(p.Interval) }

// ParseProcedure reads "method/interval", where method is a name of
// package methods (main, stepwise, bic, aic, auto or an Rcapture model
// such as Mh-Chao) and interval is bca, percentile, conditional, profile,
// posterior or none. The settings (a stepwise threshold, a maximum order)
// go to the methods that use them.
func ParseProcedure(s string, settings *methods.Settings) (Procedure, error) {
	m, iv, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Procedure{}, fmt.Errorf("study: procedure %q: want method/interval, e.g. stepwise/bca", s)
	}
	return NewProcedure(m, iv, settings)
}

// NewProcedure checks a method name and an interval name.
func NewProcedure(method, interval string, settings *methods.Settings) (Procedure, error) {
	var st methods.Settings
	if settings != nil {
		st = *settings
		st.Given = nil // a setting applies to the procedures that use it
	}
	m, err := methods.New(method, st)
	if err != nil {
		return Procedure{}, err
	}
	p := Procedure{Name: method, Method: m, Interval: mse.IntervalKind(interval)}
	if err := (&mse.Options{Interval: p.Interval}).Check(m); err != nil {
		return Procedure{}, err
	}
	return p, nil
}

// Procedures is the cross product of method and interval names, in the
// order given (methods outer).
func Procedures(methodNames, intervals []string, settings *methods.Settings) ([]Procedure, error) {
	var out []Procedure
	seen := map[string]bool{}
	for _, m := range methodNames {
		for _, iv := range intervals {
			p, err := NewProcedure(m, iv, settings)
			if err != nil {
				return nil, err
			}
			if !seen[p.String()] {
				seen[p.String()] = true
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("study: no procedures given")
	}
	return out, nil
}

// CheckSettings refuses settings given explicitly that none of the
// procedures uses (a --pthresh with no stepwise procedure, say).
func CheckSettings(procs []Procedure, settings *methods.Settings) error {
	if settings == nil {
		return nil
	}
	for g := range settings.Given {
		used := false
		for _, p := range procs {
			if slices.Contains(methods.Uses(p.Name), g) {
				used = true
			}
		}
		if !used {
			return fmt.Errorf("study: --%s applies to none of the procedures", g)
		}
	}
	return nil
}

// bootstraps reports whether the procedure runs a bootstrap.
func (p Procedure) bootstraps() bool { return p.Interval.Bootstraps() }

// RunOptions are the settings shared by the procedures of a benchmark
// (simulation, internal consistency, sensitivity).
type RunOptions struct {
	// NBoot is the number of bootstrap replicates of the bca and percentile
	// intervals. Default 1000 (mse.DefaultNBoot).
	NBoot int
	// Seed seeds everything random. Default nil: mse.DefaultSeed.
	Seed *uint64
	// Progress, if set, is called from worker goroutines with the number of
	// estimates done and the total.
	Progress func(done, total int)
}

func (o *RunOptions) WithDefaults() RunOptions {
	var r RunOptions
	if o != nil {
		r = *o
	}
	if r.NBoot == 0 {
		r.NBoot = mse.DefaultNBoot
	}
	if r.Seed == nil {
		s := uint64(mse.DefaultSeed)
		r.Seed = &s
	}
	return r
}

// options builds the Estimate options of procedure p with bootstrap seed
// seed.
func (o RunOptions) options(p Procedure, seed uint64) *mse.Options {
	s := seed
	return &mse.Options{
		Interval: p.Interval, NBoot: o.NBoot, Seed: &s,
		Quantiles: []float64{0.025, 0.1, 0.9, 0.975}, TopModels: 1,
	}
}

// check validates the options of every procedure once, so that an invalid
// option is an error and not a column of "not estimable".
func (o RunOptions) check(procs []Procedure) error {
	if len(procs) == 0 {
		return errors.New("study: no procedures given")
	}
	for _, p := range procs {
		if p.Method == nil {
			return fmt.Errorf("study: procedure %s has no method", p)
		}
		if err := o.options(p, 0).Check(p.Method); err != nil {
			return err
		}
	}
	return nil
}

// Outcome is one procedure's result on one table, reduced to what a
// benchmark compares.
type Outcome struct {
	Procedure string `json:"procedure"`
	// Status is "ok" or "not_estimable" (Reason says why).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Estimate is N̂ (absent when not estimable).
	Estimate *float64 `json:"estimate,omitempty"`
	// mse.Model is the selected model (notation) or the Rcapture model.
	Model string `json:"model,omitempty"`
	// Lower95, Upper95, Lower80, Upper80 are the interval limits (absent
	// when there is no interval, or for an open profile upper limit, which
	// Open95 or Open80 then flags).
	Lower95 *float64 `json:"lower95,omitempty"`
	Upper95 *float64 `json:"upper95,omitempty"`
	Lower80 *float64 `json:"lower80,omitempty"`
	Upper80 *float64 `json:"upper80,omitempty"`
	Open95  bool     `json:"open95,omitempty"`
	Open80  bool     `json:"open80,omitempty"`
}

// Estimated reports whether the outcome has an estimate.
func (o *Outcome) Estimated() bool { return o.Status == "ok" && o.Estimate != nil }

// Interval returns the limits at level 0.95 or 0.8: ok is false when
// there is no interval; an open upper limit is +Inf.
func (o *Outcome) Interval(level float64) (lo, hi float64, ok bool) {
	l, u, open := o.Lower95, o.Upper95, o.Open95
	if level < 0.9 {
		l, u, open = o.Lower80, o.Upper80, o.Open80
	}
	if l == nil || (u == nil && !open) {
		return 0, 0, false
	}
	if open {
		return *l, math.Inf(1), true
	}
	return *l, *u, true
}

// covers reports whether the interval at the level holds x; ok is false
// when there is none.
func (o *Outcome) covers(level, x float64) (covered, ok bool) {
	lo, hi, ok := o.Interval(level)
	if !ok {
		return false, false
	}
	return lo <= x && x <= hi, true
}

// outcomeOf reduces an estimate to an Outcome.
func outcomeOf(p Procedure, r *mse.Result) Outcome {
	o := Outcome{Procedure: p.String(), Status: string(r.Status), Reason: r.Reason}
	if r.Model != nil {
		o.Model = r.Model.Notation
	}
	if !r.Estimated() {
		o.Status = string(mse.StatusNotEstimable)
		if r.Status == mse.StatusNotConverged {
			o.Status = string(r.Status)
		}
		if o.Reason == "" {
			o.Reason = "no estimate"
		}
		return o
	}
	v := *r.Estimate
	o.Estimate = &v
	limits := func(level float64) (lo, hi *float64, open bool) {
		pr, ok := r.Intervals.Level(level)
		if !ok || pr.Lower.Value == nil {
			return nil, nil, false
		}
		l := *pr.Lower.Value
		if pr.Upper.Value == nil {
			return &l, nil, true
		}
		u := *pr.Upper.Value
		return &l, &u, false
	}
	o.Lower95, o.Upper95, o.Open95 = limits(0.95)
	o.Lower80, o.Upper80, o.Open80 = limits(0.8)
	return o
}

// job is one estimate to compute: a procedure on a table with a seed.
type job struct {
	table *mse.Table
	proc  Procedure
	seed  uint64
	// reason, when set, marks a job whose table could not be formed
	// (e.g. too few lists after tidying): its outcome is not estimable.
	reason string
}

// runJobs computes the jobs' outcomes in parallel over GOMAXPROCS
// workers. Each outcome depends only on its job, so the results do not
// depend on the number of cores or the order of work. Errors from
// Estimate that concern the data (a table the procedure cannot take) are
// outcomes with a reason; cancellation is an error.
func runJobs(ctx context.Context, o RunOptions, jobs []job) ([]Outcome, error) {
	out := make([]Outcome, len(jobs))
	var done atomic.Int64
	err := pool.Run(ctx, len(jobs), func() func(i int) error {
		return func(i int) error {
			j := jobs[i]
			if j.reason != "" {
				out[i] = Outcome{Procedure: j.proc.String(), Status: string(mse.StatusNotEstimable), Reason: j.reason}
			} else {
				r, err := mse.Estimate(ctx, j.table, j.proc.Method, o.options(j.proc, j.seed))
				switch {
				case errors.Is(err, mse.ErrCancelled) || ctx.Err() != nil:
					return ctx.Err()
				case err != nil:
					out[i] = Outcome{Procedure: j.proc.String(), Status: string(mse.StatusNotEstimable), Reason: mse.Reason(err)}
				default:
					out[i] = outcomeOf(j.proc, r)
				}
			}
			d := int(done.Add(1))
			if o.Progress != nil {
				o.Progress(d, len(jobs))
			}
			return nil
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", mse.ErrCancelled, err)
	}
	return out, nil
}

// Coverage is how often intervals at one level held the truth, with the
// binomial standard error of that share.
type Coverage struct {
	Level float64 `json:"level"`
	// Intervals is the number of estimates that came with an interval;
	// Covered how many of those held the truth.
	Intervals int `json:"intervals"`
	Covered   int `json:"covered"`
	// Rate is Covered/Intervals and SE its binomial standard error
	// √(Rate(1 − Rate)/Intervals); both 0 when there are no intervals.
	Rate float64 `json:"rate"`
	SE   float64 `json:"se"`
	// MeanWidth and MedianWidth are over the intervals with a finite upper
	// limit; Open counts those without (profile limits beyond the search
	// range), which cover whenever their lower limit does.
	MeanWidth   float64 `json:"mean_width"`
	MedianWidth float64 `json:"median_width"`
	Open        int     `json:"open"`
}

func (c *Coverage) add(covered bool, lo, hi float64, widths *[]float64) {
	c.Intervals++
	if covered {
		c.Covered++
	}
	if math.IsInf(hi, 1) {
		c.Open++
	} else {
		*widths = append(*widths, hi-lo)
	}
}

func (c *Coverage) finish(widths []float64) {
	if c.Intervals > 0 {
		c.Rate = float64(c.Covered) / float64(c.Intervals)
		c.SE = math.Sqrt(c.Rate * (1 - c.Rate) / float64(c.Intervals))
	}
	if len(widths) > 0 {
		var s float64
		for _, w := range widths {
			s += w
		}
		c.MeanWidth = s / float64(len(widths))
		c.MedianWidth = median(widths)
	}
}

// median of a slice (sorted in place); 0 for an empty one.
func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}
