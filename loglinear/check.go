package loglinear

import (
	"fmt"
	"math"
	"slices"
)

// Existence and identifiability codes of the Fienberg–Rinaldo check, as
// SparseMSE's checkident and MSE-R's check_extended_MLE return them.
const (
	CodeOK             = 0 // the (extended) MLE exists and is identifiable
	CodeNoMLE          = 1 // the extended MLE does not exist
	CodeNotIdentified  = 2 // the parameters are not identifiable
	CodeNoMLENotIdenti = 3 // both
)

// Tolerances of the check. R compares the LP optimum with 0 exactly (an
// exact rational answer is 0 or clearly positive for these integer LPs);
// a floating-point simplex needs a small tolerance. The rank tolerance is
// R's qr() default.
const (
	LPZeroTol = 1e-9
	RankTol   = 1e-7
)

// Check is the result of CheckModel.
type Check struct {
	// Code is 0 ok, 1 no extended MLE, 2 not identifiable, 3 both.
	Code int
	// LPObjective is s* = max over {x ≥ 0 : Aᵀx = Aᵀy} of min_ω x_ω: zero
	// exactly when no strictly positive table has the observed margins.
	LPObjective float64
	// RankDeficiency is the number of kept terms minus the rank of the
	// kept design.
	RankDeficiency int
	// EmptyTerms are the model's terms whose observed margin is zero: their
	// parameters are −∞ and the cells under them are removed.
	EmptyTerms []Term
	// KeptTerms and KeptCells define the design that is fitted.
	KeptTerms []Term
	KeptCells []Term
}

// Margins returns N*_θ = Σ_{ω ⊇ θ} y_ω for every term θ of K factors, given
// counts y indexed by cell code (len 2^K; y[0], the unobserved cell, is
// ignored). It runs in O(K 2^K) by the superset-sum transform.
func Margins(k int, y []float64) []float64 {
	n := 1 << uint(k)
	if len(y) != n {
		panic(fmt.Sprintf("loglinear: Margins: %d counts for K = %d", len(y), k))
	}
	m := make([]float64, n)
	copy(m, y)
	m[0] = 0
	for i := 0; i < k; i++ {
		bit := 1 << uint(i)
		for s := 0; s < n; s++ {
			if s&bit == 0 {
				m[s] += m[s|bit]
			}
		}
	}
	return m
}

// Reduce applies the −∞ rule: the model terms with zero margin are
// returned as empty, and the kept cells are those observable cells that
// contain none of them (the proper union over all empty terms, which MSE-R
// does not always take: its code removes the cells of each empty term in
// turn and can miss some).
func Reduce(k int, terms []Term, margins []float64) (kept, empty []Term, cells []Term) {
	return reduceInto(k, terms, margins, nil, nil, nil)
}

// ReduceInto is Reduce appending to the given slices (pass them with
// length 0 to reuse their memory).
func ReduceInto(k int, terms []Term, margins []float64, kept, empty, cells []Term) ([]Term, []Term, []Term) {
	return reduceInto(k, terms, margins, kept, empty, cells)
}

func reduceInto(k int, terms []Term, margins []float64, kept, empty, cells []Term) ([]Term, []Term, []Term) {
	for _, t := range terms {
		if t != 0 && margins[t] == 0 {
			empty = append(empty, t)
		} else {
			kept = append(kept, t)
		}
	}
	n := Term(1) << uint(k)
	for c := Term(1); c < n; c++ {
		ok := true
		for _, e := range empty {
			if e.SubsetOf(c) {
				ok = false
				break
			}
		}
		if ok {
			cells = append(cells, c)
		}
	}
	return kept, empty, cells
}

// CheckModel runs the Fienberg–Rinaldo existence check (a linear program)
// and the identifiability check (rank) for the hierarchical log-linear
// model with the given terms (which must include the intercept 0), on
// counts y indexed by cell code (len 2^K).
func CheckModel(k int, terms []Term, y []float64) (*Check, error) {
	if k < 1 || k > MaxFactors {
		return nil, fmt.Errorf("%w: K = %d outside [1, %d]", ErrInput, k, MaxFactors)
	}
	if len(y) != 1<<uint(k) {
		return nil, fmt.Errorf("%w: %d counts for K = %d (want 2^K, indexed by cell code)", ErrInput, len(y), k)
	}
	if !IsHierarchical(terms) {
		return nil, fmt.Errorf("%w: terms are not a hierarchical model", ErrInput)
	}
	var c Checker
	margins := Margins(k, y)
	code, s, rd, err := c.check(k, terms, y, margins)
	if err != nil {
		return nil, err
	}
	return &Check{
		Code: code, LPObjective: s, RankDeficiency: rd,
		EmptyTerms: slices.Clone(c.empty), KeptTerms: slices.Clone(c.kept), KeptCells: slices.Clone(c.cells),
	}, nil
}

// Checker runs existence checks reusing its memory between calls; the
// zero value is ready. It is not safe for concurrent use.
type Checker struct {
	kept, empty, cells []Term
	yk, a, b, c        []float64
	lp                 simplex
	qr                 []float64
	norms              []float64
}

// Kept returns the terms and cells kept by the last Code call (aliases of
// the checker's memory, valid until the next call).
func (c *Checker) Kept() (terms, cells []Term) { return c.kept, c.cells }

// Code runs the check of CheckModel for counts y (by cell code) whose
// margins (from Margins) are given, and returns the code and s*. It
// allocates nothing once warmed up.
func (c *Checker) Code(k int, terms []Term, y, margins []float64) (code int, lpObjective float64, err error) {
	code, s, _, err := c.check(k, terms, y, margins)
	return code, s, err
}

