package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/mktfile"
)

// TestNoPlainDigestLeavesTheAgency is issue 13's brute-force check as a
// test: the plain SHA-256 of every plaintext input of the demo (the
// agencies' extracts) appears in nothing an agency sends or the linkage
// party receives or writes: the list files and their manifests, the link
// outputs and their manifest, nor anywhere else the demo wrote. A
// one-record extract is found from its plain hash in under a second. The
// same run checks that every file written is mode 0600.
func TestNoPlainDigestLeavesTheAgency(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if _, stderr, code := runCLI(t, "", "demo", "-o", dir, "--nboot", "10"); code != exitOK {
		t.Fatalf("demo: %d %s", code, stderr)
	}
	extracts, _ := filepath.Glob(filepath.Join(dir, "extracts", "*.csv"))
	if len(extracts) == 0 {
		t.Fatal("no extracts")
	}
	var digests []string
	for _, x := range extracts {
		b, err := os.ReadFile(x)
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		digests = append(digests, hex.EncodeToString(s[:]))
	}
	checked := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Dir(p) == filepath.Join(dir, "extracts") {
			return err
		}
		b, _ := os.ReadFile(p)
		low := strings.ToLower(string(b))
		for i, dg := range digests {
			if strings.Contains(low, dg) {
				t.Errorf("%s holds the plain SHA-256 of %s", p, filepath.Base(extracts[i]))
			}
		}
		checked++
		return nil
	})
	for _, want := range []string{"pseudonymised/POLICE.mkt.manifest.json", "table.csv.manifest.json", "demo.manifest.json"} {
		b, err := os.ReadFile(filepath.Join(dir, want))
		if err != nil {
			t.Errorf("%s: %v", want, err)
			continue
		}
		if want != "table.csv.manifest.json" && !strings.Contains(string(b), `"hmac_sha256"`) {
			t.Errorf("%s describes no extract by a keyed digest", want)
		}
	}
	if checked < 20 {
		t.Errorf("only %d files checked", checked)
	}

	// Files as private as their contents: everything the demo wrote
	// (extracts, lists, table, linkage report, estimate, reports,
	// manifests, log) is owner-only.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", p, st.Mode().Perm())
		}
		return nil
	})
}

