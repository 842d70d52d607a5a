package randx

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// chiSquare compares draws with a pmf over 0..max (cells with expected
// count below 5 pooled into their neighbours) and returns the statistic
// and its degrees of freedom.
func chiSquare(counts map[int64]int, pmf func(k int64) float64, lo, hi int64, draws int) (float64, int) {
	var stat float64
	df := -1
	var obs, exp float64
	flush := func() {
		if exp > 0 {
			stat += (obs - exp) * (obs - exp) / exp
			df++
		}
		obs, exp = 0, 0
	}
	for k := lo; k <= hi; k++ {
		obs += float64(counts[k])
		exp += pmf(k) * float64(draws)
		if exp >= 5 {
			flush()
		}
	}
	// Everything outside [lo, hi] joins the last cell.
	var outside int
	for k, c := range counts {
		if k < lo || k > hi {
			outside += c
		}
	}
	obs += float64(outside)
	var inside float64
	for k := lo; k <= hi; k++ {
		inside += pmf(k)
	}
	exp += (1 - inside) * float64(draws)
	flush()
	return stat, df
}

// The goodness-of-fit tests fail at level 1e-4 each (χ² upper quantile),
// so the whole file's false-failure rate is below 2e-3.
func TestBinomialMatchesPMF(t *testing.T) {
	for _, c := range []struct {
		n int64
		p float64
	}{{5, 0.3}, {40, 0.1}, {100, 0.5}, {1000, 0.02}, {250, 0.9}, {10000, 0.37}, {123456, 0.001}, {77, 0.13}} {
		r := rand.New(rand.NewPCG(uint64(c.n), 99))
		const draws = 100000
		counts := map[int64]int{}
		for range draws {
			k := Binomial(r, c.n, c.p)
			if k < 0 || k > c.n {
				t.Fatalf("Binomial(%d, %g) = %d", c.n, c.p, k)
			}
			counts[k]++
		}
		d := distuv.Binomial{N: float64(c.n), P: c.p}
		mean, sd := d.Mean(), d.StdDev()
		lo, hi := int64(math.Max(0, math.Floor(mean-8*sd))), int64(math.Min(float64(c.n), math.Ceil(mean+8*sd)))
		stat, df := chiSquare(counts, func(k int64) float64 { return d.Prob(float64(k)) }, lo, hi, draws)
		crit := distuv.ChiSquared{K: float64(df)}.Quantile(1 - 1e-4)
		if stat > crit {
			t.Errorf("Binomial(%d, %g): χ² = %.1f on %d df, critical %.1f", c.n, c.p, stat, df, crit)
		}
	}
}

func TestPoissonMatchesPMF(t *testing.T) {
	for _, lam := range []float64{0.3, 2, 9.9, 10, 35, 400, 12345} {
		r := rand.New(rand.NewPCG(uint64(lam*1000), 7))
		const draws = 100000
		counts := map[int64]int{}
		for range draws {
			k := Poisson(r, lam)
			if k < 0 {
				t.Fatalf("Poisson(%g) = %d", lam, k)
			}
			counts[k]++
		}
		d := distuv.Poisson{Lambda: lam}
		sd := math.Sqrt(lam)
		lo, hi := int64(math.Max(0, math.Floor(lam-8*sd))), int64(math.Ceil(lam+8*sd+10))
		stat, df := chiSquare(counts, func(k int64) float64 { return d.Prob(float64(k)) }, lo, hi, draws)
		crit := distuv.ChiSquared{K: float64(df)}.Quantile(1 - 1e-4)
		if stat > crit {
			t.Errorf("Poisson(%g): χ² = %.1f on %d df, critical %.1f", lam, stat, df, crit)
		}
	}
}

// TestBinomialHuge checks the mean and variance at n = 10^12, where only
// an O(1) sampler is usable: 20,000 draws put the sample mean within
// 5 standard errors (false failure below 1e-6).
func TestBinomialHuge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, p, draws = int64(1e12), 0.3, 20000
	var s, ss float64
	for range draws {
		k := float64(Binomial(r, n, p))
		s += k
		ss += k * k
	}
	mean := s / draws
	v := ss/draws - mean*mean
	want, wantV := float64(n)*p, float64(n)*p*(1-p)
	if math.Abs(mean-want) > 5*math.Sqrt(wantV/draws) {
		t.Errorf("mean %.1f, want %.1f", mean, want)
	}
	if math.Abs(v/wantV-1) > 0.05 {
		t.Errorf("variance %.4g, want %.4g", v, wantV)
	}
}

func TestMultinomial(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	probs := []float64{2, 0, 5, 1, 2} // unnormalised, with an empty cell
	out := make([]int64, len(probs))
	const n = 1000000
	var sums [5]float64
	for range 200 {
		Multinomial(r, n, probs, out)
		var tot int64
		for i, c := range out {
			tot += c
			sums[i] += float64(c)
		}
		if tot != n || out[1] != 0 {
			t.Fatalf("draw %v", out)
		}
	}
	for i, p := range probs {
		want := n * p / 10
		if math.Abs(sums[i]/200-want) > 5*math.Sqrt(n*p/10*(1-p/10)/200)+1e-9 {
			t.Errorf("cell %d: mean %.1f, want %.1f", i, sums[i]/200, want)
		}
	}
	for _, p := range []float64{0, -1} {
		if Binomial(r, 10, p) != 0 {
			t.Errorf("Binomial(10, %g) not 0", p)
		}
	}
	if Binomial(r, 10, 1) != 10 || Binomial(r, 0, 0.5) != 0 || Poisson(r, 0) != 0 {
		t.Error("edge cases")
	}
}

func BenchmarkBinomial(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int64{100, 1e9} {
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				Binomial(r, n, 0.3)
			}
		})
	}
}
