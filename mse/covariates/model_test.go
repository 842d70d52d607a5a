package covariates

import (
	"errors"
	"strings"
	"testing"

	"github.com/morketall/morketall/mse"
)

func TestModelNotationRoundTrip(t *testing.T) {
	lists := []string{"A", "B", "C", "D"}
	covs := []string{"sex", "age_group"}
	for _, c := range []struct{ in, want, named string }{
		{"main", "[1,2,3,4,sex,age_group]", "[A, B, C, D, sex, age_group]"},
		{"[12,13,1:sex,2:age_group,sex:age_group]", "[12,13,1:sex,2:age_group,sex:age_group,4]", "[A:B, A:C, A:sex, B:age_group, sex:age_group, D]"},
		{"A:B + A:sex + sex:age_group", "[12,1:sex,sex:age_group,3,4]", "[A:B, A:sex, sex:age_group, C, D]"},
		{"[A:B:sex, C]", "[12:sex,3,4,age_group]", "[A:B:sex, C, D, age_group]"},
		{"[123]", "[123,4,sex,age_group]", ""},
	} {
		m, err := ParseModel(c.in, lists, covs)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if m.String() != c.want {
			t.Errorf("%q: String %s, want %s", c.in, m.String(), c.want)
		}
		if c.named != "" && m.Named() != c.named {
			t.Errorf("%q: Named %s, want %s", c.in, m.Named(), c.named)
		}
		for _, s := range []string{m.String(), m.Named()} {
			back, err := ParseModel(s, lists, covs)
			if err != nil || !back.Equal(m) {
				t.Errorf("%q does not round-trip through %q: %v", c.in, s, err)
			}
		}
	}
	// A term of all four lists is refused at fitting, not parsing; the
	// selection methods keep the covariates' joint term.
	m, _ := ParseModel("[1234]", lists, covs)
	if !m.IsListSaturated() {
		t.Error("[1234] is list-saturated")
	}
	if sat, _ := ParseModel("[sex:age_group]", lists, covs); !sat.HoldsSaturated() {
		t.Error("[sex:age_group] saturates the covariates")
	}
}

func TestModelNotationErrors(t *testing.T) {
	lists := []string{"A", "B", "C"}
	covs := []string{"sex"}
	for in, want := range map[string]string{
		"":            "empty model",
		"[1:nat]":     `"nat" is not a list or covariate`,
		"[14]":        "list number 4 outside 1..3",
		"[1:sex:sex]": "names a factor twice",
		"[12,]":       "term 2 is empty",
		"[12":         "unbalanced",
		"A:age + A:B": `"age" is not a list or covariate`,
		"[11]":        "list 1 repeated",
	} {
		_, err := ParseModel(in, lists, covs)
		if err == nil || !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", in, err, want)
		}
	}
}

// TestDataRefusesBadCovariates: each error is a usage error that names
// the covariate (and the table row), never a level's value.
func TestDataRefusesBadCovariates(t *testing.T) {
	table := func(covs []string, rows ...mse.Row) *mse.Table {
		return &mse.Table{Lists: []string{"A", "B", "C"}, Covariates: covs, Rows: rows}
	}
	row := func(p mse.Pattern, n int, v ...string) mse.Row { return mse.Row{Pattern: p, Covariates: v, Count: n} }
	var many []mse.Row
	for i := range 30 {
		many = append(many, row(1, 1, "Q"+strings.Repeat("x", i)))
	}
	cases := map[string]struct {
		t    *mse.Table
		want string
	}{
		"none":       {table(nil, mse.Row{Pattern: 1, Count: 3}), "has no covariates"},
		"one level":  {table([]string{"sex"}, row(1, 40, "SECRETF"), row(2, 30, "SECRETF"), row(3, 5, "")), `covariate "sex" has 1 level`},
		"no case":    {table([]string{"sex"}, row(1, 40, "SECRETF"), row(2, 30, "SECRETM"), row(3, 0, "SECRETX")), `covariate "sex": the level of table row 3 has no case on any list`},
		"too many":   {table([]string{"nat"}, many...), "nat have 30 level combinations but only 30 observed people have every covariate recorded: at most one combination per 5 such people (6 here)"},
		"name":       {table([]string{"a:b"}, row(1, 40, "x"), row(2, 30, "y")), "cannot hold ':'"},
		"stratified": {&mse.Table{Lists: []string{"A", "B"}, Strata: []string{"r"}, Covariates: []string{"sex"}}, "stratified"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := NewData(c.t)
			if err == nil || !errors.Is(err, mse.ErrOptions) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "Qx") {
				t.Fatalf("the error names a value: %v", err)
			}
		})
	}
}
