package rcapture

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/profile"
)

// These tests use the fixtures in ../testdata, so they run on a fresh
// clone. ukdat_5.csv is the UK 2013 table of potential victims of modern
// slavery, five lists (B. W. Silverman 2014, "Modern slavery: an
// application of multiple systems estimation", UK Home Office, Table 1 with
// PF and NCA merged; SparseMSE UKdat_5). artificial_3.csv is the
// artificial table of Chan, Silverman and Vincent (2021, JASA 116,
// Table 2). The expected numbers were computed with R 4.2.2 and Rcapture
// 1.4-4 (closedp.t and closedpCI.t with their defaults); they are printed,
// rounded, from
// testdata/reference/rcapture_<dataset>.json.

// rcFixture reads a table from ../testdata.
func rcFixture(tb testing.TB, path string) *mse.Table {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return tab
}

type rcWant struct {
	est, se, dev float64
	df           int
	aic, bic     float64
}

func rcExpect(t *testing.T, name string, r *Result, w rcWant, tol float64) {
	t.Helper()
	if !r.Estimable {
		t.Errorf("%s: not estimable: %s", name, r.Reason)
		return
	}
	got := []float64{r.Estimate, r.StdErr, r.Deviance, r.AIC, r.BIC}
	want := []float64{w.est, w.se, w.dev, w.aic, w.bic}
	for i, q := range []string{"N", "SE", "deviance", "AIC", "BIC"} {
		if e := rcRelErr(got[i], want[i]); e > tol {
			t.Errorf("%s: %s = %.12g, R %.12g (rel err %.2g)", name, q, got[i], want[i], e)
		}
	}
	if r.DF != w.df {
		t.Errorf("%s: df = %d, R %d", name, r.DF, w.df)
	}
}

func TestRcaptureClosedpUKdat5(t *testing.T) {
	tab := rcFixture(t, "../../testdata/ukdat_5.csv")
	all, err := All(tab)
	if err != nil {
		t.Fatal(err)
	}
	// R 4.2.2, Rcapture 1.4-4: closedp.t(ukdat_5), all ten models
	// (rcapture_ukdat_5.json, closedp.t.models). Tolerance: relative 1e-6.
	want := map[Model]rcWant{
		M0:          {14832.2160195275, 903.084035290786, 1459.13905265637, 29, 1550.38629982973, 1562.22064380742},
		Mt:          {13444.1312090139, 806.929676855002, 118.531629289399, 25, 217.778876462761, 253.281908395836},
		MhChao:      {14962.7541371254, 919.034854283733, 1457.44114158946, 28, 1550.68838876282, 1568.43990472936},
		MhPoisson2:  {15131.3932238284, 2389.03443348049, 1459.12046298507, 28, 1552.36771015843, 1570.11922612497},
		MhDarroch:   {14299.9488111582, 4345.45746867849, 1459.12395149818, 28, 1552.37119867154, 1570.12271463808},
		MhGamma35:   {13540.087062517, 6054.52224619572, 1459.09688890248, 28, 1552.34413607584, 1570.09565204238},
		MthChao:     {13570.0268009403, 821.291762601506, 116.073358048174, 24, 217.320605221537, 258.740809143457},
		MthPoisson2: {14572.4480457244, 2263.07651855378, 118.228437649142, 24, 219.475684822504, 260.895888744424},
		MthDarroch:  {14649.6601850503, 4489.02660688276, 118.450295415256, 24, 219.697542588618, 261.117746510538},
		MthGamma35:  {14715.3774646154, 6737.24865489793, 118.491850468328, 24, 219.739097641691, 261.159301563611},
	}
	if len(all) != len(want) {
		t.Fatalf("%d models, want %d", len(all), len(want))
	}
	var names []string
	for _, r := range all {
		names = append(names, r.Model)
		rcExpect(t, r.Model, r, want[Model(r.Model)], 1e-6)
		if len(r.Warnings) != 0 {
			t.Errorf("%s: warnings %q; R gives none", r.Model, r.Warnings)
		}
	}
	wantNames := []string{"M0", "Mt", "Mh-Chao", "Mh-Poisson2", "Mh-Darroch", "Mh-Gamma3.5",
		"Mth-Chao", "Mth-Poisson2", "Mth-Darroch", "Mth-Gamma3.5"}
	if d := cmp.Diff(wantNames, names); d != "" {
		t.Errorf("model order (-want +got):\n%s", d)
	}
	// The Mt coefficients (closedpCI.t(ukdat_5, m = "Mt"), coefficients).
	mt := all[1]
	wantCoef := []float64{9.27801128289948, -4.95598670990061, -3.12284893890267,
		-2.35142668025889, -2.75107101235909, -3.66387685964778}
	for j, c := range mt.Coef {
		if e := rcRelErr(c.Estimate, wantCoef[j]); e > 1e-6 {
			t.Errorf("Mt %s = %.12g, R %.12g", c.Name, c.Estimate, wantCoef[j])
		}
	}
	// R's asymptotic bias for Mt (closedpCI.t, $bias): 46.6893510855575.
	if e := rcRelErr(mt.Bias, 46.6893510855575); e > 1e-6 {
		t.Errorf("Mt bias = %.12g, R 46.6893510855575", mt.Bias)
	}
}

