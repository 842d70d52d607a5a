package graphavg

import (
	"context"
	"math"
	"slices"

	"github.com/morketall/morketall/internal/pool"
)

// dist is a posterior of N on the grid N = n + m, m = 0 … len(p)−1.
type dist struct {
	n int
	p []float64 // normalised
}

// quantile is the smallest N with P(≤ N) ≥ q (dga's reference runs'
// rule).
func (d dist) quantile(q float64) int {
	cum := 0.0
	for m, v := range d.p {
		cum += v
		if cum >= q {
			return d.n + m
		}
	}
	return d.n + len(d.p) - 1
}

func (d dist) mean() float64 {
	s := 0.0
	for m, v := range d.p {
		s += v * float64(d.n+m)
	}
	return s
}

func (d dist) sd() float64 {
	mu := d.mean()
	s := 0.0
	for m, v := range d.p {
		x := float64(d.n+m) - mu
		s += v * x * x
	}
	return math.Sqrt(s)
}

// mode is the N of largest probability (the smallest if tied).
func (d dist) mode() int {
	best := 0
	for m, v := range d.p {
		if v > d.p[best] {
			best = m
		}
	}
	return d.n + best
}

// restrict is the posterior on the grid cut at Nmissing ≤ maxMissing:
// with a prior on the grid, cutting the grid only renormalises.
func (d dist) restrict(maxMissing int) dist {
	p := d.p[:min(maxMissing+1, len(d.p))]
	s := 0.0
	for _, v := range p {
		s += v
	}
	q := make([]float64, len(p))
	for i, v := range p {
		q[i] = v / s
	}
	return dist{n: d.n, p: q}
}

// normalise turns unnormalised terms into a dist; ok is false when they
// are all zero.
func normalise(n int, col []float64) (dist, float64, bool) {
	total := 0.0
	for _, v := range col {
		total += v
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return dist{}, total, false
	}
	p := make([]float64, len(col))
	for i, v := range col {
		p[i] = v / total
	}
	return dist{n: n, p: p}, total, true
}

// averaged is the model-averaged posterior over a set of graphs.
type averaged struct {
	post    dist
	weights []float64 // per graph, summing to 1
	// logMass is each graph's log posterior mass (unnormalised, with its
	// prior), in the same scale for all.
	logMass []float64
}

// negligible is how far (in log units) below the largest term of all
// graphs a graph's whole mass, or a block of its terms, may lie and be
// left out of the method's average: e^−50 ≈ 2e−22, so that even every
// term of 18,154 graphs on a grid of 250,000 points left out would move
// the posterior by less than 1e−12, and a graph's weight is then exact to
// 1e−12 in absolute terms (not relative to itself, as with all).
const negligible = 50.0

// average computes the exact posterior over the given graphs with the
// log prior weights prior (nil: uniform). With all false, graphs whose
// mass is provably below e^−negligible of the heaviest's are left out
// (weight 0); with all true every graph's weight is computed.
func (e *engine) average(ctx context.Context, gs []graph, prior []float64, all bool) (*averaged, error) {
	mds := make([]model, len(gs))
	bds := make([]bounds, len(gs))
	err := pool.Run(ctx, len(gs), func() func(int) error {
		a, u := make([]float64, e.nb), make([]float64, e.nb)
		return func(i int) error {
			lp := 0.0
			if prior != nil {
				lp = prior[i]
			}
			mds[i] = e.model(&gs[i], lp)
			bds[i] = e.outline(&mds[i], a, u)
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	off := math.Inf(-1)
	for _, b := range bds {
		off = max(off, b.lower)
	}
	if !all {
		// Keep only the graphs that can matter.
		var kmd []model
		var kbd []bounds
		var kidx []int
		for i, b := range bds {
			if b.mass >= off-negligible {
				kmd, kbd, kidx = append(kmd, mds[i]), append(kbd, b), append(kidx, i)
			}
		}
		if len(kidx) < len(gs) {
			sub, err := e.averageOf(ctx, kmd, kbd, -negligible)
			if err != nil {
				return nil, err
			}
			av := &averaged{post: sub.post, weights: make([]float64, len(gs)), logMass: make([]float64, len(gs))}
			for i := range av.logMass {
				av.logMass[i] = math.Inf(-1)
			}
			for j, i := range kidx {
				av.weights[i], av.logMass[i] = sub.weights[j], sub.logMass[j]
			}
			return av, nil
		}
	}
	floor := 0.0
	if !all {
		floor = -negligible
	}
	return e.averageOf(ctx, mds, bds, floor)
}

// averageOf is average over outlined models. A floor below 0 leaves out
// every block of terms below e^floor of the largest (see passOut).
func (e *engine) averageOf(ctx context.Context, mds []model, bds []bounds, floor float64) (*averaged, error) {
	off := math.Inf(-1)
	hi := math.Inf(-1)
	for _, b := range bds {
		off = max(off, b.lower)
		hi = max(hi, b.upper)
	}
	if hi-off > 700 {
		// The bounds are loose by more than exp can span: scale by the
		// upper bound so that nothing overflows.
		off = hi
	}
	offset := make([]float64, len(mds))
	for i := range offset {
		offset[i] = off
	}
	col := make([]float64, e.grid)
	rows, err := e.pass(ctx, mds, bds, offset, passOut{col: col, floor: floor})
	if err != nil {
		return nil, err
	}
	post, total, ok := normalise(e.n, col)
	if !ok {
		return nil, errUnderflow
	}
	av := &averaged{post: post, weights: make([]float64, len(mds)), logMass: make([]float64, len(mds))}
	for i, r := range rows {
		av.weights[i] = r / total
		av.logMass[i] = math.Log(r) + off
	}
	return av, nil
}

// conditional returns the posterior of N given each of the graphs.
func (e *engine) conditional(ctx context.Context, gs []graph) ([]dist, error) {
	mds := make([]model, len(gs))
	bds := make([]bounds, len(gs))
	offset := make([]float64, len(gs))
	own := make([][]float64, len(gs))
	a, u := make([]float64, e.nb), make([]float64, e.nb)
	for i := range gs {
		mds[i] = e.model(&gs[i], 0)
		bds[i] = e.outline(&mds[i], a, u)
		offset[i] = bds[i].lower
		if bds[i].upper-bds[i].lower > 700 {
			offset[i] = bds[i].upper
		}
		own[i] = make([]float64, e.grid)
	}
	if _, err := e.pass(ctx, mds, bds, offset, passOut{own: own}); err != nil {
		return nil, err
	}
	out := make([]dist, len(gs))
	for i := range gs {
		d, _, ok := normalise(e.n, own[i])
		if !ok {
			return nil, errUnderflow
		}
		out[i] = d
	}
	return out, nil
}

// ranked returns the indices of the weights from the heaviest down (ties
// in index order).
func ranked(w []float64) []int {
	idx := make([]int, len(w))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case w[a] > w[b]:
			return -1
		case w[a] < w[b]:
			return 1
		}
		return 0
	})
	return idx
}

// inversePrior is dga's default prior p(N) ∝ 1/N (its code's
// −log(n + Nmissing)).
func inversePrior(N int) float64 { return -math.Log(float64(N)) }
