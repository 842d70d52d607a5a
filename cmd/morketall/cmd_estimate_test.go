package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEstimateJSONContract(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "estimate", "--json", "--method", "stepwise", "--nboot", "200", "../../testdata/ukdat_5.csv")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	// DESIGN.md estimate JSON: these names are a contract.
	for _, k := range []string{"lists", "observed", "status", "method", "model", "estimate", "dark_figure", "fit", "intervals", "top_models", "options", "version", "bootstrap"} {
		if _, ok := r[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	if r["status"] != "ok" || r["method"] != "stepwise" {
		t.Errorf("status %v method %v", r["status"], r["method"])
	}
	// SparseMSE 2.0.1 estimatepopulation.0(UKdat_5): 11312.9902894352.
	if est := r["estimate"].(float64); math.Abs(est-11312.9902894352) > 1e-6*est {
		t.Errorf("estimate %v", est)
	}
	fit := r["fit"].(map[string]any)
	for _, k := range []string{"deviance", "df", "aic", "bic", "stderr", "empty_margins"} {
		if _, ok := fit[k]; !ok {
			t.Errorf("fit.%s missing", k)
		}
	}
	ivs := r["intervals"].([]any)
	if len(ivs) != 4 {
		t.Fatalf("%d interval limits, want 4 (0.025, 0.1, 0.9, 0.975)", len(ivs))
	}
	for _, iv := range ivs {
		m := iv.(map[string]any)
		if m["method"] != "bca" || m["quantile"] == nil || m["value"] == nil {
			t.Errorf("interval %v", m)
		}
	}
	opts := r["options"].(map[string]any)
	if opts["seed"].(float64) != 1234 || opts["nboot"].(float64) != 200 {
		t.Errorf("options %v", opts)
	}
	b := r["bootstrap"].(map[string]any)
	if len(b["replicates"].([]any)) != 200 || len(b["model_frequency"].([]any)) == 0 {
		t.Errorf("bootstrap block incomplete")
	}
}

func TestEstimateSameResultWhateverTheCores(t *testing.T) {
	args := []string{"estimate", "--json", "--method", "stepwise", "--nboot", "100", "--seed", "7", "../../testdata/ukdat_5.csv"}
	a, _, _ := runCLI(t, "", args...)
	// runtime.GOMAXPROCS sets the worker count of the bootstrap.
	prev := setProcs(1)
	b, _, _ := runCLI(t, "", args...)
	setProcs(prev)
	if a != b {
		t.Fatal("the result depends on the number of cores")
	}
}

func TestEstimateNotEstimableExit3(t *testing.T) {
	// Chan, Silverman and Vincent (2021), Table 2: with all three two-list
	// effects the model is not identifiable (SparseMSE checkident ierr 2).
	stdout, stderr, code := runCLI(t, "", "estimate", "--json", "--model", "[12,13,23]", "../../testdata/artificial_3.csv")
	if code != exitNotEstimable {
		t.Fatalf("exit %d, want 3; stderr %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r["status"] != "not_estimable" || !strings.Contains(r["reason"].(string), "not identifiable") {
		t.Errorf("status %v reason %v", r["status"], r["reason"])
	}
	if _, ok := r["estimate"]; ok {
		t.Error("a not-estimable result carries an estimate")
	}
}

func TestEstimateHumanOutputAndErrors(t *testing.T) {
	stdout, _, code := runCLI(t, "", "estimate", "--interval", "conditional", "../../testdata/ukdat_5.csv")
	if code != exitOK || !strings.Contains(stdout, "95% interval") || !strings.Contains(stdout, "conditional on the model") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	if _, stderr, code := runCLI(t, "", "estimate", "no-such.csv"); code != exitUsage || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing file: exit %d %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "estimate", "--bogus", "x.csv"); code != exitUsage || !strings.Contains(stderr, "flag provided but not defined") {
		t.Errorf("unknown flag: exit %d %q", code, stderr)
	}
	if stdout, _, code := runCLI(t, "", "estimate", "-h"); code != exitOK || !strings.Contains(stdout, "Usage: morketall estimate") {
		t.Errorf("-h: exit %d %q", code, stdout)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("A,B,count\n1,0,3\n0,1,SECRET-7345\n"), 0o600)
	_, stderr, code := runCLI(t, "", "estimate", bad)
	if code != exitUsage || !strings.Contains(stderr, `line 3, column "count"`) || strings.Contains(stderr, "SECRET") {
		t.Errorf("bad count: exit %d %q", code, stderr)
	}
}

func TestCheckJSON(t *testing.T) {
	stdout, _, code := runCLI(t, "", "check", "--json", "../../testdata/artificial_3.csv")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var r struct {
		Checks []struct {
			Model          string  `json:"model"`
			Code           int     `json:"code"`
			LPObjective    float64 `json:"lp_objective"`
			RankDeficiency int     `json:"rank_deficiency"`
		} `json:"checks"`
		PairOverlaps map[string]int `json:"pair_overlaps"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	// SparseMSE checkident(Artificial_3): main effects 0 (s* 1.2), all
	// two-list effects 2 (s* 6, rank deficiency 1).
	if len(r.Checks) != 2 || r.Checks[0].Code != 0 || math.Abs(r.Checks[0].LPObjective-1.2) > 1e-9 ||
		r.Checks[1].Code != 2 || r.Checks[1].RankDeficiency != 1 || math.Abs(r.Checks[1].LPObjective-6) > 1e-9 {
		t.Errorf("checks %+v", r.Checks)
	}
	if r.PairOverlaps["A:B"] != 6 || r.PairOverlaps["A:C"] != 0 {
		t.Errorf("overlaps %v", r.PairOverlaps)
	}
	if _, _, code := runCLI(t, "", "check", "--model", "[12,3]", "../../testdata/artificial_3.csv"); code != exitNotEstimable {
		t.Errorf("check of a model without MLE: exit %d, want 3", code)
	}
}

func TestEstimateLinkageErrorAndCollapse(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "estimate", "--json", "--method", "main", "--interval", "none",
		"--linkage-error", "missed=0.1", "--linkage-error-reps", "50", "../../testdata/ukdat_5.csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Estimate     float64 `json:"estimate"`
		LinkageError struct {
			Missed         float64 `json:"missed"`
			Replicates     int     `json:"replicates"`
			RelativeChange float64 `json:"relative_change"`
		} `json:"linkage_error"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	// Missed links split people on several lists into people on fewer
	// lists: fewer overlaps, a larger estimate (PRIVACY.md).
	if r.LinkageError.Missed != 0.1 || r.LinkageError.Replicates != 50 || !(r.LinkageError.RelativeChange > 0) {
		t.Errorf("linkage_error %+v", r.LinkageError)
	}
	if _, stderr, code := runCLI(t, "", "estimate", "--linkage-error", "missed=2", "../../testdata/ukdat_5.csv"); code != exitUsage || !strings.Contains(stderr, "--linkage-error") {
		t.Errorf("bad rate: exit %d %q", code, stderr)
	}

	// A stratified table: --strata estimates each stratum, --collapse the
	// total table.
	dir := t.TempDir()
	tab := filepath.Join(dir, "t.csv")
	os.WriteFile(tab, []byte("A,B,C,sex,count\n1,0,0,F,40\n0,1,0,F,30\n0,0,1,F,20\n1,1,0,F,6\n1,0,1,F,5\n0,1,1,F,4\n1,1,1,F,1\n"+
		"1,0,0,M,35\n0,1,0,M,28\n0,0,1,M,25\n1,1,0,M,7\n1,0,1,M,4\n0,1,1,M,5\n1,1,1,M,2\n"), 0o600)
	if _, stderr, code := runCLI(t, "", "estimate", tab); code != exitUsage || !strings.Contains(stderr, `column "sex"`) {
		t.Errorf("undeclared stratum: exit %d %q", code, stderr)
	}
	stdout, stderr, code = runCLI(t, "", "estimate", "--json", "--method", "main", "--nboot", "100", "--strata", "sex", tab)
	if code != exitOK {
		t.Fatalf("strata: exit %d %s", code, stderr)
	}
	var s struct {
		Estimate float64 `json:"estimate"`
		Strata   []struct {
			Stratum map[string]string `json:"stratum"`
			Result  struct {
				Estimate float64 `json:"estimate"`
			} `json:"result"`
		} `json:"strata"`
		Intervals []any `json:"intervals"`
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Strata) != 2 || math.Abs(s.Strata[0].Result.Estimate+s.Strata[1].Result.Estimate-s.Estimate) > 1e-6 || len(s.Intervals) != 4 {
		t.Errorf("stratified result %+v", s)
	}
	if _, stderr, code := runCLI(t, "", "estimate", "--method", "main", "--interval", "none", "--strata", "sex", "--collapse", tab); code != exitOK {
		t.Errorf("collapse: exit %d %s", code, stderr)
	}
}

// The benchmark-suite commands write their audit record into the -o
// directory, like every command that writes results.
func TestStudyCommandsWriteManifests(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runCLI(t, "", "consistency", "--procedures", "main/conditional", "-o", dir, "../../testdata/ukdat_5.csv"); code != exitOK {
		t.Fatalf("consistency: exit %d %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "consistency.manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Inputs  []struct{ Path, SHA256 string } `json:"inputs"`
		Outputs []struct{ Path string }         `json:"outputs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 1 || m.Inputs[0].SHA256 == "" || len(m.Outputs) < 3 {
		t.Errorf("manifest %s", b)
	}
}

// TestEstimateLatentClass runs the latent-class method end to end: a
// short run on a table where its chains agree (exit 0, the Bayesian JSON
// fields of DESIGN.md) and one far too short for the Dutch table, whose
// chains cannot agree (exit 3, not_converged with the diagnostics).
func TestEstimateLatentClass(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "estimate", "--json", "--method", "latent-class", "--chains", "4", "--burnin", "5000", "--iter", "500", "--thin", "40", "--seed", "1", "../../testdata/western.csv")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r["status"] != "ok" || r["method"] != "latent-class" {
		t.Fatalf("status %v method %v", r["status"], r["method"])
	}
	post, _ := r["posterior"].(map[string]any)
	diag, _ := r["diagnostics"].(map[string]any)
	for _, k := range []string{"quantiles", "mean", "median", "mode", "draws", "classes"} {
		if post[k] == nil {
			t.Errorf("posterior.%s missing", k)
		}
	}
	for _, k := range []string{"chains", "rhat", "ess_bulk", "ess_tail", "other", "traces"} {
		if diag[k] == nil {
			t.Errorf("diagnostics.%s missing", k)
		}
	}
	if diag["chains"].(float64) != 4 || r["estimate"] != post["median"] {
		t.Errorf("chains %v, estimate %v, median %v", diag["chains"], r["estimate"], post["median"])
	}
	for _, iv := range r["intervals"].([]any) {
		if iv.(map[string]any)["method"] != "posterior" {
			t.Errorf("interval %v", iv)
		}
	}
	stdout, stderr, code = runCLI(t, "", "estimate", "--json", "--method", "latent-class", "--burnin", "50", "--iter", "40", "--thin", "1", "../../testdata/ned.csv")
	if code != exitNotEstimable {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitNotEstimable, stderr)
	}
	r = nil
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r["status"] != "not_converged" || r["estimate"] != nil || r["posterior"] != nil || r["diagnostics"] == nil {
		t.Errorf("status %v, estimate %v, posterior %v", r["status"], r["estimate"], r["posterior"])
	}
	_, stderr, code = runCLI(t, "", "estimate", "--method", "latent-class", "--burnin", "50", "--iter", "40", "--thin", "1", "../../testdata/ned.csv")
	if code != exitNotEstimable || !strings.Contains(stderr, "not converged") || !strings.Contains(stderr, "--chains") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	for _, args := range [][]string{
		{"--method", "latent-class", "--classes", "1"},
		{"--method", "latent-class", "--chains", "1"},
		{"--method", "latent-class", "--a-alpha", "-1"},
		{"--method", "latent-class", "--thin", "0"},
		{"--method", "stepwise", "--classes", "5"},
	} {
		_, stderr, code := runCLI(t, "", append(append([]string{"estimate"}, args...), "../../testdata/western.csv")...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr)
		}
	}
}
