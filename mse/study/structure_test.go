package study

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

// marginals returns P(ω_j = 1) for each list.
func marginals(k int, probs []float64) []float64 {
	m := make([]float64, k)
	for c, p := range probs {
		for j := 0; j < k; j++ {
			if c>>uint(j)&1 == 1 {
				m[j] += p
			}
		}
	}
	return m
}

// condLogOR is log(p11 p00 / (p10 p01)) of lists i and j with the other
// lists held at the pattern rest (which has neither i nor j).
func condLogOR(probs []float64, i, j, rest int) float64 {
	bi, bj := 1<<uint(i), 1<<uint(j)
	return math.Log(probs[rest|bi|bj] * probs[rest] / (probs[rest|bi] * probs[rest|bj]))
}

func TestStructureIndependenceIsTheProduct(t *testing.T) {
	q := []float64{0.1, 0.15, 0.2, 0.08}
	pop, err := Structure{Capture: q}.Population(1000)
	if err != nil {
		t.Fatal(err)
	}
	for c, p := range pop.Probs {
		want := 1.0
		for j, qj := range q {
			if c>>uint(j)&1 == 1 {
				want *= qj
			} else {
				want *= 1 - qj
			}
		}
		if math.Abs(p-want) > 1e-14 {
			t.Fatalf("pattern %b: %v, want %v", c, p, want)
		}
	}
	if pop.Model != "[1,2,3,4]" || pop.N != 1000 || pop.Lists[3] != "D" {
		t.Fatalf("population %+v", pop)
	}
}

// TestStructureDependence: the marginals are the capture probabilities,
// and the conditional log odds ratios are the dependence, whatever the
// other lists.
func TestStructureDependence(t *testing.T) {
	q := []float64{0.3, 0.2, 0.25, 0.1, 0.4}
	d, err := ParseDependence("0.5, 1:2=1.5, 3:4=-1, 2:5=-inf")
	if err != nil {
		t.Fatal(err)
	}
	pop, err := Structure{Capture: q, Dependence: d}.Population(500)
	if err != nil {
		t.Fatal(err)
	}
	for j, m := range marginals(5, pop.Probs) {
		if math.Abs(m-q[j]) > 1e-12*q[j] {
			t.Errorf("list %d: marginal %v, want %v", j+1, m, q[j])
		}
	}
	for _, tc := range []struct {
		i, j int
		want float64
	}{{0, 1, 1.5}, {2, 3, -1}, {0, 2, 0.5}, {3, 4, 0.5}} {
		checked := 0
		for rest := 0; rest < 32; rest++ {
			bi, bj := 1<<uint(tc.i), 1<<uint(tc.j)
			if rest&(bi|bj) != 0 || pop.Probs[rest|bi|bj] == 0 || pop.Probs[rest|bi] == 0 || pop.Probs[rest|bj] == 0 {
				continue // lists 2 and 5 together: probability 0
			}
			checked++
			if got := condLogOR(pop.Probs, tc.i, tc.j, rest); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("lists %d:%d given %b: log OR %v, want %v", tc.i+1, tc.j+1, rest, got, tc.want)
			}
		}
		if checked < 4 {
			t.Errorf("lists %d:%d: only %d patterns checked", tc.i+1, tc.j+1, checked)
		}
	}
	for c, p := range pop.Probs {
		if c&2 != 0 && c&16 != 0 && p != 0 {
			t.Fatalf("lists 2 and 5 overlap in pattern %b", c)
		}
	}
	if pop.Model != "[12,13,14,15,23,24,25,34,35,45]" {
		t.Errorf("model %q", pop.Model)
	}
}

// TestStructureHeterogeneity checks the logit-normal population against
// an independent computation: each list's intercept found by bisection on
// its marginal, and every probability integrated with the trapezoid rule
// on a fine grid (instead of Newton's method and Gauss–Hermite).
func TestStructureHeterogeneity(t *testing.T) {
	q := []float64{0.05, 0.1, 0.2}
	const sigma = 1.5
	pop, err := Structure{Capture: q, Heterogeneity: sigma}.Population(2000)
	if err != nil {
		t.Fatal(err)
	}
	if pop.Model != "" {
		t.Errorf("a latent population has model %q", pop.Model)
	}
	const steps = 4000
	lo, hi := -10*sigma, 10*sigma
	h := (hi - lo) / steps
	integrate := func(f func(eta float64) float64) float64 {
		var s float64
		for i := 0; i <= steps; i++ {
			eta := lo + float64(i)*h
			w := h
			if i == 0 || i == steps {
				w /= 2
			}
			s += w * f(eta) * math.Exp(-eta*eta/(2*sigma*sigma)) / (sigma * math.Sqrt(2*math.Pi))
		}
		return s
	}
	expit := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	a := make([]float64, 3)
	for j := range a {
		l, u := -30.0, 30.0
		for range 64 {
			mid := (l + u) / 2
			if integrate(func(eta float64) float64 { return expit(mid + eta) }) < q[j] {
				l = mid
			} else {
				u = mid
			}
		}
		a[j] = (l + u) / 2
	}
	for c := 0; c < 8; c++ {
		want := integrate(func(eta float64) float64 {
			p := 1.0
			for j := range a {
				pj := expit(a[j] + eta)
				if c>>uint(j)&1 == 1 {
					p *= pj
				} else {
					p *= 1 - pj
				}
			}
			return p
		})
		if math.Abs(pop.Probs[c]-want) > 1e-9 {
			t.Errorf("pattern %03b: %.12g, want %.12g", c, pop.Probs[c], want)
		}
	}
	// Heterogeneity makes lists look positively dependent.
	if lor := condLogOR(pop.Probs, 0, 1, 0); !(lor > 0.3) {
		t.Errorf("log OR of lists 1 and 2 under heterogeneity: %v", lor)
	}
}

