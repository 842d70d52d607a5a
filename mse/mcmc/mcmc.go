// Package mcmc holds the convergence diagnostics of the module's Markov
// chain methods: the rank-normalised split-R̂ and the bulk and tail
// effective sample sizes of Vehtari, Gelman, Simpson, Carpenter and
// Bürkner (2021), "Rank-normalization, folding, and localization: an
// improved R̂ for assessing convergence of MCMC", Bayesian Analysis 16,
// 667–718.
//
// # Agreement
//
// RHat, ESSBulk, ESSTail and ESSBasic compute what rhat(), ess_bulk(),
// ess_tail() and ess_basic() of the R package posterior 1.4.0 compute, to
// a relative 1e-9 on the test chains of testdata/reference
// (posterior_diagnostics.R): chains split in halves (the middle draw of an
// odd-length chain dropped), ranks with ties averaged and normal scores
// Φ⁻¹((r − 3/8)/(S + 1/4)), R̂ the larger of the bulk (rank-normalised)
// and tail (rank-normalised |x − median|) values, the ESS from Geyer's
// initial monotone sequence of the autocorrelations pooled over chains,
// with the ESS capped at S·log10(S), the tail ESS the smaller of the ESS
// of the indicators x ≤ q5% and x ≤ q95% (R's type-7 quantiles).
//
// # Deliberate differences
//
// Where posterior returns NA (fewer than three draws per split chain, a
// non-finite draw, or all draws equal) these functions return NaN; the
// autocovariances are computed directly, lag by lag as Geyer's sequence
// needs them, instead of by FFT (the same numbers up to rounding).
package mcmc

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Summary holds the diagnostics of one quantity.
type Summary struct {
	// RHat is the rank-normalised split-R̂ (the larger of bulk and
	// tail); values below 1.01 are what Vehtari et al. ask for.
	RHat float64
	// ESSBulk and ESSTail are the effective sample sizes of the
	// rank-normalised draws and of the 5% and 95% quantiles.
	ESSBulk, ESSTail float64
}

// Diagnose returns R̂ and the bulk and tail ESS of chains (one slice of
// draws per chain, all of the same length).
func Diagnose(chains [][]float64) Summary {
	return Summary{RHat: RHat(chains), ESSBulk: ESSBulk(chains), ESSTail: ESSTail(chains)}
}

// RHat is the rank-normalised split-R̂: the larger of the split-R̂ of the
// normal scores of the draws and of their distances from the median.
func RHat(chains [][]float64) float64 {
	if returnNaN(chains) {
		return math.NaN()
	}
	s := split(chains)
	bulk := rhatBasic(zScale(s))
	med := median(flatten(chains))
	folded := make([][]float64, len(chains))
	for i, c := range chains {
		folded[i] = make([]float64, len(c))
		for j, x := range c {
			folded[i][j] = math.Abs(x - med)
		}
	}
	tail := rhatBasic(zScale(split(folded)))
	return math.Max(bulk, tail)
}

// RHatBasic is the classic split-R̂ of the draws themselves (posterior's
// rhat_basic).
func RHatBasic(chains [][]float64) float64 {
	if returnNaN(chains) {
		return math.NaN()
	}
	return rhatBasic(split(chains))
}

// ESSBulk is the effective sample size of the rank-normalised split
// chains.
func ESSBulk(chains [][]float64) float64 {
	if returnNaN(chains) {
		return math.NaN()
	}
	return ess(zScale(split(chains)))
}

// ESSBasic is the effective sample size of the split chains themselves
// (posterior's ess_basic), the one behind a Monte Carlo standard error of
// the mean.
func ESSBasic(chains [][]float64) float64 {
	if returnNaN(chains) {
		return math.NaN()
	}
	return ess(split(chains))
}

// ESSTail is the smaller of the effective sample sizes of the 5% and 95%
// quantiles.
func ESSTail(chains [][]float64) float64 {
	return math.Min(ESSQuantile(chains, 0.05), ESSQuantile(chains, 0.95))
}

// ESSQuantile is the effective sample size of the indicator x ≤ q_p, q_p
// the type-7 quantile of all draws: it sets the Monte Carlo error of the
// estimate of that quantile.
func ESSQuantile(chains [][]float64, p float64) float64 {
	if returnNaN(chains) {
		return math.NaN()
	}
	all := flatten(chains)
	if p == 1 {
		p = (float64(len(all)) - 0.5) / float64(len(all))
	}
	q := quantile7(all, p)
	ind := make([][]float64, len(chains))
	for i, c := range chains {
		ind[i] = make([]float64, len(c))
		for j, x := range c {
			if x <= q {
				ind[i][j] = 1
			}
		}
	}
	return ess(split(ind))
}

