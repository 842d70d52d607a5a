package loglinear

import (
	"math"
	"math/bits"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestExistenceLPDesignHierarchical checks that the general-design LP
// gives the hierarchical LP's answer on a 0/1 design.
func TestExistenceLPDesignHierarchical(t *testing.T) {
	y := ukdat5()
	cells := AllCells(5)
	yc := make([]float64, len(cells))
	for i, c := range cells {
		yc[i] = y[c]
	}
	d := HierarchicalDesign(cells, Closure([]Term{1, 2, 4, 8, 16}))
	s, err := ExistenceLPDesign(d, yc)
	if err != nil {
		t.Fatal(err)
	}
	// R 4.2.2, SparseMSE 2.0.1 checkident(UKdat_5) main effects:
	// lp objective 4.6734693877551.
	if relErr(s, 4.6734693877551) > 1e-9 {
		t.Errorf("s* = %.12g, want 4.6734693877551", s)
	}
}

// TestExistenceLPDesignHeterogeneity uses Rcapture's Mh Poisson2 design
// (intercept, number of captures k, 2^k − 1) on the three-list artificial
// table of Chan, Silverman and Vincent (2021): counts by k are 90, 6, 0.
// Equal sufficient statistics force the k = 3 cell to 0 (from Σx = 96,
// Σkx = 102, Σ(2^k − 1)x = 108), so s* = 0. With the Gamma3.5 column
// −log(3.5 + k) + log 3.5 (negative sufficient statistic) the same holds;
// the M0 design (intercept, k) has s* > 0.
func TestExistenceLPDesignHeterogeneity(t *testing.T) {
	counts := map[int]float64{1: 40, 2: 30, 4: 20, 3: 6}
	het := map[string]func(k float64) float64{
		"Poisson2": func(k float64) float64 { return math.Pow(2, k) - 1 },
		"Gamma3.5": func(k float64) float64 { return -math.Log(3.5+k) + math.Log(3.5) },
		"none":     nil,
	}
	for name, h := range het {
		p := 2
		if h != nil {
			p = 3
		}
		x := mat.NewDense(7, p, nil)
		y := make([]float64, 7)
		for c := 1; c <= 7; c++ {
			k := float64(bits.OnesCount(uint(c)))
			x.Set(c-1, 0, 1)
			x.Set(c-1, 1, k)
			if h != nil {
				x.Set(c-1, 2, h(k))
			}
			y[c-1] = counts[c]
		}
		s, err := ExistenceLPDesign(NewDesign(x, nil), y)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h != nil && s > LPZeroTol {
			t.Errorf("%s: s* = %g, want 0", name, s)
		}
		if h == nil && !(s > 1e-3) {
			t.Errorf("M0: s* = %g, want > 0", s)
		}
	}
}
