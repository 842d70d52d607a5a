package graphavg

import (
	"context"
	"errors"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/morketall/morketall/internal/pool"
)

// blockLen is the number of grid points of a block: the posterior is
// bounded block by block to skip what cannot matter.
const blockLen = 64

// cut is how far below a graph's largest term (in log units) a block of
// terms may lie and be skipped: e^−40 ≈ 4e−18, so that even the 10^6
// terms of a grid 30 times a 30,000-case table, all skipped, would change a
// graph's mass by less than 1e−11 of itself.
const cut = 40.0

// engine holds what the posterior of every graph is computed from: the
// margins of the table and the grid of Nmissing.
//
// For a decomposable graph with cliques C and separators S, dga's log
// posterior at Nmissing = m is
//
//	w(m) = base + Σ_C F_C(m) − Σ_S F_S(m) + common(m),
//
// F_s(m) = lgamma(m + z_s + a_s) − lgamma(m + n + A), where z_s counts the
// observed cases on no list of s, a_s = δ·2^(K−|s|) is the prior count of
// a cell of the s-margin and A = δ·2^K; base holds the graph's prior and
// the constants of its margins; common(m) = lgamma(n + m + 1) −
// lgamma(m + 1) − Σ lgamma(y + 1) + log prior(n + m).
type engine struct {
	k, n   int
	grid   int       // Nmissing = 0 … grid−1
	zs     []float64 // per subset s: z_s + a_s
	cst    []float64 // per subset s: Σ lgamma(margin + a_s) − 2^|s| lgamma(a_s) + lgamma(A)
	nA     float64   // n + A
	common []float64 // per grid point
	nb     int       // blocks
	cmax   []float64 // per block: the largest common(m)
	lnA0   []float64 // per block: lgamma(m0 + n + A), lgamma(m1 + n + A)
	lnA1   []float64

	mu     sync.Mutex
	f0, f1 [][]float64 // per subset, lazily: F at each block's first and last point
	cratio []float64   // lazily: see commonRatios
	pre    [][]float64 // lazily, per subset: see prefixes
	preInv [][]float64
}

// newEngine prepares the margins of cell counts y (indexed by pattern,
// y[0] = 0) for K lists with prior δ, grid Nmissing = 0 … maxMissing and
// log prior logPrior(N) of the total N.
func newEngine(k int, y []int, delta float64, maxMissing int, logPrior func(int) float64) (*engine, error) {
	n := 0
	for _, c := range y {
		n += c
	}
	nsub := 1 << uint(k)
	A := delta * float64(nsub)
	e := &engine{k: k, n: n, grid: maxMissing + 1, nA: float64(n) + A}
	e.zs = make([]float64, nsub)
	e.cst = make([]float64, nsub)
	lgA, _ := math.Lgamma(A)
	marg := make([]int, nsub)
	var cells []int
	for p, c := range y {
		if c > 0 {
			cells = append(cells, p)
		}
	}
	for s := 1; s < nsub; s++ {
		size := 0
		for x := s; x != 0; x &= x - 1 {
			size++
		}
		a := delta * float64(int(1)<<uint(k-size))
		clear(marg)
		for _, p := range cells {
			marg[p&s] += y[p]
		}
		lga, _ := math.Lgamma(a)
		c := lgA - lga
		for sub := 1; sub < nsub; sub++ {
			if marg[sub] > 0 {
				l, _ := math.Lgamma(float64(marg[sub]) + a)
				c += l - lga
			}
		}
		e.cst[s] = c
		e.zs[s] = float64(marg[0]) + a
	}
	sumLy := 0.0
	for _, c := range cells {
		l, _ := math.Lgamma(float64(y[c]) + 1)
		sumLy += l
	}
	e.common = make([]float64, e.grid)
	for m := range e.common {
		a, _ := math.Lgamma(float64(n+m) + 1)
		b, _ := math.Lgamma(float64(m) + 1)
		lp := logPrior(n + m)
		if math.IsNaN(lp) || math.IsInf(lp, 0) {
			return nil, errors.New("graphavg: the log prior of N is not a finite number on the grid")
		}
		e.common[m] = a - b - sumLy + lp
	}
	e.nb = (e.grid + blockLen - 1) / blockLen
	e.cmax = make([]float64, e.nb)
	e.lnA0 = make([]float64, e.nb)
	e.lnA1 = make([]float64, e.nb)
	for b := range e.nb {
		m0, m1 := e.span(b)
		e.cmax[b] = slices.Max(e.common[m0 : m1+1])
		e.lnA0[b], _ = math.Lgamma(float64(m0) + e.nA)
		e.lnA1[b], _ = math.Lgamma(float64(m1) + e.nA)
	}
	e.f0 = make([][]float64, nsub)
	e.f1 = make([][]float64, nsub)
	return e, nil
}

