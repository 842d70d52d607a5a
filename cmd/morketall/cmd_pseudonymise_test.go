package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/mktfile"
)

func newKey(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "project.key")
	if _, stderr, code := runCLI(t, "", "keygen", "-o", path); code != exitOK {
		t.Fatalf("keygen: %s", stderr)
	}
	return path
}

func fixture(name string) string {
	return filepath.Join("..", "..", "testdata", "pseudonym", name)
}

// rowsWithoutIDs reads a list file and returns its rows without record
// ids, sorted: what must agree across runs and encodings.
func rowsWithoutIDs(t *testing.T, path string) (*mktfile.Header, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, recs, err := mktfile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range recs {
		rows = append(rows, strings.Join(append(append([]string{}, r.Tokens...), r.Covariates...), ","))
	}
	slices.Sort(rows)
	return h, rows
}

func TestPseudonymiseEncodingsAgree(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t, dir)
	var first []string
	for i, c := range []struct {
		file string
		args []string
	}{
		{"bom-semicolon.csv", nil},
		{"windows-1252-semicolon.csv", []string{"--encoding", "windows-1252"}},
		{"iso-8859-1-comma.csv", []string{"--encoding", "iso-8859-1", "--delimiter", ","}},
	} {
		out := filepath.Join(dir, c.file+".mkt")
		report := filepath.Join(dir, c.file+".json")
		args := append([]string{"pseudonymise", "--key", key, "--list", "POLICE", fixture(c.file), "-o", out, "--report", report}, c.args...)
		stdout, stderr, code := runCLI(t, "", args...)
		if code != exitOK {
			t.Fatalf("%s: code %d stderr %s", c.file, code, stderr)
		}
		if !strings.Contains(stdout, "4 records (0 rejected)") || !strings.Contains(stderr, "list POLICE: 4 records in") {
			t.Errorf("%s: stdout %q stderr %q", c.file, stdout, stderr)
		}
		if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
			t.Errorf("list file mode %04o", st.Mode().Perm())
		}
		h, rows := rowsWithoutIDs(t, out)
		if h.List != "POLICE" || len(rows) != 4 {
			t.Fatalf("%s: header %+v, %d rows", c.file, h, len(rows))
		}
		if i == 0 {
			first = rows
		} else if !slices.Equal(rows, first) {
			t.Errorf("%s gives other tokens than the UTF-8 file:\n%q\n%q", c.file, rows, first)
		}
		var rep struct {
			RecordsIn  int `json:"records_in"`
			NationalID struct {
				Valid int `json:"valid"`
			} `json:"national_id"`
			BirthDate struct {
				Placeholder int `json:"placeholder"`
			} `json:"birth_date"`
		}
		data, err := os.ReadFile(report)
		if err != nil || json.Unmarshal(data, &rep) != nil || rep.RecordsIn != 4 || rep.NationalID.Valid != 2 || rep.BirthDate.Placeholder != 1 {
			t.Errorf("%s: report %s (%v)", c.file, data, err)
		}
	}
}

