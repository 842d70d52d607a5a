package profile

import "math"

// Brent's one-dimensional minimiser and root finder, with the same
// decisions (and so the same sequence of evaluation points) as R's
// optimize() (Brent_fmin in src/library/stats/src/optimize.c) and
// uniroot() (R_zeroin2 in zeroin.c). Rcapture's profile-likelihood interval
// is defined by these two calls with tol = 1e-4, so matching their steps
// makes our limits agree with R's to well within that tolerance. Both
// follow R. P. Brent (1973), Algorithms for Minimization without
// Derivatives, Prentice-Hall, chapters 4 and 5.

// brentEps is DBL_EPSILON and brentSqrtEps its square root, the relative
// resolution of both methods.
const brentEps = 2.220446049250313e-16

var brentSqrtEps = math.Sqrt(brentEps)

// brentMin returns an approximation to the minimiser of f on (lo, hi)
// with an error below 3·√ε·|x| + tol, as R's optimize(f, c(lo, hi), tol).
// f is never evaluated at the end points. A non-finite value of f is
// replaced by the largest float64, as R does (with a warning there). An
// error from f stops the search and is returned.
func brentMin(f func(float64) (float64, error), lo, hi, tol float64) (float64, error) {
	golden := (3 - math.Sqrt(5)) / 2 // squared inverse of the golden ratio
	eval := func(x float64) (float64, error) {
		v, err := f(x)
		if err != nil {
			return 0, err
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = math.MaxFloat64
		}
		return v, nil
	}

	a, b := lo, hi
	// x: best point so far; w: second best; v: previous value of w.
	x := a + golden*(b-a)
	w, v := x, x
	var d, e float64 // last step and the step before it
	fx, err := eval(x)
	if err != nil {
		return 0, err
	}
	fw, fv := fx, fx
	tol3 := tol / 3

	for {
		mid := (a + b) / 2
		tol1 := brentSqrtEps*math.Abs(x) + tol3
		tol2 := 2 * tol1
		if math.Abs(x-mid) <= tol2-(b-a)/2 {
			return x, nil
		}

		var p, q, r float64
		if math.Abs(e) > tol1 {
			// Parabola through (v, fv), (w, fw), (x, fx).
			r = (x - w) * (fx - fv)
			q = (x - v) * (fx - fw)
			p = (x-v)*q - (x-w)*r
			q = 2 * (q - r)
			if q > 0 {
				p = -p
			} else {
				q = -q
			}
			r = e
			e = d
		}

		if math.Abs(p) >= math.Abs(q*0.5*r) || p <= q*(a-x) || p >= q*(b-x) {
			// Golden-section step into the larger part.
			if x < mid {
				e = b - x
			} else {
				e = a - x
			}
			d = golden * e
		} else {
			// Parabolic step, kept away from the end points.
			d = p / q
			u := x + d
			if u-a < tol2 || b-u < tol2 {
				d = tol1
				if x >= mid {
					d = -d
				}
			}
		}

		// Never evaluate closer than tol1 to x.
		var u float64
		switch {
		case math.Abs(d) >= tol1:
			u = x + d
		case d > 0:
			u = x + tol1
		default:
			u = x - tol1
		}
		fu, err := eval(u)
		if err != nil {
			return 0, err
		}

		if fu <= fx {
			if u < x {
				b = x
			} else {
				a = x
			}
			v, w, x = w, x, u
			fv, fw, fx = fw, fx, fu
		} else {
			if u < x {
				a = u
			} else {
				b = u
			}
			if fu <= fw || w == x {
				v, fv = w, fw
				w, fw = u, fu
			} else if fu <= fv || v == x || v == w {
				v, fv = u, fu
			}
		}
	}
}

// brentRoot finds a zero of f in [a, b] given fa = f(a) and fb = f(b) of
// opposite signs (or one of them zero), as R's R_zeroin2 behind uniroot():
// bisection combined with linear or inverse quadratic interpolation,
// stopping when the bracket is within 4·ε·|x| + tol. It returns the root,
// the number of iterations (−1 when maxIter was reached without
// convergence, as R reports it) and the final bracket width. Non-finite
// values of f are replaced by ±the largest float64 (keeping the sign of
// −Inf), as R does.
func brentRoot(f func(float64) (float64, error), a, b, fa, fb, tol float64, maxIter int) (root float64, iter int, prec float64, err error) {
	eval := func(x float64) (float64, error) {
		v, err := f(x)
		if err != nil {
			return 0, err
		}
		switch {
		case math.IsInf(v, -1):
			v = -math.MaxFloat64
		case math.IsNaN(v) || math.IsInf(v, 1):
			v = math.MaxFloat64
		}
		return v, nil
	}
	if fa == 0 {
		return a, 0, 0, nil
	}
	if fb == 0 {
		return b, 0, 0, nil
	}
	c, fc := a, fa
	for left := maxIter + 1; left > 0; left-- {
		prev := b - a
		if math.Abs(fc) < math.Abs(fb) {
			// Make b the best approximation; c keeps the sign change.
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := 2*brentEps*math.Abs(b) + tol/2
		step := (c - b) / 2
		if math.Abs(step) <= tolAct || fb == 0 {
			return b, maxIter + 1 - left, math.Abs(c - b), nil
		}
		// Interpolate if the previous step was large enough and went the
		// right way.
		if math.Abs(prev) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			cb := c - b
			if a == c {
				// Two distinct points: secant.
				t1 := fb / fa
				p = cb * t1
				q = 1 - t1
			} else {
				// Inverse quadratic interpolation.
				qq := fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = t2 * (cb*qq*(qq-t1) - (b-a)*(t1-1))
				q = (qq - 1) * (t1 - 1) * (t2 - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			// Accept if b + p/q stays well inside [b, c] and the step
			// shrinks faster than bisection would.
			if p < 0.75*cb*q-math.Abs(tolAct*q)/2 && p < math.Abs(prev*q/2) {
				step = p / q
			}
		}
		if math.Abs(step) < tolAct {
			if step > 0 {
				step = tolAct
			} else {
				step = -tolAct
			}
		}
		a, fa = b, fb
		b += step
		fb, err = eval(b)
		if err != nil {
			return 0, 0, 0, err
		}
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b, -1, math.Abs(c - b), nil
}