func (c *Checker) check(k int, terms []Term, y, margins []float64) (code int, s float64, rankDef int, err error) {
	c.kept, c.empty, c.cells = reduceInto(k, terms, margins, c.kept[:0], c.empty[:0], c.cells[:0])
	c.yk = c.yk[:0]
	for _, cell := range c.cells {
		c.yk = append(c.yk, y[cell])
	}
	s, err = c.existenceLP()
	if err != nil {
		return 0, 0, 0, err
	}
	saturated := len(c.empty) == 0 && len(terms) == 1<<uint(k)
	if len(c.empty) > 0 || saturated {
		rankDef = len(c.kept) - c.rank(c.cells, c.kept)
	}
	if s <= LPZeroTol {
		code |= CodeNoMLE
	}
	if rankDef > 0 {
		code |= CodeNotIdentified
	}
	return code, s, rankDef, nil
}

// ExistenceLP solves max s subject to Aᵀx = Aᵀy, x_ω ≥ s, x ≥ 0 for the
// hierarchical design A over the given cells and terms, with the
// substitution x = s·1 + u (u ≥ 0). It returns s*.
func ExistenceLP(cells, terms []Term, y []float64) (float64, error) {
	var c Checker
	c.cells, c.kept, c.yk = cells, terms, y
	return c.existenceLP()
}

func (c *Checker) existenceLP() (float64, error) {
	terms, cells := c.kept, c.cells
	m, nc := len(terms), len(cells)
	n := nc + 1 // s, then u_ω
	c.a = resize(c.a, m*n)
	c.b = resize(c.b, m)
	c.c = resize(c.c, n)
	for i, t := range terms {
		row := c.a[i*n : (i+1)*n]
		for j, cell := range cells {
			if t&^cell == 0 {
				row[0]++
				row[1+j] = 1
				c.b[i] += c.yk[j]
			}
		}
	}
	c.c[0] = 1
	_, z, err := c.lp.solve(c.a, c.b, c.c, m, n)
	if err != nil {
		return 0, err
	}
	return z, nil
}

// resize returns a zeroed slice of length n, reusing b's memory.
func resize(b []float64, n int) []float64 {
	if cap(b) >= n {
		b = b[:n]
		clear(b)
		return b
	}
	return make([]float64, n)
}

// Rank returns the numerical rank of the design by Householder QR with
// the limited column pivoting of R's qr() (LINPACK dqrdc2): a column whose
// norm, after the reflections of the columns before it, is below RankTol
// times its original norm is moved to the end and not counted.
func Rank(d *Design) int {
	var c Checker
	r, cols := d.Dims()
	x := d.dense()
	c.qr = resize(c.qr, r*cols)
	copy(c.qr, x)
	return c.rankDense(r, cols)
}

func (c *Checker) rank(cells, terms []Term) int {
	r, cols := len(cells), len(terms)
	// Column-major copy of the design.
	c.qr = resize(c.qr, r*cols)
	for i, cell := range cells {
		for j, t := range terms {
			if t&^cell == 0 {
				c.qr[j*r+i] = 1
			}
		}
	}
	return c.rankCols(r, cols)
}

// rankDense converts a row-major r×cols matrix in c.qr to column-major.
func (c *Checker) rankDense(r, cols int) int {
	tmp := make([]float64, r*cols)
	for i := 0; i < r; i++ {
		for j := 0; j < cols; j++ {
			tmp[j*r+i] = c.qr[i*cols+j]
		}
	}
	copy(c.qr, tmp)
	return c.rankCols(r, cols)
}

// rankCols runs the pivoted Householder QR on the column-major matrix in
// c.qr and returns the rank.
func (c *Checker) rankCols(r, cols int) int {
	a := c.qr
	col := func(j int) []float64 { return a[j*r : (j+1)*r] }
	c.norms = resize(c.norms, cols)
	for j := 0; j < cols; j++ {
		c.norms[j] = norm2(col(j))
	}
	rank := 0
	lup := cols // columns [lup, cols) were moved to the end
	for l := 0; l < lup && l < r; {
		x := col(l)
		nrm := norm2(x[l:])
		if c.norms[l] == 0 || nrm < RankTol*c.norms[l] {
			// Move column l to the end, shifting the others left.
			saved := append([]float64(nil), x...)
			savedNorm := c.norms[l]
			for j := l; j < cols-1; j++ {
				copy(col(j), col(j+1))
				c.norms[j] = c.norms[j+1]
			}
			copy(col(cols-1), saved)
			c.norms[cols-1] = savedNorm
			lup--
			continue
		}
		// Householder reflection zeroing x[l+1:].
		alpha := -math.Copysign(nrm, x[l])
		v0 := x[l] - alpha
		// v = (v0, x[l+1:]); H = I − 2vvᵀ/(vᵀv)
		vtv := v0*v0 + (nrm*nrm - x[l]*x[l])
		for j := l + 1; j < cols; j++ {
			y := col(j)
			dot := v0 * y[l]
			for i := l + 1; i < r; i++ {
				dot += x[i] * y[i]
			}
			f := 2 * dot / vtv
			y[l] -= f * v0
			for i := l + 1; i < r; i++ {
				y[i] -= f * x[i]
			}
		}
		x[l] = alpha
		for i := l + 1; i < r; i++ {
			x[i] = 0
		}
		rank++
		l++
	}
	return rank
}

func norm2(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}
