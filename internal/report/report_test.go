package report

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/disclosure"
	"github.com/morketall/morketall/linkage"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// fixture estimates testdata/ukdat_5.csv (the UK 2013 data, five lists) with
// conditional intervals, so the test needs no bootstrap, and attaches a
// synthetic bootstrap, strata and linkage report so every section shows.
func fixture(t *testing.T) *Input {
	t.Helper()
	f, err := os.Open("../../testdata/ukdat_5.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := &mse.Options{Interval: mse.IntervalConditional, Quantiles: []float64{0.025, 0.1, 0.9, 0.975}}
	res, err := mse.Estimate(context.Background(), tab, loglin.Auto{}, opts)
	if err != nil || !res.Estimated() {
		t.Fatalf("estimate: %v %v", err, res.Reason)
	}
	// A synthetic bootstrap around the estimate (the report only draws it).
	reps := make([]float64, 200)
	for i := range reps {
		reps[i] = *res.Estimate * (0.7 + 0.6*float64(i)/199)
	}
	res.Bootstrap = &mse.BootstrapInfo{Seed: 1, NBoot: 200, Scheme: "cells", Replicates: reps,
		ModelFrequency: []mse.ModelCount{{Notation: res.Model.Notation, Count: 120}, {Notation: "[12,3,4,5]", Count: 80}}}
	// Strata: one large, one small (withheld when publishing).
	big, small := 2100.0, 40.0
	in := &Input{Result: res, Table: tab, Version: "test",
		Strata: []mse.StratumResult{
			{Stratum: map[string]string{"sex": "F"}, Result: &mse.Result{Status: "ok", Observed: 1500, Estimate: &big, Lists: tab.Lists}},
			{Stratum: map[string]string{"sex": "M"}, Result: &mse.Result{Status: "ok", Observed: 7, Estimate: &small, Lists: tab.Lists}},
		},
		Linkage: linkageFixture(tab)}
	// The caller estimates the table of each rule and the linkage-error
	// scenarios; the report only shows them.
	for _, rule := range []string{"strict", "default", "loose"} {
		rt, err := in.Linkage.RuleTable(rule)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := mse.Estimate(context.Background(), rt, loglin.Auto{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		in.RuleEstimates = append(in.RuleEstimates, RuleEstimate{Rule: rule, Result: rr})
	}
	in.LinkageErrors = []*mse.LinkageErrorResult{{Estimate: *res.Estimate, Missed: 0.05, Replicates: 200, RelativeChange: 0.04,
		Quantiles: []mse.QuantileValue{{Quantile: 0.025, Value: *res.Estimate * 1.01}, {Quantile: 0.5, Value: *res.Estimate * 1.04}, {Quantile: 0.975, Value: *res.Estimate * 1.07}}}}
	in.Refit = "the chosen model refitted"
	return in
}

// linkageFixture makes a linkage report whose default table is tab and whose
// strict and loose tables move one person between cells.
func linkageFixture(tab *mse.Table) *linkage.Report {
	lr := &linkage.Report{Format: linkage.ReportFormat, Version: 1, Rule: "default", KeyFingerprint: "mkfp1-0011223344556677",
		SchemaHash: "sha256:abcd", MatchKeys: []string{"nid", "name_dob_sex"}, MaxTokenFrequency: 20, Records: 2900}
	for i, name := range tab.Lists {
		lr.Lists = append(lr.Lists, linkage.ListReport{Name: name, Records: tab.ListTotals()[i] + 2, Duplicates: map[string]int{"default": 2}})
	}
	lr.Keys = []linkage.KeyReport{{Name: "nid", Level: 1, Links: 150, Ambiguous: 1, MaxTokenFrequency: 2}, {Name: "name_dob_sex", Level: 2, Links: 70, CovariateConflicts: 2}}
	for _, rule := range []string{"strict", "default", "loose"} {
		lrr := linkage.RuleReport{Rule: rule, Keys: lr.MatchKeys}
		for p, n := range tab.Cells() {
			if n == 0 {
				continue
			}
			lrr.Table = append(lrr.Table, linkage.TableRow{Pattern: mse.Pattern(p).String(tab.K()), Count: n})
			lrr.Persons += n
		}
		lr.Rules = append(lr.Rules, lrr)
	}
	return lr
}

func render(t *testing.T, in *Input, publish bool) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, in, &Options{Publish: publish}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestInternalReportHasEverySection(t *testing.T) {
	html := render(t, fixture(t), false)
	for _, id := range Sections {
		if !strings.Contains(html, `<section id="`+id+`"`) {
			t.Errorf("section %q missing", id)
		}
	}
	for _, want := range []string{"banner internal", `id="overlap-table"`, `aria-label="Overlap plot`,
		`aria-label="Estimates of the best models"`, `aria-label="Bootstrap distribution of the estimate"`,
		`aria-label="Estimates by stratum"`, `aria-label="The estimate under each linkage rule"`, `aria-label="People on each list"`,
		`id="estimate"`, "2,744", `id="linkage-errors"`} {
		if !strings.Contains(html, want) {
			t.Errorf("internal report lacks %q", want)
		}
	}
	if n := strings.Count(html, "<svg"); n < 6 {
		t.Errorf("%d plots, want at least 6", n)
	}
	// Self-contained: no script and nothing fetched.
	for _, bad := range []string{"<script", "<link", "@import", "url(http", "<iframe", "<img"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`(?i)(src|href)="([^"#][^"]*)"`).FindAllStringSubmatch(html, -1) {
		if !strings.HasPrefix(m[2], "data:") {
			t.Errorf("report refers to an external resource: %s", m[0])
		}
	}
}

var (
	countCell = regexp.MustCompile(`<td class="count">([^<]*)</td>`)
	anyCell   = regexp.MustCompile(`<td(?: class="([^"]*)")?>([^<]*)</td>`)
)

// TestPublishedReportDisclosure parses the published HTML: every count
// cell is a multiple of 3 (so never 1 or 2), small strata and lists are
// withheld, estimates are rounded, and the overlap table and plot are
// absent.
func TestPublishedReportDisclosure(t *testing.T) {
	in := fixture(t)
	const digest = "9f2c4b7a1e8d6f3c5b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"
	in.Sources = []Source{{Role: "table", Name: "table.csv", SHA256: digest}}
	if internal := render(t, in, false); !strings.Contains(internal, digest) {
		t.Error("the internal report does not show the input's digest")
	}
	html := render(t, in, true)
	// The digest of the exact table would let anyone try the few tables
	// that round to the published counts.
	if strings.Contains(html, digest) || !strings.Contains(html, "table.csv") {
		t.Error("the published report shows the digest of an exact input, or not its name")
	}
	if !strings.Contains(html, "banner published") || strings.Contains(html, "banner internal") {
		t.Error("published report not labelled as such")
	}
	for _, bad := range []string{`id="overlap-table"`, `aria-label="Overlap plot`, "seen by this list only"} {
		if strings.Contains(html, bad) {
			t.Errorf("published report contains %q", bad)
		}
	}
	cells := countCell.FindAllStringSubmatch(html, -1)
	if len(cells) < 20 {
		t.Fatalf("only %d count cells found: the test would prove nothing", len(cells))
	}
	for _, c := range cells {
		n, err := strconv.Atoi(strings.ReplaceAll(c[1], ",", ""))
		if err != nil {
			t.Errorf("count cell %q is not a number", c[1])
			continue
		}
		if n%disclosure.Base != 0 {
			t.Errorf("published count %d is not a multiple of %d", n, disclosure.Base)
		}
	}
	// No cell of the overlap table appears as a count: the capture patterns
	// with a count of 1 or 2 would be the disclosive ones.
	for _, c := range anyCell.FindAllStringSubmatch(html, -1) {
		if c[1] != "count" && c[1] != "est" {
			continue
		}
		if v := strings.ReplaceAll(c[2], ",", ""); v == "1" || v == "2" {
			t.Errorf("a published cell shows %q", c[2])
		}
	}
	// Estimates are rounded to 10.
	m := regexp.MustCompile(`id="estimate">([0-9,]+)<`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no headline estimate")
	}
	if n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", "")); n%10 != 0 {
		t.Errorf("published estimate %d not rounded", n)
	}
	// The small stratum (7 observed) has no published estimate.
	if !strings.Contains(html, "not published") {
		t.Error("the small stratum's estimate is not withheld")
	}
	// The exact observed count is not shown; the rounded one is.
	if strings.Contains(html, "2,744") || !strings.Contains(html, ">2,745<") {
		t.Error("observed count not rounded to a multiple of 3")
	}
}

func TestPublishedSmallListSuppressed(t *testing.T) {
	tab, err := mse.NewTable([]string{"A", "B", "C"}, []mse.Pattern{1, 2, 3, 4, 5, 6, 7}, []int{40, 30, 10, 2, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	res, err := mse.Estimate(context.Background(), tab, loglin.Main{}, &mse.Options{Interval: mse.IntervalConditional})
	if err != nil {
		t.Fatal(err)
	}
	html := render(t, &Input{Result: res, Table: tab}, true)
	if !strings.Contains(html, "fewer than 3") {
		t.Error("list C (2 people) is not withheld")
	}
	internal := render(t, &Input{Result: res, Table: tab}, false)
	if strings.Contains(internal, "fewer than 3") {
		t.Error("the internal report withholds a list")
	}
}

func TestNotEstimable(t *testing.T) {
	res := &mse.Result{Lists: []string{"A", "B"}, Observed: 12, Status: "not_estimable", Reason: "no overlap between the lists", Method: "main"}
	html := render(t, &Input{Result: res}, false)
	if !strings.Contains(html, "not estimable") || !strings.Contains(html, "no overlap between the lists") {
		t.Error("not-estimable result not explained")
	}
	for _, id := range Sections {
		if !strings.Contains(html, `<section id="`+id+`"`) {
			t.Errorf("section %q missing", id)
		}
	}
}

func TestMismatchedTable(t *testing.T) {
	in := fixture(t)
	other, _ := mse.NewTable([]string{"X", "Y"}, []mse.Pattern{1, 2, 3}, []int{1, 2, 3})
	in.Table = other
	if err := Render(&bytes.Buffer{}, in, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("Render with another table: %v, want ErrMismatch", err)
	}
	if err := Render(&bytes.Buffer{}, &Input{}, nil); !errors.Is(err, ErrNoResult) {
		t.Errorf("Render without a result: %v", err)
	}
}

// TestEstimateJSONOnly renders from the estimate alone: the sections that
// need the table say how to get them instead.
func TestEstimateJSONOnly(t *testing.T) {
	in := fixture(t)
	in.Table, in.Linkage, in.Strata, in.Result.Bootstrap = nil, nil, nil, nil
	html := render(t, in, false)
	for _, want := range []string{"give them with --table", "--interval bca", "not broken down by stratum", "No linkage report"} {
		if !strings.Contains(html, want) {
			t.Errorf("report without table lacks the note %q", want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := render(t, fixture(t), true), render(t, fixture(t), true)
	if a != b {
		t.Error("two renderings of the same input differ")
	}
}

// TestOpenLimitShownAsOpen: an open bootstrap upper limit is said to be
// open in the headline; no other method's number takes its place.
func TestOpenLimitShownAsOpen(t *testing.T) {
	lo95, lo80, hi80 := 8.0, 9.0, 25.0
	est, dark := 12.0, 5.0
	res := &mse.Result{Lists: []string{"A", "B", "C"}, Observed: 7, Status: "ok", Method: "stepwise", Estimate: &est, DarkFigure: &dark,
		Intervals: mse.Intervals{
			{Method: "bca", Quantile: 0.025, Value: &lo95}, {Method: "bca", Quantile: 0.1, Value: &lo80},
			{Method: "bca", Quantile: 0.9, Value: &hi80}, {Method: "bca", Quantile: 0.975, Note: "open: this limit falls among bootstrap replicates whose estimate is unbounded"},
		}}
	for _, publish := range []bool{false, true} {
		html := render(t, &Input{Result: res}, publish)
		want := "at least 8 with 95% confidence; the data cannot bound it above"
		if publish {
			want = "at least 10 with 95% confidence; the data cannot bound it above" // estimates rounded to 10
		}
		if !strings.Contains(html, want) {
			t.Errorf("publish=%v: the open 95%% limit is not said to be open", publish)
		}
		if strings.Contains(html, "log-normal") || strings.Contains(html, "The 95% interval is log") {
			t.Errorf("publish=%v: another method's interval appears", publish)
		}
	}
}

// TestInvalidEstimateRefused: a hand-edited estimate with an absurd,
// negative or reversed number is refused, not rendered.
func TestInvalidEstimateRefused(t *testing.T) {
	mk := func(est, lo, hi float64) *mse.Result {
		dark := est - 10
		return &mse.Result{Lists: []string{"A", "B"}, Observed: 10, Status: "ok", Estimate: &est, DarkFigure: &dark,
			Intervals: mse.Intervals{{Method: "bca", Quantile: 0.025, Value: &lo}, {Method: "bca", Quantile: 0.975, Value: &hi}}}
	}
	for name, r := range map[string]*mse.Result{
		"huge":     mk(1e308, 11, 12),
		"negative": mk(-5, 11, 12),
		"reversed": mk(20, 30, 15),
		"below n":  mk(20, 3, 30),
	} {
		if err := Render(&bytes.Buffer{}, &Input{Result: r}, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if err := Render(&bytes.Buffer{}, &Input{Result: mk(20, 15, 30)}, nil); err != nil {
		t.Errorf("valid result refused: %v", err)
	}
}

func TestFmtInt(t *testing.T) {
	for n, want := range map[int]string{0: "0", 12: "12", 999: "999", 1000: "1,000", 25311: "25,311", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := fmtInt(n); got != want {
			t.Errorf("fmtInt(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestListBarsLabelled checks that each bar of the list plot carries its
// own list's count (the plot draws the first list on top).
func TestListBarsLabelled(t *testing.T) {
	h, err := hbarPlot("t", "x", []string{"A", "B", "C"}, []float64{5, 50, 500}, []string{"5", "50", "500"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	// vgsvg writes text in drawing order: the labels follow the bars from
	// the bottom (C) up, so "500" comes before "50" before "5".
	i500, i50, i5 := strings.Index(s, ">500<"), strings.Index(s, ">50<"), strings.Index(s, ">5<")
	if i500 < 0 || i50 < 0 || i5 < 0 || !(i500 < i50 && i50 < i5) {
		t.Errorf("labels not in bar order: %d %d %d", i500, i50, i5)
	}
}

// posteriorResult is a Bayesian result as a Markov chain method reports
// it: synthetic draws and diagnostics (the report only shows them).
func posteriorResult(converged bool) *mse.Result {
	traces := make([][]float64, 4)
	var draws []float64
	for c := range traces {
		for i := range 200 {
			x := 1000 + float64((i*37+c*11)%100)
			if !converged && c == 3 {
				x += 2000 // a chain in another mode
			}
			traces[c] = append(traces[c], x)
			draws = append(draws, x)
		}
	}
	res := &mse.Result{Lists: []string{"A", "B", "C"}, Observed: 800, Method: "latent-class",
		Diagnostics: &mse.Diagnostics{Chains: 4, RHat: 1.004, ESSBulk: 731, ESSTail: 655, Traces: traces,
			Other: map[string]float64{"draws_per_chain": 200}}}
	if !converged {
		res.Status, res.Reason = mse.StatusNotConverged, "the 4 chains do not agree: R̂ of N is 1.9"
		res.Diagnostics.RHat = 1.9
		return res
	}
	est, dark := 1049.5, 249.5
	lo, hi := 1002.0, 1097.0
	res.Status, res.Estimate, res.DarkFigure = mse.StatusOK, &est, &dark
	res.Posterior = &mse.Posterior{Quantiles: map[string]float64{"0.025": lo, "0.5": est, "0.975": hi}, Mean: 1049, Median: est, Mode: 1050,
		Draws: draws, Classes: []mse.ClassCount{{Classes: 1, Share: 0.75}, {Classes: 2, Share: 0.25}}}
	res.Intervals = mse.Intervals{mse.Limit("posterior", 0.025, &lo, false, ""), mse.Limit("posterior", 0.975, &hi, false, "")}
	return res
}

func TestPosteriorSection(t *testing.T) {
	html := render(t, &Input{Result: posteriorResult(true)}, false)
	for _, want := range []string{`<section id="posterior"`, `id="posterior-verdict"`, "The 4 chains agree: R̂ is 1.004",
		"731 independent ones", `aria-label="Posterior distribution of the total"`, `aria-label="Trace of the total in each chain"`,
		`id="posterior-table"`, `id="posterior-classes"`, "75.0%", "the median of the posterior distribution"} {
		if !strings.Contains(html, want) {
			t.Errorf("report of a converged posterior lacks %q", want)
		}
	}
	html = render(t, &Input{Result: posteriorResult(false)}, false)
	for _, want := range []string{"not converged", "The 4 chains disagree, so the estimate is not reported: R̂ is 1.900", `aria-label="Trace of the total in each chain"`} {
		if !strings.Contains(html, want) {
			t.Errorf("report of chains that disagree lacks %q", want)
		}
	}
	if strings.Contains(html, `aria-label="Posterior distribution of the total"`) || strings.Contains(html, `id="posterior-table"`) {
		t.Error("the report shows a posterior of chains that disagree")
	}
	// Results without a posterior say how to get one.
	html = render(t, fixture(t), false)
	if !strings.Contains(html, "--method latent-class") {
		t.Error("a log-linear report does not say where a posterior comes from")
	}
}

// TestComparisonSection: the report shows Result.Comparison as given,
// rows, intervals and warnings, and rounds it when publishing.
func TestComparisonSection(t *testing.T) {
	in := fixture(t)
	e1, lo1, hi1 := 13444.1, 11985.1, 15165.9
	e2, lo2 := 30623.2, 8772.2
	in.Result.Comparison = &mse.Comparison{
		Rows: []mse.ComparisonRow{
			{Procedure: "auto/conditional", Estimate: in.Result.Estimate},
			{Procedure: "Mt/profile", Estimate: &e1, Lower95: &lo1, Upper95: &hi1, IntervalMethod: "profile", Conditional: true},
			{Procedure: "Mth-Gamma3.5/profile", Estimate: &e2, Lower95: &lo2, Open95: true, IntervalMethod: "profile", Conditional: true},
			{Procedure: "latent-class/posterior", Status: mse.StatusNotConverged, Reason: "the chains disagree"},
		},
		Warnings: []string{"The data show signs that some people are much harder to find than others."},
	}
	html := render(t, in, false)
	for _, want := range []string{`id="comparison-table"`, "11,985 – 15,166", "at least 8,772 (no upper limit)", "not converged", "the chains disagree", "much harder to find than others"} {
		if !strings.Contains(html, want) {
			t.Errorf("comparison section lacks %q", want)
		}
	}
	round := func(x float64) string { return fmtInt(int(math.Round(disclosure.RoundEstimate(x)))) }
	if pub := render(t, in, true); strings.Contains(pub, "11,985") || !strings.Contains(pub, round(lo1)+" – "+round(hi1)) {
		t.Error("published comparison not rounded as the other estimates are")
	}
}

// TestAssumptionsSection: the estimate under "the unseen are k times
// harder to find" as given, with its sentence.
func TestAssumptionsSection(t *testing.T) {
	in := fixture(t)
	e1, e2 := *in.Result.Estimate, *in.Result.Estimate*1.9
	in.Result.Assumptions = &mse.AssumptionSensitivity{Model: "[123,25,34]",
		Points:   []mse.AssumptionPoint{{Harder: 1, Estimate: e1, KWay: &mse.KWayRefit{Estimate: e1}}, {Harder: 2, Estimate: e2, KWay: &mse.KWayRefit{Estimate: e1 * 1.08}}, {Harder: 0.5, Estimate: e1 * 0.6}},
		Sentence: "If the people no agency saw are half as likely to be found as the model assumes for them, the total is about 48,092 rather than 25,311."}
	html := render(t, in, false)
	for _, want := range []string{`id="assumptions-table"`, "half as likely to be found", "2 times as hard", "2 times as easy", "Gerritse"} {
		if !strings.Contains(html, want) {
			t.Errorf("assumptions section lacks %q", want)
		}
	}
	if pub := render(t, in, true); strings.Contains(pub, "48,092") {
		t.Error("the published report quotes an exact estimate")
	}
}

// TestPosteriorSectionExactDistribution: an exact posterior on a grid
// (graph averaging) is drawn as a curve; without diagnostics there is no
// verdict on chains.
func TestPosteriorSectionExactDistribution(t *testing.T) {
	res := posteriorResult(true)
	res.Diagnostics = nil
	res.Posterior.Draws = nil
	for n := 900.0; n <= 1200; n += 10 {
		res.Posterior.Distribution = append(res.Posterior.Distribution, mse.Mass{N: n, Probability: math.Exp(-(n - 1050) * (n - 1050) / 2000)})
	}
	html := render(t, &Input{Result: res}, false)
	if !strings.Contains(html, `aria-label="Posterior distribution of the total"`) || !strings.Contains(html, "posterior probability of each total") {
		t.Error("no plot of the exact posterior")
	}
	if strings.Contains(html, `id="posterior-verdict"`) || strings.Contains(html, "Trace of the total") {
		t.Error("a verdict on chains without chains")
	}
}
