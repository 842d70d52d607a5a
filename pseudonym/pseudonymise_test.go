package pseudonym

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/mktfile"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var header = []string{"given_name", "family_name", "birth_date", "sex", "nationality", "national_id", "exploitation", "notes"}

func pseudonymise(t *testing.T, opts *Options, rows [][]string) (*List, error) {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	opts.Now = testNow
	p, err := New(testKey(t), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p.Pseudonymise("POLICE", NewSliceSource(header, rows))
}

func TestPseudonymiseWritesAReadableFile(t *testing.T) {
	rows := [][]string{
		{"Anna", "Hansen", "17.05.1990", "K", "NOR", "31129956715", "seksuell", "free text notes"},
		{"Ola", "Nordmann", "bad date", "M", "POL", "", "arbeid", ""},
		{"", "", "", "", "", "", "", ""},
		{"", "", "", "", "", "", "", "only notes"},
		{"Kari", "", "1980", "X", "", "", "", ""},
	}
	var warned []*FieldError
	l, err := pseudonymise(t, &Options{Warn: func(fe *FieldError) { warned = append(warned, fe) }}, rows)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := l.Write(&buf); err != nil {
		t.Fatal(err)
	}
	h, recs, err := mktfile.ReadAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.List != "POLICE" || h.KeyFingerprint != testKey(t).Fingerprint() || h.SchemaHash != DefaultSchema().Hash() {
		t.Errorf("header %+v", h)
	}
	if v, _ := h.Get("records_in"); v != "5" {
		t.Errorf("records_in %q", v)
	}
	if v, _ := h.Get("rejected"); v != "3" {
		t.Errorf("rejected %q", v)
	}
	// Ola (no valid date, no number) and the notes-only row have no match
	// key; the blank row is empty.
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	hex32 := regexp.MustCompile(`^([0-9a-f]{32})?$`)
	bloom43 := regexp.MustCompile(`^([A-Za-z0-9_-]{43})?$`) // 256 bits, base64url without padding
	id16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, r := range recs {
		if !id16.MatchString(r.ID) {
			t.Errorf("record id %q", r.ID)
		}
		for i, tok := range r.Tokens {
			if h.MatchKeys[i] == "name_bloom" {
				if !bloom43.MatchString(tok) {
					t.Errorf("Bloom encoding %q", tok)
				}
				continue
			}
			if !hex32.MatchString(tok) {
				t.Errorf("token %q", tok)
			}
		}
	}
	if strings.Contains(buf.String(), "notes") {
		t.Error("a free-text column reached the output")
	}
	rep := l.Report()
	if rep.RecordsIn != 5 || rep.RecordsOut != 2 || rep.Rejected["empty_row"] != 1 || rep.Rejected["no_match_key"] != 2 {
		t.Errorf("report counts %+v", rep)
	}
	if rep.BirthDate.Invalid != 1 || rep.BirthDate.Full != 1 || rep.BirthDate.Year != 1 || rep.NationalID.Valid != 1 {
		t.Errorf("date/id stats %+v %+v", rep.BirthDate, rep.NationalID)
	}
	if rep.Covariates["sex"]["F"] != 1 || rep.Covariates["sex"]["X"] != 1 || rep.Covariates["sex"]["M"] != 0 {
		t.Errorf("sex counts %v", rep.Covariates["sex"])
	}
	if len(warned) != 1 || warned[0].Line != 3 || warned[0].Column != "birth_date" || !errors.Is(warned[0], ErrNotDate) {
		t.Errorf("warnings %v", warned)
	}
	if strings.Contains(warned[0].Error(), "bad date") {
		t.Errorf("warning quotes the value: %v", warned[0])
	}
}

func TestStrictStopsAtFirstBadValueWithoutQuotingIt(t *testing.T) {
	rows := [][]string{
		{"Anna", "Hansen", "17.05.1990", "K", "", "", "", ""},
		{"Ola", "Nordmann", "1990-05-17", "M", "", "31129956716", "", ""},
	}
	_, err := pseudonymise(t, &Options{Strict: true}, rows)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Line != 3 || fe.Column != "national_id" || !errors.Is(err, ErrIDChecksum) {
		t.Fatalf("err %v", err)
	}
	if want := `line 3, column "national_id": identity number check digits do not match`; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if strings.Contains(err.Error(), "31129956716") {
		t.Error("error quotes the value")
	}
}

func TestShuffledAndRandomIDs(t *testing.T) {
	const n = 200
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{"Person", "Number" + strconv.Itoa(i), "1990-01-02", "F", "", "", "", ""}
	}
	p, err := New(testKey(t), nil, &Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	// Expected order: the first-key token of each input row.
	want := make([]string, n)
	for i, r := range rows {
		toks, _, err := p.Tokens(map[string]string{"given_name": r[0], "family_name": r[1], "birth_date": r[2], "sex": r[3]})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = toks[1].Value
	}
	l1, err := p.Pseudonymise("L", NewSliceSource(header, rows))
	if err != nil {
		t.Fatal(err)
	}
	l2, err := p.Pseudonymise("L", NewSliceSource(header, rows))
	if err != nil {
		t.Fatal(err)
	}
	// A uniform shuffle of 200 rows keeps more than 20 rows in place with
	// probability below 1e-18 (Poisson(1) tail), so this cannot fail by
	// chance; the same holds for the two runs agreeing.
	fixed, same := 0, 0
	ids := map[string]bool{}
	r1, r2 := records(t, l1), records(t, l2)
	for i := range r1 {
		if r1[i].Tokens[1] == want[i] {
			fixed++
		}
		if r1[i].Tokens[1] == r2[i].Tokens[1] {
			same++
		}
		ids[r1[i].ID] = true
		ids[r2[i].ID] = true
	}
	if fixed > 20 || same > 20 {
		t.Errorf("rows not shuffled: %d in input order, %d in the same order twice", fixed, same)
	}
	if len(ids) != 2*n {
		t.Errorf("%d distinct record ids over two runs of %d", len(ids), n)
	}
}

func TestLayoutErrors(t *testing.T) {
	key := testKey(t)
	// No identifying column at all.
	p, _ := New(key, nil, &Options{Now: testNow})
	_, err := p.Pseudonymise("L", NewSliceSource([]string{"sex", "notes"}, [][]string{{"F", "x"}}))
	if !errors.Is(err, ErrNoIdentifiers) {
		t.Errorf("no identifiers: %v", err)
	}
	// A column named in the schema's columns is missing.
	s := DefaultSchema()
	s.Columns = map[string]string{"birth_date": "Fødselsdato"}
	p, _ = New(key, s, &Options{Now: testNow})
	_, err = p.Pseudonymise("L", NewSliceSource([]string{"given_name", "birth_date"}, nil))
	var fe *FieldError
	if !errors.Is(err, ErrMissingColumn) || !errors.As(err, &fe) || fe.Column != "Fødselsdato" {
		t.Errorf("missing column: %v", err)
	}
	// Columns mapping works case-insensitively and does not change the hash.
	p2, err := New(key, s, &Options{Now: testNow})
	if err != nil || p2.SchemaHash() != DefaultSchema().Hash() {
		t.Fatalf("columns changed the schema hash: %v", err)
	}
	l, err := p2.Pseudonymise("L", NewSliceSource([]string{"Given_Name", "FØDSELSDATO", "sex"}, [][]string{{"Anna", "17.05.1990", "F"}}))
	if err != nil || l.Len() != 1 {
		t.Fatalf("mapped columns: %v", err)
	}
	// Duplicate column used by the schema.
	_, err = p.Pseudonymise("L", NewSliceSource([]string{"given_name", "Given_name", "Fødselsdato"}, nil))
	if !errors.Is(err, ErrDuplicateColumn) {
		t.Errorf("duplicate column: %v", err)
	}
	// Ragged row from a Source that does not check.
	_, err = p2.Pseudonymise("L", NewSliceSource([]string{"given_name", "Fødselsdato"}, [][]string{{"Anna"}}))
	if !errors.Is(err, ErrRowLength) {
		t.Errorf("ragged: %v", err)
	}
	if _, err := p2.Pseudonymise("bad name", NewSliceSource(nil, nil)); !errors.Is(err, ErrListName) {
		t.Errorf("list name: %v", err)
	}
}

func TestSchemaValidationAndHash(t *testing.T) {
	def := DefaultSchemaJSON()
	s1, err := ParseSchema(def)
	if err != nil {
		t.Fatal(err)
	}
	// Reformatting does not change the hash; a vocabulary change does.
	reformatted := bytes.ReplaceAll(def, []byte("\n"), []byte("\r\n  "))
	s2, err := ParseSchema(reformatted)
	if err != nil || s2.Hash() != s1.Hash() {
		t.Fatalf("reformatted schema: %v, hash %s vs %s", err, s2.Hash(), s1.Hash())
	}
	s3, _ := ParseSchema(bytes.Replace(def, []byte(`"kv": "F"`), []byte(`"kv": "M"`), 1))
	if s3.Hash() == s1.Hash() {
		t.Fatal("changing the vocabulary did not change the hash")
	}
	bad := map[string]string{
		"unknown field": `{"version":1,"match_keys":[{"name":"a","fields":["name"]}],"colour":1}`,
		"version":       `{"version":2,"match_keys":[{"name":"a","fields":["name"]}]}`,
		"no keys":       `{"version":1,"match_keys":[]}`,
		"bad element":   `{"version":1,"match_keys":[{"name":"a","fields":["shoe_size"]}]}`,
		"dup key":       `{"version":1,"match_keys":[{"name":"a","fields":["name"]},{"name":"a","fields":["name"]}]}`,
		"sex no vocab":  `{"version":1,"match_keys":[{"name":"a","fields":["name","sex"]}]}`,
		"vocab form":    `{"version":1,"match_keys":[{"name":"a","fields":["name"]}],"covariates":[{"name":"s","from":"sex","kind":"values","values":{"Kvinne":"F"}}]}`,
		"free code":     `{"version":1,"match_keys":[{"name":"a","fields":["name"]}],"covariates":[{"name":"s","from":"sex","kind":"values","values":{"k":"a b"}}]}`,
		"bands":         `{"version":1,"match_keys":[{"name":"a","fields":["name"]}],"covariates":[{"name":"g","from":"birth_date","kind":"age_band","bands":[25,18]}]}`,
		"placeholder":   `{"version":1,"placeholder_dates":["1 Jan"],"match_keys":[{"name":"a","fields":["name"]}]}`,
		"column field":  `{"version":1,"columns":{"shoe":"Sko"},"match_keys":[{"name":"a","fields":["name"]}]}`,
		"record_id":     `{"version":1,"match_keys":[{"name":"record_id","fields":["name"]}]}`,
	}
	for name, js := range bad {
		if _, err := ParseSchema([]byte(js)); !errors.Is(err, ErrSchema) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAgeBands(t *testing.T) {
	c := &compiledCov{Covariate: Covariate{Bands: []int{18, 25}}, ref: Date{Year: 2026, Month: 1, Day: 1, Precision: PrecisionFull},
		labels: []string{"0-17", "18-24", "25+"}}
	cases := []struct {
		d    Date
		want string
	}{
		{Date{Year: 2008, Month: 1, Day: 1, Precision: PrecisionFull}, "18-24"}, // 18th birthday on the reference date
		{Date{Year: 2008, Month: 1, Day: 2, Precision: PrecisionFull}, "0-17"},
		{Date{Year: 2001, Month: 1, Day: 2, Precision: PrecisionFull}, "18-24"}, // 24
		{Date{Year: 2000, Precision: PrecisionYear}, "25+"},                     // 25 or 26
		{Date{Year: 2001, Precision: PrecisionYear}, Unknown},                   // 24 or 25
		{Date{Year: 2001, Month: 6, Precision: PrecisionYearMonth}, "18-24"},    // 24
		{Date{Year: 2030, Precision: PrecisionYear}, Unknown},
	}
	for _, cs := range cases {
		if got := c.band(cs.d); got != cs.want {
			t.Errorf("band(%+v) = %s, want %s", cs.d, got, cs.want)
		}
	}
}

func TestNationalIDSpreadsheetForms(t *testing.T) {
	for in, want := range map[string]string{
		"3.1129956715E+10": "31129956715",
		"3.1129956715e10":  "31129956715",
		"31129956715.0":    "31129956715",
		"3039045655.00":    "03039045655", // and the leading zero repaired
	} {
		if id, err := ParseNationalID(in); err != nil || id.Number != want {
			t.Errorf("ParseNationalID(%q) = %q, %v; want %s", in, id.Number, err, want)
		}
	}
	for _, in := range []string{"1e999999999", "1e-99999999", "3.11299567155E+10", "3.1129956715E+100", "E+10", "3.1.1E+10"} {
		if _, err := ParseNationalID(in); !errors.Is(err, ErrIDFormat) {
			t.Errorf("ParseNationalID(%q): %v, want ErrIDFormat", in, err)
		}
	}
}

// TestDefaultSchemaHashIsPinned is a regression value, produced by this
// package, not an independent one: it fails when the built-in schema or
// the hashing changes, which is a breaking change for agencies (their
// files stop linking with older ones) and must come with a new version
// label and new vectors, as doc.go's Compatibility section says.
func TestDefaultSchemaHashIsPinned(t *testing.T) {
	// Rules version 2 (morketall/v2/schema) with the Bloom key and its
	// three block keys, first_last without particles, and the particle
	// thi (the Vietnamese middle name Thị).
	const want = "sha256:ac696c8c53d426b98863443c845abd923e2df6f13b81ddbf7c6b29c7b3ab8b56"
	if got := DefaultSchema().Hash(); got != want {
		t.Fatalf("built-in schema hash %s, pinned %s", got, want)
	}
}

// records writes l and reads its records back.
func records(t *testing.T, l *List) []mktfile.Record {
	t.Helper()
	var buf bytes.Buffer
	if err := l.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, recs, err := mktfile.ReadAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
