package mse

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Procedure is one estimation procedure of a benchmark: a model-selection
// method (or an Rcapture model) and an interval method. It is written
// "method/interval": "stepwise/bca", "bic/profile", "Mth-Chao/profile".
type Procedure struct {
	// Method is main, stepwise, bic, aic, auto or rcapture (fixed needs a
	// model and is not a procedure).
	Method Method
	// Rcapture names the Rcapture model when Method is MethodRcapture.
	Rcapture string
	// Interval is the interval method; IntervalNone for a point estimate.
	Interval IntervalMethod
}

// String writes the procedure as ParseProcedure reads it.
func (p Procedure) String() string {
	m := string(p.Method)
	if p.Method == MethodRcapture {
		m = p.Rcapture
	}
	return m + "/" + string(p.Interval)
}

// ParseProcedure reads "method/interval", where method is main, stepwise,
// bic, aic, auto or one of RcaptureModels, and interval is bca,
// percentile, conditional, profile or none.
func ParseProcedure(s string) (Procedure, error) {
	m, iv, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Procedure{}, fmt.Errorf("mse: procedure %q: want method/interval, e.g. stepwise/bca", s)
	}
	return NewProcedure(m, iv)
}

// NewProcedure checks a method name (main, stepwise, bic, aic, auto or an
// Rcapture model such as "Mh-Chao") and an interval name.
func NewProcedure(method, interval string) (Procedure, error) {
	var p Procedure
	switch Method(method) {
	case MethodMain, MethodStepwise, MethodBIC, MethodAIC, MethodAuto:
		p.Method = Method(method)
	default:
		if _, err := ParseRcaptureModel(method); err != nil {
			return p, fmt.Errorf("mse: unknown method %q (want main, stepwise, bic, aic, auto or an Rcapture model such as Mth-Chao)", method)
		}
		p.Method, p.Rcapture = MethodRcapture, method
	}
	switch IntervalMethod(interval) {
	case IntervalNone, IntervalConditional, IntervalProfile, IntervalBCa, IntervalPercentile:
		p.Interval = IntervalMethod(interval)
	default:
		return p, fmt.Errorf("mse: unknown interval %q (want bca, percentile, conditional, profile or none)", interval)
	}
	return p, nil
}

