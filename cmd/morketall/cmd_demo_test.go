package main

import (
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/internal/scenario"
	"github.com/morketall/morketall/mse"
)

// TestDemo runs the demo into a temporary directory (with a small
// bootstrap, to stay fast) and checks what it promises: every file, a
// finite estimate, manifests whose hashes match, and no name from the
// extracts anywhere but in the extracts.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	stdout, stderr, code := runCLI(t, "", "demo", "-o", dir, "--nboot", "20")
	if code != exitOK {
		t.Fatalf("demo: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	w := scenario.Generate(nil)
	for _, want := range []string{"true total in this fictional world: 400", "report.html", "open "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	files := []string{"table.csv", "estimate.json", "report.html", "report-published.html", "demo.manifest.json",
		"estimate.json.manifest.json", "report.html.manifest.json", "report-published.html.manifest.json", "demo.log"}
	for _, x := range w.Extracts {
		files = append(files, filepath.Join("extracts", x.Agency.List+".csv"))
	}
	if _, ok := commands["pseudonymise"]; ok {
		files = append(files, "project.key")
		for _, x := range w.Extracts {
			files = append(files, filepath.Join("pseudonymised", x.Agency.List+".mkt"))
		}
	}
	if _, ok := commands["link"]; ok {
		files = append(files, "linkage.json")
	}
	for _, f := range files {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("demo did not write %s", f)
		}
	}

	// The estimate is finite and in the right region.
	b, err := os.ReadFile(filepath.Join(dir, "estimate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res mse.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if !res.Estimated() || res.Estimate == nil || math.IsNaN(*res.Estimate) || math.IsInf(*res.Estimate, 0) {
		t.Fatalf("estimate not finite: %+v", res)
	}
	if *res.Estimate < float64(res.Observed) || *res.Estimate > 3*float64(w.Total()) {
		t.Errorf("estimate %.1f implausible (observed %d, truth %d)", *res.Estimate, res.Observed, w.Total())
	}
	if res.Bootstrap == nil || len(res.Bootstrap.Replicates) == 0 {
		t.Error("the demo's estimate has no bootstrap")
	}

	// Every step's manifest is there and matches its files.
	if _, ok := commands["link"]; ok {
		checkManifest(t, filepath.Join(dir, "table.csv"), "link")
	}
	if _, ok := commands["pseudonymise"]; ok {
		checkManifest(t, filepath.Join(dir, "project.key"), "keygen")
		for _, x := range w.Extracts {
			checkManifest(t, filepath.Join(dir, "pseudonymised", x.Agency.List+".mkt"), "pseudonymise")
		}
	}

	// Manifests: hashes match, no key material.
	keyText, _ := os.ReadFile(filepath.Join(dir, "project.key"))
	for _, mf := range []string{"demo.manifest.json", "estimate.json.manifest.json", "report.html.manifest.json", "report-published.html.manifest.json"} {
		f, err := os.Open(filepath.Join(dir, mf))
		if err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Read(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", mf, err)
		}
		if ch := m.Verify(); len(ch) != 0 {
			t.Errorf("%s: hashes do not match for %v", mf, ch)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, mf))
		if len(keyText) > 0 {
			for _, line := range strings.Split(string(keyText), "\n") {
				if strings.HasPrefix(line, "MORKETALL-SECRET-KEY") && strings.Contains(string(raw), line) {
					t.Errorf("%s contains the key", mf)
				}
			}
		}
	}

	// Privacy canary: no name written into an extract appears in any other
	// file (names of fewer than four letters are left out: they occur in
	// ordinary words and hex).
	var names []string
	for _, n := range w.Names() {
		if utf8.RuneCountInString(n) >= 4 {
			names = append(names, n)
		}
	}
	if len(names) < 50 {
		t.Fatalf("only %d names to look for", len(names))
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if filepath.Base(filepath.Dir(path)) == "extracts" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := string(b)
		for _, n := range names {
			if strings.Contains(s, n) {
				t.Errorf("%s contains a name from the extracts", strings.TrimPrefix(path, dir))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.Contains(stdout+stderr, n) {
			t.Error("the demo's output contains a name from the extracts")
			break
		}
	}

	// A second run without --force refuses; with --force it succeeds.
	if _, _, code := runCLI(t, "", "demo", "-o", dir, "--nboot", "20"); code != exitFailure {
		t.Errorf("second demo without --force: exit %d", code)
	}
	if _, stderr, code := runCLI(t, "", "demo", "-o", dir, "--nboot", "20", "--force"); code != exitOK {
		t.Errorf("demo --force: exit %d\n%s", code, stderr)
	}
}
