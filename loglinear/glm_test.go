package loglinear

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// ukdat5 holds the counts of the 5-list UK table (Silverman 2014, Table 1
// with PF and NCA merged; SparseMSE UKdat_5) indexed by cell code: bit 0 =
// LA, 1 = NG, 2 = PFNCA, 3 = GO, 4 = GP.
func ukdat5() []float64 {
	y := make([]float64, 32)
	for _, c := range []struct {
		p string
		n float64
	}{
		{"10000", 54}, {"01000", 463}, {"00100", 995}, {"00010", 695}, {"00001", 316},
		{"11000", 15}, {"10100", 19}, {"10010", 3}, {"01100", 62}, {"01010", 19},
		{"01001", 1}, {"00110", 76}, {"00101", 11}, {"00011", 8}, {"11100", 1},
		{"11010", 1}, {"01110", 4}, {"11110", 1},
	} {
		var code int
		for i, ch := range c.p {
			if ch == '1' {
				code |= 1 << i
			}
		}
		y[code] = c.n
	}
	return y
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func TestFitMainEffectsUKdat5(t *testing.T) {
	y := ukdat5()
	cells := AllCells(5)
	terms := Closure([]Term{1, 2, 4, 8, 16})
	d := HierarchicalDesign(cells, terms)
	yc := make([]float64, len(cells))
	for i, c := range cells {
		yc[i] = y[c]
	}
	f, err := FitPoisson(d, yc, nil)
	if err != nil {
		t.Fatal(err)
	}
	// R 4.2.2, SparseMSE 2.0.1 modelfit(UKdat_5) main effects
	// (reference/sparsemse_ukdat_5.json, modelfit_main).
	const tol = 1e-9
	want := map[string]float64{
		"intercept": 9.27801128289948, "se0": 0.0747908643099316,
		"dev": 118.531629289399, "aic": 217.778876462761,
	}
	got := map[string]float64{
		"intercept": f.Coef[0], "se0": f.StdErr[0], "dev": f.Deviance, "aic": f.AIC,
	}
	for k, w := range want {
		if e := relErr(got[k], w); e > tol {
			t.Errorf("%s = %.12g, want %.12g (rel err %.2g)", k, got[k], w, e)
		}
	}
	if f.Iter != 5 || f.DFResidual != 25 || f.Status != Converged {
		t.Errorf("iter %d df %d status %v, want 5, 25, converged", f.Iter, f.DFResidual, f.Status)
	}
	t.Logf("cond %.3g", f.Cond)
}

func TestCheckUKdat5(t *testing.T) {
	y := ukdat5()
	main := Closure([]Term{1, 2, 4, 8, 16})
	var pairs []Term
	for i := 0; i < 5; i++ {
		for j := i + 1; j < 5; j++ {
			pairs = append(pairs, Term(1<<i|1<<j))
		}
	}
	all := Closure(pairs)
	// R 4.2.2, SparseMSE 2.0.1 checkident(UKdat_5): main effects s* =
	// 4.6734693877551, all pairs s* = 0.25, both code 0; the all-pairs
	// model has LA:GP (code 1+16 = 17) empty and 23 cells left.
	for _, c := range []struct {
		name  string
		terms []Term
		s     float64
		cells int
	}{{"main", main, 4.6734693877551, 31}, {"pairs", all, 0.25, 23}} {
		ch, err := CheckModel(5, c.terms, y)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Code != 0 || relErr(ch.LPObjective, c.s) > 1e-9 || len(ch.KeptCells) != c.cells {
			t.Errorf("%s: code %d s* %.12g cells %d, want 0, %.12g, %d", c.name, ch.Code, ch.LPObjective, len(ch.KeptCells), c.s, c.cells)
		}
	}
}

// TestOffset: a Poisson rate model with exposure. With an intercept only
// and log exposures as offset, the MLE of the rate is Σy/Σt exactly; with
// a factor, each group's rate is its own Σy/Σt.
func TestOffset(t *testing.T) {
	y := []float64{3, 7, 2, 9, 4}
	expo := []float64{1.5, 2, 0.5, 4, 2.5}
	off := make([]float64, len(y))
	for i := range off {
		off[i] = math.Log(expo[i])
	}
	x := mat.NewDense(5, 2, []float64{1, 0, 1, 0, 1, 1, 1, 1, 1, 1})
	f, err := FitPoisson(NewDesign(x, nil), y, &Options{Offset: off})
	if err != nil {
		t.Fatal(err)
	}
	// Group 0 (rows 0, 1): rate (3+7)/(1.5+2); group 1: (2+9+4)/(0.5+4+2.5).
	r0, r1 := 10/3.5, 15/7.0
	if math.Abs(f.Coef[0]-math.Log(r0)) > 1e-9 || math.Abs(f.Coef[1]-(math.Log(r1)-math.Log(r0))) > 1e-9 {
		t.Fatalf("coefficients %v, want log rates %v, %v", f.Coef, math.Log(r0), math.Log(r1)-math.Log(r0))
	}
	for i := range y {
		r := r0
		if i >= 2 {
			r = r1
		}
		if math.Abs(f.Fitted[i]-r*expo[i]) > 1e-9 {
			t.Fatalf("fitted %v", f.Fitted)
		}
	}
	// A zero offset is no offset.
	g0, _ := FitPoisson(NewDesign(x, nil), y, nil)
	g1, _ := FitPoisson(NewDesign(x, nil), y, &Options{Offset: make([]float64, 5)})
	if math.Abs(g0.Coef[1]-g1.Coef[1]) > 1e-12 || math.Abs(g0.Deviance-g1.Deviance) > 1e-12 {
		t.Fatal("zero offset changes the fit")
	}
	if _, err := FitPoisson(NewDesign(x, nil), y, &Options{Offset: off[:2]}); !errors.Is(err, ErrInput) {
		t.Fatalf("short offset: %v", err)
	}
}
