package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimulateScenarioWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "", "simulate", "--scenario", "pairwise-4", "--reps", "20", "--nboot", "50",
		"--procedures", "stepwise/bca,main/profile,Mh-Chao/conditional", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	for _, want := range []string{"pairwise-4", "20 tables (multinomial, seed 1234)", "stepwise/bca", "main/profile", "Mh-Chao/conditional", "models chosen", "written to"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"summary.csv", "coverage.csv", "models.csv", "replicates.csv", "simulation.json", "coverage.svg", "errors.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v", f, err)
		}
		if strings.HasSuffix(f, ".svg") && !strings.Contains(string(b), "<svg") {
			t.Errorf("%s is not an SVG", f)
		}
	}
	rows := readCSV(t, filepath.Join(dir, "replicates.csv"))
	if len(rows) != 1+20*3 || rows[0][0] != "rep" {
		t.Fatalf("replicates.csv: %d rows, header %v", len(rows), rows[0])
	}
	var res struct {
		Reps       int `json:"reps"`
		Population struct {
			N int `json:"n"`
		} `json:"population"`
		Summaries []struct {
			Procedure  string `json:"procedure"`
			Coverage95 struct {
				Rate float64 `json:"rate"`
				SE   float64 `json:"se"`
			} `json:"coverage95"`
		} `json:"summaries"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "simulation.json"))
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Reps != 20 || res.Population.N != 2000 || len(res.Summaries) != 3 {
		t.Fatalf("simulation.json: %+v", res)
	}
	// The files exist now: a second run without --force refuses and
	// leaves them alone; with --force it replaces them.
	_, stderr, code = runCLI(t, "", "simulate", "--scenario", "pairwise-4", "--reps", "5", "--procedures", "main/none", "-o", dir)
	if code != exitFailure || !strings.Contains(stderr, "file exists") || !strings.Contains(stderr, "--force") {
		t.Fatalf("overwrite: exit %d, stderr %s", code, stderr)
	}
	if b2, _ := os.ReadFile(filepath.Join(dir, "simulation.json")); string(b2) != string(b) {
		t.Fatal("simulation.json changed without --force")
	}
	if _, stderr, code = runCLI(t, "", "simulate", "--scenario", "pairwise-4", "--reps", "5", "--procedures", "main/none", "-o", dir, "--force"); code != exitOK {
		t.Fatalf("--force: exit %d, %s", code, stderr)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSimulateSameWhateverTheCores: the JSON result is byte-identical on
// one core and on several.
func TestSimulateSameWhateverTheCores(t *testing.T) {
	args := []string{"simulate", "--scenario", "sparse", "--reps", "10", "--nboot", "40", "--methods", "stepwise,Mh-Chao", "--intervals", "bca,conditional", "--json"}
	prev := setProcs(1)
	one, stderr, code := runCLI(t, "", args...)
	setProcs(max(prev, 4))
	many, _, code2 := runCLI(t, "", args...)
	setProcs(prev)
	if code != exitOK || code2 != exitOK {
		t.Fatalf("exit %d %d: %s", code, code2, stderr)
	}
	if one != many {
		t.Fatal("simulation differs with the number of cores")
	}
	if !strings.Contains(one, `"procedure": "Mh-Chao/conditional"`) {
		t.Fatalf("procedures not crossed:\n%.400s", one)
	}
}

func TestSimulateFromTable(t *testing.T) {
	stdout, stderr, code := runCLI(t, "", "simulate", "--from", "../../testdata/ukdat_5.csv", "--reps", "8", "--procedures", "stepwise/conditional")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The stepwise model of UKdat_5 and its estimate rounded (SparseMSE
	// 2.0.1 estimatepopulation.0: 11312.99).
	for _, want := range []string{"[LA:NG, LA:PFNCA, NG:GO, NG:GP, PFNCA:GP, GO:GP]", "N = 11313", "true model  [12,13,24,25,35,45]"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q:\n%s", want, stdout)
		}
	}
	stdout, stderr, code = runCLI(t, "", "simulate", "--from", "../../testdata/ukdat_5.csv", "--model", "[LA:NG, GO:GP]", "--reps", "4", "--procedures", "main/none")
	if code != exitOK || !strings.Contains(stdout, "[LA:NG, GO:GP, PFNCA]") {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
}

func TestSimulateUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate"}, "either --scenario"},
		{[]string{"simulate", "--scenario", "independence", "--from", "x.csv"}, "either --scenario"},
		{[]string{"simulate", "--scenario", "nosuch"}, "unknown scenario"},
		{[]string{"simulate", "--scenario", "independence-9"}, "3 to 8 lists"},
		{[]string{"simulate", "--scenario", "independence", "--procedures", "stepwise"}, "method/interval"},
		{[]string{"simulate", "--scenario", "independence", "--methods", "fixed"}, "method fixed needs a model"},
		{[]string{"simulate", "--scenario", "independence", "--procedures", "main/none", "--methods", "main"}, "not both"},
		{[]string{"simulate", "--scenario", "independence", "--model", "[12]"}, "--model is used with --from"},
		{[]string{"simulate", "--scenario", "independence", "--reps", "0"}, "--reps"},
		{[]string{"simulate", "--scenario", "independence", "--scheme", "binomial", "--reps", "2", "--procedures", "main/none"}, "--scheme must be multinomial or poisson"},
		{[]string{"simulate", "--from", "no/such/file.csv"}, "no such file"},
		{[]string{"simulate", "--from", "../../testdata/ukdat_5.csv", "--model", "[LA:XX]"}, "--model"},
		{[]string{"simulate", "--scenario", "independence", "--bogus"}, "flag provided but not defined"},
	} {
		_, stderr, code := runCLI(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
	stdout, _, code := runCLI(t, "", "simulate", "-h")
	if code != exitOK || !strings.Contains(stdout, "heterogeneity") || !strings.Contains(stdout, "--reps") {
		t.Fatalf("-h: exit %d\n%s", code, stdout)
	}
}

func TestConsistencyCommand(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "", "consistency", "--procedures", "main/conditional,stepwise/profile", "../../testdata/ukdat_5.csv", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"5 lists (LA, NG, PFNCA, GO, GP), 2744 cases", "summary over the 5 lists", "main/conditional", "stepwise/profile"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("missing %q:\n%s", want, stdout)
		}
	}
	rows := readCSV(t, filepath.Join(dir, "consistency.csv"))
	if len(rows) != 1+5*2 {
		t.Fatalf("consistency.csv: %d rows", len(rows))
	}
	// LA (94 cases, 40 of them on other lists) comes first.
	if rows[1][0] != "LA" || rows[1][1] != "94" || rows[1][2] != "40" {
		t.Fatalf("first case %v", rows[1])
	}
	for _, f := range []string{"consistency-summary.csv", "consistency.json", "consistency-coverage.svg", "consistency-errors.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, stderr, code := runCLI(t, "", "consistency"); code != exitUsage || !strings.Contains(stderr, "exactly one") {
		t.Errorf("no table: exit %d %s", code, stderr)
	}
	// Artificial_3 (Chan, Silverman and Vincent 2021, Table 2): no list
	// shares cases with both others, so nothing can be estimated.
	art := filepath.Join(t.TempDir(), "art.csv")
	os.WriteFile(art, []byte("A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n"), 0o644)
	if stdout, stderr, code := runCLI(t, "", "consistency", "--procedures", "main/conditional", art); code != exitNotEstimable || !strings.Contains(stderr, "not estimable") || !strings.Contains(stdout, "not estimable") {
		t.Errorf("Artificial_3: exit %d %s\n%s", code, stderr, stdout)
	}
	two := filepath.Join(t.TempDir(), "two.csv")
	os.WriteFile(two, []byte("A,B,count\n1,0,5\n0,1,4\n1,1,2\n"), 0o644)
	if _, stderr, code := runCLI(t, "", "consistency", two); code != exitUsage || !strings.Contains(stderr, "at least 3 lists") {
		t.Errorf("two lists: exit %d %s", code, stderr)
	}
}

func TestSensitivityCommand(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "", "sensitivity", "--procedures", "stepwise/conditional", "../../testdata/ukdat_5.csv", "-o", dir, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Variants []struct {
			Kind     string `json:"kind"`
			Label    string `json:"label"`
			Outcomes []struct {
				Estimate *float64 `json:"estimate"`
				Change   *float64 `json:"change"`
			} `json:"outcomes"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Variants) != 16 || res.Variants[0].Kind != "all" || res.Variants[5].Label != "without GP" || res.Variants[15].Label != "GO+GP merged" {
		t.Fatalf("variants %+v", res.Variants)
	}
	for _, f := range []string{"sensitivity.csv", "sensitivity.json", "sensitivity.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	stdout, _, code = runCLI(t, "", "sensitivity", "--procedures", "stepwise/conditional", "../../testdata/ukdat_5.csv")
	if code != exitOK || !strings.Contains(stdout, "without LA") || !strings.Contains(stdout, "LA+NG merged") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
}
