package loglinear

import (
	"fmt"
	"math"
)

// ExistenceLPDesign is ExistenceLP for an arbitrary design: one row per
// observable cell, with counts y. It returns
//
//	s* = max over {x ≥ 0 : Xᵀx = Xᵀy} of min_ω x_ω,
//
// which is 0 exactly when no table with strictly positive counts has the
// observed sufficient statistics Xᵀy, i.e. when the maximum-likelihood
// estimate of the Poisson log-linear model does not exist (some
// coefficients diverge). Unlike ExistenceLP the design need not be
// hierarchical or 0/1: Rcapture's heterogeneity columns (the number of
// captures, 2^k − 1, k²/2, −log(3.5 + k) + log 3.5) are covered. The
// design must contain a column that is positive on every row (an
// intercept) so that s* is bounded; otherwise ErrLP is returned.
func ExistenceLPDesign(d *Design, y []float64) (float64, error) {
	rows, cols := d.Dims()
	if len(y) != rows {
		return 0, fmt.Errorf("%w: %d counts for a design with %d rows", ErrInput, len(y), rows)
	}
	// Variables: s, then u_ω ≥ 0 with x_ω = s + u_ω. One equality per
	// column j: (Σ_ω X_ωj) s + Σ_ω X_ωj u_ω = Σ_ω X_ωj y_ω. Rows whose
	// right-hand side is negative are negated (the simplex wants b ≥ 0).
	n := rows + 1
	a := make([]float64, cols*n)
	b := make([]float64, cols)
	for j := 0; j < cols; j++ {
		row := a[j*n : (j+1)*n]
		for i := 0; i < rows; i++ {
			v := d.At(i, j)
			row[0] += v
			row[1+i] = v
			b[j] += v * y[i]
		}
		if b[j] < 0 {
			b[j] = -b[j]
			for k := range row {
				row[k] = -row[k]
			}
		}
		if math.IsNaN(b[j]) || math.IsInf(b[j], 0) {
			return 0, fmt.Errorf("%w: non-finite sufficient statistic", ErrInput)
		}
	}
	c := make([]float64, n)
	c[0] = 1
	_, z, err := solveLP(a, b, c, cols, n)
	if err != nil {
		return 0, err
	}
	return z, nil
}
