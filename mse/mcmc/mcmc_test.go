package mcmc

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The autocovariance through the FFT equals its definition.
func TestAutocovarianceDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{4, 7, 64, 1000, 1001} {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64() + 3
		}
		got := autocovariance(x)
		mean := 0.0
		for _, v := range x {
			mean += v
		}
		mean /= float64(n)
		for k := 0; k < n; k++ {
			want := 0.0
			for i := 0; i+k < n; i++ {
				want += (x[i] - mean) * (x[i+k] - mean)
			}
			want /= float64(n)
			if math.Abs(got[k]-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("n=%d lag %d: %g, want %g", n, k, got[k], want)
			}
		}
	}
}

// Split-R̂ of a hand-computed case: chains {0,2} and {1,3} have means 1
// and 2 and variances 2 and 2, so W = 2, B = 2·var(1, 2) = 1 and
// R̂ = √((B/W + n − 1)/n) = √0.75.
func TestRHatBasicByHand(t *testing.T) {
	got := rhatBasic([][]float64{{0, 2}, {1, 3}})
	if want := math.Sqrt(0.75); math.Abs(got-want) > 1e-15 {
		t.Errorf("rhat %g, want %g", got, want)
	}
}

// Rank normalisation with ties: 1, 2, 2, 3 have ranks 1, 2.5, 2.5, 4.
func TestZScaleTies(t *testing.T) {
	z := zscale([][]float64{{2, 1}, {3, 2}})
	q := func(r float64) float64 { return distuv.UnitNormal.Quantile((r - 0.375) / 4.25) }
	want := [][]float64{{q(2.5), q(1)}, {q(4), q(2.5)}}
	for c := range want {
		for i := range want[c] {
			if math.Abs(z[c][i]-want[c][i]) > 1e-15 {
				t.Errorf("z[%d][%d] = %g, want %g", c, i, z[c][i], want[c][i])
			}
		}
	}
}

// R's type 7 quantiles of 1…5: p = 0.1 gives 1.4, p = 0.5 gives 3.
func TestQuantile7(t *testing.T) {
	x := []float64{5, 1, 4, 2, 3}
	for _, c := range []struct{ p, want float64 }{{0.1, 1.4}, {0.5, 3}, {0.95, 4.8}, {1, 5}, {0, 1}} {
		if got := quantile7(x, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("quantile(%g) = %g, want %g", c.p, got, c.want)
		}
	}
}

func ar1(r *rand.Rand, n int, phi, mean float64) []float64 {
	x := make([]float64, n)
	v := r.NormFloat64() / math.Sqrt(1-phi*phi)
	for i := range x {
		v = phi*v + r.NormFloat64()
		x[i] = v + mean
	}
	return x
}