// Procedures is the cross product of method and interval names, in the
// order given (methods outer).
func Procedures(methods, intervals []string) ([]Procedure, error) {
	var out []Procedure
	seen := map[string]bool{}
	for _, m := range methods {
		for _, iv := range intervals {
			p, err := NewProcedure(m, iv)
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
		return nil, errors.New("mse: no procedures given")
	}
	return out, nil
}

// bootstraps reports whether the procedure runs a bootstrap.
func (p Procedure) bootstraps() bool {
	return p.Interval == IntervalBCa || p.Interval == IntervalPercentile
}

// RunOptions are the settings shared by the procedures of a benchmark
// (simulation, internal consistency, sensitivity).
type RunOptions struct {
	// NBoot is the number of bootstrap replicates of the bca and percentile
	// intervals. Default 1000 (DefaultNBoot).
	NBoot int
	// PThresh is the stepwise threshold. Default 0.02.
	PThresh float64
	// MaxOrder bounds the BIC/AIC search. Default 0: MSE-R's by K.
	MaxOrder int
	// NTop restricts the BIC/AIC bootstrap as Options.NTop. Default 0.
	NTop int
	// Seed seeds everything random. Default nil: DefaultSeed.
	Seed *uint64
	// Context cancels the run. Default context.Background().
	Context context.Context
	// Progress, if set, is called from worker goroutines with the number of
	// estimates done and the total.
	Progress func(done, total int)
}

func (o *RunOptions) withDefaults() RunOptions {
	var r RunOptions
	if o != nil {
		r = *o
	}
	if r.NBoot == 0 {
		r.NBoot = DefaultNBoot
	}
	if r.Seed == nil {
		s := uint64(DefaultSeed)
		r.Seed = &s
	}
	if r.Context == nil {
		r.Context = context.Background()
	}
	return r
}

// options builds the Estimate options of procedure p with bootstrap seed
// seed, and checks them.
func (o RunOptions) options(p Procedure, seed uint64) *Options {
	s := seed
	return &Options{
		Method: p.Method, Rcapture: p.Rcapture, Interval: p.Interval,
		PThresh: o.PThresh, MaxOrder: o.MaxOrder, NTop: o.NTop, NBoot: o.NBoot, Seed: &s,
		Quantiles: []float64{0.025, 0.1, 0.9, 0.975}, TopModels: 1, Context: o.Context,
	}
}

// check validates the options of every procedure once, so that an invalid
// option is an error and not a column of "not estimable".
func (o RunOptions) check(procs []Procedure) error {
	if len(procs) == 0 {
		return errors.New("mse: no procedures given")
	}
	for _, p := range procs {
		if _, err := o.options(p, 0).withDefaults(5); err != nil {
			return err
		}
		if p.Method == MethodRcapture {
			if _, err := ParseRcaptureModel(p.Rcapture); err != nil {
				return err
			}
		}
	}
	return nil
}

// mixSeed derives an independent 64-bit seed from a seed and labels
// (SplitMix64 finaliser over an FNV-1a hash of the labels).
func mixSeed(seed uint64, labels ...string) uint64 {
	h := fnv.New64a()
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	z := seed ^ h.Sum64()
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
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
	// Model is the selected model (notation) or the Rcapture model.
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

// interval returns the limits at level 0.95 or 0.8: ok is false when
// there is no interval; an open upper limit is +Inf.
func (o *Outcome) interval(level float64) (lo, hi float64, ok bool) {
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
	lo, hi, ok := o.interval(level)
	if !ok {
		return false, false
	}
	return lo <= x && x <= hi, true
}

// outcomeOf reduces an estimate to an Outcome.
func outcomeOf(p Procedure, r *Result) Outcome {
	o := Outcome{Procedure: p.String(), Status: r.Status, Reason: r.Reason}
	if r.Model != nil {
		o.Model = r.Model.Notation
	}
	if !r.Estimated() || r.Estimate == nil {
		o.Status = "not_estimable"
		if o.Reason == "" {
			o.Reason = "no estimate"
		}
		return o
	}
	v := *r.Estimate
	o.Estimate = &v
	find := func(q float64) (*float64, bool) {
		for _, iv := range r.Intervals {
			if math.Abs(iv.Quantile-q) < 1e-9 {
				if iv.Value == nil {
					return nil, true
				}
				x := *iv.Value
				return &x, false
			}
		}
		return nil, false
	}
	o.Lower95, _ = find(0.025)
	o.Upper95, o.Open95 = find(0.975)
	o.Lower80, _ = find(0.1)
	o.Upper80, o.Open80 = find(0.9)
	if o.Lower95 == nil {
		o.Upper95, o.Open95 = nil, false
	}
	if o.Lower80 == nil {
		o.Upper80, o.Open80 = nil, false
	}
	return o
}

// job is one estimate to compute: a procedure on a table with a seed.
type job struct {
	table *Table
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
func runJobs(o RunOptions, jobs []job) ([]Outcome, error) {
	out := make([]Outcome, len(jobs))
	var next, done atomic.Int64
	var stop atomic.Bool
	var firstErr error
	var errOnce sync.Once
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				if err := o.Context.Err(); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("%w: %v", ErrCancelled, err) })
					stop.Store(true)
					return
				}
				j := jobs[i]
				if j.reason != "" {
					out[i] = Outcome{Procedure: j.proc.String(), Status: "not_estimable", Reason: j.reason}
				} else {
					r, err := Estimate(j.table, o.options(j.proc, j.seed))
					switch {
					case errors.Is(err, ErrCancelled):
						errOnce.Do(func() { firstErr = err })
						stop.Store(true)
						return
					case err != nil:
						out[i] = Outcome{Procedure: j.proc.String(), Status: "not_estimable", Reason: reasonOf(err)}
					default:
						out[i] = outcomeOf(j.proc, r)
					}
				}
				d := int(done.Add(1))
				if o.Progress != nil {
					o.Progress(d, len(jobs))
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
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
