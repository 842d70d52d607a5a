package randx

import (
	"math"
	"math/rand/v2"
)

// The continuous samplers: normal (Doornik's ziggurat), exponential,
// gamma (Marsaglia and Tsang) and beta (a ratio of gammas). Like the
// discrete ones they use only r.Uint64 and r.Float64 of the generator, so a
// seeded stream gives the same numbers on every platform and Go release.

// zigC is the number of ziggurat layers; zigR the start of the tail and
// zigV the area of each layer (Doornik 2005, "An improved ziggurat method
// to generate normal random samples", for 128 layers).
const (
	zigC = 128
	zigR = 3.442619855899
	zigV = 9.91256303526217e-3
)

// zigX are the layers' right edges (zigX[0] the base layer's equivalent
// width, zigX[zigC] = 0) and zigRatio[i] = zigX[i+1]/zigX[i].
var zigX, zigRatio = zigTables()

func zigTables() (x [zigC + 1]float64, ratio [zigC]float64) {
	f := math.Exp(-0.5 * zigR * zigR)
	x[0] = zigV / f
	x[1] = zigR
	for i := 2; i < zigC; i++ {
		x[i] = math.Sqrt(-2 * math.Log(zigV/x[i-1]+f))
		f = math.Exp(-0.5 * x[i] * x[i])
	}
	x[zigC] = 0
	for i := range ratio {
		ratio[i] = x[i+1] / x[i]
	}
	return x, ratio
}

// open01 is a uniform number in (0, 1]: safe to take the logarithm of.
func open01(r *rand.Rand) float64 { return 1 - r.Float64() }

// Normal draws from the standard normal distribution. One 64-bit draw
// gives the layer (7 bits) and the position (53 bits) in 98.8% of calls.
func Normal(r *rand.Rand) float64 {
	for {
		b := r.Uint64()
		i := b & (zigC - 1)
		u := 2*float64(b>>11)*(1.0/(1<<53)) - 1 // in [−1, 1)
		if math.Abs(u) < zigRatio[i] {
			return u * zigX[i]
		}
		if i == 0 {
			return normalTail(r, u < 0)
		}
		x := u * zigX[i]
		f0 := math.Exp(-0.5 * (zigX[i]*zigX[i] - x*x))
		f1 := math.Exp(-0.5 * (zigX[i+1]*zigX[i+1] - x*x))
		if f1+r.Float64()*(f0-f1) < 1 {
			return x
		}
	}
}

// normalTail draws from the normal tail beyond zigR (Marsaglia 1964).
func normalTail(r *rand.Rand, negative bool) float64 {
	for {
		x := math.Log(open01(r)) / zigR
		y := math.Log(open01(r))
		if -2*y >= x*x {
			if negative {
				return x - zigR
			}
			return zigR - x
		}
	}
}

// Exponential draws from the standard exponential distribution.
func Exponential(r *rand.Rand) float64 { return -math.Log(open01(r)) }

// Gamma draws from the gamma distribution with shape a and scale 1; 0 for
// a ≤ 0. Shapes below 1 can underflow to 0 (for a = 0.01 a draw is below
// 1e-300 with probability about 0.001): use LogGamma there.
func Gamma(r *rand.Rand, a float64) float64 {
	switch {
	case !(a > 0):
		return 0
	case a == 1:
		return Exponential(r)
	case a < 1:
		// Gamma(a) = Gamma(a+1)·U^(1/a) (Stuart 1962).
		return gammaMT(r, a+1) * math.Pow(open01(r), 1/a)
	}
	return gammaMT(r, a)
}

// LogGamma returns the logarithm of a gamma draw with shape a and scale 1,
// accurate for small shapes whose draws underflow; −Inf for a ≤ 0.
func LogGamma(r *rand.Rand, a float64) float64 {
	switch {
	case !(a > 0):
		return math.Inf(-1)
	case a < 1:
		return math.Log(gammaMT(r, a+1)) + math.Log(open01(r))/a
	}
	return math.Log(gammaMT(r, a))
}

// gammaMT is Marsaglia and Tsang's (2000) method for a ≥ 1.
func gammaMT(r *rand.Rand, a float64) float64 {
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := Normal(r)
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		x2 := x * x
		if u < 1-0.0331*x2*x2 {
			return d * v
		}
		if u > 0 && math.Log(u) < 0.5*x2+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// Beta draws from the beta distribution with shapes a, b > 0, returning
// the draw x and 1 − x, each computed without cancellation (so 1 − x is
// accurate when x is close to 1).
func Beta(r *rand.Rand, a, b float64) (x, oneMinus float64) {
	if a == 1 && b == 1 {
		u := r.Float64()
		return u, 1 - u
	}
	if a >= 1 && b >= 1 {
		g, h := Gamma(r, a), Gamma(r, b)
		s := g + h
		return g / s, h / s
	}
	lg, lh := LogGamma(r, a), LogGamma(r, b)
	m := max(lg, lh)
	ls := m + math.Log(math.Exp(lg-m)+math.Exp(lh-m))
	return math.Exp(lg - ls), math.Exp(lh - ls)
}
