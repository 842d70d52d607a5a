package linkage

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/morketall/morketall/mse"
)

// TestLinkCovariates: the same records as TestCovariateConflictsAndVote,
// linked with sex as a covariate and region as a stratum. Conflicting
// values are voted as for strata; a person none of whose records has a
// value keeps it missing (w, on A alone) where a stratum would say
// "unknown". The table writes and reads back with an empty cell.
func TestLinkCovariates(t *testing.T) {
	covs := []string{"sex", "region"}
	keys := []string{"k1"}
	files := []fileSpec{
		{"A", []rec{{"x", []string{"F", "EE"}}, {"y", []string{"F", "EE"}}, {"z", []string{"unknown", "EE"}}, {"w", []string{"", "AF"}}}},
		{"B", []rec{{"x", []string{"M", "EE"}}, {"y", []string{"M", ""}}, {"z", []string{"M", "EE"}}}},
		{"C", []rec{{"x", []string{"M", "EE"}}}},
	}
	res, err := LinkCovariates(context.Background(), sources(t, keys, covs, files), []string{"sex"}, &Options{Strata: []string{"region"}})
	if err != nil {
		t.Fatal(err)
	}
	tab := res.Tables[Default]
	if diff := cmp.Diff([]string{"region"}, tab.Strata); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff([]string{"sex"}, tab.Covariates); diff != "" {
		t.Error(diff)
	}
	got := map[string]int{}
	for _, r := range tab.Rows {
		got[r.Pattern.String(3)+"/"+strings.Join(r.Stratum, ",")+"/"+strings.Join(r.Covariates, ",")] = r.Count
	}
	want := map[string]int{"111/EE/M": 1, "110/EE/F": 1, "110/EE/M": 1, "100/AF/": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"region"}, res.Report.Strata); diff != "" {
		t.Error(diff)
	}
	for _, rr := range res.Report.Rules {
		for _, row := range rr.Table {
			if len(row.Stratum) != 1 || len(row.Covariates) != 1 {
				t.Fatalf("rule %s: row %+v", rr.Rule, row)
			}
		}
	}
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	back, _, err := mse.ReadTable(&buf, &mse.ReadOptions{Strata: []string{"region"}, Covariates: []string{"sex"}, KeepNonInformative: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tab, back); diff != "" {
		t.Errorf("CSV round trip (-linked +read):\n%s", diff)
	}
	// Refusals.
	for _, c := range []struct {
		covs []string
		opts *Options
		want string
	}{
		{nil, nil, "no covariate columns"},
		{[]string{"sex", "sex"}, nil, "given twice"},
		{[]string{"region"}, &Options{Strata: []string{"region"}}, "both as a stratum and as a covariate"},
		{[]string{"sex"}, &Options{MissingValues: []string{""}}, "must include"},
	} {
		_, err := LinkCovariates(context.Background(), sources(t, keys, covs, files), c.covs, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.covs, err, c.want)
		}
	}
}
