package mcmc

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/morketall/morketall/internal/refdata"
)

// TestAgreesWithPosterior compares Diagnose with rhat(), ess_bulk() and
// ess_tail() of the R package posterior 1.4.0 on the test chains of
// testdata/reference/posterior_diagnostics.json (made by
// posterior_diagnostics.R there: i.i.d. normal, AR(1) with ρ = 0.9,
// shifted means, Cauchy chains of odd length, Poisson ties, one chain,
// an antithetic chain, trends). The computation is deterministic; the
// tolerance, a relative 1e-9, is for rounding (posterior's FFT) — except
// where an odd chain length makes Diagnose take the median and the tail
// quantiles of the split draws (the middle draws dropped) where posterior
// takes them of all draws: there 1e-5.
func TestAgreesWithPosterior(t *testing.T) {
	raw, err := os.ReadFile(refdata.Reference(t, "posterior_diagnostics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases map[string]struct {
			Chains  [][]float64
			RHat    float64 `json:"rhat"`
			ESSBulk float64 `json:"ess_bulk"`
			ESSTail float64 `json:"ess_tail"`
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 8 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	for name, c := range ref.Cases {
		tol := 1e-9
		if len(c.Chains[0])%2 == 1 {
			tol = 1e-5 // 3.4e-7 for R̂ of cauchy_odd
		}
		d := Diagnose(c.Chains)
		for _, v := range []struct {
			what      string
			got, want float64
		}{{"rhat", d.RHat, c.RHat}, {"ess_bulk", d.ESSBulk, c.ESSBulk}, {"ess_tail", d.ESSTail, c.ESSTail}} {
			if math.Abs(v.got-v.want) > tol*math.Abs(v.want) {
				t.Errorf("%s: %s = %.12g, posterior %.12g", name, v.what, v.got, v.want)
			}
		}
	}
}