func TestStructureRefuses(t *testing.T) {
	for _, s := range []Structure{
		{Capture: []float64{0.1}},
		{Capture: []float64{0.1, 1}},
		{Capture: []float64{0.1, math.NaN()}},
		{Capture: []float64{0.1, 0.2}, Heterogeneity: -1},
		{Capture: []float64{0.1, 0.2}, Dependence: Dependence{Pairs: []PairDependence{{1, 3, 1}}}},
		// Lists that never overlap cannot hold more than everybody.
		{Capture: []float64{0.6, 0.6}, Dependence: Dependence{Pairs: []PairDependence{{1, 2, math.Inf(-1)}}}},
	} {
		if _, err := s.Population(100); err == nil {
			t.Errorf("%+v: no error", s)
		} else if !errors.Is(err, ErrPopulation) && !errors.Is(err, ErrDependence) {
			t.Errorf("%+v: %v", s, err)
		}
	}
}

// TestWithCapture: tilting keeps every interaction, reaches the new
// marginals, and adds independent lists.
func TestWithCapture(t *testing.T) {
	pop, err := NewScenario("pairwise-4", nil)
	if err != nil {
		t.Fatal(err)
	}
	same, err := pop.WithCapture(marginals(4, pop.Probs))
	if err != nil {
		t.Fatal(err)
	}
	for c := range pop.Probs {
		if math.Abs(same.Probs[c]-pop.Probs[c]) > 1e-13 {
			t.Fatalf("tilting to its own marginals moved pattern %b: %v → %v", c, pop.Probs[c], same.Probs[c])
		}
	}
	q := []float64{0.3, 0.05, 0.1, 0.2, 0.15}
	tp, err := pop.WithCapture(q)
	if err != nil {
		t.Fatal(err)
	}
	if tp.K() != 5 || tp.Lists[4] != "new1" || tp.N != pop.N {
		t.Fatalf("tilted population %v %d", tp.Lists, tp.N)
	}
	for j, m := range marginals(5, tp.Probs) {
		if math.Abs(m-q[j]) > 1e-12*q[j] {
			t.Errorf("list %d: marginal %v, want %v", j+1, m, q[j])
		}
	}
	// The pairwise scenario's log odds ratios (1:2 +1.2, 2:3 +0.8, 3:4
	// −1.0) stay; the new list is independent of the others.
	for _, tc := range []struct {
		i, j int
		want float64
	}{{0, 1, 1.2}, {1, 2, 0.8}, {2, 3, -1.0}, {0, 3, 0}, {0, 4, 0}, {2, 4, 0}} {
		if got := condLogOR(tp.Probs, tc.i, tc.j, 0); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("lists %d:%d: log OR %v, want %v", tc.i+1, tc.j+1, got, tc.want)
		}
	}
	if tp.Model != "[12,23,34,5]" {
		t.Errorf("model %q", tp.Model)
	}
	if _, err := pop.WithCapture([]float64{0.1, 0.2, 0.3}); err == nil {
		t.Error("fewer lists accepted")
	}
}

func TestDependenceText(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"", "0"},
		{"0.5", "0.5"},
		{" 2:1=1.2 , 3:4=-1", "1:2=1.2,3:4=-1"},
		{"0.3,1:4=-Inf", "0.3,1:4=-inf"},
	} {
		d, err := ParseDependence(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if d.String() != tc.out {
			t.Errorf("%q: %q, want %q", tc.in, d.String(), tc.out)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Dependence
		if err := json.Unmarshal(b, &back); err != nil || back.String() != tc.out {
			t.Errorf("%q: JSON %s read back as %q (%v)", tc.in, b, back.String(), err)
		}
	}
	for _, bad := range []string{"x", "1:1=2", "1:2=1,2:1=3", "0:2=1", "1:2=inf", "1:2", "-inf", "0.1,0.2", "1:2=nan"} {
		if _, err := ParseDependence(bad); !errors.Is(err, ErrDependence) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
	var d Dependence
	if err := json.Unmarshal([]byte(`true`), &d); err == nil {
		t.Error("a boolean dependence was accepted")
	}
}

// TestStructureStrongDependence: the calibration reaches the marginals
// from a start far from them (strong dependence among many lists, with
// heterogeneity, where logit q alone puts nearly everybody on every list).
func TestStructureStrongDependence(t *testing.T) {
	q := []float64{0.05, 0.07, 0.09, 0.11, 0.13, 0.15, 0.17, 0.19}
	for _, tc := range []struct {
		dep string
		het float64
	}{{"2", 0}, {"2", 2}, {"0.7,1:2=-inf,3:4=2", 2}, {"-1", 0.5}} {
		d, err := ParseDependence(tc.dep)
		if err != nil {
			t.Fatal(err)
		}
		pop, err := Structure{Capture: q, Dependence: d, Heterogeneity: tc.het}.Population(5000)
		if err != nil {
			t.Fatalf("%s, σ %v: %v", tc.dep, tc.het, err)
		}
		for j, m := range marginals(8, pop.Probs) {
			if math.Abs(m-q[j]) > 1e-12*q[j] {
				t.Errorf("%s, σ %v: list %d: marginal %v, want %v", tc.dep, tc.het, j+1, m, q[j])
			}
		}
	}
}
