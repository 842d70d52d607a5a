package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/manifest"
)

// checkManifest reads OUT.manifest.json and checks that its hashes match
// the files and that it names the command.
func checkManifest(t *testing.T, out, command string) *manifest.Manifest {
	t.Helper()
	f, err := os.Open(manifest.PathFor(out))
	if err != nil {
		t.Fatalf("no manifest beside %s: %v", out, err)
	}
	defer f.Close()
	m, err := manifest.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Command != command || !strings.HasPrefix(m.CommandLine, "morketall "+command) {
		t.Errorf("manifest of %s: command %q, command line %q", out, m.Command, m.CommandLine)
	}
	if ch := m.Verify(); len(ch) != 0 {
		t.Errorf("manifest of %s: hashes do not match %v", out, ch)
	}
	listed := false
	for _, o := range m.Outputs {
		listed = listed || o.Path == out
	}
	if !listed {
		t.Errorf("manifest of %s does not list it as output: %+v", out, m.Outputs)
	}
	return m
}

func TestReportFromTable(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	stdout, stderr, code := runCLI(t, "", "report", "--nboot", "10", "-o", out, "../../testdata/ukdat_5.csv")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "INTERNAL") {
		t.Errorf("stdout %q does not say the report is internal", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{`<section id="bootstrap"`, "Bootstrap distribution", `id="overlap-table"`, "ukdat_5.csv"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	m := checkManifest(t, out, "report")
	if m.Inputs[0].Role != "table" || m.Options["publish"] != false || m.Seeds["bootstrap"] != 1234 {
		t.Errorf("manifest: %+v", m)
	}
	// No overwrite without --force; with it, fine.
	if _, _, code := runCLI(t, "", "report", "--nboot", "10", "-o", out, "../../testdata/ukdat_5.csv"); code != exitFailure {
		t.Errorf("second run without --force: exit %d, want %d", code, exitFailure)
	}
	if _, stderr, code := runCLI(t, "", "report", "--nboot", "10", "--force", "--publish", "-o", out, "../../testdata/ukdat_5.csv"); code != exitOK {
		t.Errorf("--force: exit %d\n%s", code, stderr)
	}
	b, _ = os.ReadFile(out)
	if strings.Contains(string(b), `id="overlap-table"`) || !strings.Contains(string(b), "banner published") {
		t.Error("--publish report shows the overlap table or is not labelled")
	}
	checkManifest(t, out, "report")
}

func TestReportFromEstimateJSON(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "", "estimate", "--json", "--nboot", "20", "../../testdata/ukdat_5.csv")
	if code != exitOK {
		t.Fatalf("estimate: exit %d\n%s", code, stderr)
	}
	est := filepath.Join(dir, "est.json")
	if err := os.WriteFile(est, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.html")
	if _, stderr, code := runCLI(t, "", "report", "-o", out, "--table", "../../testdata/ukdat_5.csv", est); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	m := checkManifest(t, out, "report")
	if len(m.Inputs) != 2 || m.Inputs[0].Role != "estimate" || m.Inputs[1].Role != "table" {
		t.Errorf("manifest inputs: %+v", m.Inputs)
	}
	// A table that is not the estimate's is refused.
	out2 := filepath.Join(dir, "r2.html")
	_, stderr, code = runCLI(t, "", "report", "-o", out2, "--table", "../../testdata/artificial_3.csv", est)
	if code != exitUsage || !strings.Contains(stderr, "not the table of the estimate") {
		t.Errorf("mismatched table: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a report was written despite the error")
	}
}

func TestReportBadInputs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"secret-marker-value": 1}`), 0o644)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"report", "../../testdata/ukdat_5.csv"}, exitUsage},                              // no -o
		{[]string{"report", "-o", out}, exitUsage},                                                 // no input
		{[]string{"report", "-o", out, filepath.Join(dir, "absent.csv")}, exitUsage},               // missing file
		{[]string{"report", "-o", out, bad}, exitUsage},                                            // not an estimate
		{[]string{"report", "-o", out, "--linkage", bad, "../../testdata/ukdat_5.csv"}, exitUsage}, // not a linkage report
	} {
		_, stderr, code := runCLI(t, "", c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, code, c.code, stderr)
		}
		if strings.Contains(stderr, "secret-marker-value") {
			t.Errorf("%v: error quotes the input: %s", c.args, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a report was written despite errors")
	}
}

func TestEstimateFileDecodes(t *testing.T) {
	// The estimate JSON of DESIGN.md's example decodes with its bootstrap.
	const js = `{"lists":["A","B"],"observed":10,"status":"ok","method":"main","estimate":12.5,"dark_figure":2.5,
	"intervals":[],"top_models":[],"options":{"method":"main","interval":"bca","quantiles":[0.025,0.975]},
	"bootstrap":{"seed":1,"nboot":10,"scheme":"rows","not_estimable":0,"acceleration":0,"bias_correction":0,"replicates":[1,2],"model_frequency":[]}}`
	dir := t.TempDir()
	in := filepath.Join(dir, "e.json")
	os.WriteFile(in, []byte(js), 0o644)
	out := filepath.Join(dir, "r.html")
	if _, stderr, code := runCLI(t, "", "report", "-o", out, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "Bootstrap distribution") {
		t.Error("bootstrap of the JSON not shown")
	}
	var v map[string]any
	mb, _ := os.ReadFile(manifest.PathFor(out))
	if err := json.Unmarshal(mb, &v); err != nil {
		t.Fatal(err)
	}
}
