package linkage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/morketall/morketall/pseudonym"
)

var keys3 = []string{"k1", "k2", "k3"}

func TestRuleKeys(t *testing.T) {
	// Hand-written from the definition in doc.go: strict min(2, m-2)
	// but at least 1, default and loose m.
	want := map[int][3]int{ // m → strict, default, loose
		1: {1, 1, 1},
		2: {1, 2, 2},
		3: {1, 3, 3},
		4: {2, 4, 4},
		6: {2, 6, 6},
		9: {2, 9, 9},
	}
	for m, w := range want {
		got := [3]int{RuleKeys(Strict, m), RuleKeys(Default, m), RuleKeys(Loose, m)}
		if got != w {
			t.Errorf("m=%d: got %v, want %v", m, got, w)
		}
	}
	if RuleKeys(Loose, 0) != 0 {
		t.Error("m=0 should use no keys")
	}
	if Strict.ChecksDates() != true || Default.ChecksDates() != true || Loose.ChecksDates() != false {
		t.Error("only loose skips the date check")
	}
}

func TestParseRule(t *testing.T) {
	for _, r := range Rules {
		got, err := ParseRule(r.String())
		if err != nil || got != r {
			t.Errorf("%v: got %v, %v", r, got, err)
		}
	}
	if _, err := ParseRule("medium"); err != ErrRule {
		t.Errorf("got %v", err)
	}
}

func TestHierarchyAndRules(t *testing.T) {
	files := []fileSpec{
		{"A", []rec{{toks: "x - -"}, {toks: "- y -"}, {toks: "- - z"}}},
		{"B", []rec{{toks: "x - -"}, {toks: "- y -"}, {toks: "- - z"}}},
	}
	res := link(t, keys3, nil, files, nil)
	// Three keys: strict uses k1, default and loose all three (no key
	// name has a year part, so there is no date check to tell them apart).
	want := map[Rule]map[string]int{
		Strict:  {"11": 1, "10": 2, "01": 2},
		Default: {"11": 3},
		Loose:   {"11": 3},
	}
	for r, w := range want {
		if diff := cmp.Diff(w, cells(res, r)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", r, diff)
		}
	}
	if res.Table != res.Tables[Default] {
		t.Error("Result.Table is not the default rule's table")
	}
	persons := map[string]int{}
	for _, rr := range res.Report.Rules {
		persons[rr.Rule] = rr.Persons
	}
	if diff := cmp.Diff(map[string]int{"strict": 5, "default": 3, "loose": 3}, persons); diff != "" {
		t.Errorf("persons (-want +got):\n%s", diff)
	}
	for i, k := range keys3 {
		kr := keyReport(res, k)
		if kr.Links != 1 || kr.Level != i+1 || kr.SharedTokens != 1 || kr.MaxTokenFrequency != 2 || kr.RecordsWithToken != 2 {
			t.Errorf("key %s: %+v", k, kr)
		}
	}
	if diff := cmp.Diff([]string{"strict", "default", "loose"}, keyReport(res, "k1").Rules); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"default", "loose"}, keyReport(res, "k3").Rules); diff != "" {
		t.Error(diff)
	}
	if got := res.Report.Lists[0].MissingTokens; got["k1"] != 2 || got["k2"] != 2 || got["k3"] != 2 {
		t.Errorf("missing tokens %v", got)
	}
}

func TestWithinListDuplicate(t *testing.T) {
	// a0 and a1 are one person registered twice by A (they share k2);
	// a0 links to b0 on k1.
	files := []fileSpec{
		{"A", []rec{{toks: "p q -"}, {toks: "- q -"}}},
		{"B", []rec{{toks: "p - -"}}},
	}
	res := link(t, keys3, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"11": 1, "10": 1}, cells(res, Strict)); diff != "" {
		t.Errorf("strict (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"11": 1}, cells(res, Default)); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"strict": 0, "default": 1, "loose": 1}, res.Report.Lists[0].Duplicates); diff != "" {
		t.Errorf("duplicates of A (-want +got):\n%s", diff)
	}
	if kr := keyReport(res, "k2"); kr.Links != 1 || kr.WithinListLinks != 1 || kr.Ambiguous != 0 {
		t.Errorf("k2: %+v", kr)
	}
}

