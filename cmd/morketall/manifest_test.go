package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/manifest"
)

// TestKeygenAndPseudonymiseManifests checks the audit records of keygen and
// pseudonymise: hashes match, the key is listed as secret with no hash, the
// fingerprint is there, and no key material is.
func TestKeygenAndPseudonymiseManifests(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "p.key")
	stdout, stderr, code := runCLI(t, "", "keygen", "-o", key)
	if code != exitOK {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	fp := strings.TrimSpace(stdout)
	keyText, _ := os.ReadFile(key)
	var secret string
	for _, l := range strings.Split(string(keyText), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			secret = l
		}
	}
	if secret == "" {
		t.Fatal("no key line in the key file")
	}
	km := checkManifest(t, key, "keygen")
	if km.KeyFingerprint != fp || !km.Outputs[0].Secret || km.Outputs[0].SHA256 != "" {
		t.Errorf("keygen manifest: %+v", km)
	}
	extract := filepath.Join(dir, "x.csv")
	os.WriteFile(extract, []byte("given_name,family_name,birth_date,sex\nAnna,Zyxwvut,01.02.1990,F\nOla,Qwertzuiop,03.04.1985,M\n"), 0o600)
	out := filepath.Join(dir, "x.mkt")
	rep := filepath.Join(dir, "x.json")
	if _, stderr, code := runCLI(t, "", "pseudonymise", "--key", key, "--list", "X", "--report", rep, extract, "-o", out); code != exitOK {
		t.Fatalf("pseudonymise: %d %s", code, stderr)
	}
	pm := checkManifest(t, out, "pseudonymise")
	if pm.KeyFingerprint != fp || pm.SchemaHash == "" || len(pm.Outputs) != 2 {
		t.Errorf("pseudonymise manifest: %+v", pm)
	}
	for _, in := range pm.Inputs {
		if in.Role == "key" && (!in.Secret || in.SHA256 != "") {
			t.Errorf("key input described: %+v", in)
		}
	}
	for _, p := range []string{manifest.PathFor(key), manifest.PathFor(out)} {
		b, _ := os.ReadFile(p)
		for _, bad := range []string{secret, "Zyxwvut", "Qwertzuiop"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q", filepath.Base(p), bad)
			}
		}
	}
}

func TestEstimateOutputManifest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "est.json")
	if _, stderr, code := runCLI(t, "", "estimate", "--interval", "conditional", "-o", out, "../../testdata/ukdat_5.csv"); code != exitOK {
		t.Fatalf("estimate -o: %d %s", code, stderr)
	}
	m := checkManifest(t, out, "estimate")
	if len(m.Inputs) != 1 || m.Inputs[0].Role != "table" || m.Options["options"] == nil {
		t.Errorf("estimate manifest: %+v", m)
	}
}