// TestPseudonymiseRefusesBombsQuickly: a workbook declaring a 1 GB sheet
// in 1 MB, and a CSV with a 200 MB cell, exit 2 in under a second, name
// the position, write nothing.
func TestPseudonymiseRefusesBombsQuickly(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t, dir)
	bomb := filepath.Join(dir, "bomb.xlsx")
	f, _ := os.Create(bomb)
	zw := zip.NewWriter(f)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, UncompressedSize64: 1 << 30, CompressedSize64: 1 << 20})
	w.Write(make([]byte, 1<<20))
	for name, body := range map[string]string{
		"xl/workbook.xml":            `<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	} {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	zw.Close()
	f.Close()
	cell := filepath.Join(dir, "cell.csv")
	f, _ = os.Create(cell)
	io.WriteString(f, "given_name,family_name,birth_date\nAnna,")
	chunk := []byte(strings.Repeat("zqcanarycell", 1<<16))
	for written := 0; written < 200<<20; written += len(chunk) {
		f.Write(chunk)
	}
	io.WriteString(f, ",1990\n")
	f.Close()
	before := lsDir(t, dir)
	for _, c := range []struct{ in, want string }{
		{bomb, "too large when decompressed"},
		{cell, `line 2, column "family_name": cell longer than`},
	} {
		start := time.Now()
		_, stderr, code := runCLI(t, "", "pseudonymise", "--key", key, "--list", "L", c.in, "-o", filepath.Join(dir, "out.mkt"))
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v", filepath.Base(c.in), d)
		}
		if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "zqcanary") {
			t.Errorf("%s: exit %d, stderr %s", filepath.Base(c.in), code, stderr)
		}
		if after := lsDir(t, dir); len(after) != len(before) {
			t.Errorf("%s: left files: %q", filepath.Base(c.in), after)
		}
	}
}

// TestStdinStdoutVerifyAndTamper: an extract on standard input, the list
// on standard output; verify accepts it; an edit with a recomputed
// checksum passes link's check but not verify; a CRLF copy says so.
func TestStdinStdoutVerifyAndTamper(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t, dir)
	extract := "given_name,family_name,birth_date,sex\nAnna,Hansen,17.05.1990,F\nOla,Nordmann,03.04.1985,M\n"
	stdout, stderr, code := runCLI(t, extract, "pseudonymise", "--key", key, "--list", "P", "-", "-o", "-")
	if code != exitOK || !strings.HasPrefix(stdout, "#"+mktfile.FormatName+"=") || !strings.Contains(stderr, "sha256 ") {
		t.Fatalf("stdin to stdout: %d %s", code, stderr)
	}
	list := filepath.Join(dir, "p.mkt")
	os.WriteFile(list, []byte(stdout), 0o600)
	if out, stderr, code := runCLI(t, "", "verify", "--key", key, list); code != exitOK || !strings.Contains(out, "MAC verified") {
		t.Fatalf("verify: %d %s", code, stderr)
	}
	// A token edited and the checksum recomputed, as anyone can.
	text := stdout
	c := strings.Index(text, "\nrecord_id") + 1
	i := c + strings.IndexByte(text[c:], '\n') + 1 // the first body row
	j := strings.IndexByte(text[i:], ',') + i + 1
	k := j + strings.IndexFunc(text[j:], func(r rune) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' })
	flip := map[byte]byte{'0': '1'}[text[k]]
	if flip == 0 {
		flip = '0'
	}
	edited := text[:k] + string(flip) + text[k+1:]
	s := strings.Index(edited, "#sha256=")
	e := s + strings.IndexByte(edited[s:], '\n') + 1
	sum := sha256.Sum256([]byte(edited[:s] + edited[e:]))
	forged := edited[:s] + "#sha256=" + hex.EncodeToString(sum[:]) + "\n" + edited[e:]
	if _, _, err := mktfile.ReadAll(strings.NewReader(forged)); err != nil {
		t.Fatalf("the forged file should pass the keyless check: %v", err)
	}
	os.WriteFile(list, []byte(forged), 0o600)
	if _, stderr, code := runCLI(t, "", "verify", "--key", key, list); code != exitUsage || !strings.Contains(stderr, "MAC mismatch") {
		t.Fatalf("verify of a forged file: %d %s", code, stderr)
	}
	// CRLF.
	crlf := filepath.Join(dir, "crlf.mkt")
	os.WriteFile(crlf, []byte(strings.ReplaceAll(stdout, "\n", "\r\n")), 0o600)
	os.WriteFile(list, []byte(stdout), 0o600)
	_, stderr, code = runCLI(t, "", "link", "-o", filepath.Join(dir, "t.csv"), list, crlf)
	if code != exitUsage || !strings.Contains(stderr, "line endings changed") || strings.Contains(stderr, "version") {
		t.Fatalf("CRLF: %d %s", code, stderr)
	}
}

// TestHelperProcess runs the CLI in a child process for the Ctrl-C test.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("MORKETALL_HELPER") != "1" {
		t.Skip("helper for TestInterruptLeavesNothing")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

// TestInterruptLeavesNothing feeds pseudonymise rows on a pipe it keeps
// open, until the shuffle has spilled to disk, then sends SIGINT: the
// command stops at once with exit 1, and neither the list, its manifest,
// a temporary beside it nor the sort directory remains.
func TestInterruptLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	os.Mkdir(tmp, 0o700)
	key := newKey(t, dir)
	out := filepath.Join(dir, "out.mkt")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", "pseudonymise", "--key", key, "--list", "L", "--temp-dir", tmp, "-", "-o", out)
	cmd.Env = append(os.Environ(), "MORKETALL_HELPER=1")
	stdin, _ := cmd.StdinPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "given_name,family_name,birth_date,sex\n")
	row := "Anna,Hansen,17.05.1990,F\n"
	spilled := false
	for i := 0; i < 2000 && !spilled; i++ {
		io.WriteString(stdin, strings.Repeat(row, 1000))
		if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
			spilled = true
		}
	}
	if !spilled {
		t.Fatal("no spill after 2M rows")
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	stdin.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopped %v after SIGINT", d)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailure || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("exit %v, stderr %s", err, stderr.String())
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary files left: %d", len(ents))
	}
	for _, n := range lsDir(t, dir) {
		if n != "project.key" && n != "project.key.manifest.json" && n != "tmp" {
			t.Errorf("left %s", n)
		}
	}
}
