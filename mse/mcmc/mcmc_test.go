package mcmc

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/morketall/morketall/internal/refdata"
)

// TestAgreesWithPosterior compares with rhat(), rhat_basic(), ess_bulk(),
// ess_tail() and ess_basic() of the R package posterior 1.4.0 on the test
// chains of testdata/reference/posterior_diagnostics.json (made by
// posterior_diagnostics.R there). The computation is deterministic: the
// tolerance is a relative 1e-9, for rounding (posterior computes the
// autocovariances by FFT).
func TestAgreesWithPosterior(t *testing.T) {
	raw, err := os.ReadFile(refdata.Reference(t, "posterior_diagnostics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases map[string]struct {
			Chains    [][]float64
			RHat      float64 `json:"rhat"`
			RHatBasic float64 `json:"rhat_basic"`
			ESSBulk   float64 `json:"ess_bulk"`
			ESSTail   float64 `json:"ess_tail"`
			ESSBasic  float64 `json:"ess_basic"`
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 8 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	for name, c := range ref.Cases {
		s := Diagnose(c.Chains)
		for _, v := range []struct {
			what      string
			got, want float64
		}{
			{"rhat", s.RHat, c.RHat}, {"rhat_basic", RHatBasic(c.Chains), c.RHatBasic},
			{"ess_bulk", s.ESSBulk, c.ESSBulk}, {"ess_tail", s.ESSTail, c.ESSTail},
			{"ess_basic", ESSBasic(c.Chains), c.ESSBasic},
		} {
			if math.Abs(v.got-v.want) > 1e-9*math.Abs(v.want) {
				t.Errorf("%s: %s = %.12g, posterior %.12g", name, v.what, v.got, v.want)
			}
		}
	}
}

func TestNaNWherePosteriorGivesNA(t *testing.T) {
	for name, chains := range map[string][][]float64{
		"constant": {{1, 1, 1, 1}, {1, 1, 1, 1}},
		"inf":      {{1, 2, math.Inf(1), 4}, {1, 2, 3, 4}},
		"nan":      {{1, 2, math.NaN(), 4}, {1, 2, 3, 4}},
		"ragged":   {{1, 2, 3, 4}, {1, 2, 3}},
		"empty":    {},
		"short":    {{1, 2, 3, 4}, {2, 3, 4, 1}}, // split chains of 2 draws
	} {
		s := Diagnose(chains)
		if name == "short" {
			if !math.IsNaN(s.ESSBulk) || math.IsNaN(s.RHat) {
				t.Errorf("%s: %+v, want an R̂ and no ESS", name, s)
			}
			continue
		}
		if !math.IsNaN(s.RHat) || !math.IsNaN(s.ESSBulk) || !math.IsNaN(s.ESSTail) {
			t.Errorf("%s: %+v, want NaN", name, s)
		}
	}
}

// TestAR1 checks the ESS against the known autocorrelation time of an
// AR(1) process, τ = (1 + ρ)/(1 − ρ), on 4 chains of 20,000 draws (a
// fixed seed; the ESS estimate's relative error is about 10% here, and the
// 25% tolerance is 2.5 of its standard errors).
func TestAR1(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, rho := range []float64{0, 0.5, 0.9} {
		chains := make([][]float64, 4)
		for i := range chains {
			c := make([]float64, 20000)
			x := r.NormFloat64() / math.Sqrt(1-rho*rho)
			for j := range c {
				x = rho*x + r.NormFloat64()
				c[j] = x
			}
			chains[i] = c
		}
		want := 80000 * (1 - rho) / (1 + rho)
		s := Diagnose(chains)
		if math.Abs(s.ESSBulk/want-1) > 0.25 || math.Abs(ESSBasic(chains)/want-1) > 0.25 {
			t.Errorf("ρ = %g: bulk ESS %.0f, basic %.0f, want about %.0f", rho, s.ESSBulk, ESSBasic(chains), want)
		}
		if s.RHat > 1.01 {
			t.Errorf("ρ = %g: R̂ %.4f for chains of one stationary process", rho, s.RHat)
		}
	}
}