func TestAmbiguousAcrossLevels(t *testing.T) {
	// b0 links to a0 on k1; on k2 it also matches a1, another person of
	// A that no within-list key ties to a0: refused.
	files := []fileSpec{
		{"A", []rec{{toks: "x - -"}, {toks: "- y -"}}},
		{"B", []rec{{toks: "x y -"}}},
	}
	res := link(t, keys3, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"11": 1, "10": 1}, cells(res, Default)); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if kr := keyReport(res, "k2"); kr.Ambiguous != 1 || kr.AmbiguousPersons != 2 || kr.Links != 0 {
		t.Errorf("k2: %+v", kr)
	}
}

func TestAmbiguousChainWithinLevel(t *testing.T) {
	// b0 and c0 are one person (k1). On k2, a0 matches b0 and a1 matches
	// c0: the person would hold two persons of A. Nothing of it links.
	files := []fileSpec{
		{"A", []rec{{toks: "- y -"}, {toks: "- z -"}}},
		{"B", []rec{{toks: "x y -"}}},
		{"C", []rec{{toks: "x z -"}}},
	}
	res := link(t, keys3, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"011": 1, "100": 2}, cells(res, Default)); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if kr := keyReport(res, "k2"); kr.Ambiguous != 1 || kr.AmbiguousPersons != 3 {
		t.Errorf("k2: %+v", kr)
	}
	// Without a1 the same links are accepted.
	files[0].recs = files[0].recs[:1]
	res = link(t, keys3, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"111": 1}, cells(res, Default)); diff != "" {
		t.Errorf("default without a1 (-want +got):\n%s", diff)
	}
}

func TestWithinListLinkExplainsTwoRecords(t *testing.T) {
	// On k2, a0 and a1 share a token with c0: a1 is a duplicate of a0 on
	// list A, so the person {a0, b0} may take both and c0.
	files := []fileSpec{
		{"A", []rec{{toks: "x y -"}, {toks: "- y -"}}},
		{"B", []rec{{toks: "x - -"}}},
		{"C", []rec{{toks: "- y -"}}},
	}
	res := link(t, keys3, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"111": 1}, cells(res, Default)); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if kr := keyReport(res, "k2"); kr.Links != 2 || kr.WithinListLinks != 1 || kr.Ambiguous != 0 {
		t.Errorf("k2: %+v", kr)
	}
	if rr := res.Report.Rules[1]; rr.Rule != "default" || rr.RecordsPerPerson[0] != (SizeCount{4, 1}) {
		t.Errorf("%+v", rr)
	}
}

func TestTokenFrequencyLimit(t *testing.T) {
	// Two lists: the default limit is 4 records. Five records share x.
	files := []fileSpec{
		{"A", []rec{{toks: "x"}, {toks: "x"}, {toks: "x"}}},
		{"B", []rec{{toks: "x"}, {toks: "x"}}},
	}
	keys := []string{"k1"}
	res := link(t, keys, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"10": 3, "01": 2}, cells(res, Default)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	kr := keyReport(res, "k1")
	if kr.TokensOverLimit != 1 || kr.RecordsOverLimit != 5 || kr.MaxTokenFrequency != 5 || kr.Links != 0 {
		t.Errorf("%+v", kr)
	}
	if res.Report.MaxTokenFrequency != 4 {
		t.Errorf("limit %d", res.Report.MaxTokenFrequency)
	}
	res = link(t, keys, nil, files, &Options{MaxTokenFrequency: 5})
	if diff := cmp.Diff(map[string]int{"11": 1}, cells(res, Default)); diff != "" {
		t.Errorf("limit 5 (-want +got):\n%s", diff)
	}
	if d := res.Report.Lists[0].Duplicates["default"]; d != 2 {
		t.Errorf("duplicates of A: %d", d)
	}
}

