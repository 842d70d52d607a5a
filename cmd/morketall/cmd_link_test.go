package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/linkage"
	"github.com/morketall/morketall/mse"
)

// linkToken is the token hand-built files use for a label.
func linkToken(label string) string {
	h := sha256.Sum256([]byte("canary:" + label))
	return hex.EncodeToString(h[:16])
}

// writeList writes a pseudonymised list with keys nid, name_dob and
// name_year and covariate sex. Each record is "nid name_dob name_year sex"
// with "-" for a missing token. It returns the file's path, tokens and
// record ids.
func writeList(t *testing.T, dir, list string, recs []string, mod func(*mktfile.Header)) (string, []string) {
	t.Helper()
	h := &mktfile.Header{
		List:           list,
		KeyFingerprint: "mkfp1-00112233aabbccdd",
		SchemaHash:     "sha256:c0ffee",
		Created:        time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		MatchKeys:      []string{"nid", "name_dob", "name_year"},
		Covariates:     []string{"sex"},
	}
	if mod != nil {
		mod(h)
	}
	var rs []mktfile.Record
	var secrets []string
	for i, r := range recs {
		f := strings.Fields(r)
		id := fmt.Sprintf("%x", sha256.Sum256([]byte(list+r+fmt.Sprint(i))))[:16]
		mr := mktfile.Record{ID: id, Covariates: []string{f[3]}}
		secrets = append(secrets, id)
		for _, l := range f[:3] {
			if l == "-" {
				mr.Tokens = append(mr.Tokens, "")
				continue
			}
			mr.Tokens = append(mr.Tokens, linkToken(l))
			secrets = append(secrets, linkToken(l))
		}
		rs = append(rs, mr)
	}
	var buf bytes.Buffer
	if err := mktfile.Write(&buf, h, rs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, strings.ToLower(list)+".mkt")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, secrets
}

// threeLists writes POLICE, UDI and ROSA: p1 on all three (ROSA records
// another sex), p2 on POLICE and UDI (placeholder date at UDI: year key
// only), p3 twice at ROSA, p4 at POLICE and p5 at UDI namesakes born the
// same year with different dates. Under the default rule that is 5
// persons; strict (nid alone) links nothing (9); loose also joins p4 and
// p5 (4).
func threeLists(t *testing.T, dir string) ([]string, []string) {
	police, s1 := writeList(t, dir, "POLICE", []string{"- d1 y1 F", "- d2 y2 F", "- d4 y4 F"}, nil)
	udi, s2 := writeList(t, dir, "UDI", []string{"- d1 y1 F", "- - y2 unknown", "- d5 y4 F"}, nil)
	rosa, s3 := writeList(t, dir, "ROSA", []string{"- d1 y1 M", "- d3 y3 F", "- d3 y3 F"}, nil)
	return []string{police, udi, rosa}, append(append(s1, s2...), s3...)
}

