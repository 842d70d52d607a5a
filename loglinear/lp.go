package loglinear

import (
	"errors"
	"fmt"
	"math"
)

// The linear programs of the existence check are tiny (at most a few
// hundred variables and constraints), degenerate, and solved thousands of
// times in a model search. gonum's optimize/convex/lp.Simplex was found to
// stall on some of them, so this is a small dense two-phase simplex with
// Bland's rule (which cannot cycle), explicit tolerances, removal of
// redundant rows, a bound on the number of pivots (it can never hang) and a
// check of the answer against the constraints.

// ErrLP is returned when the simplex cannot certify an answer (pivot limit
// reached or a solution that fails verification). Callers treat the model
// as not checkable.
var ErrLP = errors.New("loglinear: linear program could not be solved reliably")

const (
	lpPivotTol = 1e-9 // smallest pivot element accepted
	lpCostTol  = 1e-9 // reduced cost treated as zero
	lpFeasTol  = 1e-7 // relative feasibility tolerance in verification
	lpMaxWork  = 50   // pivots allowed per (rows + columns)
)

// simplex solves  maximise cᵀx  subject to  A x = b, x ≥ 0  where A is
// m×n row-major and b ≥ 0. It returns the optimal x and objective. The
// problems here are always feasible and bounded; infeasibility or
// unboundedness is reported as ErrLP.
type simplex struct {
	m, n  int
	t     []float64 // tableau (m+1) × (n+m+1): rows of [A | I | b], last row the objective
	w     int       // row width n+m+1
	basis []int
	alive []bool // rows not removed as redundant
	x     []float64
}

func (s *simplex) at(i, j int) float64 { return s.t[i*s.w+j] }

func solveLP(a []float64, b, c []float64, m, n int) ([]float64, float64, error) {
	var s simplex
	return s.solve(a, b, c, m, n)
}

// solve runs the simplex reusing the receiver's memory. The returned x
// aliases it.
func (s *simplex) solve(a []float64, b, c []float64, m, n int) ([]float64, float64, error) {
	s.m, s.n, s.w = m, n, n+m+1
	if cap(s.t) >= (m+1)*s.w {
		s.t = s.t[:(m+1)*s.w]
		clear(s.t)
	} else {
		s.t = make([]float64, (m+1)*s.w)
	}
	if cap(s.basis) >= m {
		s.basis, s.alive = s.basis[:m], s.alive[:m]
	} else {
		s.basis, s.alive = make([]int, m), make([]bool, m)
	}
	for i := 0; i < m; i++ {
		if b[i] < 0 {
			return nil, 0, fmt.Errorf("%w: negative right-hand side", ErrLP)
		}
		row := s.t[i*s.w:]
		copy(row[:n], a[i*n:(i+1)*n])
		row[n+i] = 1
		row[s.w-1] = b[i]
		s.basis[i] = n + i
		s.alive[i] = true
	}
	limit := lpMaxWork * (m + n + 1)
	pivots := 0

	// Phase 1: minimise the sum of artificials, i.e. maximise −Σ a_i.
	// Objective row holds reduced costs d_j = c_B B⁻¹ A_j − c_j for the
	// maximisation of −Σ a; with the artificial basis that is −Σ_i A_ij.
	obj := s.t[m*s.w:]
	clear(obj)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			obj[j] -= s.at(i, j)
		}
		obj[s.w-1] -= b[i]
	}
	if err := s.iterate(n+m, &pivots, limit); err != nil {
		return nil, 0, err
	}
	if -obj[s.w-1] > lpFeasTol*max(1, maxAbs(b)) {
		return nil, 0, fmt.Errorf("%w: phase 1 ended infeasible", ErrLP)
	}
	// Drive artificials out of the basis; rows where that is impossible
	// are linear combinations of others: drop them.
	for i := 0; i < m; i++ {
		if s.basis[i] < n {
			continue
		}
		piv := -1
		for j := 0; j < n; j++ {
			if math.Abs(s.at(i, j)) > lpPivotTol {
				piv = j
				break
			}
		}
		if piv < 0 {
			s.alive[i] = false
			continue
		}
		s.pivot(i, piv)
		pivots++
	}
	// Phase 2: reduced costs for max cᵀx with the current basis.
	clear(obj)
	for j := 0; j < n; j++ {
		obj[j] = -c[j]
	}
	for i := 0; i < m; i++ {
		if !s.alive[i] {
			continue
		}
		cb := c[s.basis[i]]
		if cb == 0 {
			continue
		}
		row := s.t[i*s.w:]
		for j := 0; j < s.w; j++ {
			obj[j] += cb * row[j]
		}
	}
	// Artificial columns may not re-enter.
	if err := s.iterate(n, &pivots, limit); err != nil {
		return nil, 0, err
	}
	if cap(s.x) >= n {
		s.x = s.x[:n]
		clear(s.x)
	} else {
		s.x = make([]float64, n)
	}
	x := s.x
	for i := 0; i < m; i++ {
		if s.alive[i] && s.basis[i] < n {
			x[s.basis[i]] = s.at(i, s.w-1)
		}
	}
	// Verify: feasibility of the original constraints.
	scale := max(1, maxAbs(b))
	for j := range x {
		if x[j] < -lpFeasTol*scale {
			return nil, 0, fmt.Errorf("%w: solution violates x ≥ 0", ErrLP)
		}
		if x[j] < 0 {
			x[j] = 0
		}
	}
	for i := 0; i < m; i++ {
		var r float64
		for j := 0; j < n; j++ {
			r += a[i*n+j] * x[j]
		}
		if math.Abs(r-b[i]) > lpFeasTol*scale {
			return nil, 0, fmt.Errorf("%w: solution violates an equality", ErrLP)
		}
	}
	var z float64
	for j := range x {
		z += c[j] * x[j]
	}
	return x, z, nil
}

