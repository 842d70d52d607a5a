package mcmc

import (
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/gonum/stat/distuv"
)

// Recommended thresholds (Vehtari et al. 2021): R̂ below 1.01 and at least
// 100 effective draws per chain.
const (
	MaxRHat        = 1.01
	MinESSPerChain = 100
)

// Diagnostic holds the convergence diagnostics of one scalar quantity
// drawn by several chains.
type Diagnostic struct {
	// RHat is the rank-normalised split-R̂ (the larger of the bulk and
	// the folded one). It is +Inf when the chains cannot be compared
	// (see the package doc).
	RHat float64
	// ESSBulk and ESSTail are the bulk and tail effective sample sizes,
	// in draws of all chains together.
	ESSBulk, ESSTail float64
	// Chains is the number of chains and Draws the draws per chain used.
	Chains, Draws int
}

// Converged reports whether R̂ is below maxRHat and both effective sample
// sizes are at least minESS.
func (d Diagnostic) Converged(maxRHat, minESS float64) bool {
	return d.RHat < maxRHat && d.ESSBulk >= minESS && d.ESSTail >= minESS
}

// Worst combines the diagnostics of several quantities: the largest R̂,
// the smallest effective sample sizes.
func Worst(ds ...Diagnostic) Diagnostic {
	if len(ds) == 0 {
		return Diagnostic{}
	}
	w := ds[0]
	for _, d := range ds[1:] {
		w.RHat = max(w.RHat, d.RHat)
		w.ESSBulk = min(w.ESSBulk, d.ESSBulk)
		w.ESSTail = min(w.ESSTail, d.ESSTail)
	}
	return w
}

// Diagnose computes the diagnostics of draws of one quantity by several
// chains (chains[c][i] is draw i of chain c). It does not modify chains.
func Diagnose(chains [][]float64) Diagnostic {
	n := 0
	for i, c := range chains {
		if i == 0 || len(c) < n {
			n = len(c)
		}
	}
	d := Diagnostic{Chains: len(chains), Draws: n}
	if len(chains) == 0 || n < 4 {
		d.RHat = math.Inf(1)
		return d
	}
	x := make([][]float64, len(chains))
	for i, c := range chains {
		x[i] = c[:n]
	}
	s := split(x)
	total := float64(len(s) * len(s[0]))
	if constant(s) {
		d.RHat, d.ESSBulk, d.ESSTail = 1, total, total
		return d
	}
	z := zscale(s)
	med := quantile7(flatten(s), 0.5)
	folded := make([][]float64, len(s))
	for i, c := range s {
		folded[i] = make([]float64, len(c))
		for j, v := range c {
			folded[i][j] = math.Abs(v - med)
		}
	}
	d.RHat = max(rhatBasic(z), rhatBasic(zscale(folded)))
	d.ESSBulk = essBasic(z)
	all := flatten(s)
	d.ESSTail = min(essQuantile(s, quantile7(all, 0.05)), essQuantile(s, quantile7(all, 0.95)))
	return d
}

// split cuts each chain in two halves, dropping an odd middle draw
// (posterior's split_chains).
func split(x [][]float64) [][]float64 {
	n := len(x[0])
	h := n / 2
	out := make([][]float64, 0, 2*len(x))
	for _, c := range x {
		out = append(out, c[:h], c[n-h:])
	}
	return out
}

func flatten(x [][]float64) []float64 {
	var out []float64
	for _, c := range x {
		out = append(out, c...)
	}
	return out
}

func constant(x [][]float64) bool {
	v := x[0][0]
	for _, c := range x {
		for _, y := range c {
			if y != v {
				return false
			}
		}
	}
	return true
}

// zscale replaces the draws by the normal scores of their pooled ranks
// (ties: average rank): Φ⁻¹((r − 3/8)/(S + 1/4)).
func zscale(x [][]float64) [][]float64 {
	type ix struct {
		v    float64
		c, i int
	}
	var all []ix
	for c, ch := range x {
		for i, v := range ch {
			all = append(all, ix{v, c, i})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].v < all[b].v })
	S := float64(len(all))
	out := make([][]float64, len(x))
	for c := range x {
		out[c] = make([]float64, len(x[c]))
	}
	norm := distuv.UnitNormal
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		r := float64(i+1+j) / 2 // average of ranks i+1 … j
		zv := norm.Quantile((r - 3.0/8) / (S + 0.25))
		for k := i; k < j; k++ {
			out[all[k].c][all[k].i] = zv
		}
		i = j
	}
	return out
}

