package manifest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestManifestRoundTripAndHashes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "table.csv")
	out := filepath.Join(dir, "report.html")
	key := filepath.Join(dir, "project.key")
	keyText := "MORKETALL-KEY-1-SECRETSECRETSECRETSECRET"
	for p, s := range map[string]string{in: "a,b,count\n1,0,3\n", out: "<html></html>", key: keyText} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	m := New("report", "morketall report -o report.html table.csv", "v0.0.0-test")
	clock := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	m.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	m.Started = m.now()
	if err := m.AddInput("table", in); err != nil {
		t.Fatal(err)
	}
	m.AddSecretInput("key", key)
	if err := m.Time("render", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := m.AddOutput("report", out); err != nil {
		t.Fatal(err)
	}
	m.SetSeed("bootstrap", 42)
	m.SetOption("publish", true)
	m.KeyFingerprint = "mkfp1-0123456789abcdef"
	mpath := PathFor(out)
	if err := Write(mpath, m, false); err != nil {
		t.Fatal(err)
	}
	if err := Write(mpath, m, false); err == nil {
		t.Error("Write replaced an existing manifest without force")
	}
	raw, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Hashes match the files, computed independently.
	for _, f := range append(got.Inputs, got.Outputs...) {
		if f.Secret {
			if f.SHA256 != "" || f.Bytes != 0 {
				t.Errorf("secret file %s described: %+v", f.Path, f)
			}
			continue
		}
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(b)) {
			t.Errorf("%s: manifest says %s/%d bytes, file is %x/%d", f.Path, f.SHA256, f.Bytes, sum, len(b))
		}
	}
	if len(got.Verify()) != 0 {
		t.Errorf("Verify reports changes on untouched files: %v", got.Verify())
	}
	// No key material: neither the key nor any hash of it.
	keySum := sha256.Sum256([]byte(keyText))
	for _, secret := range []string{keyText, "SECRETSECRET", hex.EncodeToString(keySum[:])} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("manifest contains key material %q", secret)
		}
	}
	if got.Seeds["bootstrap"] != 42 || got.Options["publish"] != true || len(got.Steps) != 1 || got.Steps[0].Seconds != 1 {
		t.Errorf("seeds/options/steps not kept: %+v %+v %+v", got.Seeds, got.Options, got.Steps)
	}
	if got.Format != Format || got.Command != "report" || got.Seconds <= 0 {
		t.Errorf("header fields: %+v", got)
	}
	// Changing an output is detected.
	if err := os.WriteFile(out, []byte("<html>changed</html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ch := got.Verify(); len(ch) != 1 || ch[0] != out {
		t.Errorf("Verify after a change = %v, want [%s]", ch, out)
	}
}

func TestReadRejectsOtherFormats(t *testing.T) {
	for _, s := range []string{`{"format":"other","version":1}`, `{"format":"morketall-manifest","version":9}`, `not json`} {
		if _, err := Read(strings.NewReader(s)); err == nil {
			t.Errorf("Read(%s) accepted", s)
		}
	}
}

func TestAddInputMissingFile(t *testing.T) {
	m := New("x", "morketall x", "devel")
	if err := m.AddInput("table", filepath.Join(t.TempDir(), "absent.csv")); err == nil {
		t.Error("AddInput of a missing file succeeded")
	}
}

// TestPrivateInputHasNoPlainDigest: an extract is described by size and a
// keyed digest only; its plain SHA-256 appears nowhere in the manifest.
func TestPrivateInputHasNoPlainDigest(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "extract.csv")
	content := []byte("given_name,family_name\nAnna,Hansen\n")
	if err := os.WriteFile(x, content, 0o600); err != nil {
		t.Fatal(err)
	}
	key := []byte("file-digest subkey, for the test")
	m := New("pseudonymise", "morketall pseudonymise x", "v0")
	if err := m.AddPrivateInput("extract", x, hmac.New(sha256.New, key)); err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	plain := sha256.Sum256(content)
	if bytes.Contains(b, []byte(hex.EncodeToString(plain[:]))) {
		t.Fatalf("manifest holds the plain SHA-256 of the extract:\n%s", b)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(content)
	f := m.Inputs[0]
	if !f.Private || f.SHA256 != "" || f.HMACSHA256 != hex.EncodeToString(mac.Sum(nil)) || f.Bytes != int64(len(content)) {
		t.Fatalf("private input %+v", f)
	}
	if ch := m.Verify(); len(ch) != 0 {
		t.Errorf("Verify (no key) reports %v", ch)
	}
	if ch := m.VerifyPrivate(hmac.New(sha256.New, key)); len(ch) != 0 {
		t.Errorf("VerifyPrivate of an unchanged file reports %v", ch)
	}
	os.WriteFile(x, append(content, "Ola,Nordmann\n"...), 0o600)
	if ch := m.VerifyPrivate(hmac.New(sha256.New, key)); len(ch) != 1 {
		t.Errorf("VerifyPrivate of a changed file reports %v", ch)
	}
}

func TestManifestFileIsOwnerOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.manifest.json")
	if err := Write(p, New("estimate", "morketall estimate", "v0"), false); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("manifest mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
}

func TestToolVersion(t *testing.T) {
	if v := ToolVersion("v1.2.3"); !strings.HasPrefix(v, "v1.2.3") {
		t.Errorf("ToolVersion(v1.2.3) = %q", v)
	}
	// Test binaries record no VCS state; a built binary does (checked by
	// the CLI's build test).
	if rev, _ := vcsInfo(); rev == "" && ToolVersion("") != "devel" {
		t.Errorf("no VCS info, ToolVersion = %q", ToolVersion(""))
	}
}
