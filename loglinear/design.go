package loglinear

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// MaxFactors is the largest number of binary factors (lists) for which
// hierarchical designs are built.
const MaxFactors = 16

// Term is a subset of the K binary factors, as a bit set: bit i is factor
// i (0-based). The empty term 0 is the intercept; a one-bit term is a main
// effect; a term of size r is an r-way interaction. A cell (an observation
// with every factor at level 0 or 1) is written the same way: bit i set
// means factor i is at level 1. Term θ has column entry 1 in cell ω exactly
// when θ ⊆ ω, the corner-point parametrisation of MSE-R and of R's
// A:B products.
type Term uint32

// Size is the number of factors in the term (its order).
func (t Term) Size() int { return bits.OnesCount32(uint32(t)) }

// SubsetOf reports whether t ⊆ u.
func (t Term) SubsetOf(u Term) bool { return t&^u == 0 }

// Factors returns the 0-based factor indices in the term, ascending.
func (t Term) Factors() []int {
	var f []int
	for x := uint32(t); x != 0; x &= x - 1 {
		f = append(f, bits.TrailingZeros32(x))
	}
	return f
}

// String writes the term with 1-based factor numbers, e.g. "13" for
// factors 0 and 2 (multi-digit numbers are separated by ':' when K > 9
// would make them ambiguous: "1:12"). The intercept is "()".
func (t Term) String() string {
	if t == 0 {
		return "()"
	}
	f := t.Factors()
	var b strings.Builder
	long := f[len(f)-1] >= 9
	for i, x := range f {
		if i > 0 && long {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(x + 1))
	}
	return b.String()
}

// Closure returns the hierarchical closure of the generators: every
// non-empty subset of every generator, plus the intercept, sorted by
// increasing code (which puts the intercept first, then main effects in
// factor order interleaved with interactions by code, as MSE-R orders its
// design columns).
func Closure(generators []Term) []Term {
	set := map[Term]bool{0: true}
	for _, g := range generators {
		// Enumerate the subsets of g.
		for s := g; ; s = (s - 1) & g {
			set[s] = true
			if s == 0 {
				break
			}
		}
	}
	out := make([]Term, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// IsHierarchical reports whether terms contains the intercept and every
// subset of each of its terms.
func IsHierarchical(terms []Term) bool {
	set := make(map[Term]bool, len(terms))
	for _, t := range terms {
		set[t] = true
	}
	if !set[0] {
		return false
	}
	for _, t := range terms {
		for s := t; s != 0; s = (s - 1) & t {
			if !set[s] {
				return false
			}
		}
	}
	return true
}

// AllCells returns the 2^K − 1 observable cells 1 … 2^K−1 in increasing
// code order.
func AllCells(k int) []Term {
	if k < 1 || k > MaxFactors {
		panic(fmt.Sprintf("loglinear: AllCells(%d): K must be in [1, %d]", k, MaxFactors))
	}
	c := make([]Term, (1<<uint(k))-1)
	for i := range c {
		c[i] = Term(i + 1)
	}
	return c
}

// Design is a model matrix X: one row per observation (cell), one column
// per parameter. It is immutable once built and safe for concurrent use.
// Rows are stored densely and as lists of non-zero entries, which makes
// the weighted cross products of hierarchical (0/1, sparse) designs cheap.
type Design struct {
	rows, cols int
	x          []float64 // row-major, rows×cols
	nzStart    []int32   // row i's non-zeros are nzCol[nzStart[i]:nzStart[i+1]]
	nzCol      []int32
	nzVal      []float64
	names      []string
	hier       []Term // the terms of a hierarchical design (names on demand)
	hierCells  []Term // its cells
	hierK      int    // number of factors spanned by its cells (0: not hierarchical)
}

// NewDesign builds a design from a dense matrix. names may be nil.
func NewDesign(x mat.Matrix, names []string) *Design {
	r, c := x.Dims()
	if names != nil && len(names) != c {
		panic("loglinear: NewDesign: len(names) != number of columns")
	}
	d := &Design{rows: r, cols: c, x: make([]float64, r*c), names: slices.Clone(names)}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			d.x[i*c+j] = x.At(i, j)
		}
	}
	d.index()
	return d
}

// HierarchicalDesign builds the design of the log-linear model with the
// given terms over the given cells: entry (ω, θ) is 1 when θ ⊆ ω.
func HierarchicalDesign(cells, terms []Term) *Design {
	d := &Design{}
	d.SetHierarchical(cells, terms)
	return d
}

// SetHierarchical rebuilds d in place as the hierarchical design over the
// given cells and terms, reusing its memory. Terms must be distinct.
func (d *Design) SetHierarchical(cells, terms []Term) {
	d.rows, d.cols = len(cells), len(terms)
	d.x = d.x[:0] // built on demand by dense()
	d.names = d.names[:0]
	d.nzStart = append(d.nzStart[:0], 0)
	d.nzCol = d.nzCol[:0]
	d.nzVal = d.nzVal[:0]
	// The non-zero lists are not needed by the fitting code for
	// hierarchical designs (it works on superset and subset sums); they
	// are built on demand by nonZeros.
	d.nzStart = d.nzStart[:0]
	d.hier = append(d.hier[:0], terms...)
	d.hierCells = append(d.hierCells[:0], cells...)
	var span Term
	for _, c := range cells {
		span |= c
	}
	for _, t := range terms {
		span |= t
	}
	d.hierK = 0
	for span != 0 {
		d.hierK++
		span >>= 1
	}
	if d.hierK == 0 {
		d.hierK = 1
	}
}

func (d *Design) dense() []float64 {
	if len(d.x) == d.rows*d.cols {
		return d.x
	}
	x := make([]float64, d.rows*d.cols)
	if d.hierK > 0 {
		for i, c := range d.hierCells {
			for j, t := range d.hier {
				if t&^c == 0 {
					x[i*d.cols+j] = 1
				}
			}
		}
	} else {
		for i := 0; i < d.rows; i++ {
			for k := d.nzStart[i]; k < d.nzStart[i+1]; k++ {
				x[i*d.cols+int(d.nzCol[k])] = d.nzVal[k]
			}
		}
	}
	d.x = x
	return x
}

// Cells returns the cells of a hierarchical design (nil otherwise); the
// slice aliases the design's memory.
func (d *Design) Cells() []Term {
	if d.hierK == 0 {
		return nil
	}
	return d.hierCells
}

// Dims returns the number of rows (observations) and columns (parameters).
func (d *Design) Dims() (rows, cols int) { return d.rows, d.cols }

// At returns X[i, j].
func (d *Design) At(i, j int) float64 { return d.dense()[i*d.cols+j] }

// Names returns the column names.
func (d *Design) Names() []string {
	if len(d.names) == 0 && len(d.hier) == d.cols {
		for _, t := range d.hier {
			d.names = append(d.names, t.String())
		}
	}
	return slices.Clone(d.names)
}

// Matrix returns a copy of X as a gonum matrix.
func (d *Design) Matrix() *mat.Dense {
	return mat.NewDense(d.rows, d.cols, slices.Clone(d.dense()))
}

// index builds the non-zero lists from the dense matrix.
func (d *Design) index() {
	d.nzStart = append(d.nzStart[:0], 0)
	for i := 0; i < d.rows; i++ {
		for j := 0; j < d.cols; j++ {
			if v := d.x[i*d.cols+j]; v != 0 {
				d.nzCol = append(d.nzCol, int32(j))
				d.nzVal = append(d.nzVal, v)
			}
		}
		d.nzStart = append(d.nzStart, int32(len(d.nzCol)))
	}
}
