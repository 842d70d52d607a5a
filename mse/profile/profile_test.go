package profile

import (
	"errors"
	"math"
	"testing"
)

func TestAlpha(t *testing.T) {
	for _, c := range []struct {
		q    []float64
		want float64
	}{{[]float64{0.025, 0.975}, 0.05}, {[]float64{0.9, 0.1}, 0.2}, {[]float64{0.005, 0.995}, 0.01}} {
		got, err := Alpha(c.q)
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Alpha(%v) = %g, %v; want %g", c.q, got, err, c.want)
		}
	}
	for _, q := range [][]float64{{0.025}, {0.025, 0.95}, {0, 1}, {0.5, 0.5}, {0.025, 0.5, 0.975}} {
		if _, err := Alpha(q); !errors.Is(err, ErrInterval) {
			t.Errorf("Alpha(%v): err = %v, want ErrInterval", q, err)
		}
	}
}

func TestChisq1Half(t *testing.T) {
	// R 4.2.2: qchisq(0.95, 1) = 3.841458820694124 (so the cut-off is
	// 1.920729410347062, METHODS.md: 1.920729); qnorm(0.9) =
	// 1.2815515655446004, so qchisq(0.8, 1) = 1.2815515655446004².
	if got := chisq1Half(0.05); math.Abs(got-3.841458820694124/2) > 1e-14 {
		t.Errorf("chisq1Half(0.05) = %.16g", got)
	}
	z := 1.2815515655446004
	if got := chisq1Half(0.2); math.Abs(got-z*z/2) > 1e-14 {
		t.Errorf("chisq1Half(0.2) = %.16g, want %.16g", got, z*z/2)
	}
}

func TestCormackCorrection(t *testing.T) {
	// The N ≤ 100 branch is log(n0^n0 N! / (N^N n0!)); for N = 10, n0 = 4:
	// 4^4 · 10! / (10^10 · 4!) = 256 · 3628800 / (1e10 · 24) = 0.00387072.
	if got := cormackCorrection(10, 4); math.Abs(got-math.Log(0.00387072)) > 1e-12 {
		t.Errorf("cormackCorrection(10, 4) = %.15g, want log(0.00387072)", got)
	}
	// n0 = 0: 0^0 = 1, so log(N!/N^N).
	if got, lg := cormackCorrection(5, 0), math.Log(120.0/3125); math.Abs(got-lg) > 1e-12 {
		t.Errorf("cormackCorrection(5, 0) = %.15g, want %.15g", got, lg)
	}
	// Above 100: the Stirling form, and its special case at n0 ∈ {0, 1}.
	if got, want := cormackCorrection(1000, 250), 250-1000-0.5*math.Log(0.25); got != want {
		t.Errorf("cormackCorrection(1000, 250) = %g, want %g", got, want)
	}
	if got, want := cormackCorrection(1000, 1), -1000+0.5*math.Log(2*math.Pi*1000); got != want {
		t.Errorf("cormackCorrection(1000, 1) = %g, want %g", got, want)
	}
}
