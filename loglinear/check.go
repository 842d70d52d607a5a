package loglinear

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
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
// does not always take; see METHODS.md §5).
func Reduce(k int, terms []Term, margins []float64) (kept, empty []Term, cells []Term) {
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
	if !IsHierarchical(terms) {
		return nil, fmt.Errorf("%w: terms are not a hierarchical model", ErrInput)
	}
	margins := Margins(k, y)
	kept, empty, cells := Reduce(k, terms, margins)
	ch := &Check{EmptyTerms: empty, KeptTerms: kept, KeptCells: cells}
	yk := make([]float64, len(cells))
	for i, c := range cells {
		yk[i] = y[c]
	}
	s, err := ExistenceLP(cells, kept, yk)
	if err != nil {
		return nil, err
	}
	ch.LPObjective = s
	saturated := len(empty) == 0 && len(terms) == 1<<uint(k)
	if len(empty) > 0 || saturated {
		ch.RankDeficiency = len(kept) - Rank(HierarchicalDesign(cells, kept))
	}
	if s <= LPZeroTol {
		ch.Code |= CodeNoMLE
	}
	if ch.RankDeficiency > 0 {
		ch.Code |= CodeNotIdentified
	}
	return ch, nil
}

// ExistenceLP solves max s subject to Aᵀx = Aᵀy, x_ω ≥ s, x ≥ 0 for the
// hierarchical design A over the given cells and terms, with the
// substitution x = s·1 + u (u ≥ 0). It returns s*.
func ExistenceLP(cells, terms []Term, y []float64) (float64, error) {
	m, nc := len(terms), len(cells)
	n := nc + 1 // s, then u_ω
	a := make([]float64, m*n)
	b := make([]float64, m)
	for i, t := range terms {
		row := a[i*n : (i+1)*n]
		for j, c := range cells {
			if t.SubsetOf(c) {
				row[0]++
				row[1+j] = 1
				b[i] += y[j]
			}
		}
	}
	c := make([]float64, n)
	c[0] = 1
	_, z, err := solveLP(a, b, c, m, n)
	if err != nil {
		return 0, err
	}
	return z, nil
}

// Rank returns the numerical rank of the design, counting singular values
// above RankTol times the largest.
func Rank(d *Design) int {
	r, c := d.Dims()
	if r == 0 || c == 0 {
		return 0
	}
	var svd mat.SVD
	if !svd.Factorize(d.Matrix(), mat.SVDNone) {
		return 0
	}
	return svd.Rank(RankTol)
}