// lsDir lists a directory, to show nothing was left behind.
func lsDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestPseudonymiseErrors(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t, dir)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "given_name,family_name,birth_date,sex\nAnna,Hansen,17.05.1990,F\n")
	badDate := write("police.csv", "given_name,family_name,birth_date,sex\nAnna,Hansen,17.05.1990,F\nOla,Nordmann,31.02.1990,M\n")
	cp1252 := write("cp1252.csv", "given_name,family_name\nBj\xf8rn,Hansen\n")
	ragged := write("ragged.csv", "given_name,family_name\nAnna,Hansen\nOla\n")
	noID := write("noid.csv", "sex,notes\nF,x\n")
	schema := write("schema.json", `{"version":1,"columns":{"birth_date":"Fodselsdato"},"match_keys":[{"name":"k","fields":["name","birth_date"]}]}`)
	badKey := write("bad.key", "not a key\n")
	before := lsDir(t, dir)

	cases := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"strict bad date", []string{"--strict", badDate}, exitUsage,
			[]string{`morketall: error: "` + badDate + `": line 3, column "birth_date": not a date`, "hint:"}},
		{"undeclared windows-1252", []string{cp1252}, exitUsage,
			[]string{`line 2: not valid text in the declared encoding`, "--encoding windows-1252"}},
		{"ragged", []string{ragged}, exitUsage, []string{`line 3: row has a different number of fields`}},
		{"no identifying column", []string{noID}, exitUsage, []string{"no column that any match key reads"}},
		{"schema column missing", []string{"--schema", schema, good}, exitUsage, []string{`column "Fodselsdato": column named in the schema`}},
		{"missing key file", []string{"--key", filepath.Join(dir, "none.key"), good}, exitUsage, []string{"does not exist", "keygen"}},
		{"malformed key", []string{"--key", badKey, good}, exitUsage, []string{"malformed key"}},
		{"missing extract", []string{filepath.Join(dir, "none.csv")}, exitUsage, []string{"does not exist"}},
		{"bad delimiter", []string{"--delimiter", "|", good}, exitUsage, []string{"--delimiter"}},
		{"bad list name", []string{"--list", "PO LICE", good}, exitUsage, []string{"--list"}},
		{"two extracts", []string{good, good}, exitUsage, []string{"exactly one extract"}},
		{"crosswalk to standard output", []string{"--crosswalk", "-", good}, exitUsage, []string{"--crosswalk needs a file name"}},
	}
	for _, c := range cases {
		args := []string{"pseudonymise", "--key", key, "--list", "POLICE", "-o", filepath.Join(dir, "out.mkt"), "--report", filepath.Join(dir, "out.json")}
		args = append(args, c.args...)
		stdout, stderr, code := runCLI(t, "", args...)
		if code != c.code {
			t.Errorf("%s: code %d, want %d; stderr %s", c.name, code, c.code, stderr)
		}
		for _, want := range c.stderr {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, want, stderr)
			}
		}
		if stdout != "" {
			t.Errorf("%s: stdout %q", c.name, stdout)
		}
		if after := lsDir(t, dir); !slices.Equal(after, before) {
			t.Fatalf("%s: left files behind: %q", c.name, after)
		}
	}

	// Lenient mode: the bad date is a warning and the record is kept on
	// its other keys... here it has none, so it is rejected and counted.
	out := filepath.Join(dir, "out.mkt")
	_, stderr, code := runCLI(t, "", "pseudonymise", "--key", key, "--list", "POLICE", badDate, "-o", out)
	if code != exitOK || !strings.Contains(stderr, `warning: "`+badDate+`": line 3, column "birth_date": not a date (treated as missing)`) {
		t.Fatalf("lenient: code %d stderr %s", code, stderr)
	}
	// The output now exists: no overwrite without --force.
	_, stderr, code = runCLI(t, "", "pseudonymise", "--key", key, "--list", "POLICE", good, "-o", out)
	if code != exitFailure || !strings.Contains(stderr, "--force") {
		t.Fatalf("existing output: code %d stderr %s", code, stderr)
	}
	if _, _, code = runCLI(t, "", "pseudonymise", "--key", key, "--list", "POLICE", good, "-o", out, "--force"); code != exitOK {
		t.Fatalf("--force: code %d", code)
	}
	// The extract itself is never a target.
	if _, stderr, code = runCLI(t, "", "pseudonymise", "--key", key, "--list", "P", good, "-o", good, "--force"); code != exitUsage {
		t.Fatalf("output onto extract: code %d %s", code, stderr)
	}
}

func TestPseudonymiseHelpAndSchema(t *testing.T) {
	stdout, _, code := runCLI(t, "", "pseudonymise", "-h")
	if code != exitOK || !strings.Contains(stdout, "--key") || !strings.Contains(stdout, "-strict") {
		t.Fatalf("help: code %d %s", code, stdout)
	}
	stdout, _, code = runCLI(t, "", "pseudonymise", "--print-schema")
	if code != exitOK || !json.Valid([]byte(stdout)) || !strings.Contains(stdout, "match_keys") {
		t.Fatalf("--print-schema: code %d", code)
	}
	if _, _, code := runCLI(t, "", "pseudonymize", "--print-schema"); code != exitOK {
		t.Fatal("the American spelling is not accepted")
	}
	_, stderr, code := runCLI(t, "", "pseudonymise", "--frobnicate")
	if code != exitUsage || !bytes.Contains([]byte(stderr), []byte("frobnicate")) {
		t.Fatalf("unknown flag: code %d %s", code, stderr)
	}
}
