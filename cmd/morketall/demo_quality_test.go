package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/morketall/morketall/internal/scenario"
)

// TestDemoLinkageQuality runs the demo's pipeline by hand on the demo's
// world — pseudonymise with --crosswalk, link with --assignments — and
// measures the default rule against the world's truth through the review
// outputs, as an agency with a reviewed sample would: the crosswalk turns
// a record id into an extract line, the line into the true person.
// Logged with -v (its figures are in the notes); it fails only when the
// review outputs do not account for every record, or the linkage is far
// off (pairwise recall or precision below 0.9).
func TestDemoLinkageQuality(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t, dir)
	w := scenario.Generate(nil)
	var lists []string
	truth := map[[2]string]int{} // (list, record id) → person
	for _, x := range w.Extracts {
		in := filepath.Join(dir, x.Agency.List+".csv")
		f, err := os.Create(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.WriteCSV(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out := filepath.Join(dir, x.Agency.List+".mkt")
		cw := filepath.Join(dir, x.Agency.List+".crosswalk.csv")
		if _, stderr, code := runCLI(t, "", "pseudonymise", "--key", key, "--list", x.Agency.List, "--crosswalk", cw, in, "-o", out); code != exitOK {
			t.Fatalf("pseudonymise %s: %s", x.Agency.List, stderr)
		}
		lists = append(lists, out)
		for _, r := range readCSVRows(t, cw)[1:] {
			line, _ := strconv.Atoi(r[1])
			truth[[2]string{x.Agency.List, r[0]}] = x.PersonIDs[line-2] // line 1 is the header
		}
	}
	as := filepath.Join(dir, "assignments.csv")
	args := append([]string{"link", "-o", filepath.Join(dir, "table.csv"), "--assignments", as}, lists...)
	if _, stderr, code := runCLI(t, "", args...); code != exitOK {
		t.Fatalf("link: %s", stderr)
	}
	group := map[string][]int{}
	byPerson := map[int]int{}
	rows := readCSVRows(t, as)[1:]
	if len(rows) != len(truth) {
		t.Fatalf("%d assignments for %d records", len(rows), len(truth))
	}
	scored := 0
	for _, r := range rows {
		p, ok := truth[[2]string{r[0], r[1]}]
		if !ok {
			t.Fatalf("assignment of a record no crosswalk names")
		}
		group[r[2]] = append(group[r[2]], p)
		byPerson[p]++
		if r[3] == "scored" {
			scored++
		}
	}
	var linked, correct, truePairs int
	for _, ps := range group {
		n := len(ps)
		linked += n * (n - 1) / 2
		same := map[int]int{}
		for _, p := range ps {
			same[p]++
		}
		for _, c := range same {
			correct += c * (c - 1) / 2
		}
	}
	for _, c := range byPerson {
		truePairs += c * (c - 1) / 2
	}
	prec, rec := float64(correct)/float64(linked), float64(correct)/float64(truePairs)
	t.Logf("demo world: %d records, %d people seen, %d persons linked (%d records joined by the scored pass); pairwise precision %.4f recall %.4f",
		len(rows), w.Observed(), len(group), scored, prec, rec)
	if prec < 0.9 || rec < 0.9 {
		t.Errorf("demo linkage: precision %.4f recall %.4f", prec, rec)
	}
}

func readCSVRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(fmt.Errorf("%s: %w", path, err))
	}
	return rows
}
