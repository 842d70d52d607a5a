package mse

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestTable(t testing.TB, path string) *Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := ReadTable(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestReadUKdat5(t *testing.T) {
	tab := readTestTable(t, "../testdata/ukdat_5.csv")
	// Silverman (2014), Table 1 (PF and NCA merged): n = 2744; list totals
	// LA 94, NG 567, PFNCA 1169, GO 807, GP 336 (SparseMSE UKdat_5).
	if tab.K() != 5 || tab.N() != 2744 || len(tab.Rows) != 18 {
		t.Fatalf("K=%d N=%d rows=%d", tab.K(), tab.N(), len(tab.Rows))
	}
	if diff := cmp.Diff([]int{94, 567, 1169, 807, 336}, tab.ListTotals()); diff != "" {
		t.Errorf("list totals (-want +got):\n%s", diff)
	}
	ov := tab.PairOverlaps()
	if ov[0][4] != 0 || ov[0][1] != 18 || ov[2][3] != 81 {
		t.Errorf("overlaps LA:GP=%d LA:NG=%d PFNCA:GO=%d, want 0, 18, 81", ov[0][4], ov[0][1], ov[2][3])
	}
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile("../testdata/ukdat_5.csv")
	if buf.String() != string(orig) {
		t.Errorf("round trip differs:\n%s", buf.String())
	}
}

func TestReadTableErrorsGivePositionNotValue(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"negative count":  {"A,B,count\n1,0,-7345\n", "line 2, column \"count\": count must not be negative"},
		"fractional":      {"A,B,count\n1,0,2.7345\n", "line 2, column \"count\": count must be a non-negative integer"},
		"not 0/1":         {"A,B,count\n7345,0,2\n", "line 2, column \"A\": list value must be 0 or 1"},
		"all-zero":        {"A,B,count\n0,0,7345\n", "line 2: the all-zero pattern"},
		"duplicate":       {"A,B,count\n1,0,1\n0,1,2\n1,0,3\n", "line 4: capture pattern repeats line 2"},
		"no count":        {"A,B,n\n1,0,1\n", "no \"count\" column"},
		"one list":        {"A,count\n1,7345\n", "at least 2 lists"},
		"ragged":          {"A,B,count\n1,0\n", "line 2: 2 fields, the header has 3"},
		"empty stratum":   {"A,B,region,count\n1,0,,3\n", "line 2, column \"region\": empty stratum value"},
		"missing stratum": {"A,B,count\n1,0,3\n", "declared stratum column \"region\" not found"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := ReadTable(strings.NewReader(c.in), &ReadOptions{Strata: strata(name)})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "7345") {
				t.Fatalf("error echoes the value: %v", err)
			}
			if !errors.Is(err, ErrTableFormat) && !errors.Is(err, ErrTooFewLists) {
				t.Fatalf("error does not wrap a package sentinel: %v", err)
			}
		})
	}
}

func strata(name string) []string {
	if strings.Contains(name, "stratum") {
		return []string{"region"}
	}
	return nil
}

func TestReadTableSemicolonBOMAndStrata(t *testing.T) {
	in := "\ufeffA;B;C;sex;count\n1;0;0;F;4\n0;1;1;F;2\n1;0;0;M;3\n0;0;1;M;1\n"
	tab, warns, err := ReadTable(strings.NewReader(in), &ReadOptions{Strata: []string{"sex"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings %v", warns)
	}
	if diff := cmp.Diff([]string{"A", "B", "C"}, tab.Lists); diff != "" {
		t.Fatal(diff)
	}
	if got := tab.StratumValues(); len(got) != 2 || got[0][0] != "F" || got[1][0] != "M" {
		t.Fatalf("strata %v", got)
	}
	if n := tab.Stratum([]string{"M"}).N(); n != 4 {
		t.Errorf("stratum M has %d cases, want 4", n)
	}
	if n := tab.Collapse().N(); n != 10 {
		t.Errorf("collapsed N = %d, want 10", n)
	}
}

func TestTidyDropsNonInformativeLists(t *testing.T) {
	// D duplicates A; E is empty; F holds every case.
	in := "A,B,C,D,E,F,count\n1,0,0,1,0,1,5\n0,1,0,0,0,1,3\n0,0,1,0,0,1,2\n1,1,0,1,0,1,1\n"
	tab, warns, err := ReadTable(strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"A", "B", "C"}, tab.Lists); diff != "" {
		t.Errorf("lists (-want +got):\n%s", diff)
	}
	if len(warns) != 3 {
		t.Errorf("warnings %v, want 3", warns)
	}
	if tab.N() != 11 {
		t.Errorf("N = %d, want 11", tab.N())
	}
	// Keeping them is possible on request.
	tab, _, err = ReadTable(strings.NewReader(in), &ReadOptions{KeepNonInformative: true})
	if err != nil || tab.K() != 6 {
		t.Fatalf("K = %d, err %v", tab.K(), err)
	}
}

func TestMergeLists(t *testing.T) {
	tab := readTestTable(t, "../testdata/ukdat_5.csv")
	m := tab.MergeLists([]int{1, 3}, "NGGO")
	if diff := cmp.Diff([]string{"LA", "NGGO", "PFNCA", "GP"}, m.Lists); diff != "" {
		t.Fatal(diff)
	}
	if m.N() != tab.N() {
		t.Errorf("N %d, want %d", m.N(), tab.N())
	}
	// NG ∪ GO = 567 + 807 − 25 (their overlap).
	if got := m.ListTotals()[1]; got != 567+807-25 {
		t.Errorf("merged total %d, want %d", got, 567+807-25)
	}
}

func FuzzReadTable(f *testing.F) {
	f.Add([]byte("A,B,count\n1,0,3\n0,1,2\n1,1,1\n"))
	f.Add([]byte("A;B;s;count\n1;0;x;3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, _, err := ReadTable(bytes.NewReader(data), &ReadOptions{Strata: nil})
		if err != nil {
			if tab != nil {
				t.Fatal("table with error")
			}
			return
		}
		if tab.K() < 2 {
			t.Fatalf("accepted %d lists", tab.K())
		}
		var buf bytes.Buffer
		if err := tab.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		back, _, err := ReadTable(&buf, &ReadOptions{KeepNonInformative: true})
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if back.N() != tab.N() || len(back.Rows) != len(tab.Rows) {
			t.Fatalf("round trip changed the table")
		}
	})
}

func TestListGroupsAndWarnings(t *testing.T) {
	// A and B overlap; C shares no case; D and E overlap each other only.
	tab, err := NewTable([]string{"A", "B", "C", "D", "E"},
		[]Pattern{0b00001, 0b00011, 0b00100, 0b01000, 0b11000, 0b00010}, []int{5, 3, 4, 6, 2, 7})
	if err != nil {
		t.Fatal(err)
	}
	g := tab.ListGroups()
	if len(g) != 3 || len(g[0]) != 2 || g[1][0] != 2 || len(g[2]) != 2 {
		t.Fatalf("groups %v", g)
	}
	w := tab.overlapWarnings()
	if len(w) != 2 || !strings.Contains(w[0], "list C shares no case") || !strings.Contains(w[1], "3 groups") {
		t.Fatalf("warnings %q", w)
	}
	one, _ := NewTable([]string{"A", "B"}, []Pattern{1, 2, 3}, []int{4, 5, 1})
	if len(one.ListGroups()) != 1 || one.overlapWarnings() != nil {
		t.Fatal("one group warned")
	}
}
