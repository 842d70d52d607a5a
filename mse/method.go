package mse

import (
	"context"
	"errors"
)

// A Method estimates the population size from an unstratified overlap
// table. It is a value that carries its own settings (a stepwise search
// with its threshold, a BIC search with its maximum order, an Rcapture
// model); Estimate drives it the way gonum's optimize.Minimize drives an
// optimize.Method, and adds the intervals, the bootstrap and strata. A
// Method must be safe for concurrent use: the bootstrap and the study
// suite call Fit from several goroutines.
type Method interface {
	// Name is the method as results name it (Result.Method), e.g.
	// "stepwise", "bic", "rcapture:Mth-Chao".
	Name() string
	// Fit runs the method on t. A table the method cannot estimate is not
	// an error: the Fit's Estimate says why. An error means settings or a
	// table the method cannot take at all (too many lists, say), or a
	// cancelled ctx.
	Fit(ctx context.Context, t *Table) (Fit, error)
}

// Fit is a method's estimate on one table.
type Fit interface {
	// Estimate returns N̂, the total population. When there is none the
	// error wraps ErrNotEstimable (or ErrNotConverged) and says why.
	Estimate() (float64, error)
	// Report fills in what the method knows of its fit: the model, the
	// fit statistics, up to top models in TopModels, the selection,
	// warnings, a posterior and diagnostics. It may set Method to a
	// resolved name (auto → bic); the driver fills the rest.
	Report(r *Result, top int)
}

// Optional interfaces a Method or Fit may implement.
type (
	// Settings is implemented by methods that record their settings in
	// the result's options (the driver sets Options.Method to Name
	// first).
	Settings interface {
		Settings(o *OptionsInfo)
	}

	// DefaultIntervaler is implemented by methods whose natural interval
	// is not the bootstrap (a Bayesian method's posterior interval).
	DefaultIntervaler interface {
		DefaultInterval() IntervalKind
	}

	// IntervalFit is implemented by fits with model-based intervals
	// (conditional, profile, posterior). It returns the limits at the
	// quantiles and warnings; ErrNoInterval when the fit has no interval
	// of that kind.
	IntervalFit interface {
		Intervals(ctx context.Context, kind IntervalKind, quantiles []float64) (Intervals, []string, error)
	}

	// Replicating is the bootstrap's fast path: a fit that can re-run its
	// method on resampled cell counts without building tables, reusing
	// its memory. Without it the bootstrap calls Method.Fit on a table of
	// each replicate's counts.
	Replicating interface {
		// NewReplicator returns the estimator of one bootstrap worker;
		// it is called once per worker and used by that worker only.
		NewReplicator() Replicator
		// ModelLabel names the model of an id a Replicator returned, as
		// notation and with list names.
		ModelLabel(id int) (notation, named string)
	}

	// RowReplicating is the bootstrap's fast path for fits whose table
	// rows carry more than a capture pattern (covariates): a replicator
	// gets each replicate's count of every row of the table and can keep
	// the layout of the original table (its cells and levels), which the
	// generic path, rebuilding a table per replicate, loses when a rare
	// level drops out of a resample. It also gives the estimates by group.
	RowReplicating interface {
		// NewRowReplicator returns the estimator of one bootstrap worker.
		NewRowReplicator() RowReplicator
		// ModelLabel names the model of an id the replicator returned.
		ModelLabel(id int) (notation, named string)
	}

	// Seeder is implemented by methods that draw random numbers (a Markov
	// chain sampler): the driver passes them Options.Seed — per stratum,
	// per bootstrap replicate and per simulated table a seed derived from
	// it — so that results depend on the seed alone, never on the number
	// of cores.
	Seeder interface {
		WithSeed(seed uint64) Method
	}

	// BootstrapDescriber is implemented by fits that describe their
	// bootstrap (the resampling scheme's name, the models searched).
	BootstrapDescriber interface {
		DescribeBootstrap(b *BootstrapInfo)
	}

	// CovariateModeler is implemented by methods that model a table's
	// covariates (package mse/covariates); Estimate refuses a table with
	// covariates for every other method (a usage error: drop the
	// covariates with Table.DropCovariates to estimate without them).
	CovariateModeler interface {
		ModelsCovariates() bool
	}

	// GroupIntervalFit is implemented by fits that estimate groups
	// (Result.Covariates.Groups) and have model-based intervals for them
	// (a parametric bootstrap, which draws nboot replicates from seed).
	// It returns the total's limits and each group's, in the order of
	// Result.Covariates.Groups; ErrNoInterval when the fit has no
	// interval of that kind. The driver calls it instead of IntervalFit's
	// Intervals; the bootstrap intervals (bca, percentile) of the groups
	// come from the driver's bootstrap.
	GroupIntervalFit interface {
		GroupIntervals(ctx context.Context, kind IntervalKind, quantiles []float64, nboot int, seed uint64) (total Intervals, groups []Intervals, warnings []string, err error)
	}

	// Selector is implemented by fits of methods that choose a model:
	// Selected returns a method that fits the chosen model alone, for
	// studies that hold the model fixed (the report's linkage-error
	// table).
	Selector interface {
		Selected() Method
	}
)

// Replicator estimates one bootstrap replicate.
type Replicator interface {
	// Replicate estimates from cell counts y indexed by capture pattern
	// (y[0], the unobserved cell, is 0) totalling n cases. It returns the
	// estimate (+Inf when it grows without bound), the id of the model
	// selected (for ModelLabel) and ok = false when there is none.
	Replicate(y []float64, n int) (estimate float64, model int, ok bool)
}

// RowReplicator estimates one bootstrap replicate from row counts.
type RowReplicator interface {
	// ReplicateRows estimates from the count of each row of the table
	// (in table order). It returns the estimate (+Inf when it grows
	// without bound), the id of the model selected and ok = false when
	// there is none; groups (len(Result.Covariates.Groups), or empty)
	// receives the estimate of each group, NaN where there is none.
	ReplicateRows(counts []int, groups []float64) (estimate float64, model int, ok bool)
}

// ErrNoInterval is returned by IntervalFit for a kind the method does not
// offer.
var ErrNoInterval = errors.New("mse: the method has no interval of this kind")