func TestLinkCommand(t *testing.T) {
	dir := t.TempDir()
	files, _ := threeLists(t, dir)
	out := filepath.Join(dir, "table.csv")
	rep := filepath.Join(dir, "link.json")
	stdout, stderr, code := runCLI(t, "", append([]string{"link", "-o", out, "--report", rep}, files...)...)
	if code != exitOK {
		t.Fatalf("code %d, stderr:\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, out+": 3 lists, 9 records, 5 persons (rule default)") {
		t.Errorf("stdout %q", stdout)
	}
	// p1 on all three; p2 on POLICE and UDI; p3 at ROSA (twice); p4 at
	// POLICE and p5 at UDI, kept apart by their full dates.
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "POLICE,UDI,ROSA,count\n1,0,0,1\n0,1,0,1\n1,1,0,1\n0,0,1,1\n1,1,1,1\n"
	if string(b) != want {
		t.Errorf("table:\n%s\nwant:\n%s", b, want)
	}
	for _, p := range []string{out, rep} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, st.Mode(), err)
		}
	}
	var r linkage.Report
	data, _ := os.ReadFile(rep)
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Format != linkage.ReportFormat || len(r.Rules) != 3 || r.Lists[2].Duplicates["default"] != 1 || r.Keys[2].Contradicted != 1 {
		t.Errorf("report %s", data)
	}
	for _, s := range []string{"Linkage: 3 lists, 9 records -> 5 persons under the default rule (strict 9, default 5, loose 4)", "pairwise overlaps", "overlap table under the three rules", "sex 1"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}

	// Outputs are not replaced without --force.
	_, stderr, code = runCLI(t, "", append([]string{"link", "-o", out}, files...)...)
	if code != exitFailure || !strings.Contains(stderr, "exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
	_, stderr, code = runCLI(t, "", append([]string{"link", "--force", "--rule", "strict", "--strata", "sex", "-o", out}, files...)...)
	if code != exitOK {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	tb, _, err := mse.ReadTable(strings.NewReader(mustRead(t, out)), &mse.ReadOptions{Strata: []string{"sex"}, KeepNonInformative: true})
	if err != nil {
		t.Fatal(err)
	}
	if tb.N() != 9 { // strict uses nid alone, which no record has
		t.Errorf("strict table has %d persons", tb.N())
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLinkCommandErrors(t *testing.T) {
	dir := t.TempDir()
	files, _ := threeLists(t, dir)
	out := filepath.Join(dir, "t.csv")
	otherKey, _ := writeList(t, t.TempDir(), "NGO", []string{"- d1 y1 F"}, func(h *mktfile.Header) { h.KeyFingerprint = "mkfp1-ffffffffffffffff" })
	otherSchema, _ := writeList(t, t.TempDir(), "NGO", []string{"- d1 y1 F"}, func(h *mktfile.Header) { h.SchemaHash = "sha256:beef" })
	dupName, _ := writeList(t, t.TempDir(), "UDI", []string{"- d1 y1 F"}, nil)
	data := mustRead(t, files[2])
	truncated := filepath.Join(dir, "cut.mkt")
	os.WriteFile(truncated, []byte(data[:len(data)-10]), 0o600)

	cases := []struct {
		name string
		args []string
		code int
		want []string // lines of stderr, in order
	}{
		{"no -o", []string{"link", files[0], files[1]}, exitUsage, []string{"morketall: error: missing -o"}},
		{"bad rule", []string{"link", "--rule", "medium", "-o", out, files[0], files[1]}, exitUsage, []string{"morketall: error: --rule must be strict, default or loose"}},
		{"thresholds reversed", []string{"link", "--score-upper", "-8", "--score-lower", "-4", "-o", out, files[0], files[1]}, exitUsage, []string{"morketall: error: --score-lower must not exceed --score-upper, both finite (bits)"}},
		{"thresholds without the pass", []string{"link", "--no-score", "--score-upper", "2", "-o", out, files[0], files[1]}, exitUsage, []string{"morketall: error: --score-upper applies to the scored pass, which --no-score turns off"}},
		{"one file", []string{"link", "-o", out, files[0]}, exitUsage, []string{"morketall: error: linking needs at least 2 lists (got 1)"}},
		{"missing file", []string{"link", "-o", out, files[0], filepath.Join(dir, "nope.mkt")}, exitUsage, []string{fmt.Sprintf("morketall: error: %q does not exist", filepath.Join(dir, "nope.mkt"))}},
		{"output is an input", []string{"link", "-o", files[1], files[0], files[1]}, exitUsage, []string{fmt.Sprintf("morketall: error: output %q would replace an input file", files[1])}},
		{"mismatched keys", []string{"link", "-o", out, files[0], otherKey}, exitUsage, []string{
			fmt.Sprintf("morketall: error: %q: key fingerprint differs from that of %q: the files were pseudonymised with different keys", otherKey, files[0]),
			`morketall: hint: every agency must pseudonymise with the same project key; compare with "morketall fingerprint FILE"`}},
		{"mismatched schemas", []string{"link", "-o", out, files[0], otherSchema}, exitUsage, []string{
			fmt.Sprintf("morketall: error: %q: schema differs from that of %q: the files were pseudonymised with different schemas (schema hashes differ)", otherSchema, files[0]),
			"morketall: hint: every agency must pseudonymise with the same schema file"}},
		{"duplicate list names", []string{"link", "-o", out, files[0], files[1], dupName}, exitUsage, []string{
			fmt.Sprintf("morketall: error: %q: duplicate list name: list \"UDI\" is also the list of %q", dupName, files[1]),
			"morketall: hint: each file must hold a different list (pseudonymise --list NAME)"}},
		{"truncated file", []string{"link", "-o", out, files[0], truncated}, exitUsage, []string{
			fmt.Sprintf("morketall: error: %q: mktfile: checksum mismatch (file truncated or modified): line 13: last line has no newline", truncated),
			"morketall: hint: the file was cut short or changed on the way: ask the agency to send it again"}},
		{"unknown stratum", []string{"link", "--strata", "region", "-o", out, files[0], files[1]}, exitUsage, []string{
			`morketall: error: stratum column is not a covariate of the files: "region" (the covariates are ["sex"])`,
			"morketall: hint: --strata takes covariate columns of the files"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, "", c.args...)
			if code != c.code {
				t.Errorf("code %d, want %d; stderr:\n%s", code, c.code, stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) < len(c.want) {
				t.Fatalf("stderr:\n%s", stderr)
			}
			for i, w := range c.want {
				if lines[i] != w {
					t.Errorf("stderr line %d:\n got  %s\n want %s", i+1, lines[i], w)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("an output was written despite the error")
			}
		})
	}
}

// TestLinkCanary: no token and no record id of the inputs appears on
// stdout, stderr, in the report or in the table, whether linking succeeds
// or fails on a malformed token.
func TestLinkCanary(t *testing.T) {
	dir := t.TempDir()
	files, secrets := threeLists(t, dir)
	out := filepath.Join(dir, "table.csv")
	rep := filepath.Join(dir, "link.json")
	stdout, stderr, code := runCLI(t, "", append([]string{"link", "-o", out, "--report", rep, "--strata", "sex"}, files...)...)
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	everything := stdout + stderr + mustRead(t, out) + mustRead(t, rep)

	// A file whose token is not hex: the error must not quote it.
	var buf bytes.Buffer
	bad := "ZZ" + linkToken("bad")[2:]
	h := &mktfile.Header{List: "NGO", KeyFingerprint: "mkfp1-00112233aabbccdd", SchemaHash: "sha256:c0ffee", MatchKeys: []string{"nid", "name_dob", "name_year"}, Covariates: []string{"sex"}}
	if err := mktfile.Write(&buf, h, []mktfile.Record{{ID: "feedfacecafe0001", Tokens: []string{"", bad, ""}, Covariates: []string{"F"}}}); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(dir, "ngo.mkt")
	os.WriteFile(badFile, buf.Bytes(), 0o600)
	stdout2, stderr2, code := runCLI(t, "", "link", "-o", filepath.Join(dir, "t2.csv"), files[0], badFile)
	if code != exitUsage || !strings.Contains(stderr2, `line 11, column "name_dob": token is not 32 lowercase hex digits`) {
		t.Errorf("code %d, stderr %q", code, stderr2)
	}
	everything += stdout2 + stderr2
	secrets = append(secrets, bad, "feedfacecafe0001")

	for _, s := range secrets {
		if strings.Contains(everything, s) {
			t.Errorf("output holds a token or record id")
		}
		// Also no prefix long enough to be recognised.
		if strings.Contains(everything, s[:12]) {
			t.Errorf("output holds a prefix of a token or record id")
		}
	}
}
