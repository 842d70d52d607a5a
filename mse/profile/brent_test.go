package profile

import (
	"errors"
	"math"
	"testing"
)

// The agreement of these ports with R's optimize() and uniroot() step for
// step is tested through closedpCI.t's limits in TestRcaptureReference
// (they agree with R to ~1e-12, far inside the 1e-4 tolerance, which only
// an identical sequence of evaluation points achieves). Here: the
// guarantees Brent (1973) states for the two methods.

func TestBrentMin(t *testing.T) {
	for _, c := range []struct {
		name         string
		f            func(float64) float64
		lo, hi, xmin float64
	}{
		// optimize()'s help-page example: (x − 1/3)² on (0, 1).
		{"parabola", func(x float64) float64 { return (x - 1.0/3) * (x - 1.0/3) }, 0, 1, 1.0 / 3},
		{"quartic", func(x float64) float64 { return math.Pow(x-2, 4) + x }, 0, 5, 2 - math.Cbrt(0.25)},
		{"log", func(x float64) float64 { return x - 1000*math.Log(x) }, 1, 1e5, 1000},
	} {
		const tol = 1e-4
		var xs []float64
		x, err := brentMin(func(x float64) (float64, error) {
			xs = append(xs, x)
			return c.f(x), nil
		}, c.lo, c.hi, tol)
		if err != nil {
			t.Fatal(err)
		}
		// Brent's bound 3√ε|x| + tol, with a little room for the
		// flatness of the quartic (|x − x*| ~ (ε f)^{1/4} would be far
		// larger; Brent's bound holds for a positive second derivative).
		if d := math.Abs(x - c.xmin); d > 3*brentSqrtEps*math.Abs(c.xmin)+tol {
			t.Errorf("%s: x = %.12g, want %.12g (off by %.3g)", c.name, x, c.xmin, d)
		}
		// R starts at the golden section of the interval and never
		// evaluates outside it.
		if want := c.lo + (3-math.Sqrt(5))/2*(c.hi-c.lo); xs[0] != want {
			t.Errorf("%s: first point %.17g, want %.17g", c.name, xs[0], want)
		}
		for _, v := range xs {
			if !(v > c.lo && v < c.hi) {
				t.Errorf("%s: evaluated at %g outside (%g, %g)", c.name, v, c.lo, c.hi)
			}
		}
	}
}

func TestBrentMinNonFiniteAndError(t *testing.T) {
	// +Inf to the right of 8 is replaced by the largest float64, as R does:
	// the minimum of (x − 1.5)² on the finite part is still found, and no
	// NaN arises from the huge values in the parabolic steps.
	x, err := brentMin(func(x float64) (float64, error) {
		if x > 8 {
			return math.Inf(1), nil
		}
		return (x - 1.5) * (x - 1.5), nil
	}, 0, 10, 1e-6)
	if err != nil || math.Abs(x-1.5) > 1e-5 {
		t.Errorf("x = %g, err %v; want 1.5", x, err)
	}
	boom := errors.New("boom")
	if _, err := brentMin(func(float64) (float64, error) { return 0, boom }, 0, 1, 1e-4); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}

func TestBrentRoot(t *testing.T) {
	// Brent's (and Forsythe–Malcolm–Moler's) test function x³ − 2x − 5,
	// root 2.0945514815423265 (the real root of the cubic, to double
	// precision).
	f := func(x float64) (float64, error) { return x*x*x - 2*x - 5, nil }
	const root = 2.0945514815423265
	for _, tol := range []float64{1e-4, 1e-10} {
		fa, _ := f(2)
		fb, _ := f(3)
		x, iter, prec, err := brentRoot(f, 2, 3, fa, fb, tol, 1000)
		if err != nil || iter <= 0 {
			t.Fatalf("tol %g: err %v, iter %d", tol, err, iter)
		}
		if d := math.Abs(x - root); d > tol+4*brentEps*root {
			t.Errorf("tol %g: root %.17g, off by %.3g", tol, x, d)
		}
		if prec > tol+4*brentEps*root+1e-15 {
			t.Errorf("tol %g: estimated precision %g", tol, prec)
		}
	}
	// A root at an end point is returned at once, as R does.
	if x, iter, _, _ := brentRoot(f, root-1, 3, 0, 1, 1e-4, 1000); x != root-1 || iter != 0 {
		t.Errorf("zero at a: x = %g, iter %d", x, iter)
	}
	// Too few iterations: R's iteration count −1.
	fa, _ := f(2)
	fb, _ := f(3)
	if _, iter, _, _ := brentRoot(f, 2, 3, fa, fb, 1e-12, 2); iter != -1 {
		t.Errorf("maxIter 2: iter = %d, want −1", iter)
	}
	// −Inf keeps its sign; NaN counts as +max.
	g := func(x float64) (float64, error) {
		if x < 1 {
			return math.Inf(-1), nil
		}
		return x - 1.25, nil
	}
	x, _, _, err := brentRoot(g, 0, 2, -math.MaxFloat64, 0.75, 1e-9, 1000)
	if err != nil || math.Abs(x-1.25) > 1e-8 {
		t.Errorf("with −Inf values: root %g, err %v", x, err)
	}
	boom := errors.New("boom")
	if _, _, _, err := brentRoot(func(float64) (float64, error) { return 0, boom }, 0, 1, -1, 1, 1e-4, 10); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}
