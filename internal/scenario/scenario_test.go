package scenario

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(nil), Generate(&Options{Seed: DefaultSeed, Population: DefaultPopulation})
	if diff := cmp.Diff(a, b, cmp.AllowUnexported(World{})); diff != "" {
		t.Fatalf("two worlds from one seed differ:\n%s", diff)
	}
	c := Generate(&Options{Seed: 7})
	if cmp.Equal(a.Extracts[0].Rows, c.Extracts[0].Rows) {
		t.Error("different seeds gave the same police extract")
	}
}

// TestDefaultWorldShape pins the demo's world to the scenario's shape:
// about 250 distinct adults seen, out of DefaultPopulation.
func TestDefaultWorldShape(t *testing.T) {
	w := Generate(nil)
	if w.Total() != DefaultPopulation {
		t.Errorf("Total = %d", w.Total())
	}
	if obs := w.Observed(); obs < 220 || obs > 290 {
		t.Errorf("Observed = %d, want about 250", obs)
	}
	tab := w.TrueTable()
	if tab.N() != w.Observed() {
		t.Errorf("true table holds %d people, Observed is %d", tab.N(), w.Observed())
	}
	women, sexual := 0, 0
	for _, p := range w.People {
		if p.Sex == "F" {
			women++
		}
		if p.Exploitation == "sexual" {
			sexual++
		}
	}
	if f := float64(women) / float64(w.Total()); f < 0.6 || f > 0.8 {
		t.Errorf("share of women %.2f, want about 0.7", f)
	}
	if f := float64(sexual) / float64(w.Total()); f < 0.4 || f > 0.65 {
		t.Errorf("share of sexual exploitation %.2f, want about 0.55", f)
	}
	for i, e := range w.Extracts {
		if e.Agency.List != Agencies[i].List || len(e.Rows) != len(e.PersonIDs) || len(e.Rows) == 0 {
			t.Errorf("extract %d (%s): %d rows, %d person ids", i, e.Agency.List, len(e.Rows), len(e.PersonIDs))
		}
		for _, r := range e.Rows {
			if len(r) != len(Columns) {
				t.Fatalf("%s: row with %d fields", e.Agency.List, len(r))
			}
		}
	}
}

// TestRecordNoise checks that the extracts carry the noise the demo is
// meant to show: duplicates, Cyrillic, placeholders, missing dates, both
// kinds of identity number.
func TestRecordNoise(t *testing.T) {
	w := Generate(nil)
	var dups, cyr, placeholder, missing, dnum, fnr int
	var lost, mixed, noSex, idOnly, zeroLost, swapped, second, dropped int
	byID := map[int]*Person{}
	for i := range w.People {
		byID[w.People[i].ID] = &w.People[i]
	}
	for _, e := range w.Extracts {
		seen := map[int]bool{}
		for i, r := range e.Rows {
			if seen[e.PersonIDs[i]] {
				dups++
			}
			seen[e.PersonIDs[i]] = true
			name := r[0] + r[1] + r[2]
			for _, c := range name {
				if c >= 'А' && c <= 'я' {
					cyr++
					break
				}
			}
			if strings.HasPrefix(r[3], "01.01.") || strings.HasSuffix(r[3], "-01-01") {
				placeholder++
			}
			if r[3] == "" {
				missing++
			}
			p := byID[e.PersonIDs[i]]
			if strings.Contains(name, "?") {
				lost++
			}
			latin, cyrillic := false, false
			for _, c := range name {
				latin = latin || c >= 'a' && c <= 'z'
				cyrillic = cyrillic || c >= 'а' && c <= 'я'
			}
			if latin && cyrillic {
				mixed++
			}
			if r[4] == "" {
				noSex++
			}
			if r[6] != "" && r[3] == "" {
				idOnly++
			}
			if p.BirthDay <= 12 && p.BirthDay != p.BirthMonth &&
				(r[3] == fmt.Sprintf("%02d.%02d.%04d", p.BirthMonth, p.BirthDay, p.BirthYear) || r[3] == fmt.Sprintf("%04d-%02d-%02d", p.BirthYear, p.BirthDay, p.BirthMonth)) {
				swapped++
			}
			if p.Given2 != "" {
				second++
				if !strings.Contains(stripMarks(name), stripMarks(p.Given2)) && !strings.Contains(name, "?") {
					dropped++
				}
			}
			if r[6] != "" {
				id := r[6]
				if len(id) == 10 {
					zeroLost++
					id = "0" + id // a spreadsheet dropped it
				}
				if !validID(id) {
					t.Errorf("%s: invalid identity number generated", e.Agency.List)
				}
				if r[6][0] >= '4' {
					dnum++
				} else {
					fnr++
				}
			}
		}
	}
	for name, n := range map[string]int{"duplicates": dups, "cyrillic": cyr, "placeholder dates": placeholder,
		"missing dates": missing, "D-numbers": dnum, "fødselsnumre": fnr, "letters lost to a code page": lost,
		"mixed scripts": mixed, "missing sex": noSex, "records with only an identity number": idOnly,
		"identity numbers without their leading zero": zeroLost, "day and month swapped": swapped,
		"second given names": second, "dropped second names": dropped} {
		t.Logf("%-45s %d", name, n)
		if n == 0 {
			t.Errorf("no %s in the extracts", name)
		}
	}
}

// validID checks the two control digits (PRIVACY.md step 5).
func validID(s string) bool {
	if len(s) != 11 {
		return false
	}
	d := make([]int, 11)
	for i := range s {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = int(s[i] - '0')
	}
	w1 := []int{3, 7, 6, 1, 8, 9, 4, 5, 2, 1}
	w2 := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
	return weighted(d[:10], w1)%11 == 0 && weighted(d, w2)%11 == 0
}

func TestValidIDWorkedExample(t *testing.T) {
	if !validID("31129956715") || validID("31129956716") {
		t.Error("validID disagrees with PRIVACY.md's worked example")
	}
}

func TestWriteCSV(t *testing.T) {
	w := Generate(nil)
	for _, e := range w.Extracts {
		var buf bytes.Buffer
		if err := e.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(&buf)
		r.Comma = e.Delimiter
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", e.Agency.List, err)
		}
		if !cmp.Equal(recs[0], Columns) || len(recs) != len(e.Rows)+1 {
			t.Errorf("%s: header %v, %d rows", e.Agency.List, recs[0], len(recs)-1)
		}
	}
}

func TestNames(t *testing.T) {
	w := Generate(nil)
	names := w.Names()
	if len(names) < 50 {
		t.Fatalf("only %d names", len(names))
	}
	for _, n := range names {
		if n == "" {
			t.Fatal("empty name listed")
		}
	}
}

func TestStripMarks(t *testing.T) {
	for in, want := range map[string]string{"Ștefănescu": "Stefanescu", "Nguyễn": "Nguyen", "Thị Hương": "Thi Huong", "Gonçalves": "Goncalves"} {
		if got := stripMarks(in); got != want {
			t.Errorf("stripMarks(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrueTableBySex(t *testing.T) {
	w := Generate(nil)
	bySex, plain := w.TrueTableBySex(), w.TrueTable()
	if !cmp.Equal(bySex.Collapse().Cells(), plain.Cells()) {
		t.Error("the table by sex does not collapse to the true table")
	}
	if got := len(bySex.StratumValues()); got != 2 {
		t.Errorf("%d strata, want 2", got)
	}
}