func TestCovariateConflictsAndVote(t *testing.T) {
	covs := []string{"sex", "region"}
	keys := []string{"k1"}
	files := []fileSpec{
		{"A", []rec{{"x", []string{"F", "EE"}}, {"y", []string{"F", "EE"}}, {"z", []string{"unknown", "EE"}}, {"w", []string{"", "AF"}}}},
		{"B", []rec{{"x", []string{"M", "EE"}}, {"y", []string{"M", ""}}, {"z", []string{"M", "EE"}}}},
		{"C", []rec{{"x", []string{"M", "EE"}}}},
	}
	res := link(t, keys, covs, files, &Options{Strata: []string{"sex"}})
	// x: F, M, M → M by majority. y: F, M → tie, list A first → F.
	// z: unknown, M → M without conflict. w: missing → "unknown".
	want := map[string]int{"111/M": 1, "110/F": 1, "110/M": 1, "100/unknown": 1}
	if diff := cmp.Diff(want, cells(res, Default)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if kr := keyReport(res, "k1"); kr.CovariateConflicts != 2 || kr.Links != 4 {
		t.Errorf("%+v", kr)
	}
	if diff := cmp.Diff(map[string]int{"sex": 2, "region": 0}, res.Report.Rules[1].ConflictingPersons); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := res.Report.Lists[0].MissingCovariates; got["sex"] != 2 || got["region"] != 0 {
		t.Errorf("missing covariates of A: %v", got)
	}
	if got := res.Report.Lists[1].MissingCovariates; got["sex"] != 0 || got["region"] != 1 {
		t.Errorf("missing covariates of B: %v", got)
	}
	// Stratum columns come after the lists in the table.
	if diff := cmp.Diff([]string{"sex"}, res.Table.Strata); diff != "" {
		t.Error(diff)
	}
}

// TestOrderDoesNotMatter links random files with chains and ambiguities,
// then the same records with every file's rows shuffled: the tables and
// the report must not change.
func TestOrderDoesNotMatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	label := func(k int) string {
		if rng.IntN(4) == 0 {
			return "-"
		}
		return fmt.Sprintf("%d_%d", k, rng.IntN(25)) // few values: many collisions
	}
	var files []fileSpec
	for l := range 5 {
		f := fileSpec{list: fmt.Sprintf("L%d", l)}
		for range 40 {
			f.recs = append(f.recs, rec{toks: label(1) + " " + label(2) + " " + label(3), cov: []string{[]string{"F", "M", "unknown"}[rng.IntN(3)]}})
		}
		files = append(files, f)
	}
	covs := []string{"sex"}
	opts := &Options{Strata: []string{"sex"}, MaxTokenFrequency: 6}
	a := link(t, keys3, covs, files, opts)
	for i := range files {
		rng.Shuffle(len(files[i].recs), func(x, y int) { files[i].recs[x], files[i].recs[y] = files[i].recs[y], files[i].recs[x] })
	}
	b := link(t, keys3, covs, files, &Options{Strata: []string{"sex"}, MaxTokenFrequency: 6, Workers: 1})
	if diff := cmp.Diff(a.Report, b.Report); diff != "" {
		t.Errorf("report depends on row order (-first +shuffled):\n%s", diff)
	}
	var amb int
	for _, k := range a.Report.Keys {
		amb += k.Ambiguous
	}
	if amb == 0 || a.Report.Keys[0].TokensOverLimit == 0 {
		t.Errorf("the data should exercise ambiguity and the limit: %+v", a.Report.Keys)
	}
	// Loose links at least as much as default, default as strict.
	p := map[string]int{}
	for _, rr := range a.Report.Rules {
		p[rr.Rule] = rr.Persons
	}
	if !(p["strict"] >= p["default"] && p["default"] >= p["loose"]) {
		t.Errorf("persons by rule %v", p)
	}
}

