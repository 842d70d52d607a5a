package mse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultTopModels is how many models a result lists.
const DefaultTopModels = 10

// DefaultNBoot is the number of bootstrap replicates (MSE-R's user guide
// and SparseMSE's estimatepopulation use 1000).
const DefaultNBoot = 1000

// MaxNBoot bounds the number of bootstrap replicates: each one re-runs the
// whole method, and beyond this the Monte Carlo error of the limits is far
// below anything the data can tell.
const MaxNBoot = 100000

// DefaultSeed is the seed used when none is given (R's packages use
// iseed = 1234; our random streams differ from R's, so only the
// distributions agree).
const DefaultSeed = 1234

// ErrCancelled is returned when the context ends an estimate.
var ErrCancelled = errors.New("mse: cancelled")

// ErrOptions is wrapped by errors about invalid options.
var ErrOptions = errors.New("mse: invalid options")

// UsageError returns an error with message msg that wraps ErrOptions:
// the caller gave a method settings or a table it cannot take at all (as
// opposed to data it cannot estimate). Stratified estimates stop at such
// an error instead of reporting a stratum as not estimable.
func UsageError(msg string) error { return usageError(msg) }

type usageError string

func (e usageError) Error() string        { return string(e) }
func (e usageError) Is(target error) bool { return target == ErrOptions }

// Options control Estimate. A nil *Options means the defaults.
type Options struct {
	// Interval is the interval method. Default: the method's
	// DefaultInterval, else IntervalBCa.
	Interval IntervalKind
	// Quantiles are the interval limits to report, each in (0, 1).
	// Default {0.025, 0.1, 0.9, 0.975}: the 95% and 80% intervals.
	Quantiles []float64
	// TopModels is how many models to list in the result. Default 10.
	TopModels int
	// NBoot is the number of bootstrap replicates for the bca and
	// percentile intervals, in [10, MaxNBoot]. Default 1000.
	NBoot int
	// Seed seeds the bootstrap. Default nil: DefaultSeed (1234). The
	// result depends only on the seed, not on the number of cores.
	Seed *uint64
	// Progress, if set, is called from worker goroutines with the number
	// of bootstrap and jackknife fits done and the total.
	Progress func(done, total int)
}

// resolve fills in the defaults and checks the options.
func (o *Options) resolve(m Method) (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Interval == "" {
		r.Interval = IntervalBCa
		if d, ok := m.(DefaultIntervaler); ok {
			r.Interval = d.DefaultInterval()
		}
	}
	switch r.Interval {
	case IntervalNone, IntervalConditional, IntervalProfile, IntervalBCa, IntervalPercentile, IntervalPosterior, IntervalParametric:
	default:
		return r, fmt.Errorf("%w: unknown interval %q (want bca, percentile, conditional, profile, posterior, parametric or none)", ErrOptions, r.Interval)
	}
	if r.NBoot == 0 {
		r.NBoot = DefaultNBoot
	}
	if r.NBoot < 10 || r.NBoot > MaxNBoot {
		return r, fmt.Errorf("%w: nboot must be in [10, %d]", ErrOptions, MaxNBoot)
	}
	if r.Seed == nil {
		seed := uint64(DefaultSeed)
		r.Seed = &seed
	}
	if r.Quantiles == nil {
		r.Quantiles = slices.Clone(DefaultQuantiles)
	}
	if len(r.Quantiles) == 0 {
		return r, fmt.Errorf("%w: no quantiles", ErrOptions)
	}
	for _, q := range r.Quantiles {
		if !(q > 0 && q < 1) {
			return r, fmt.Errorf("%w: quantiles must be in (0, 1)", ErrOptions)
		}
	}
	if r.TopModels == 0 {
		r.TopModels = DefaultTopModels
	}
	if r.TopModels < 0 {
		return r, fmt.Errorf("%w: top models must be positive", ErrOptions)
	}
	return r, nil
}

// Check validates options for method m without running anything, so that
// a caller can refuse bad options before long work.
func (o *Options) Check(m Method) error {
	if m == nil {
		return fmt.Errorf("%w: no method", ErrOptions)
	}
	_, err := o.resolve(m)
	return err
}

// info records the options in a result.
func (o Options) info(m Method) OptionsInfo {
	oi := OptionsInfo{Method: m.Name(), Interval: string(o.Interval), Quantiles: o.Quantiles}
	if s, ok := m.(Settings); ok {
		s.Settings(&oi)
	}
	return oi
}