func TestRcaptureProfileUKdat5(t *testing.T) {
	tab := rcFixture(t, "../../testdata/ukdat_5.csv")
	m0, _ := FitModel(tab, M0)
	mt, _ := FitModel(tab, Mt)
	var all [][2]int
	for i := 0; i < 5; i++ {
		for j := i + 1; j < 5; j++ {
			all = append(all, [2]int{i, j})
		}
	}
	pairs, err := Custom(tab, all)
	if err != nil {
		t.Fatal(err)
	}
	// SparseMSE's stepwise choice, in the order it added the terms.
	step, err := Custom(tab, [][2]int{{0, 1}, {1, 4}, {2, 4}, {0, 2}, {3, 4}, {1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if step.Formula != "~ . + c1:c2 + c2:c5 + c3:c5 + c1:c3 + c4:c5 + c2:c4" {
		t.Errorf("formula %q", step.Formula)
	}
	if d := cmp.Diff([]string{"lambda1_5"}, pairs.EmptyTerms); d != "" {
		t.Errorf("empty terms (-want +got):\n%s", d)
	}
	// R 4.2.2, Rcapture 1.4-4: closedpCI.t(ukdat_5, m = "M0" / "Mt" /
	// mX = ~ .^2 / mX = <stepwise formula>), Poisson fit (relative 1e-6)
	// and 95% profile interval Nmult [infCL, supCL] (relative 1e-4, R's
	// optimize/uniroot tolerance). For ~ .^2 R's glm holds lambda1_5 at
	// −18.1 instead of −∞; N̂, deviance and df agree with the cell-removal
	// fit (df 15 counts lambda1_5 as R does).
	for _, c := range []struct {
		r                   *Result
		fit                 rcWant
		nmult, lower, upper float64
	}{
		{m0, rcWant{14832.2160195275, 903.084035290786, 1459.13905265637, 29, 1550.38629982973, 1562.22064380742},
			14825.9745809203, 13199.7855987885, 16759.9302830474},
		{mt, rcWant{13444.1312090139, 806.929676855002, 118.531629289399, 25, 217.778876462761, 253.281908395836},
			13437.9203230713, 11985.1155928947, 15165.8988695184},
		{pairs, rcWant{11232.5313692255, 3526.89442746375, 10.5299427254989, 15, 129.777189898861, 224.451941720394},
			11051.6074263646, 6154.73331165777, 20761.438759572},
		{step, rcWant{11312.9902894352, 802.726351614041, 16.3513834034514, 19, 127.598630576814, 198.604694442963},
			11303.8709160843, 9889.19554350361, 13063.0963759664},
	} {
		rcExpect(t, c.r.Model, c.r, c.fit, 1e-6)
		ci, err := c.r.ProfileInterval(nil)
		if err != nil {
			t.Errorf("%s: %v", c.r.Model, err)
			continue
		}
		for _, q := range []struct {
			name      string
			got, want float64
		}{{"Nmult", ci.Nmult, c.nmult}, {"lower", ci.Lower, c.lower}, {"upper", ci.Upper, c.upper}} {
			if e := rcRelErr(q.got, q.want); e > 1e-4 {
				t.Errorf("%s: %s = %.10g, R %.10g (rel err %.2g)", c.r.Model, q.name, q.got, q.want, e)
			}
		}
		if ci.LowerAtN || ci.UpperOpen || ci.Label != profile.Label || ci.Alpha != 0.05 {
			t.Errorf("%s: %+v", c.r.Model, ci)
		}
	}
}

// TestProfileIntervalDesign checks that the exported design-level function
// gives the same interval as the model's method, for Mt written as a
// hierarchical design (main effects, SparseMSE's parametrisation).
func TestProfileIntervalDesign(t *testing.T) {
	tab := rcFixture(t, "../../testdata/ukdat_5.csv")
	mt, _ := FitModel(tab, Mt)
	want, err := mt.ProfileInterval(nil)
	if err != nil {
		t.Fatal(err)
	}
	cells := loglinear.AllCells(5)
	d := loglinear.HierarchicalDesign(cells, loglinear.Closure([]loglinear.Term{1, 2, 4, 8, 16}))
	counts := tab.Cells()
	y := make([]float64, len(cells))
	for i, c := range cells {
		y[i] = float64(counts[c])
	}
	got, err := profile.Interval(d, y, tab.N(), mt.Estimate, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range [][2]float64{{got.Nmult, want.Nmult}, {got.Lower, want.Lower}, {got.Upper, want.Upper}} {
		if rcRelErr(q[0], q[1]) > 1e-9 {
			t.Errorf("design-level interval %+v, model-level %+v", got, want)
			break
		}
	}
	// Other levels: the 80% interval lies inside the 95% one.
	ci80, err := profile.Interval(d, y, tab.N(), mt.Estimate, &profile.Options{Alpha: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if !(want.Lower < ci80.Lower && ci80.Lower < ci80.Nmult && ci80.Nmult < ci80.Upper && ci80.Upper < want.Upper) {
		t.Errorf("80%% interval %+v not inside 95%% interval %+v", ci80, want)
	}

	// Invalid input.
	bad := []struct {
		name string
		call func() error
	}{
		{"short y", func() error { _, err := profile.Interval(d, y[1:], tab.N(), mt.Estimate, nil); return err }},
		{"n not the sum", func() error { _, err := profile.Interval(d, y, tab.N()+1, mt.Estimate, nil); return err }},
		{"nhat below n", func() error { _, err := profile.Interval(d, y, tab.N(), 100, nil); return err }},
		{"alpha 1", func() error {
			_, err := profile.Interval(d, y, tab.N(), mt.Estimate, &profile.Options{Alpha: 1})
			return err
		}},
		{"fmax 2", func() error {
			_, err := profile.Interval(d, y, tab.N(), mt.Estimate, &profile.Options{FmaxSupCL: 2})
			return err
		}},
		{"no intercept", func() error {
			d2 := loglinear.HierarchicalDesign(cells, []loglinear.Term{1, 2, 4, 8, 16})
			_, err := profile.Interval(d2, y, tab.N(), mt.Estimate, nil)
			return err
		}},
	}
	for _, b := range bad {
		if err := b.call(); !errors.Is(err, profile.ErrInterval) {
			t.Errorf("%s: err = %v, want profile.ErrInterval", b.name, err)
		}
	}
}

// TestProfileChaoSolvesCutoff has no R reference (closedpCI.t was not run
// with h = "Chao"); it checks that the limits solve the defining equation
// with the negative-eta rule applied at every N.
func TestProfileChaoSolvesCutoff(t *testing.T) {
	tab := rcFixture(t, "../../testdata/ukdat_5.csv")
	r, _ := FitModel(tab, MthChao)
	ci, err := r.ProfileInterval(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(tab.N())
	if !(n < ci.Lower && ci.Lower < ci.Nmult && ci.Nmult < ci.Upper && !ci.LowerAtN && !ci.UpperOpen) {
		t.Fatalf("interval %+v", ci)
	}
	ll := func(N float64) float64 {
		l, err := r.prof.LogLik(N)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	cut := ll(ci.Nmult) - profile.CutOff(0.05)
	for _, x := range []float64{ci.Lower, ci.Upper} {
		// |ℓ'| is about 1e-3 here; the root is within 1e-4 in N.
		if d := math.Abs(ll(x) - cut); d > 1e-5 {
			t.Errorf("ℓ(%.6f) − cut-off = %.3g", x, d)
		}
	}
}

// TestProfileFlags has no R reference: it checks the flags on a small
// invented table where few are missed (n = 125, N̂ = 127.04, SE 1.6), so
// that the profile likelihood at N = n is within χ²₁(0.95)/2 of its
// maximum and there is no lower limit above n. The open upper limit is
// checked against R on neworl, neworl_5 and western in
// TestRcaptureReference.
func TestProfileFlags(t *testing.T) {
	tab, err := mse.NewTable([]string{"A", "B", "C"}, []mse.Pattern{7, 3, 5, 6, 1, 2, 4}, []int{50, 20, 20, 20, 5, 5, 5})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := FitModel(tab, M0)
	ci, err := r.ProfileInterval(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ci.LowerAtN || ci.Lower != 125 || ci.UpperOpen || !(ci.Nmult > 125 && ci.Upper > ci.Nmult) {
		t.Errorf("interval %+v", ci)
	}
	if len(ci.Warnings) == 0 || !strings.Contains(ci.Warnings[0], "set to the sample size n") {
		t.Errorf("warnings %q", ci.Warnings)
	}
}

func TestRcaptureArtificial3(t *testing.T) {
	tab := rcFixture(t, "../../testdata/artificial_3.csv")
	all, err := All(tab)
	if err != nil {
		t.Fatal(err)
	}
	by := map[Model]*Result{}
	for _, r := range all {
		by[Model(r.Model)] = r
	}
	// R 4.2.2, Rcapture 1.4-4: closedp.t(artificial_3): M0 566.435277737309
	// (SE 212.925941300014, deviance 20.2347606916849, df 5, AIC
	// 43.5096443626467, BIC 48.6383407455823); Mh Chao (LB) is the same fit
	// (its eta3 is negative and dropped); Mt 539.093929428605, Mth Chao the
	// same. Both carry R's warning "the asymptotic bias is large".
	m0 := rcWant{566.435277737309, 212.925941300014, 20.2347606916849, 5, 43.5096443626467, 48.6383407455823}
	mt := rcWant{539.093929428605, 201.445363176536, 8.87254028344687, 3, 36.1474239544086, 46.40481672028}
	rcExpect(t, "M0", by[M0], m0, 1e-6)
	rcExpect(t, "Mh-Chao", by[MhChao], m0, 1e-6)
	rcExpect(t, "Mt", by[Mt], mt, 1e-6)
	rcExpect(t, "Mth-Chao", by[MthChao], mt, 1e-6)
	if d := cmp.Diff([]string{"eta3"}, by[MhChao].DroppedEta); d != "" {
		t.Errorf("Mh-Chao dropped (-want +got):\n%s", d)
	}
	for _, m := range []Model{M0, Mt} {
		if !slices.Contains(by[m].Warnings, "the asymptotic bias is large") {
			t.Errorf("%s: no large-bias warning", m)
		}
	}
	// Nobody is on all three lists: the Poisson2, Darroch and Gamma3.5
	// columns must fit that empty cell, their MLE does not exist and R
	// prints boundary values (N = 96.2, 96.0, 96.0000000448 with SE
	// 373.7, 0.36, 0.0003). We say not estimable; the boundary deviance is
	// R's 19.9793089970137 (Mh) and 8.63554846940719 (Mth).
	for _, m := range []Model{MhPoisson2, MhDarroch, MhGamma35,
		MthPoisson2, MthDarroch, MthGamma35} {
		r := by[m]
		if r.Estimable || !strings.Contains(r.Reason, "does not exist") || r.Estimate != 0 || r.StdErr != 0 {
			t.Errorf("%s: estimable %v, N %g, reason %q", m, r.Estimable, r.Estimate, r.Reason)
		}
		wantDev := 19.9793089970137
		if strings.HasPrefix(string(m), "Mth") {
			wantDev = 8.63554846940719
		}
		if rcRelErr(r.Deviance, wantDev) > 1e-6 {
			t.Errorf("%s: boundary deviance %.12g, R %.12g", m, r.Deviance, wantDev)
		}
		if _, err := r.ProfileInterval(nil); !errors.Is(err, profile.ErrInterval) {
			t.Errorf("%s: profile of a not-estimable model: err = %v", m, err)
		}
	}
	// closedpCI.t(artificial_3, mX = ~ .^2) prints N = 5.3e13: A:C and B:C
	// are empty, and at −∞ they leave 4 cells for 5 parameters.
	r, err := Custom(tab, [][2]int{{0, 1}, {0, 2}, {1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Estimable || !strings.Contains(r.Reason, "not identifiable") {
		t.Errorf("all pairs: estimable %v, reason %q", r.Estimable, r.Reason)
	}
	if d := cmp.Diff([]string{"lambda1_3", "lambda2_3"}, r.EmptyTerms); d != "" {
		t.Errorf("empty terms (-want +got):\n%s", d)
	}
	// R: closedpCI.t(artificial_3, m = "M0"), 95% profile interval
	// 558.265287095655 [298.600005095639, 1337.39402091303]; n = 96 < 100,
	// so the exact factorial form of the correction is used near n.
	ci, err := by[M0].ProfileInterval(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range [][2]float64{{ci.Nmult, 558.265287095655}, {ci.Lower, 298.600005095639}, {ci.Upper, 1337.39402091303}} {
		if rcRelErr(q[0], q[1]) > 1e-4 {
			t.Errorf("M0 profile %+v, R 558.265287095655 [298.600005095639, 1337.39402091303]", ci)
			break
		}
	}
}

func TestRcaptureInputs(t *testing.T) {
	tab := rcFixture(t, "../../testdata/ukdat_5.csv")
	if _, err := FitModel(tab, "Mb"); !errors.Is(err, ErrModel) {
		t.Errorf("Mb: err = %v, want ErrModel", err)
	}
	if _, err := ParseModel("Mh Chao (LB)"); !errors.Is(err, ErrModel) {
		t.Errorf("R's row name accepted: %v", err)
	}
	for _, m := range Models() {
		if got, err := ParseModel(string(m)); err != nil || got != m {
			t.Errorf("ParseModel(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := FitModel(nil, M0); !errors.Is(err, ErrInput) {
		t.Errorf("nil table: err = %v", err)
	}
	for _, pairs := range [][][2]int{{{0, 0}}, {{0, 5}}, {{-1, 2}}, {{0, 1}, {1, 0}}} {
		if _, err := Custom(tab, pairs); !errors.Is(err, ErrModel) {
			t.Errorf("pairs %v: err = %v, want ErrModel", pairs, err)
		}
	}
	// Two lists: Rcapture fits only M0 and Mt (and Mb).
	two, err := mse.NewTable([]string{"A", "B"}, []mse.Pattern{1, 2, 3}, []int{30, 20, 10})
	if err != nil {
		t.Fatal(err)
	}
	all, err := All(two)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		isHet := r.Model != "M0" && r.Model != "Mt"
		if isHet == r.Estimable || isHet && r.Reason == "" {
			t.Errorf("K = 2, %s: estimable %v (%s)", r.Model, r.Estimable, r.Reason)
		}
	}
	// Mt on two lists is the saturated Lincoln–Petersen model:
	// N̂ = n1 n2 / m = 40 · 30 / 10 = 120, with df 0.
	if mt := all[1]; rcRelErr(mt.Estimate, 120) > 1e-9 || mt.DF != 0 {
		t.Errorf("K = 2, Mt: N = %.12g, df %d; want 120, 0", mt.Estimate, mt.DF)
	}
}

func BenchmarkRcaptureAll(b *testing.B) {
	tab := rcFixture(b, "../../testdata/ukdat_5.csv")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := All(tab); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProfileInterval(b *testing.B) {
	tab := rcFixture(b, "../../testdata/ukdat_5.csv")
	mt, err := FitModel(tab, Mt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mt.ProfileInterval(nil); err != nil {
			b.Fatal(err)
		}
	}
}