func TestTableRoundTripsThroughCSV(t *testing.T) {
	files := []fileSpec{
		{"A", []rec{{toks: "x - -"}, {toks: "- y -"}}},
		{"B", []rec{{toks: "x - -"}, {toks: "- - q"}}},
	}
	res := link(t, keys3, nil, files, nil)
	var buf bytes.Buffer
	if err := res.Table.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	want := "A,B,count\n1,0,1\n0,1,1\n1,1,1\n"
	if buf.String() != want {
		t.Errorf("got\n%swant\n%s", buf.String(), want)
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Link(ctx, sources(t, keys3, nil, []fileSpec{{"A", []rec{{toks: "x - -"}}}, {"B", nil}}), nil)
	if err != context.Canceled {
		t.Errorf("got %v", err)
	}
}

// TestDateContradiction: a key with the year of birth is checked against
// the key with the full date. a0 and b0 share name and year but have
// different full dates: two people, and c0 (year only) could be either.
// a1 and b1 agree where both are known.
func TestDateContradiction(t *testing.T) {
	keys := []string{"nid", "name_dob", "name_year"}
	files := []fileSpec{
		{"A", []rec{{toks: "- d1 y"}, {toks: "- d3 z"}}},
		{"B", []rec{{toks: "- d2 y"}, {toks: "- - z"}}},
		{"C", []rec{{toks: "- - y"}}},
	}
	res := link(t, keys, nil, files, nil)
	if diff := cmp.Diff(map[string]int{"100": 1, "010": 1, "001": 1, "110": 1}, cells(res, Default)); diff != "" {
		t.Errorf("default (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"111": 1, "110": 1}, cells(res, Loose)); diff != "" {
		t.Errorf("loose (-want +got):\n%s", diff)
	}
	kr := keyReport(res, "name_year")
	if kr.RefinedBy != "name_dob" || kr.Contradicted != 1 || kr.ContradictedRecs != 3 || kr.Links != 1 {
		t.Errorf("%+v", kr)
	}
	if got := res.Report.Rules[2].LinksByKey["name_year"]; got != 3 {
		t.Errorf("loose links on name_year: %d", got)
	}
	// A contradicted block whose records are one person already (the
	// identity number joined them despite different dates) refuses
	// nothing and is not counted.
	res = link(t, keys, nil, []fileSpec{
		{"A", []rec{{toks: "n1 d1 y"}}},
		{"B", []rec{{toks: "n1 d2 y"}}},
	}, nil)
	if kr := keyReport(res, "name_year"); kr.Contradicted != 0 || kr.Links != 0 {
		t.Errorf("already linked: %+v", kr)
	}
	// An empty map turns the check off: default then equals loose.
	res = link(t, keys, nil, files, &Options{DateRefinements: map[string]string{}})
	if diff := cmp.Diff(cells(res, Loose), cells(res, Default)); diff != "" {
		t.Errorf("without the check (-loose +default):\n%s", diff)
	}
}

func TestRefinementsFromNames(t *testing.T) {
	keys := []string{"nid", "name_dob_sex", "sorted_name_dob", "first_last_dob", "sorted_name_year_sex", "first_last_year_sex", "name_year"}
	got, err := refinements(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	// sorted_name_year_sex → sorted_name_dob, first_last_year_sex →
	// first_last_dob, name_year → name_dob_sex ("sex" ignored).
	want := []int{-1, -1, -1, -1, 2, 3, 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, err = refinements(keys, map[string]string{"name_year": "nid"})
	if err != nil || got[6] != 0 || got[4] != -1 {
		t.Errorf("explicit: %v %v", got, err)
	}
	for _, bad := range []map[string]string{{"name_year": "nope"}, {"nid": "name_year"}} {
		if _, err := refinements(keys, bad); !errors.Is(err, ErrOptions) {
			t.Errorf("%v: got %v", bad, err)
		}
	}
}

// TestDefaultSchemaRefinements: the pseudonym package's built-in keys are
// named so that each year key is checked against the full-date key of the
// same name, and no other key is checked (the day-and-month keys link
// records whose full dates differ by design).
//
// The block keys are refined among themselves in the same way
// (block_year_sex by block_dob): the scored pass vetoes pairs that agree on
// the first and disagree on the second.
func TestDefaultSchemaRefinements(t *testing.T) {
	var keys, blockKeys []string
	for _, k := range pseudonym.DefaultSchema().MatchKeys {
		switch k.Kind {
		case pseudonym.KindToken:
			keys = append(keys, k.Name)
		case pseudonym.KindBlock:
			blockKeys = append(blockKeys, k.Name)
		}
	}
	bf, err := refinements(blockKeys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(blockKeys) != 3 || bf[0] != -1 || bf[1] != 0 || bf[2] != 0 || blockKeys[0] != "block_dob" || blockKeys[1] != "block_year_sex" || blockKeys[2] != "block_year" {
		t.Errorf("block keys %q refined by %v, want block_year_sex and block_year by block_dob", blockKeys, bf)
	}
	got, err := refinements(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"skeleton_year_sex": "skeleton_dob", "first_last_year_sex": "first_last_dob"}
	for k, j := range got {
		refiner := ""
		if j >= 0 {
			refiner = keys[j]
		}
		if refiner != want[keys[k]] {
			t.Errorf("%s refined by %q, want %q", keys[k], refiner, want[keys[k]])
		}
	}
	if len(keys) != 11 {
		t.Errorf("%d built-in exact keys; this test and the package documentation know 11", len(keys))
	}
}