// span returns the first and last grid point of block b.
func (e *engine) span(b int) (m0, m1 int) {
	m0 = b * blockLen
	return m0, min(m0+blockLen, e.grid) - 1
}

// ends returns F_s at the first and last point of every block.
func (e *engine) ends(s uint16) (f0, f1 []float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.f0[s] == nil {
		f0, f1 := make([]float64, e.nb), make([]float64, e.nb)
		for b := range e.nb {
			m0, m1 := e.span(b)
			l0, _ := math.Lgamma(float64(m0) + e.zs[s])
			l1, _ := math.Lgamma(float64(m1) + e.zs[s])
			f0[b], f1[b] = l0-e.lnA0[b], l1-e.lnA1[b]
		}
		e.f0[s], e.f1[s] = f0, f1
	}
	return e.f0[s], e.f1[s]
}

// model is one graph as the engine sees it.
type model struct {
	cl, sp []uint16
	// base is the graph's log prior plus Σ_C cst − Σ_S cst.
	base float64
}

func (e *engine) model(g *graph, logPrior float64) model {
	cl, sp := g.decompose()
	md := model{cl: cl, sp: sp, base: logPrior}
	for _, c := range cl {
		md.base += e.cst[c]
	}
	for _, s := range sp {
		md.base -= e.cst[s]
	}
	return md
}

// bounds is a graph's outline on the grid: the blocks that can hold terms
// within cut of its largest, a lower bound on its largest term (its
// largest at a block's first point) and an upper bound.
type bounds struct {
	keep         bitset // by block
	lower, upper float64
	// mass bounds the log of the graph's total mass from above.
	mass float64
}

// outline bounds a graph's terms block by block. Every F_s decreases in m
// (z_s + a_s < n + A), so within a block Σ_C F_C is largest at its first
// point and −Σ_S F_S at its last.
func (e *engine) outline(md *model, scratchA, scratchU []float64) bounds {
	a, u := scratchA[:e.nb], scratchU[:e.nb]
	for b := range e.nb {
		m0, _ := e.span(b)
		a[b] = md.base + e.common[m0]
		u[b] = md.base + e.cmax[b]
	}
	for _, c := range md.cl {
		f0, _ := e.ends(c)
		for b, v := range f0 {
			a[b] += v
			u[b] += v
		}
	}
	for _, s := range md.sp {
		f0, f1 := e.ends(s)
		for b := range a {
			a[b] -= f0[b]
			u[b] -= f1[b]
		}
	}
	bd := bounds{keep: newBitset(e.nb), lower: slices.Max(a), upper: math.Inf(-1)}
	for b, v := range u {
		if v >= bd.lower-cut {
			bd.keep.set(b)
			bd.upper = max(bd.upper, v)
		}
	}
	s := 0.0
	for b, v := range u {
		if bd.keep.has(b) {
			m0, m1 := e.span(b)
			s += float64(m1-m0+1) * math.Exp(v-bd.upper)
		}
	}
	// Skipped blocks hold at most e^−cut of the largest term each.
	s += float64(e.grid) * math.Exp(bd.lower-cut-bd.upper)
	bd.mass = bd.upper + math.Log(s)
	return bd
}

// passOut says where a pass puts its terms.
type passOut struct {
	// col, when not nil, receives Σ_g exp(w_g(m) − offset_g) per grid point.
	col []float64
	// own[g], when not nil, receives graph g's terms.
	own [][]float64
	// floor, when not 0, skips every block whose terms are all below
	// e^floor (floor < 0); otherwise only those below e^−745 are.
	floor float64
}

// nchunks is the fixed number of pieces a pass is cut into, so that its
// sums do not depend on the number of cores.
const nchunks = 16

