package mse

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// covTable is a small table with two covariates, one value missing in
// two rows (an empty cell), and a stratum.
const covTable = "A,B,C,region,sex,age,count\n" +
	"1,0,0,N,F,young,4\n" +
	"0,1,0,N,F,young,2\n" +
	"1,1,0,N,M,old,3\n" +
	"0,0,1,S,,old,5\n" +
	"1,0,0,S,M,,1\n" +
	"1,0,0,S,F,young,0\n"

func readCov(t *testing.T, in string, opts *ReadOptions) *Table {
	t.Helper()
	tab, _, err := ReadTable(strings.NewReader(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestCovariatesRoundTrip(t *testing.T) {
	tab := readCov(t, covTable, &ReadOptions{Strata: []string{"region"}, Covariates: []string{"sex", "age"}})
	if diff := cmp.Diff([]string{"A", "B", "C"}, tab.Lists); diff != "" {
		t.Fatal(diff)
	}
	if diff := cmp.Diff([]string{"sex", "age"}, tab.Covariates); diff != "" {
		t.Fatal(diff)
	}
	if got := tab.Rows[3].Covariates; got[0] != "" || got[1] != "old" || tab.Rows[3].Complete() {
		t.Fatalf("row 4 covariates %q", got)
	}
	if !tab.Rows[0].Complete() {
		t.Fatal("row 1 is complete")
	}
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != covTable {
		t.Fatalf("round trip:\n%s\nwant\n%s", buf.String(), covTable)
	}
}

func TestCovariatesKeptByTableOperations(t *testing.T) {
	tab := readCov(t, covTable, &ReadOptions{Strata: []string{"region"}, Covariates: []string{"sex", "age"}})
	check := func(name string, got *Table, rows int) {
		t.Helper()
		if diff := cmp.Diff([]string{"sex", "age"}, got.Covariates); diff != "" {
			t.Errorf("%s lost the covariates: %s", name, diff)
		}
		if len(got.Rows) != rows {
			t.Errorf("%s: %d rows, want %d", name, len(got.Rows), rows)
		}
		for _, r := range got.Rows {
			if len(r.Covariates) != 2 {
				t.Errorf("%s: a row has %d covariate values", name, len(r.Covariates))
			}
		}
	}
	// Dropping list C removes the row on C alone; A and B keep the rest.
	check("SelectLists", tab.SelectLists([]int{0, 1}), 5)
	// A ∪ B: rows 1 and 2 (both F young, stratum N) merge.
	check("MergeLists", tab.MergeLists([]int{0, 1}, "AB"), 5)
	check("Collapse", tab.Collapse(), 5) // rows 1 and 6 differ by stratum only: summed
	check("Stratum", tab.Stratum([]string{"S"}), 3)
	check("WithCounts", tab.WithCounts([]int{1, 0, 2, 3, 4, 5}), 5)
	tidy, _, err := tab.Tidy()
	if err != nil {
		t.Fatal(err)
	}
	check("Tidy", tidy, 6)
	if got := tab.Collapse().Rows[0]; got.Count != 4 || got.Covariates[0] != "F" {
		t.Errorf("collapsed row 1 = %+v", got)
	}
	d := tab.DropCovariates()
	if len(d.Covariates) != 0 || d.N() != tab.N() || len(d.Strata) != 1 {
		t.Fatalf("DropCovariates: covariates %v, N %d, strata %v", d.Covariates, d.N(), d.Strata)
	}
	// Rows 5 and 6 (pattern 100, stratum S) merge; row 1 (100, N) stays
	// apart.
	if len(d.Rows) != 5 {
		t.Errorf("DropCovariates: %d rows, want 5", len(d.Rows))
	}
	if dd := d.Collapse(); len(dd.Rows) != 4 {
		t.Errorf("collapsed without covariates: %d rows, want 4", len(dd.Rows))
	}
}

func TestCovariateReadErrors(t *testing.T) {
	cases := map[string]struct {
		in   string
		opts ReadOptions
		want string
	}{
		"undeclared column is a list": {"A,B,sex,count\n1,0,F,3\n", ReadOptions{}, "list value must be 0 or 1"},
		"unknown covariate":           {"A,B,count\n1,0,3\n", ReadOptions{Covariates: []string{"sex"}}, "declared covariate column \"sex\" not found"},
		"repeat":                      {"A,B,sex,count\n1,0,F,3\n1,0,F,2\n", ReadOptions{Covariates: []string{"sex"}}, "line 3: capture pattern and covariate values repeat line 2"},
		"both":                        {"A,B,sex,count\n1,0,F,3\n", ReadOptions{Covariates: []string{"sex"}, Strata: []string{"sex"}}, "both as a stratum and as a covariate"},
		"twice":                       {"A,B,sex,count\n1,0,F,3\n", ReadOptions{Covariates: []string{"sex", "sex"}}, "declared twice"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := ReadTable(strings.NewReader(c.in), &c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestEstimateRefusesCovariatesForOtherMethods: a method that does not
// model covariates gets a usage error, never a silent sum over them.
func TestEstimateRefusesCovariatesForOtherMethods(t *testing.T) {
	tab := readCov(t, covTable, &ReadOptions{Covariates: []string{"sex", "age"}, Strata: []string{"region"}})
	_, err := Estimate(context.Background(), tab, constMethod{}, &Options{Interval: IntervalNone})
	if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "does not model covariates") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Estimate(context.Background(), tab.DropCovariates(), constMethod{}, &Options{Interval: IntervalNone}); err != nil {
		t.Fatalf("without covariates: %v", err)
	}
}

// constMethod estimates twice the observed count.
type constMethod struct{}

func (constMethod) Name() string { return "const" }
func (constMethod) Fit(_ context.Context, t *Table) (Fit, error) {
	return constFit(2 * float64(t.N())), nil
}

type constFit float64

func (f constFit) Estimate() (float64, error) { return float64(f), nil }
func (constFit) Report(*Result, int)          {}
