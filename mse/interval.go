package mse

import (
	"math"
	"slices"
	"sort"
)

// IntervalKind names an interval method.
type IntervalKind string

// The interval kinds. A method gives the model-based ones it knows
// (IntervalFit); the driver runs the bootstrap ones for every method.
const (
	// IntervalNone: a point estimate only.
	IntervalNone IntervalKind = "none"
	// IntervalConditional is a method's log-normal interval, conditional
	// on the selected model (SparseMSE's estimatepopulation.0; Chao 1987
	// for the Rcapture models).
	IntervalConditional IntervalKind = "conditional"
	// IntervalProfile is Rcapture's multinomial profile-likelihood
	// interval (closedpCI.t), conditional on the selected model.
	IntervalProfile IntervalKind = "profile"
	// IntervalBCa is the bias-corrected and accelerated bootstrap
	// interval, re-running the whole method in every replicate
	// (SparseMSE's estimatepopulation, MSE-R's nboot > 0). The default of
	// methods that do not name another.
	IntervalBCa IntervalKind = "bca"
	// IntervalPercentile is the percentile interval of the same bootstrap.
	IntervalPercentile IntervalKind = "percentile"
	// IntervalPosterior is a Bayesian method's credible interval: the
	// quantiles of the posterior of N.
	IntervalPosterior IntervalKind = "posterior"
	// IntervalParametric is a parametric bootstrap of the selected model
	// (mse's boot_mse: tables drawn from the fitted multinomial, the same
	// model refitted), conditional on the model; a method that offers it
	// draws Options.NBoot replicates seeded by Options.Seed.
	IntervalParametric IntervalKind = "parametric"
)

// Bootstraps reports whether the kind is computed by the bootstrap.
func (k IntervalKind) Bootstraps() bool { return k == IntervalBCa || k == IntervalPercentile }

// Resamples reports whether the kind draws bootstrap replicates (and so
// uses Options.NBoot and Options.Seed).
func (k IntervalKind) Resamples() bool { return k.Bootstraps() || k == IntervalParametric }

// DefaultQuantiles are the limits of the 95% and 80% intervals.
var DefaultQuantiles = []float64{0.025, 0.1, 0.9, 0.975}

// Interval is one limit of an interval.
type Interval struct {
	Method   string  `json:"method"` // conditional, profile, bca, percentile, posterior
	Quantile float64 `json:"quantile"`
	// Value is the limit. It is absent when the limit is open (a profile
	// upper limit beyond the search range, a bootstrap limit among
	// unbounded replicates); Note then says so.
	Value *float64 `json:"value,omitempty"`
	// Conditional marks intervals that ignore model-selection uncertainty.
	Conditional bool   `json:"conditional_on_model"`
	Note        string `json:"note,omitempty"`
}

// Open reports whether the limit has no value.
func (iv Interval) Open() bool { return iv.Value == nil }

// Limit returns a limit with a value (nil v: open, with the note).
func Limit(method string, q float64, v *float64, conditional bool, note string) Interval {
	iv := Interval{Method: method, Quantile: q, Conditional: conditional, Note: note}
	if v != nil && finite(*v) {
		x := *v
		iv.Value = &x
	}
	return iv
}

// Intervals are the limits of a result, in the order the method gave them.
type Intervals []Interval

// Pair is a two-sided interval: the limits at the quantiles (1 − Level)/2
// and (1 + Level)/2 of one method.
type Pair struct {
	Level        float64
	Method       string
	Lower, Upper Interval
}

// Conditional reports whether the interval ignores model uncertainty.
func (p Pair) Conditional() bool { return p.Lower.Conditional || p.Upper.Conditional }

// Bounds returns the limits as numbers: an open lower limit is −∞ and an
// open upper limit +∞.
func (p Pair) Bounds() (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if p.Lower.Value != nil {
		lo = *p.Lower.Value
	}
	if p.Upper.Value != nil {
		hi = *p.Upper.Value
	}
	return lo, hi
}

// Covers reports whether x lies within the interval (open limits count
// as unbounded).
func (p Pair) Covers(x float64) bool {
	lo, hi := p.Bounds()
	return lo <= x && x <= hi
}

// Pairs returns every two-sided interval in iv, in the order of their
// lower limits.
func (iv Intervals) Pairs() []Pair {
	var out []Pair
	for _, ij := range iv.pairIndices() {
		lo, hi := iv[ij[0]], iv[ij[1]]
		level := math.Round((1-2*lo.Quantile)*1e6) / 1e6
		out = append(out, Pair{Level: level, Method: lo.Method, Lower: lo, Upper: hi})
	}
	return out
}

// pairIndices pairs each lower limit with the upper limit of the same
// method at the symmetric quantile.
func (iv Intervals) pairIndices() [][2]int {
	var out [][2]int
	used := make([]bool, len(iv))
	for i := range iv {
		if used[i] || iv[i].Quantile >= 0.5 {
			continue
		}
		for j := range iv {
			if used[j] || j == i || iv[j].Method != iv[i].Method || math.Abs(iv[j].Quantile-(1-iv[i].Quantile)) > 1e-9 {
				continue
			}
			used[i], used[j] = true, true
			out = append(out, [2]int{i, j})
			break
		}
	}
	return out
}

// Level returns the first two-sided interval at the level (0.95 for the
// 95% interval), whatever its method; ok is false when there is none.
func (iv Intervals) Level(level float64) (Pair, bool) {
	for _, p := range iv.Pairs() {
		if math.Abs(p.Level-level) < 1e-6 {
			return p, true
		}
	}
	return Pair{}, false
}

// Unpaired returns the limits that belong to no two-sided interval.
func (iv Intervals) Unpaired() Intervals {
	paired := make([]bool, len(iv))
	for _, ij := range iv.pairIndices() {
		paired[ij[0]], paired[ij[1]] = true, true
	}
	var out Intervals
	for i, x := range iv {
		if !paired[i] {
			out = append(out, x)
		}
	}
	return out
}

// SortedQuantiles returns the quantiles sorted, without duplicates.
func SortedQuantiles(q []float64) []float64 {
	s := slices.Clone(q)
	sort.Float64s(s)
	return slices.Compact(s)
}

// finite reports whether x is a finite number.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
