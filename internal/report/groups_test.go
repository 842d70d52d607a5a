package report

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/disclosure"
	"github.com/morketall/morketall/mse"
)

// withGroups attaches a covariates section to the fixture's estimate:
// sex (F large, M with 7 people observed) and region (three levels), and
// their combinations; the levels of each covariate add up to the total.
func withGroups(t *testing.T) *Input {
	t.Helper()
	in := fixture(t)
	r := in.Result
	total := *r.Estimate
	n := r.Observed
	mk := func(group map[string]string, obs int, share float64) mse.GroupEstimate {
		est, un := total*share, total*share*0.6
		lo, hi := est*0.8, est*1.3
		label := ""
		for _, k := range []string{"sex", "region"} {
			if v, ok := group[k]; ok {
				if label != "" {
					label += ","
				}
				label += k + "=" + v
			}
		}
		return mse.GroupEstimate{Group: group, Label: label, Observed: obs, Estimate: &est, Unobserved: &un,
			Intervals: mse.Intervals{mse.Limit("bca", 0.025, &lo, false, ""), mse.Limit("bca", 0.975, &hi, false, "")}}
	}
	g := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	r.Covariates = &mse.CovariateInfo{
		Names: []string{"sex", "region"}, Levels: [][]string{{"F", "M"}, {"N", "S", "W"}},
		Complete: n - 40, Partial: 40, Missing: map[string]int{"sex": 30, "region": 10},
		Assumption: "missing at random given the lists",
		Groups: []mse.GroupEstimate{
			mk(g("sex", "F"), n-47, 0.99), mk(g("sex", "M"), 7, 0.01),
			mk(g("region", "N"), 1000, 0.4), mk(g("region", "S"), 1200, 0.45), mk(g("region", "W"), n-2210, 0.15),
			mk(g("sex", "F", "region", "N"), 995, 0.395), mk(g("sex", "F", "region", "S"), 1198, 0.449), mk(g("sex", "F", "region", "W"), n-2240, 0.146),
			mk(g("sex", "M", "region", "N"), 5, 0.005), mk(g("sex", "M", "region", "S"), 2, 0.001), mk(g("sex", "M", "region", "W"), 0, 0.004),
		},
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestGroupsSectionInternal(t *testing.T) {
	html := render(t, withGroups(t), false)
	for _, want := range []string{`id="groups-sex"`, `id="groups-region"`, `id="groups-sex-region"`, `aria-label="Estimates by group"`,
		"sex = M, region = S", "missing at random given the lists"} {
		if !strings.Contains(html, want) {
			t.Errorf("internal report lacks %q", want)
		}
	}
	if strings.Contains(html[strings.Index(html, `<section id="groups"`):strings.Index(html, `<section id="linkage"`)], "not published") {
		t.Error("the internal report withholds a group")
	}
}

// TestGroupsSectionPublished: under --publish every group count is a
// multiple of 3, every estimate rounded, the small groups withheld, and
// so is a second group wherever one withheld estimate could be recovered
// by subtraction (sex = F, since F + M is the published total; in the
// two-way table every row and column holds none or at least two).
func TestGroupsSectionPublished(t *testing.T) {
	html := render(t, withGroups(t), true)
	sec := html[strings.Index(html, `<section id="groups"`):strings.Index(html, `<section id="linkage"`)]
	rows := regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(sec, -1)
	withheld := map[string]bool{}
	counted := 0
	for _, row := range rows {
		cells := anyCell.FindAllStringSubmatch(row[1], -1)
		if len(cells) < 3 {
			continue
		}
		label := cells[0][2]
		for _, c := range cells[1:] {
			v := strings.ReplaceAll(c[2], ",", "")
			switch c[1] {
			case "count":
				n, err := strconv.Atoi(v)
				if err != nil || n%disclosure.Base != 0 {
					t.Errorf("%s: published count %q", label, c[2])
				}
				counted++
			case "est":
				for _, part := range strings.Split(v, " – ") {
					n, err := strconv.Atoi(part)
					if err != nil || n%10 != 0 {
						t.Errorf("%s: published estimate %q not rounded", label, c[2])
					}
				}
			}
		}
		if cells[2][2] == "not published" {
			withheld[label] = true
		}
	}
	if counted < 11 {
		t.Fatalf("only %d counts found", counted)
	}
	for _, want := range []string{"sex = M", "sex = F", "sex = M, region = N", "sex = M, region = S", "sex = M, region = W"} {
		if !withheld[want] {
			t.Errorf("group %q is published (withheld: %v)", want, withheld)
		}
	}
	// Every column of the two-way table with a withheld cell has two.
	for _, region := range []string{"N", "S", "W"} {
		n := 0
		for _, sex := range []string{"F", "M"} {
			if withheld["sex = "+sex+", region = "+region] {
				n++
			}
		}
		if n == 1 {
			t.Errorf("region %s has one withheld cell: recoverable from the margin", region)
		}
	}
	if withheld["region = N"] || withheld["region = S"] {
		t.Error("large regions withheld")
	}
}
