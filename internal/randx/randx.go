// Package randx holds the module's own samplers for the discrete
// distributions it draws from: binomial, Poisson and multinomial. They are
// ours, not a library's, so that an upgrade of a dependency never changes
// a seeded result (DESIGN.md invariant 4), and they are exact at any size:
// a bootstrap of a table with a billion cases costs what one with a
// thousand does.
//
// Binomial uses inversion (BINV) when n·min(p, 1−p) < 10 and otherwise
// Hörmann's transformed rejection with decomposition (BTRD; W. Hörmann
// 1993, "The generation of binomial random variates", J. Statist. Comput.
// Simul. 46, 101–110). Poisson uses multiplication of uniforms for λ < 10
// and Hörmann's PTRS otherwise (W. Hörmann 1993, "The transformed
// rejection method for generating Poisson random variables", Insurance:
// Mathematics and Economics 12, 39–45).
package randx

import (
	"math"
	"math/rand/v2"
)

// Binomial draws from Binomial(n, p). It returns 0 for n ≤ 0 or p ≤ 0 and
// n for p ≥ 1.
func Binomial(r *rand.Rand, n int64, p float64) int64 {
	switch {
	case n <= 0 || !(p > 0):
		return 0
	case p >= 1:
		return n
	case p > 0.5:
		return n - Binomial(r, n, 1-p)
	}
	if float64(n)*p < 10 {
		return binv(r, n, p)
	}
	return btrd(r, n, p)
}

// binv is inversion by sequential search from 0, for small n·p (then
// (1−p)^n ≥ e^−10·(1−p)^… does not underflow).
func binv(r *rand.Rand, n int64, p float64) int64 {
	q := 1 - p
	s := p / q
	a := float64(n+1) * s
	for {
		u := r.Float64()
		// (1−p)^n ≥ 1 − n·p: below that bound the search would stop at 0
		// at once, so skip the exponential (the same answer from the same
		// draw; it makes the many near-empty cells of a multinomial cheap).
		if u <= 1-float64(n)*p {
			return 0
		}
		f := math.Exp(float64(n) * math.Log1p(-p)) // q^n
		var x int64
		for u > f {
			u -= f
			x++
			if x > n {
				break // rounding: start again
			}
			f *= a/float64(x) - s
		}
		if x <= n {
			return x
		}
	}
}

// stirlingCorrection is fc(k) = log k! − [(k + ½) log(k + 1) − (k + 1) +
// ½ log 2π], tabulated for k ≤ 9 and from its series above.
func stirlingCorrection(k int64) float64 {
	table := [...]float64{
		0.08106146679532726, 0.04134069595540929, 0.02767792568499834,
		0.02079067210376509, 0.01664469118982119, 0.01387612882307075,
		0.01189670994589177, 0.01041126526197209, 0.009255462182712733,
		0.008330563433362871,
	}
	if k < int64(len(table)) {
		return table[k]
	}
	k1 := float64(k + 1)
	k2 := k1 * k1
	return (1.0/12 - (1.0/360-1.0/1260/k2)/k2) / k1
}

// btrd is Hörmann's BTRD for p ≤ 0.5 and n·p ≥ 10.
func btrd(r *rand.Rand, n int64, p float64) int64 {
	nf := float64(n)
	m := math.Floor((nf + 1) * p)
	rr := p / (1 - p)
	nr := (nf + 1) * rr
	npq := nf * p * (1 - p)
	sqrtNpq := math.Sqrt(npq)
	b := 1.15 + 2.53*sqrtNpq
	a := -0.0873 + 0.0248*b + 0.01*p
	c := nf*p + 0.5
	alpha := (2.83 + 5.1/b) * sqrtNpq
	vr := 0.92 - 4.2/b
	urvr := 0.86 * vr
	for {
		v := r.Float64()
		var u float64
		if v <= urvr {
			u = v/vr - 0.43
			return int64(math.Floor((2*a/(0.5-math.Abs(u))+b)*u + c))
		}
		if v >= vr {
			u = r.Float64() - 0.5
		} else {
			u = v/vr - 0.93
			u = math.Copysign(0.5, u) - u
			v = r.Float64() * vr
		}
		us := 0.5 - math.Abs(u)
		kf := math.Floor((2*a/us+b)*u + c)
		if kf < 0 || kf > nf {
			continue
		}
		k := int64(kf)
		v = v * alpha / (a/(us*us) + b)
		km := math.Abs(kf - m)
		if km <= 15 {
			// Recursive evaluation of f(k) = P(k)/P(m).
			f := 1.0
			mi := int64(m)
			if mi < k {
				for i := mi + 1; i <= k; i++ {
					f *= nr/float64(i) - rr
				}
			} else if mi > k {
				for i := k + 1; i <= mi; i++ {
					v *= nr/float64(i) - rr
				}
			}
			if v <= f {
				return k
			}
			continue
		}
		// Squeeze with bounds of log f(k), then the exact test.
		v = math.Log(v)
		rho := (km / npq) * (((km/3+0.625)*km+1.0/6)/npq + 0.5)
		t := -km * km / (2 * npq)
		if v < t-rho {
			return k
		}
		if v > t+rho {
			continue
		}
		nm := nf - m + 1
		h := (m+0.5)*math.Log((m+1)/(rr*nm)) + stirlingCorrection(int64(m)) + stirlingCorrection(n-int64(m))
		nk := nf - kf + 1
		if v <= h+(nf+1)*math.Log(nm/nk)+(kf+0.5)*math.Log(nk*rr/(kf+1))-stirlingCorrection(k)-stirlingCorrection(n-k) {
			return k
		}
	}
}

// Poisson draws from Poisson(λ); 0 for λ ≤ 0.
func Poisson(r *rand.Rand, lambda float64) int64 {
	switch {
	case !(lambda > 0):
		return 0
	case lambda < 10:
		l := math.Exp(-lambda)
		var k int64
		prod := r.Float64()
		for prod > l {
			k++
			prod *= r.Float64()
		}
		return k
	}
	slam := math.Sqrt(lambda)
	loglam := math.Log(lambda)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := r.Float64() - 0.5
		v := r.Float64()
		us := 0.5 - math.Abs(u)
		kf := math.Floor((2*a/us+b)*u + lambda + 0.43)
		if us >= 0.07 && v <= vr {
			return int64(kf)
		}
		if kf < 0 || us < 0.013 && v > us {
			continue
		}
		lg, _ := math.Lgamma(kf + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -lambda+kf*loglam-lg {
			return int64(kf)
		}
	}
}

// Multinomial draws n items over cells with the given probabilities
// (non-negative, not necessarily normalised) into out, which must have
// the same length: sequential conditional binomials, so the cost grows
// with the number of cells, not with n.
func Multinomial(r *rand.Rand, n int64, probs []float64, out []int64) {
	var rest float64
	for _, p := range probs {
		rest += p
	}
	left := n
	for i, p := range probs {
		switch {
		case left == 0 || !(p > 0):
			out[i] = 0
		case i == len(probs)-1 || p >= rest:
			out[i] = left
		default:
			out[i] = Binomial(r, left, p/rest)
		}
		left -= out[i]
		rest -= p
	}
}
