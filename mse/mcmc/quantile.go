package mcmc

import "math"

// Quantile7 is R's type-7 quantile of x (quantile(x, p), the default of R
// and of the reference packages' summaries); x need not be sorted and is
// not modified. NaN for no draws.
func Quantile7(x []float64, p float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return quantile7(x, p)
}

// ESSQuantile is the effective sample size of the indicator x ≤ q_p, q_p
// the type-7 quantile of all draws (of the split chains, as Diagnose's
// tail ESS): it sets the Monte Carlo error of an estimate of that
// quantile. Chains are cut to the shortest; NaN for fewer than four draws
// per chain.
func ESSQuantile(chains [][]float64, p float64) float64 {
	n := 0
	for i, c := range chains {
		if i == 0 || len(c) < n {
			n = len(c)
		}
	}
	if len(chains) == 0 || n < 4 {
		return math.NaN()
	}
	x := make([][]float64, len(chains))
	for i, c := range chains {
		x[i] = c[:n]
	}
	s := split(x)
	return essQuantile(s, quantile7(flatten(s), p))
}
