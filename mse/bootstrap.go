package mse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"
)

// DefaultNBoot is the number of bootstrap replicates (MSE-R's user guide
// and SparseMSE's estimatepopulation use 1000).
const DefaultNBoot = 1000

// DefaultSeed is the seed used when none is given (R's packages use
// iseed = 1234; our random streams differ from R's, so only the
// distributions agree).
const DefaultSeed = 1234

// NTopAll asks the BIC/AIC bootstrap to search every admissible model in
// every replicate.
const NTopAll = -1

// mserNTop is MSE-R's default ntopmodels by K: all models for K ≤ 3, the
// best 20 for K = 4, the best 100 for K = 5 and 6.
func mserNTop(k int) int {
	switch {
	case k <= 3:
		return NTopAll
	case k == 4:
		return 20
	default:
		return 100
	}
}

// estimator computes one replicate's estimate. Each worker makes its own
// with newEstimator; est returns the estimate and the selected model's
// index in models (−1 when not estimable).
type estimator interface {
	est(y []float64, n int) (float64, int, bool)
}

// bootPlan is a bootstrap ready to run: the data, what to re-run in each
// replicate, and the full-data estimate.
type bootPlan struct {
	k      int
	y      []float64 // counts by cell code
	rows   []Pattern // the cells with y > 0, in row order (resampling and jackknife)
	counts []int     // their counts
	n      int
	popest float64
	newEst func() estimator
	models []Model // models the estimators can select, by index
}

// bootOutput is a bootstrap's raw result.
type bootOutput struct {
	reps     []float64 // per replicate; NaN when not estimable
	selected []int     // per replicate: model index or −1
	jack     []float64 // per row with y > 0: the delete-one estimate (NaN if not estimable)
}

// run draws the replicates and the jackknife. Replicate b draws from its
// own random stream seeded by (seed, b), so the result depends only on the
// seed, never on the number of cores or the order of work.
func (p *bootPlan) run(ctx context.Context, nboot int, seed uint64, progress func(done, total int)) (*bootOutput, error) {
	out := &bootOutput{reps: make([]float64, nboot), selected: make([]int, nboot), jack: make([]float64, len(p.rows))}
	// One entry per observed case: the row it belongs to.
	idx := make([]int32, 0, p.n)
	for r, c := range p.counts {
		for i := 0; i < c; i++ {
			idx = append(idx, int32(r))
		}
	}
	total := nboot + len(p.rows)
	var done atomic.Int64
	report := func() {
		d := int(done.Add(1))
		if progress != nil && (d%16 == 0 || d == total) {
			progress(d, total)
		}
	}
	var cancelled atomic.Bool
	parallelFor(total, func() func(i int) {
		e := p.newEst()
		y := make([]float64, len(p.y))
		rowCount := make([]int, len(p.rows))
		return func(i int) {
			if cancelled.Load() {
				return
			}
			if ctx.Err() != nil {
				cancelled.Store(true)
				return
			}
			clear(y)
			n := p.n
			if i < nboot {
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				clear(rowCount)
				for j := 0; j < p.n; j++ {
					rowCount[idx[rng.IntN(p.n)]]++
				}
				for r, c := range rowCount {
					y[p.rows[r]] = float64(c)
				}
			} else {
				j := i - nboot
				for r, c := range p.counts {
					y[p.rows[r]] = float64(c)
				}
				y[p.rows[j]]--
				n--
			}
			v, sel, ok := e.est(y, n)
			if !ok {
				v, sel = math.NaN(), -1
			}
			if i < nboot {
				out.reps[i], out.selected[i] = v, sel
			} else {
				out.jack[i-nboot] = v
			}
			report()
		}
	})
	if cancelled.Load() || ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, nil
}

// acceleration is the delete-one-individual jackknife estimate of the BCa
// acceleration: rows weighted by their counts (SparseMSE, MSE-R). It
// reports false if any jackknife value is missing or the spread is 0.
func acceleration(counts []int, jack []float64) (float64, bool) {
	var n, mean float64
	for j, c := range counts {
		if math.IsNaN(jack[j]) || math.IsInf(jack[j], 0) {
			return 0, false
		}
		n += float64(c)
		mean += float64(c) * jack[j]
	}
	mean /= n
	var s2, s3 float64
	for j, c := range counts {
		d := mean - jack[j]
		s2 += float64(c) * d * d
		s3 += float64(c) * d * d * d
	}
	if s2 == 0 {
		return 0, false
	}
	return s3 / (6 * math.Pow(s2, 1.5)), true
}

// quantileType8 is R's quantile(x, q, type = 8) (Hyndman and Fan's
// median-unbiased definition) of sorted x.
func quantileType8(sorted []float64, q float64) float64 {
	nb := float64(len(sorted))
	const fuzz = 4 * 2.220446049250313e-16
	nppm := 1.0/3 + q*(nb+1.0/3)
	j := math.Floor(nppm + fuzz)
	h := nppm - j
	if math.Abs(h) < fuzz {
		h = 0
	}
	at := func(i float64) float64 {
		switch {
		case i < 1:
			return sorted[0]
		case i > nb:
			return sorted[len(sorted)-1]
		}
		return sorted[int(i)-1]
	}
	lo, hi := at(j), at(j+1)
	if h == 0 {
		return lo
	}
	return (1-h)*lo + h*hi
}