// pass adds up exp(w_g(m) − offset[g]) over the kept blocks of each graph
// and returns each graph's sum. Terms below e^−745 are zero.
func (e *engine) pass(ctx context.Context, mds []model, bds []bounds, offset []float64, out passOut) ([]float64, error) {
	var used []uint16
	seen := make([]bool, 1<<uint(e.k))
	for _, md := range mds {
		for _, s := range append(slices.Clone(md.cl), md.sp...) {
			if !seen[s] {
				seen[s] = true
				used = append(used, s)
			}
		}
	}
	slices.Sort(used)
	index := make([]int, 1<<uint(e.k))
	f0s := make([][]float64, 1<<uint(e.k))
	f1s := make([][]float64, 1<<uint(e.k))
	for i, s := range used {
		index[s] = i
		f0s[s], f1s[s] = e.ends(s)
	}
	// The graphs kept in each block, block by block.
	byBlock := make([]bitset, e.nb)
	for b := range byBlock {
		byBlock[b] = newBitset(len(mds))
	}
	for g := range mds {
		for b := range bds[g].keep.each {
			byBlock[b].set(g)
		}
	}
	per := (e.nb + nchunks - 1) / nchunks
	rows := make([][]float64, nchunks)
	err := pool.Run(ctx, nchunks, func() func(int) error {
		rr := make([]float64, len(used)*blockLen)
		ir := make([]float64, len(used)*blockLen)
		rc := make([]float64, blockLen)
		w := make([]float64, blockLen)
		return func(ch int) error {
			r := make([]float64, len(mds))
			rows[ch] = r
			for b := ch * per; b < min((ch+1)*per, e.nb); b++ {
				m0, m1 := e.span(b)
				nm := m1 - m0 + 1
				if byBlock[b].empty() {
					continue
				}
				// Ratios of consecutive terms: F_s(m+1) − F_s(m) =
				// log((m + z_s + a_s)/(m + n + A)), so each graph's terms
				// follow from its first by products, one exp per block.
				for i, s := range used {
					// Prefix products of the ratios: P_s(j) = e^(F_s(m0+j) − F_s(m0)).
					row := rr[i*blockLen : i*blockLen+nm]
					inv := ir[i*blockLen : i*blockLen+nm]
					p := 1.0
					row[0], inv[0] = 1, 1
					for j := 1; j < nm; j++ {
						m := float64(m0 + j - 1)
						p *= (m + e.zs[s]) / (m + e.nA)
						row[j], inv[j] = p, 1/p
					}
				}
				rc[0] = 1
				for j := 1; j < nm; j++ {
					rc[j] = math.Exp(e.common[m0+j] - e.common[m0])
				}
				for g := range byBlock[b].each {
					md := &mds[g]
					x0 := md.base - offset[g] + e.common[m0]
					sigma := md.base - offset[g] + e.cmax[b]
					for _, c := range md.cl {
						x0 += f0s[c][b]
						sigma += f0s[c][b]
					}
					for _, s := range md.sp {
						x0 -= f0s[s][b]
						sigma -= f1s[s][b]
					}
					// sigma bounds every term of the block.
					if sigma < -745 || out.floor != 0 && sigma < out.floor {
						continue
					}
					rho := w[:nm]
					copy(rho, rc[:nm])
					for _, c := range md.cl {
						o := index[c] * blockLen
						for j, v := range rr[o : o+nm] {
							rho[j] *= v
						}
					}
					for _, s := range md.sp {
						o := index[s] * blockLen
						for j, v := range ir[o : o+nm] {
							rho[j] *= v
						}
					}
					var own []float64
					if out.own != nil && out.own[g] != nil {
						own = out.own[g][m0 : m1+1]
					}
					var col []float64
					if out.col != nil {
						col = out.col[m0 : m1+1]
					}
					// Terms are (rho·e^(x0−σ))·e^σ: σ ≤ 700 bounds them all, so
					// neither factor overflows and a product underflows only
					// where the term itself is below e^−745.
					t0, t1 := math.Exp(x0-sigma), math.Exp(sigma)
					if x0-sigma < -700 {
						// The first term is too far below the bound to scale
						// the others by: take each term's own exp.
						for j := range rho {
							x := x0 + math.Log(rho[j])
							rho[j] = 0
							if x >= -745 {
								rho[j] = math.Exp(x)
							}
						}
						t0, t1 = 1, 1
					}
					var s0, s1 float64
					j := 0
					for ; j+1 < nm; j += 2 {
						v0, v1 := t0*rho[j]*t1, t0*rho[j+1]*t1
						s0 += v0
						s1 += v1
						rho[j], rho[j+1] = v0, v1
					}
					if j < nm {
						rho[j] = t0 * rho[j] * t1
						s0 += rho[j]
					}
					sum := s0 + s1
					if own != nil {
						copy(own, rho)
					}
					if col != nil {
						for j, v := range rho {
							col[j] += v
						}
					}
					r[g] += sum
				}
			}
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	total := make([]float64, len(mds))
	for _, r := range rows {
		for g, v := range r {
			total[g] += v
		}
	}
	return total, nil
}

// bitset is a set of small integers.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (s bitset) set(i int)      { s[i>>6] |= 1 << uint(i&63) }
func (s bitset) has(i int) bool { return s[i>>6]&(1<<uint(i&63)) != 0 }
func (s bitset) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// each yields the members in increasing order (for range-over-func).
func (s bitset) each(f func(int) bool) {
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			if !f(i<<6 | b) {
				return
			}
			w &= w - 1
		}
	}
}
