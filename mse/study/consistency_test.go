package study

import (
	"context"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/morketall/morketall/mse"
)

func TestSubTable(t *testing.T) {
	tab := readTestTable(t, "../../testdata/ukdat_5.csv")
	// LA (list 0) holds 94 cases: 54 on LA alone, 40 also elsewhere.
	sub := tab.SubTable(0)
	if got := tab.ListTotals()[0]; got != 94 {
		t.Fatalf("LA total %d", got)
	}
	if sub.N() != 40 || sub.K() != 4 || sub.Lists[0] != "NG" {
		t.Fatalf("sub-table: %d cases over %v", sub.N(), sub.Lists)
	}
	// Rows 1,1,0,0,0 (15) and 1,0,1,0,0 (19) become NG alone and PFNCA
	// alone; 1,1,1,1,0 (1) becomes NG+PFNCA+GO.
	want := map[string]int{"1000": 15, "0100": 19, "0010": 3, "1100": 1, "1010": 1, "1110": 1}
	got := map[string]int{}
	for _, r := range sub.Rows {
		got[r.Pattern.String(4)] += r.Count
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("sub-table rows (-want +got):\n%s", d)
	}
}

// TestInternalConsistencyIndependent: on a table drawn from independent
// lists, every list's size is recovered by the independence model, and
// the deterministic analysis repeats exactly.
func TestInternalConsistencyIndependent(t *testing.T) {
	// Expected counts of 4 independent lists with capture probabilities
	// 0.3, 0.4, 0.5, 0.35 in a population of 20000, rounded: the
	// sub-problems are exactly independent up to rounding.
	q := []float64{0.3, 0.4, 0.5, 0.35}
	var pats []mse.Pattern
	var cnts []int
	for c := 1; c < 16; c++ {
		p := 20000.0
		for j, qj := range q {
			if c>>j&1 == 1 {
				p *= qj
			} else {
				p *= 1 - qj
			}
		}
		pats = append(pats, mse.Pattern(c))
		cnts = append(cnts, int(math.Round(p)))
	}
	tab, err := mse.NewTable([]string{"A", "B", "C", "D"}, pats, cnts)
	if err != nil {
		t.Fatal(err)
	}
	procs := mustProcs(t, "main/conditional", "stepwise/profile")
	res, err := InternalConsistency(context.Background(), tab, procs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cases) != 8 || len(res.Summaries) != 2 {
		t.Fatalf("%d cases, %d summaries", len(res.Cases), len(res.Summaries))
	}
	for _, c := range res.Cases {
		if c.RelativeError == nil || math.Abs(*c.RelativeError) > 0.01 {
			t.Errorf("%s by %s: %+v", c.Target, c.Procedure, c)
		}
		if c.Covered95 == nil || !*c.Covered95 {
			t.Errorf("%s by %s: 95%% interval misses", c.Target, c.Procedure)
		}
	}
	for _, s := range res.Summaries {
		if s.Estimable != 4 || s.Coverage95.Covered != 4 || math.Abs(s.MeanRelBias) > 0.01 {
			t.Errorf("summary %+v", s)
		}
	}
	again, err := InternalConsistency(context.Background(), tab, procs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(res, again); d != "" {
		t.Fatal(d)
	}
}

func TestInternalConsistencyRejects(t *testing.T) {
	tab, err := mse.NewTable([]string{"A", "B"}, []mse.Pattern{1, 2, 3}, []int{5, 6, 2})
	if err != nil {
		t.Fatal(err)
	}
	procs := mustProcs(t, "main/none")
	if _, err := InternalConsistency(context.Background(), tab, procs, nil); !errors.Is(err, mse.ErrTooFewLists) {
		t.Fatalf("2 lists: %v", err)
	}
	if _, err := ListSensitivity(context.Background(), tab, procs, nil); !errors.Is(err, mse.ErrTooFewLists) {
		t.Fatalf("2 lists: %v", err)
	}
}

// TestInternalConsistencyUnreachable: a list none of whose cases is on
// another list cannot be estimated, and says so.
func TestInternalConsistencyUnreachable(t *testing.T) {
	// C overlaps nobody.
	tab, err := mse.NewTable([]string{"A", "B", "C"}, []mse.Pattern{1, 2, 3, 4}, []int{30, 40, 10, 25})
	if err != nil {
		t.Fatal(err)
	}
	res, err := InternalConsistency(context.Background(), tab, mustProcs(t, "main/conditional"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cases[2]
	if c.Target != "C" || c.Estimated() || c.Reason == "" || c.Truth != 25 || c.Observed != 0 {
		t.Fatalf("case C: %+v", c)
	}
	// A's cases are seen by B only: one list left, not estimable either.
	if a := res.Cases[0]; a.Estimated() || a.Observed != 10 {
		t.Fatalf("case A: %+v", a)
	}
}

func TestListSensitivity(t *testing.T) {
	tab := readTestTable(t, "../../testdata/ukdat_5.csv")
	procs := mustProcs(t, "stepwise/conditional")
	res, err := ListSensitivity(context.Background(), tab, procs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 1 + 5 omitted + 10 merged pairs.
	if len(res.Variants) != 16 {
		t.Fatalf("%d variants", len(res.Variants))
	}
	all := res.Variants[0]
	// SparseMSE 2.0.1 estimatepopulation.0(UKdat_5): 11312.9902894352.
	if all.Kind != "all" || all.Outcomes[0].Estimate == nil || math.Abs(*all.Outcomes[0].Estimate-11312.9902894352) > 1e-3 {
		t.Fatalf("baseline %+v", all)
	}
	if c := all.Outcomes[0].Change; c == nil || *c != 0 {
		t.Fatalf("baseline change %v", c)
	}
	omitLA := res.Variants[1]
	if omitLA.Label != "without LA" || omitLA.Observed != 2744-54 || len(omitLA.Lists) != 4 {
		t.Fatalf("omit LA: %+v", omitLA)
	}
	merge := res.Variants[6]
	if merge.Kind != "merge" || merge.Label != "LA+NG merged" || merge.Observed != 2744 || merge.Lists[0] != "LA+NG" {
		t.Fatalf("merge: %+v", merge)
	}
	for _, v := range res.Variants {
		o := v.Outcomes[0]
		if o.Estimated() != (o.Change != nil) {
			t.Errorf("%s: change %v for status %s", v.Label, o.Change, o.Status)
		}
	}
}

// mustProcs parses procedures written "method/interval".
func mustProcs(t testing.TB, specs ...string) []Procedure {
	t.Helper()
	var out []Procedure
	for _, s := range specs {
		p, err := ParseProcedure(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// readTestTable reads an overlap table fixture.
func readTestTable(t testing.TB, path string) *mse.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}