// returnNaN reports what posterior answers NA for: no draws, chains of
// unequal length, a non-finite draw, or all draws equal.
func returnNaN(chains [][]float64) bool {
	if len(chains) == 0 || len(chains[0]) == 0 {
		return true
	}
	n := len(chains[0])
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range chains {
		if len(c) != n {
			return true
		}
		for _, x := range c {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return true
			}
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	return math.Abs(hi-lo) < 2.220446049250313e-16
}

// split halves every chain, dropping the middle draw of an odd length.
func split(chains [][]float64) [][]float64 {
	n := len(chains[0])
	if n == 1 {
		return chains
	}
	h := n / 2
	out := make([][]float64, 0, 2*len(chains))
	for _, c := range chains {
		out = append(out, c[:h], c[n-h:])
	}
	return out
}

func flatten(chains [][]float64) []float64 {
	var out []float64
	for _, c := range chains {
		out = append(out, c...)
	}
	return out
}

// zScale replaces the draws by the normal scores of their pooled ranks
// (ties averaged).
func zScale(chains [][]float64) [][]float64 {
	type item struct {
		x    float64
		c, i int
	}
	var all []item
	for c, ch := range chains {
		for i, x := range ch {
			all = append(all, item{x, c, i})
		}
	}
	slices.SortStableFunc(all, func(a, b item) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	out := make([][]float64, len(chains))
	for c, ch := range chains {
		out[c] = make([]float64, len(ch))
	}
	S := float64(len(all))
	for lo := 0; lo < len(all); {
		hi := lo + 1
		for hi < len(all) && all[hi].x == all[lo].x {
			hi++
		}
		rank := float64(lo+1+hi) / 2 // the average of ranks lo+1 … hi
		z := distuv.UnitNormal.Quantile((rank - 0.375) / (S + 0.25))
		for _, it := range all[lo:hi] {
			out[it.c][it.i] = z
		}
		lo = hi
	}
	return out
}

// rhatBasic is R̂ of chains as given: √((B/W + n − 1)/n) with B/n the
// variance of the chain means and W the mean within-chain variance.
func rhatBasic(chains [][]float64) float64 {
	n := float64(len(chains[0]))
	means := make([]float64, len(chains))
	var w float64
	for i, c := range chains {
		means[i] = mean(c)
		w += variance(c, means[i])
	}
	w /= float64(len(chains))
	b := n * variance(means, mean(means))
	return math.Sqrt((b/w + n - 1) / n)
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// variance is the unbiased variance of x about m (NaN for one value).
func variance(x []float64, m float64) float64 {
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}

// ess is the effective sample size of chains as given (posterior's
// .ess), NaN where posterior gives NA.
func ess(chains [][]float64) float64 {
	M, n := len(chains), len(chains[0])
	if n < 3 || returnNaN(chains) {
		return math.NaN()
	}
	means := make([]float64, M)
	for i, c := range chains {
		means[i] = mean(c)
	}
	// acov(t): the mean over chains of each chain's biased
	// autocovariance at lag t.
	acov := func(t int) float64 {
		var s float64
		for i, c := range chains {
			var a float64
			m := means[i]
			for j := 0; j+t < n; j++ {
				a += (c[j] - m) * (c[j+t] - m)
			}
			s += a / float64(n)
		}
		return s / float64(M)
	}
	meanVar := acov(0) * float64(n) / float64(n-1)
	varPlus := meanVar * float64(n-1) / float64(n)
	if M > 1 {
		varPlus += variance(means, mean(means))
	}
	rho := make([]float64, n)
	rho[0] = 1
	even, odd := 1.0, 1-(meanVar-acov(1))/varPlus
	rho[1] = odd
	t := 0
	for t < n-5 && !math.IsNaN(even+odd) && even+odd > 0 {
		t += 2
		even = 1 - (meanVar-acov(t))/varPlus
		odd = 1 - (meanVar-acov(t+1))/varPlus
		if even+odd >= 0 {
			rho[t], rho[t+1] = even, odd
		}
	}
	maxT := t
	if even > 0 {
		rho[maxT] = even
	}
	// Geyer's initial monotone sequence.
	for t = 0; t <= maxT-4; {
		t += 2
		if rho[t]+rho[t+1] > rho[t-2]+rho[t-1] {
			rho[t] = (rho[t-2] + rho[t-1]) / 2
			rho[t+1] = rho[t]
		}
	}
	S := float64(M * n)
	tau := -1 + rho[maxT]
	for _, r := range rho[:max(maxT, 1)] { // R's rho[1:0] is rho[1]
		tau += 2 * r
	}
	tau = math.Max(tau, 1/math.Log10(S))
	return S / tau
}

// median is R's median: the mean of the two middle values of an even
// number (computed as R does, so that the two are exactly equidistant
// from it and tie after folding).
func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	h := len(s) / 2
	if len(s)%2 == 1 {
		return s[h]
	}
	return (s[h-1] + s[h]) / 2
}

// quantile7 is R's type-7 quantile of x.
func quantile7(x []float64, p float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	h := float64(len(s)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// Quantile7 is R's type-7 quantile of x (quantile(x, p), the default of
// R and of the reference packages' summaries); x need not be sorted.
func Quantile7(x []float64, p float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return quantile7(x, p)
}
