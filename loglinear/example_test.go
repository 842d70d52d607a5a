package loglinear_test

import (
	"fmt"
	"math"

	"github.com/morketall/morketall/loglinear"
)

// Fit the independence model to a three-list table: the terms are the
// intercept and the three main effects, the cells the seven observable
// capture patterns (bit i set: on list i+1). R's glm gives the same
// numbers (SparseMSE 2.0.1 modelfit(Artificial_3): intercept 6.0937818,
// deviance 8.873, 3 df, 5 iterations; N̂ = 96 + 443.09 = 539.09).
func ExampleFitPoisson() {
	// Chan, Silverman and Vincent (2021), Table 2: 100: 40, 010: 30,
	// 001: 20, 110: 6, the other patterns 0.
	counts := map[loglinear.Term]float64{0b001: 40, 0b010: 30, 0b100: 20, 0b011: 6}
	cells := loglinear.AllCells(3)
	y := make([]float64, len(cells))
	for i, c := range cells {
		y[i] = counts[c]
	}
	terms := loglinear.Closure([]loglinear.Term{0b001, 0b010, 0b100})
	fit, err := loglinear.FitPoisson(loglinear.HierarchicalDesign(cells, terms), y, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s after %d iterations; deviance %.3f on %d df\n", fit.Status, fit.Iter, fit.Deviance, fit.DFResidual)
	fmt.Printf("unobserved cell: exp(%.6f) = %.2f\n", fit.Coef[0], math.Exp(fit.Coef[0]))
	// Output:
	// converged after 5 iterations; deviance 8.873 on 3 df
	// unobserved cell: exp(6.093782) = 443.09
}
