package linkage_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/linkage"
)

// Two agencies' pseudonymised lists, as package pseudonym writes them;
// tokens here are made up. The police record of the first person has no
// identity number and a placeholder date of birth (no full-date tokens),
// so only the year key links it; the second person is on one list only.
func ExampleLink() {
	keys := []string{"nid", "name_dob_sex", "name_year_sex"}
	tok := func(c string) string { return strings.Repeat(c, 32) }
	list := func(name string, recs ...mktfile.Record) linkage.Source {
		var buf bytes.Buffer
		h := &mktfile.Header{List: name, KeyFingerprint: "mkfp1-0123456789abcdef", SchemaHash: "sha256:5c4e", MatchKeys: keys, Covariates: []string{"sex"}}
		if err := mktfile.Write(&buf, h, recs); err != nil {
			panic(err)
		}
		return linkage.Source{Name: strings.ToLower(name) + ".mkt", R: &buf}
	}
	police := list("POLICE",
		mktfile.Record{ID: "p1", Tokens: []string{"", "", tok("a")}, Covariates: []string{"F"}},
	)
	udi := list("UDI",
		mktfile.Record{ID: "u1", Tokens: []string{tok("1"), tok("2"), tok("a")}, Covariates: []string{"F"}},
		mktfile.Record{ID: "u2", Tokens: []string{tok("3"), tok("4"), tok("b")}, Covariates: []string{"M"}},
	)
	res, err := linkage.Link(context.Background(), []linkage.Source{police, udi}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Table.WriteCSV(os.Stdout)
	for _, r := range res.Report.Rules {
		fmt.Printf("%s: %d persons (keys %s)\n", r.Rule, r.Persons, strings.Join(r.Keys, ", "))
	}
	// Output:
	// POLICE,UDI,count
	// 0,1,1
	// 1,1,1
	// strict: 3 persons (keys nid)
	// default: 2 persons (keys nid, name_dob_sex, name_year_sex)
	// loose: 2 persons (keys nid, name_dob_sex, name_year_sex)
}