// Statistical checks with fixed seeds. For independent draws R̂ − 1 has a
// standard deviation near 5e-4 at 4 × 2000 draws, so the bound 1.01 is
// twenty of them away; the effective sample size of an AR(1) chain is
// S(1 − φ)/(1 + φ) and its estimate has a relative standard deviation of
// a few per cent at these lengths, so ±15% is more than three of them.
// Each check's false-failure rate is below 1e-4 (and the seeds are fixed).
func TestDiagnoseStatistical(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const chains, n = 4, 2000
	iid := make([][]float64, chains)
	for c := range iid {
		iid[c] = ar1(r, n, 0, 0)
	}
	d := Diagnose(iid)
	if d.RHat >= 1.01 || d.Chains != chains || d.Draws != n {
		t.Errorf("iid: %+v", d)
	}
	if s := float64(chains * n); d.ESSBulk < 0.85*s || d.ESSBulk > 1.15*s || d.ESSTail < 0.7*s {
		t.Errorf("iid ESS %+v, want about %g", d, s)
	}
	for _, phi := range []float64{0.5, 0.9} {
		x := make([][]float64, chains)
		for c := range x {
			x[c] = ar1(r, n, phi, 0)
		}
		d := Diagnose(x)
		want := float64(chains*n) * (1 - phi) / (1 + phi)
		if d.ESSBulk < 0.85*want || d.ESSBulk > 1.15*want {
			t.Errorf("AR(1) φ=%g: bulk ESS %g, want %g ± 15%%", phi, d.ESSBulk, want)
		}
		if d.ESSTail > 1.2*float64(chains*n) || d.ESSTail < 0.2*want {
			t.Errorf("AR(1) φ=%g: tail ESS %g out of range", phi, d.ESSTail)
		}
		if d.RHat >= 1.01+0.02*phi {
			t.Errorf("AR(1) φ=%g: R̂ %g", phi, d.RHat)
		}
	}
	// One chain shifted by one standard deviation: the chains disagree.
	shift := make([][]float64, chains)
	for c := range shift {
		shift[c] = ar1(r, n, 0, 0)
	}
	for i := range shift[0] {
		shift[0][i]++
	}
	if d := Diagnose(shift); d.RHat < 1.05 || d.Converged(MaxRHat, 400) {
		t.Errorf("shifted chain: %+v", d)
	}
	// A scale difference alone shows in the folded R̂.
	scale := make([][]float64, chains)
	for c := range scale {
		scale[c] = ar1(r, n, 0, 0)
	}
	for i := range scale[0] {
		scale[0][i] *= 3
	}
	if d := Diagnose(scale); d.RHat < 1.05 {
		t.Errorf("scaled chain: R̂ %g, the folded R̂ should see it", d.RHat)
	}
	// A trend within each chain shows in the split R̂ even though the chains agree.
	trend := make([][]float64, chains)
	for c := range trend {
		trend[c] = ar1(r, n, 0, 0)
		for i := range trend[c] {
			trend[c][i] += 3 * float64(i) / n
		}
	}
	if d := Diagnose(trend); d.RHat < 1.05 {
		t.Errorf("trend: R̂ %g, the split R̂ should see it", d.RHat)
	}
}

func TestDiagnoseDegenerate(t *testing.T) {
	same := [][]float64{{2, 2, 2, 2, 2}, {2, 2, 2, 2, 2}}
	if d := Diagnose(same); d.RHat != 1 || d.ESSBulk != 8 || d.ESSTail != 8 || d.Draws != 5 {
		t.Errorf("identical constants: %+v", d)
	}
	apart := [][]float64{{1, 1, 1, 1}, {2, 2, 2, 2}}
	if d := Diagnose(apart); !math.IsInf(d.RHat, 1) || d.Converged(1.01, 1) {
		t.Errorf("constants apart: %+v", d)
	}
	if d := Diagnose([][]float64{{1, 2, 3}, {1, 2, 3}}); !math.IsInf(d.RHat, 1) || d.ESSBulk != 0 {
		t.Errorf("too short: %+v", d)
	}
	if d := Diagnose(nil); !math.IsInf(d.RHat, 1) {
		t.Errorf("no chains: %+v", d)
	}
	// Unequal lengths are cut to the shortest.
	if d := Diagnose([][]float64{{1, 2, 3, 4, 5, 6}, {4, 3, 2, 1}}); d.Draws != 4 {
		t.Errorf("unequal: %+v", d)
	}
	for _, d := range []Diagnostic{Diagnose(same), Diagnose(apart)} {
		if math.IsNaN(d.RHat) || math.IsNaN(d.ESSBulk) || math.IsNaN(d.ESSTail) {
			t.Errorf("NaN in %+v", d)
		}
	}
}

func TestWorst(t *testing.T) {
	w := Worst(Diagnostic{RHat: 1.001, ESSBulk: 500, ESSTail: 300}, Diagnostic{RHat: 1.02, ESSBulk: 800, ESSTail: 200})
	if w.RHat != 1.02 || w.ESSBulk != 500 || w.ESSTail != 200 {
		t.Errorf("%+v", w)
	}
}
