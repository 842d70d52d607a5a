package loglinear

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTwelveFactors fits a model with all main effects and two
// interactions over K = 12 binary factors (4095 observable cells) to
// Poisson counts drawn from it, and checks that the fit recovers the
// parameters and that the existence check passes on the complete design.
func TestTwelveFactors(t *testing.T) {
	const k = 12
	rng := rand.New(rand.NewPCG(12, 12))
	gens := []Term{1<<0 | 1<<1, 1<<3 | 1<<7}
	for i := 0; i < k; i++ {
		gens = append(gens, 1<<uint(i))
	}
	terms := Closure(gens)
	if len(terms) != 1+k+2 {
		t.Fatalf("%d terms", len(terms))
	}
	truth := make([]float64, len(terms))
	truth[0] = 8 // intercept: e^8 ≈ 2981 in the unobserved cell
	for j, tm := range terms {
		switch tm.Size() {
		case 1:
			truth[j] = -1.5 - 0.1*float64(j%3)
		case 2:
			truth[j] = 0.8
		}
	}
	cells := AllCells(k)
	d := HierarchicalDesign(cells, terms)
	y := make([]float64, len(cells))
	for i, c := range cells {
		var eta float64
		for j, tm := range terms {
			if tm.SubsetOf(c) {
				eta += truth[j]
			}
		}
		y[i] = float64(poisson(rng, math.Exp(eta)))
	}
	f, err := FitPoisson(d, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	for j := range terms {
		// 5 standard errors: a false failure has probability about 1e-5
		// per coefficient.
		if math.Abs(f.Coef[j]-truth[j]) > 5*f.StdErr[j] {
			t.Errorf("term %s: %.3f ± %.3f, truth %.3f", terms[j], f.Coef[j], f.StdErr[j], truth[j])
		}
	}
	full := make([]float64, 1<<k)
	for i, c := range cells {
		full[c] = y[i]
	}
	ch, err := CheckModel(k, terms, full)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Code != CodeOK || len(ch.KeptCells) != len(cells) {
		t.Errorf("check code %d, %d cells", ch.Code, len(ch.KeptCells))
	}
	if r := Rank(d); r != len(terms) {
		t.Errorf("rank %d, want %d", r, len(terms))
	}
}

// poisson draws a Poisson variate by inversion (small means) or the
// normal approximation rounded (large means); adequate for test data.
func poisson(rng *rand.Rand, mean float64) int {
	if mean > 50 {
		v := math.Round(mean + math.Sqrt(mean)*rng.NormFloat64())
		return max(int(v), 0)
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