// rhatBasic is the split-R̂ of already split chains.
func rhatBasic(x [][]float64) float64 {
	m := len(x)
	n := float64(len(x[0]))
	means := make([]float64, m)
	w := 0.0
	for c, ch := range x {
		mu, v := meanVar(ch)
		means[c] = mu
		w += v
	}
	w /= float64(m)
	_, bvar := meanVar(means)
	b := n * bvar
	if w == 0 {
		if b == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return math.Sqrt((b/w + n - 1) / n)
}

// meanVar returns the mean and the sample variance (n − 1).
func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

// essQuantile is the effective sample size of the indicator x ≤ q.
func essQuantile(x [][]float64, q float64) float64 {
	ind := make([][]float64, len(x))
	for c, ch := range x {
		ind[c] = make([]float64, len(ch))
		for i, v := range ch {
			if v <= q {
				ind[c][i] = 1
			}
		}
	}
	if constant(ind) {
		return float64(len(x) * len(x[0]))
	}
	return essBasic(ind)
}

// essBasic is posterior's ess on already split chains: Geyer's initial
// monotone sequence on the autocorrelations combined over chains.
func essBasic(x [][]float64) float64 {
	m := len(x)
	n := len(x[0])
	acov := make([][]float64, m)
	means := make([]float64, m)
	for c, ch := range x {
		acov[c] = autocovariance(ch)
		means[c], _ = meanVar(ch)
	}
	meanAcov := func(t int) float64 {
		s := 0.0
		for c := range acov {
			s += acov[c][t]
		}
		return s / float64(m)
	}
	meanVarW := meanAcov(0) * float64(n) / float64(n-1)
	varPlus := meanVarW * float64(n-1) / float64(n)
	if m > 1 {
		_, bv := meanVar(means)
		varPlus += bv
	}
	total := float64(m * n)
	if varPlus == 0 {
		return total
	}
	rho := make([]float64, n)
	rho[0] = 1
	even := 1.0
	odd := 1 - (meanVarW-meanAcov(1))/varPlus
	rho[1] = odd
	t := 0
	for t < n-5 && !math.IsNaN(even+odd) && even+odd > 0 {
		t += 2
		even = 1 - (meanVarW-meanAcov(t))/varPlus
		odd = 1 - (meanVarW-meanAcov(t+1))/varPlus
		if even+odd >= 0 {
			rho[t], rho[t+1] = even, odd
		}
	}
	maxT := t
	if even > 0 {
		rho[maxT] = even
	}
	for t = 0; t <= maxT-4; {
		t += 2
		if rho[t]+rho[t+1] > rho[t-2]+rho[t-1] {
			rho[t] = (rho[t-2] + rho[t-1]) / 2
			rho[t+1] = rho[t]
		}
	}
	tau := -1.0
	for _, r := range rho[:maxT] {
		tau += 2 * r
	}
	tau += rho[maxT]
	tau = max(tau, 1/math.Log10(total))
	return total / tau
}

// autocovariance returns the biased autocovariances (1/n)Σ y_t y_{t+k} of
// the centred series, k = 0 … n−1, through a zero-padded FFT.
func autocovariance(x []float64) []float64 {
	n := len(x)
	mean, _ := meanVar(x)
	size := 1
	for size < 2*n {
		size <<= 1
	}
	y := make([]float64, size)
	for i, v := range x {
		y[i] = v - mean
	}
	fft := fourier.NewFFT(size)
	coef := fft.Coefficients(nil, y)
	for i, c := range coef {
		coef[i] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	seq := fft.Sequence(nil, coef)
	out := make([]float64, n)
	for k := range out {
		out[k] = seq[k] / float64(size) / float64(n)
	}
	return out
}

// quantile7 is R's quantile type 7 of x.
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