// bcaLimits is SparseMSE's bcaconfvalues: z0 = Φ⁻¹(share of replicates
// strictly below the estimate), q = Φ(z0 + (z0 + z_α)/(1 − â(z0 + z_α))),
// and the limit is the type-8 quantile q of the replicates.
func bcaLimits(reps []float64, popest, ahat float64, alphas []float64) (limits []float64, z0 float64, err error) {
	sorted := slices.Clone(reps)
	sort.Float64s(sorted)
	below := 0
	for _, v := range sorted {
		if v < popest {
			below++
		}
	}
	frac := float64(below) / float64(len(sorted))
	if frac == 0 || frac == 1 {
		return nil, 0, fmt.Errorf("every bootstrap replicate lies on one side of the estimate: the BCa bias correction is infinite")
	}
	std := distuv.UnitNormal
	z0 = std.Quantile(frac)
	for _, a := range alphas {
		za := std.Quantile(a)
		q := std.CDF(z0 + (z0+za)/(1-ahat*(z0+za)))
		if math.IsNaN(q) {
			return nil, z0, fmt.Errorf("the BCa adjustment is undefined for quantile %g", a)
		}
		limits = append(limits, quantileType8(sorted, q))
	}
	return limits, z0, nil
}

// percentileLimits are the type-8 quantiles of the replicates.
func percentileLimits(reps []float64, alphas []float64) []float64 {
	sorted := slices.Clone(reps)
	sort.Float64s(sorted)
	out := make([]float64, len(alphas))
	for i, a := range alphas {
		out[i] = quantileType8(sorted, a)
	}
	return out
}

// ---- estimators ----

// fixedEst refits one model in every replicate.
type fixedEst struct {
	f     *fitter
	m     Model
	start *warmStart
}

func (e *fixedEst) est(y []float64, n int) (float64, int, bool) {
	e.f.use(y, n)
	lf := e.f.fitLight(e.m, checkCached, [2]uint64{1}, e.start)
	if !lf.ok && lf.code == 1 {
		v, ok := e.f.withoutMLE(e.m)
		return v, 0, ok
	}
	return lf.estimate, 0, lf.ok
}

// stepwiseEst is the state the stepwise estimators of all workers share:
// the index of the models selected so far.
type stepwiseEst struct {
	mu     sync.Mutex
	index  map[string]int // model notation → index
	models *[]Model
}

func (e *stepwiseEst) modelIndex(m Model) int {
	key := m.String()
	e.mu.Lock()
	defer e.mu.Unlock()
	if i, ok := e.index[key]; ok {
		return i
	}
	*e.models = append(*e.models, m)
	e.index[key] = len(*e.models) - 1
	return len(*e.models) - 1
}

// searchEst re-runs the BIC/AIC search over the retained models in every
// replicate. Models are visited in full-data rank order and a model is
// skipped when even a perfect fit could not beat the best so far: its
// criterion is at least P·c − 2ℓ_sat, with ℓ_sat the saturated
// log-likelihood (an upper bound of every model's). Ties keep the
// better-ranked model, as MSE-R's strict "<" scan does.
type searchEst struct {
	f      *fitter
	crit   Criterion
	ranked []Ranked
	starts []*warmStart // full-data coefficients (warm starts)
}

func (e *searchEst) est(y []float64, n int) (float64, int, bool) {
	e.f.use(y, n)
	perParam := 2.0
	if e.crit == BIC {
		perParam = math.Log(float64(n))
	}
	best, bestIdx, bestEst := math.Inf(1), -1, 0.0
	for i := range e.ranked {
		m := e.ranked[i].Model
		if float64(m.NumParams())*perParam-2*e.f.satLL >= best {
			continue
		}
		lf := e.f.fitLight(m, checkCached, [2]uint64{uint64(i)}, e.starts[i])
		if !lf.ok {
			continue
		}
		s := lf.bic
		if e.crit == AIC {
			s = lf.aic
		}
		if s < best {
			best, bestIdx, bestEst = s, i, lf.estimate
		}
	}
	if bestIdx < 0 {
		// No retained model has an estimate in this replicate. If the
		// main-effects model is retained and merely lacks an MLE, its
		// unrestricted fit tells whether N is unbounded.
		for i := range e.ranked {
			m := e.ranked[i].Model
			if m.IsMainEffects() {
				if code, err := e.f.code(m, checkCached, [2]uint64{uint64(i)}); err == nil && code == 1 {
					v, ok := e.f.withoutMLE(m)
					return v, i, ok
				}
			}
		}
	}
	return bestEst, bestIdx, bestIdx >= 0
}

// ErrCancelled is returned when the context ends a bootstrap.
var ErrCancelled = errors.New("mse: bootstrap cancelled")
