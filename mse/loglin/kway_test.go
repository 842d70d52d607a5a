package loglin

import (
	"math"
	"testing"

	"github.com/morketall/morketall/mse"
)

// TestKWaySensitivitySaturatedMinusOne: with every term but the K-way
// one, the observed cells are fitted exactly whatever the K-way
// interaction, and fixing it at (−1)^K log k multiplies the unseen count
// by k exactly (the algebra of Gerritse, Bakker and van der Heijden
// 2015); k = 1 is the model's own estimate.
func TestKWaySensitivitySaturatedMinusOne(t *testing.T) {
	tab := readTestTable(t, "../../testdata/lesbian.csv") // 4 lists, every cell observed
	m, err := mse.ParseModel("[123,124,134,234]", tab.Lists)
	if err != nil {
		t.Fatal(err)
	}
	fit, err := FitModel(tab, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := KWaySensitivity(tab, m, []float64{0.5, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	n := float64(tab.N())
	dark := fit.Estimate - n
	for i, h := range []float64{0.5, 1, 2, 3} {
		p := pts[i]
		if want := n + h*dark; math.Abs(p.Estimate-want) > 1e-6*want {
			t.Errorf("k = %g: estimate %.6f, want n + k·dark = %.6f", h, p.Estimate, want)
		}
		if want := math.Log(h); math.Abs(p.LogOddsRatio-want) > 1e-12 { // K = 4: (−1)^4 = 1
			t.Errorf("k = %g: γ %g, want %g", h, p.LogOddsRatio, want)
		}
	}
}

// TestKWaySensitivityMainEffects: for a smaller model the refit moves the
// estimate in the direction of k (monotone in k), and k = 1 reproduces
// the fit.
func TestKWaySensitivityMainEffects(t *testing.T) {
	tab := readTestTable(t, "../../testdata/ukdat_5.csv")
	m := mse.MainEffects(tab.K())
	fit, err := FitModel(tab, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := KWaySensitivity(tab, m, []float64{0.5, 1, 2, 4})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(pts[1].Estimate-fit.Estimate) > 1e-6*fit.Estimate {
		t.Errorf("k = 1: %.6f, the fit %.6f", pts[1].Estimate, fit.Estimate)
	}
	for i := 1; i < len(pts); i++ {
		if !(pts[i].Estimate > pts[i-1].Estimate) {
			t.Errorf("not increasing in k: %+v", pts)
		}
	}
	if _, err := KWaySensitivity(tab, m, []float64{0}); err == nil {
		t.Error("k = 0 accepted")
	}
}