// Estimate runs method m on table t and adds the requested interval. A
// stratified table is estimated stratum by stratum (see "Strata" in the
// package doc). A table or method that gives no finite estimate yields a
// Result with a Status other than StatusOK and a Reason, and a nil error;
// an error is returned only for invalid options, a table the method
// cannot take, or a cancelled ctx (ErrCancelled).
func Estimate(ctx context.Context, t *Table, m Method, opts *Options) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if t == nil {
		return nil, fmt.Errorf("%w: no table", ErrOptions)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: no method", ErrOptions)
	}
	o, err := opts.resolve(m)
	if err != nil {
		return nil, err
	}
	if len(t.Covariates) > 0 {
		if cm, ok := m.(CovariateModeler); !ok || !cm.ModelsCovariates() {
			return nil, UsageError(fmt.Sprintf("mse: method %s does not model covariates, and the table has %d (%s): use a covariate method, or drop the covariates to estimate without them", m.Name(), len(t.Covariates), strings.Join(t.Covariates, ", ")))
		}
	}
	if len(t.Strata) > 0 {
		return estimateStrata(ctx, t, m, o)
	}
	r, err := estimate(ctx, t, m, o)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w: %v", ErrCancelled, ctx.Err())
	}
	return r, err
}

// estimate is Estimate on an unstratified table.
func estimate(ctx context.Context, t *Table, m Method, o Options) (*Result, error) {
	if s, ok := m.(Seeder); ok {
		m = s.WithSeed(*o.Seed)
	}
	r := &Result{
		Lists:    slices.Clone(t.Lists),
		Observed: t.N(),
		Method:   m.Name(),
		Options:  o.info(m),
	}
	r.Warnings = append(r.Warnings, t.overlapWarnings()...)
	f, err := m.Fit(ctx, t)
	if err != nil {
		return nil, err
	}
	f.Report(r, o.TopModels)
	if r.Method != m.Name() {
		r.RequestedMethod = m.Name()
	}
	if r.TopModels == nil {
		r.TopModels = []TopModel{}
	}
	est, err := f.Estimate()
	if err != nil {
		if errors.Is(err, ErrNotEstimable) || errors.Is(err, ErrNotConverged) {
			return r.fail(err), nil
		}
		return nil, err
	}
	if !finite(est) || est < float64(r.Observed) {
		return r.fail(fmt.Errorf("%w: the method returned an estimate that is not a finite number at least the observed count", ErrNotEstimable)), nil
	}
	r.setEstimate(est)
	r.Intervals = Intervals{}
	switch {
	case o.Interval == IntervalNone:
	case o.Interval.Bootstraps():
		if err := r.bootstrap(ctx, t, m, f, o); err != nil {
			return nil, err
		}
		r.Options.Seed, r.Options.NBoot = o.Seed, o.NBoot
	default:
		iff, ok := f.(IntervalFit)
		if !ok {
			return nil, fmt.Errorf("%w: method %s has no %s interval", ErrOptions, m.Name(), o.Interval)
		}
		var iv Intervals
		var warns []string
		if gf, ok := f.(GroupIntervalFit); ok && r.Covariates != nil {
			var groups []Intervals
			iv, groups, warns, err = gf.GroupIntervals(ctx, o.Interval, o.Quantiles, o.NBoot, *o.Seed)
			if err == nil && len(groups) == len(r.Covariates.Groups) {
				for i := range groups {
					r.Covariates.Groups[i].Intervals = groups[i]
				}
			}
		} else {
			iv, warns, err = iff.Intervals(ctx, o.Interval, o.Quantiles)
		}
		r.Warnings = append(r.Warnings, warns...)
		switch {
		case errors.Is(err, ErrNoInterval):
			return nil, fmt.Errorf("%w: method %s has no %s interval", ErrOptions, m.Name(), o.Interval)
		case errors.Is(err, ErrOptions):
			return nil, err
		case err != nil && ctx.Err() != nil:
			return nil, err
		case err != nil:
			r.Warnings = append(r.Warnings, string(o.Interval)+" interval: "+err.Error())
		}
		if iv != nil {
			r.Intervals = iv
		}
		if o.Interval.Resamples() && err == nil {
			r.Options.Seed, r.Options.NBoot = o.Seed, o.NBoot
		}
	}
	return r, nil
}