// iterate runs simplex pivots with Bland's rule until optimal; columns
// from ncols on may not enter.
func (s *simplex) iterate(ncols int, pivots *int, limit int) error {
	obj := s.t[s.m*s.w:]
	for {
		// Entering: the lowest-index column with a negative reduced cost.
		enter := -1
		for j := 0; j < ncols; j++ {
			if obj[j] < -lpCostTol {
				enter = j
				break
			}
		}
		if enter < 0 {
			return nil
		}
		// Leaving: minimum ratio, ties to the lowest basic variable index.
		leave := -1
		var best float64
		for i := 0; i < s.m; i++ {
			if !s.alive[i] {
				continue
			}
			aij := s.at(i, enter)
			if aij <= lpPivotTol {
				continue
			}
			r := s.at(i, s.w-1) / aij
			if leave < 0 || r < best-1e-12*max(1, math.Abs(best)) ||
				(math.Abs(r-best) <= 1e-12*max(1, math.Abs(best)) && s.basis[i] < s.basis[leave]) {
				leave, best = i, r
			}
		}
		if leave < 0 {
			return fmt.Errorf("%w: unbounded", ErrLP)
		}
		s.pivot(leave, enter)
		*pivots++
		if *pivots > limit {
			return fmt.Errorf("%w: pivot limit reached", ErrLP)
		}
	}
}

func (s *simplex) pivot(r, c int) {
	w := s.w
	prow := s.t[r*w : (r+1)*w]
	inv := 1 / prow[c]
	for j := range prow {
		prow[j] *= inv
	}
	prow[c] = 1
	for i := 0; i <= s.m; i++ {
		if i == r || (i < s.m && !s.alive[i]) {
			continue
		}
		row := s.t[i*w : (i+1)*w]
		f := row[c]
		if f == 0 {
			continue
		}
		for j := range row {
			row[j] -= f * prow[j]
		}
		row[c] = 0
	}
	s.basis[r] = c
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}
