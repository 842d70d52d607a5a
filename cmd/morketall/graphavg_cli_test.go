package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// graph-average through the CLI: dga 2.0.2's posterior median of ukdat_5
// (bma.cr, Nmissing 0:(30n), delta 2^-5: 22990) with posterior limits,
// and short chains that do not agree exit 3 with status not_converged.
func TestEstimateGraphAverage(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "estimate", "--json", "--method", "graph-average", "../../testdata/ukdat_5.csv")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var r struct {
		Status    string
		Estimate  float64
		Intervals []struct {
			Method   string
			Quantile float64
			Value    float64
		}
		Posterior map[string]any
		TopModels []struct{ Weight float64 } `json:"top_models"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != "ok" || r.Estimate != 22990 || r.Posterior == nil || len(r.TopModels) != 10 || !(r.TopModels[0].Weight > 0.44) {
		t.Fatalf("%+v", r)
	}
	// dga: 2.5% 10387, 10% 11307, 90% 29624, 97.5% 33510.
	want := map[float64]float64{0.025: 10387, 0.1: 11307, 0.9: 29624, 0.975: 33510}
	for _, iv := range r.Intervals {
		if iv.Method != "posterior" || iv.Value != want[iv.Quantile] {
			t.Errorf("limit %+v", iv)
		}
	}
	stdout, stderr, code = runCLI(t, "", "estimate", "--json", "--method", "graph-average", "--allow-disconnected", "--iter", "40", "--burnin", "5", "../../testdata/neworl.csv")
	if code != exitNotEstimable || !strings.Contains(stdout, `"not_converged"`) || !strings.Contains(stdout, `"rhat"`) {
		t.Fatalf("exit %d, stdout %.300s, stderr %s", code, stdout, stderr)
	}
	// Lists that share no case: refused with the reason.
	_, stderr, code = runCLI(t, "", "estimate", "--method", "graph-average", "../../testdata/neworl.csv")
	if code != exitNotEstimable || !strings.Contains(stderr, "share no case") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	// A flag of another method is refused.
	if _, _, code := runCLI(t, "", "estimate", "--method", "graph-average", "--pthresh", "0.1", "../../testdata/ukdat_5.csv"); code != exitUsage {
		t.Errorf("--pthresh: exit %d", code)
	}
}
