package graphavg

import "math"

// scratch is one chain's reusable memory for massAndMean.
type scratch struct {
	a, u, rho, p []float64
}

func (e *engine) newScratch() *scratch {
	return &scratch{a: make([]float64, e.nb), u: make([]float64, e.nb), rho: make([]float64, blockLen), p: make([]float64, blockLen)}
}

// commonRatios returns e^(common(m) − common(m0)) for every grid point,
// m0 the first point of m's block (computed once).
func (e *engine) commonRatios() []float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cratio == nil {
		r := make([]float64, e.grid)
		for b := range e.nb {
			m0, m1 := e.span(b)
			for m := m0; m <= m1; m++ {
				r[m] = math.Exp(e.common[m] - e.common[m0])
			}
		}
		e.cratio = r
	}
	return e.cratio
}

// massAndMean returns a graph's log posterior mass and the posterior
// mean of N given it: the sums of pass for one graph, sequentially and
// without allocating (for the chain, which meets thousands of graphs).
func (e *engine) massAndMean(md *model, sc *scratch) (logMass, mean float64, ok bool) {
	bd := e.outline(md, sc.a, sc.u)
	off := bd.lower
	if bd.upper-off > 700 {
		off = bd.upper
	}
	cr := e.commonRatios()
	sum, sumN := 0.0, 0.0
	for b := range bd.keep.each {
		m0, m1 := e.span(b)
		nm := m1 - m0 + 1
		x0 := md.base - off + e.common[m0]
		sigma := md.base - off + e.cmax[b]
		for _, c := range md.cl {
			f0, _ := e.ends(c)
			x0 += f0[b]
			sigma += f0[b]
		}
		for _, s := range md.sp {
			f0, f1 := e.ends(s)
			x0 -= f0[b]
			sigma -= f1[b]
		}
		if sigma < -745 {
			continue
		}
		rho := sc.rho[:nm]
		copy(rho, cr[m0:m1+1])
		for _, c := range md.cl {
			p, _ := e.prefixes(c, m0, sc.p[:nm])
			for j, v := range p {
				rho[j] *= v
			}
		}
		for _, s := range md.sp {
			p, inv := e.prefixes(s, m0, sc.p[:nm])
			if inv != nil {
				for j, v := range inv {
					rho[j] *= v
				}
				continue
			}
			for j, v := range p {
				rho[j] /= v
			}
		}
		t0, t1 := math.Exp(x0-sigma), math.Exp(sigma)
		if x0-sigma < -700 {
			for j := range rho {
				x := x0 + math.Log(rho[j])
				rho[j] = 0
				if x >= -745 {
					rho[j] = math.Exp(x)
				}
			}
			t0, t1 = 1, 1
		}
		for j, r := range rho {
			v := t0 * r * t1
			sum += v
			sumN += v * float64(e.n+m0+j)
		}
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return 0, 0, false
	}
	return math.Log(sum) + off, sumN / sum, true
}

// prefixCacheBytes bounds the memory of cached prefix products (their
// values and inverses for every subset of lists over the whole grid).
const prefixCacheBytes = 64 << 20

// preparePrefixes fills the cache of prefix products for every subset of
// lists when it fits in prefixCacheBytes. It must be called before the
// engine is shared between goroutines.
func (e *engine) preparePrefixes() {
	if 2*8*e.grid*(1<<uint(e.k)) > prefixCacheBytes || e.pre != nil {
		return
	}
	nsub := 1 << uint(e.k)
	e.pre, e.preInv = make([][]float64, nsub), make([][]float64, nsub)
	for s := 1; s < nsub; s++ {
		all, ia := make([]float64, e.grid), make([]float64, e.grid)
		for b := range e.nb {
			b0, b1 := e.span(b)
			e.prefix(uint16(s), b0, all[b0:b1+1])
			for m := b0; m <= b1; m++ {
				ia[m] = 1 / all[m]
			}
		}
		e.pre[s], e.preInv[s] = all, ia
	}
}

// prefixes returns P_s(j) for the block starting at m0 (len(p) points)
// and their inverses from the cache, or computes them into p (inverses
// nil) when there is none.
func (e *engine) prefixes(s uint16, m0 int, p []float64) (vals, inv []float64) {
	if e.pre == nil {
		e.prefix(s, m0, p)
		return p, nil
	}
	return e.pre[s][m0 : m0+len(p)], e.preInv[s][m0 : m0+len(p)]
}

// prefix writes P_s(j) = e^(F_s(m0+j) − F_s(m0)) for j < len(p).
func (e *engine) prefix(s uint16, m0 int, p []float64) {
	v := 1.0
	p[0] = 1
	for j := 1; j < len(p); j++ {
		m := float64(m0 + j - 1)
		v *= (m + e.zs[s]) / (m + e.nA)
		p[j] = v
	}
}
