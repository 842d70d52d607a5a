package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/morketall/morketall/pseudonym"
)

var fingerprintLine = regexp.MustCompile(`^mkfp1-[0-9a-f]{16}\n$`)

func TestKeygen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "project.key")
	stdout, stderr, code := runCLI(t, "", "keygen", "-o", path)
	if code != exitOK || !fingerprintLine.MatchString(stdout) || stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", code, stdout, stderr)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	key, err := pseudonym.ParseKey(data)
	if err != nil || key.Fingerprint()+"\n" != stdout {
		t.Fatalf("key file does not parse to the printed fingerprint: %v", err)
	}
	keyLine := strings.TrimSpace(string(data[strings.LastIndex(strings.TrimSpace(string(data)), "\n")+1:]))
	if strings.Contains(stdout+stderr, keyLine[len("MORKETALL-SECRET-KEY-1-"):][:16]) {
		t.Fatal("the key was printed")
	}

	// Never overwritten without --force; the old key survives.
	_, stderr, code = runCLI(t, "", "keygen", "-o", path)
	if code != exitFailure || !strings.Contains(stderr, "--force") {
		t.Fatalf("overwrite: code %d stderr %q", code, stderr)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Fatal("key file changed without --force")
	}
	stdout, _, code = runCLI(t, "", "keygen", "-o", path, "--force")
	if code != exitOK || stdout == key.Fingerprint()+"\n" {
		t.Fatalf("--force: code %d, same fingerprint %v", code, stdout == key.Fingerprint()+"\n")
	}

	// fingerprint prints the same as keygen did.
	fp, _, code := runCLI(t, "", "fingerprint", path)
	if code != exitOK || fp != stdout {
		t.Fatalf("fingerprint %q, keygen said %q", fp, stdout)
	}
	// No -o, extra argument: usage errors.
	if _, _, code := runCLI(t, "", "keygen"); code != exitUsage {
		t.Errorf("keygen without -o: code %d", code)
	}
	if _, _, code := runCLI(t, "", "keygen", "-o", filepath.Join(dir, "k2"), "extra"); code != exitUsage {
		t.Errorf("keygen with an argument: code %d", code)
	}
}

func TestKeygenPassphraseFromStdin(t *testing.T) {
	if testing.Short() {
		t.Skip("Argon2id with 64 MiB")
	}
	dir := t.TempDir()
	salt := strings.Repeat("5a", 16)
	pass := "plum-tree-harbour-violin-42"
	stdout, stderr, code := runCLI(t, pass+"\n", "keygen", "--passphrase", "--salt", salt, "-o", filepath.Join(dir, "a.key"))
	if code != exitOK || strings.Contains(stdout+stderr, pass) {
		t.Fatalf("code %d stdout %q stderr %q", code, stdout, stderr)
	}
	sb, _ := hex.DecodeString(salt)
	want, _ := pseudonym.DeriveKey([]byte(pass), sb)
	if stdout != want.Fingerprint()+"\n" {
		t.Fatalf("fingerprint %q, DeriveKey gives %s", stdout, want.Fingerprint())
	}
	// Without --salt a fresh salt makes a different key.
	other, _, code := runCLI(t, pass+"\r\n", "keygen", "--passphrase", "-o", filepath.Join(dir, "b.key"))
	if code != exitOK || other == stdout {
		t.Fatalf("fresh salt: code %d, same key %v", code, other == stdout)
	}
	// Empty stdin is refused.
	if _, _, code := runCLI(t, "", "keygen", "--passphrase", "-o", filepath.Join(dir, "c.key")); code != exitUsage {
		t.Errorf("empty passphrase: code %d", code)
	}
}

func TestKeygenRefusesPassphraseOnCommandLine(t *testing.T) {
	_, stderr, code := runCLI(t, "", "keygen", "-o", filepath.Join(t.TempDir(), "k"), "--passphrase=hunter2hunter2")
	if code != exitUsage || strings.Contains(stderr, "hunter2") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
}

func TestFingerprintErrorsDoNotQuoteTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.key")
	os.WriteFile(bad, []byte("MORKETALL-SECRET-KEY-1-DEADBEEFCAFE\nsomething secret-looking\n"), 0o600)
	_, stderr, code := runCLI(t, "", "fingerprint", bad)
	if code != exitUsage || strings.Contains(stderr, "DEADBEEF") || strings.Contains(stderr, "secret-looking") {
		t.Fatalf("code %d stderr %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "fingerprint", filepath.Join(dir, "none.key")); code != exitUsage || !strings.Contains(stderr, "does not exist") {
		t.Fatalf("missing: code %d stderr %q", code, stderr)
	}
	// A world-readable key works, with a warning.
	good := filepath.Join(dir, "good.key")
	if _, _, code := runCLI(t, "", "keygen", "-o", good); code != exitOK {
		t.Fatal("keygen failed")
	}
	os.Chmod(good, 0o644)
	stdout, stderr, code := runCLI(t, "", "fingerprint", good)
	if code != exitOK || !fingerprintLine.MatchString(stdout) || !strings.Contains(stderr, "warning: key file") || !strings.Contains(stderr, "chmod 600") {
		t.Fatalf("world-readable: code %d stdout %q stderr %q", code, stdout, stderr)
	}
}
