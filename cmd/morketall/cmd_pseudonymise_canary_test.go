package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/morketall/morketall/pseudonym"
)

// TestCanary is DESIGN.md invariant 1 as a test: every cell of the
// extracts holds a unique marker, the extracts go through keygen and
// pseudonymise along the success path and every error path, and no marker
// (nor its normalised form) appears in any file written, any report, or
// anything printed.
func TestCanary(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in") // extracts and schemas: the only place markers may be
	out := filepath.Join(dir, "out")
	for _, d := range []string{in, out} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var markers []string
	mark := func(field string, row int) string {
		// Lower-case letters only, so NormaliseName leaves it unchanged
		// and a leak of the normalised form is caught too.
		m := fmt.Sprintf("zqcanary%sr%sx", strings.ReplaceAll(field, "_", ""), strings.Repeat("q", row))
		markers = append(markers, m)
		return m
	}
	header := []string{"given_name", "family_name", "full_name", "birth_date", "sex", "nationality", "national_id", "exploitation", "notes"}
	var rows [][]string
	for r := 1; r <= 4; r++ {
		row := make([]string, len(header))
		for i, h := range header {
			row[i] = mark(h, r)
		}
		if r%2 == 0 {
			// Half the rows get a real date so that they are written and
			// their marker names are hashed.
			row[3] = "17.05.1990"
		}
		rows = append(rows, row)
	}
	csvOf := func(rows [][]string, delim string) string {
		var b strings.Builder
		b.WriteString(strings.Join(header, delim) + "\n")
		for _, r := range rows {
			b.WriteString(strings.Join(r, delim) + "\n")
		}
		return b.String()
	}
	write := func(name, content string) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	var printed strings.Builder
	cli := func(args ...string) int {
		stdout, stderr, code := runCLI(t, "", args...)
		printed.WriteString(stdout)
		printed.WriteString(stderr)
		return code
	}

	key := filepath.Join(out, "project.key")
	if cli("keygen", "-o", key) != exitOK {
		t.Fatal("keygen failed")
	}
	if !testing.Short() {
		// A passphrase is an input too (Argon2id, 64 MiB).
		stdout, stderr, code := runCLI(t, mark("passphrase", 1)+"\n", "keygen", "--passphrase", "-o", filepath.Join(out, "pass.key"))
		printed.WriteString(stdout + stderr)
		if code != exitOK {
			t.Fatalf("keygen --passphrase: %s", stderr)
		}
		stdout, stderr, _ = runCLI(t, "", "keygen", "-o", filepath.Join(out, "x.key"), "--passphrase="+mark("passphrase", 2))
		printed.WriteString(stdout + stderr)
	}
	good := write("extract.csv", csvOf(rows, ";"))
	// A bad number before a bad date, to reach that error path in --strict.
	numFirst := make([][]string, len(rows))
	for i := range rows {
		numFirst[i] = append([]string{}, rows[i]...)
		numFirst[i][3] = "17.05.1990"
	}
	badNumber := write("badnumber.csv", csvOf(numFirst, ","))
	badEncoding := write("badenc.csv", csvOf(rows, ",")+mark("latin1", 9)+"\xf8\xe6,"+strings.Repeat(",", len(header)-2)+"\n")
	ragged := write("ragged.csv", csvOf(rows, ",")+mark("ragged", 9)+","+mark("ragged", 10)+"\n")
	badQuote := write("badquote.csv", csvOf(rows, ",")+"\""+mark("quote", 9)+"\n")
	// A name damaged by a lossy export: a "?" inside a marker.
	damaged := make([][]string, len(rows))
	for i := range rows {
		damaged[i] = append([]string{}, rows[i]...)
		damaged[i][0] = mark("damaged", 20+i)[:6] + "?" + mark("damaged", 20+i)[6:]
	}
	damagedCSV := write("damaged.csv", csvOf(damaged, ";"))
	noID := write("noid.csv", "sex,notes\n"+mark("sex", 9)+","+mark("notes", 9)+"\n")
	missingCol := write("schema.json", `{"version":1,"columns":{"birth_date":"dob"},"match_keys":[{"name":"k","fields":["name","birth_date"]}]}`)
	badKey := write("bad.key", mark("keyfile", 9)+"\n")
	longCell := write("longcell.csv", csvOf(rows, ",")+strings.Repeat(mark("longcell", 9), 1<<20/8)+strings.Repeat(",", len(header)-1)+"\n")
	xlsx := filepath.Join(in, "extract.xlsx")
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	f.SetSheetRow(sh, "A1", &header)
	for i, r := range rows {
		r := r
		f.SetSheetRow(sh, fmt.Sprintf("A%d", i+2), &r)
	}
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}

	base := func(o string) []string {
		return []string{"pseudonymise", "--key", key, "--list", "CANARY", "-o", filepath.Join(out, o), "--report", filepath.Join(out, o+".json")}
	}
	runs := []struct {
		args []string
		code int
	}{
		{append(base("lenient.mkt"), "--crosswalk", filepath.Join(out, "lenient.crosswalk.csv"), good), exitOK},
		{[]string{"pseudonymise", "--key", key, "--list", "CANARY2", "-o", filepath.Join(out, "second.mkt"), "--crosswalk", filepath.Join(out, "second.crosswalk.csv"), xlsx}, exitOK},
		{[]string{"link", "-o", filepath.Join(out, "table.csv"), "--report", filepath.Join(out, "link.json"), "--assignments", filepath.Join(out, "assignments.csv"),
			filepath.Join(out, "lenient.mkt"), filepath.Join(out, "second.mkt")}, exitOK},
		{append(base("damaged.mkt"), damagedCSV), exitOK},
		{append(base("damaged-strict.mkt"), "--strict", damagedCSV), exitUsage},
		{append(base("xlsx.mkt"), xlsx), exitOK},
		{append(base("strict-date.mkt"), "--strict", good), exitUsage},
		{append(base("strict-number.mkt"), "--strict", badNumber), exitUsage},
		{append(base("lenient-number.mkt"), badNumber), exitOK},
		{append(base("encoding.mkt"), badEncoding), exitUsage},
		{append(base("encoding-declared.mkt"), "--encoding", "windows-1252", badEncoding), exitOK},
		{append(base("ragged.mkt"), ragged), exitUsage},
		{append(base("quote.mkt"), badQuote), exitUsage},
		{append(base("noid.mkt"), noID), exitUsage},
		{append(base("schema.mkt"), "--schema", missingCol, good), exitUsage},
		{append(base("longcell.mkt"), longCell), exitUsage},
		{[]string{"pseudonymise", "--key", badKey, "--list", "CANARY", good, "-o", filepath.Join(out, "badkey.mkt")}, exitUsage},
		{[]string{"fingerprint", badKey}, exitUsage},
		{[]string{"fingerprint", filepath.Join(out, "lenient.mkt")}, exitOK},
	}
	for _, r := range runs {
		if code := cli(r.args...); code != r.code {
			t.Errorf("%q: code %d, want %d", r.args, code, r.code)
		}
	}
	// Sanity: the success paths wrote files, and the lenient run hashed
	// marker names (two rows with a valid date).
	lst, err := os.ReadFile(filepath.Join(out, "lenient.mkt"))
	if err != nil || !strings.Contains(string(lst), "#rows=2\n") {
		t.Fatalf("lenient run wrote %q (%v)", lst, err)
	}

	// The record-level review outputs are their owner's only.
	for _, f := range []string{"lenient.crosswalk.csv", "second.crosswalk.csv", "assignments.csv"} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", f, err, st.Mode().Perm())
		}
	}

	// Every error path was taken and its message captured.
	for _, want := range []string{"not a date", "identity number", "not valid text in the declared encoding",
		"different number of fields", "malformed quoted field", "no column that any match key reads",
		"column named in the schema", "malformed key", "cell longer than", "damaged by a lossy export"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("no message %q: that error path did not run", want)
		}
	}

	var haystack strings.Builder
	haystack.WriteString(printed.String())
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		haystack.Write(data)
	}
	all := strings.ToLower(haystack.String())
	for _, m := range markers {
		for _, form := range []string{m, m[:12], pseudonym.NormaliseName(m)} {
			if strings.Contains(all, form) {
				t.Errorf("marker %q leaked", form)
			}
		}
	}
	if len(ents) < 5 {
		t.Errorf("only %d output files: the success paths did not run", len(ents))
	}
}
