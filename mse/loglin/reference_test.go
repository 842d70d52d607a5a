package loglin

// Comparisons with the R reference packages on every published data set
// (testdata/*.csv), using the outputs in testdata/reference (R 4.2.2,
// SparseMSE 2.0.1, Rcapture 1.4-4, MultipleSystemsEstimation 1.2.0 at
// commit 4f09409; provenance in testdata/reference/README.md). A missing
// file fails the test. Deterministic numbers must agree to a relative 1e-6
// (DESIGN.md invariant 5).

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/refdata"
	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

const refTol = 1e-6

type jsonObj = map[string]any

func loadRef(t *testing.T, file string) jsonObj {
	t.Helper()
	b, err := os.ReadFile(refdata.Reference(t, file))
	if err != nil {
		t.Fatal(err)
	}
	var m jsonObj
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

func loadDataset(t *testing.T, name string) *mse.Table {
	t.Helper()
	return readTestTable(t, refdata.Dataset(t, name))
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		switch x {
		case "Inf":
			return math.Inf(1)
		case "-Inf":
			return math.Inf(-1)
		}
	}
	return math.NaN()
}

func obj(v any) jsonObj { m, _ := v.(jsonObj); return m }
func arr(v any) []any   { a, _ := v.([]any); return a }

func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, s := range x {
			out = append(out, fmt.Sprint(s))
		}
	case string:
		out = []string{x}
	}
	return out
}

func closeRel(got, want, tol float64) bool {
	if want == 0 {
		return math.Abs(got) <= tol
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}

func countsByCode(t *mse.Table) []float64 {
	c := t.Cells()
	y := make([]float64, len(c))
	for i, v := range c {
		y[i] = float64(v)
	}
	return y
}

func allPairsModel(k int) mse.Model {
	m, _ := mse.NewModel(k, pairsOf(k))
	return m
}

// TestReferenceChecks compares existence codes, LP optima and rank
// deficiencies with SparseMSE's checkident and MSE-R's check_extended_MLE
// for the main-effects and all-pairs models of every data set.
func TestReferenceChecks(t *testing.T) {
	for _, ds := range refdata.Datasets {
		t.Run(ds, func(t *testing.T) {
			tab := loadDataset(t, ds)
			y := countsByCode(tab)
			sp := loadRef(t, "sparsemse_"+ds+".json")
			mr := loadRef(t, "mser_"+ds+".json")
			cases := []struct {
				model    mse.Model
				sp, mser jsonObj
			}{
				{mse.MainEffects(tab.K()), obj(obj(sp["checkident"])["main_effects"]), obj(obj(mr["check_extended_MLE"])["main_effects"])},
				{allPairsModel(tab.K()), obj(obj(sp["checkident"])["all_two_way"]), obj(obj(mr["check_extended_MLE"])["all_pairs"])},
			}
			for _, c := range cases {
				ch, err := loglinear.CheckModel(tab.K(), c.model.Terms(), y)
				if err != nil {
					t.Fatalf("%s: %v", c.model, err)
				}
				if want := int(num(c.sp["ierr"])); ch.Code != want {
					t.Errorf("%s: code %d, SparseMSE checkident %d", c.model, ch.Code, want)
				}
				if want := int(num(c.mser["code"])); ch.Code != want {
					t.Errorf("%s: code %d, MSE-R %d", c.model, ch.Code, want)
				}
				if want := num(c.sp["lp_objval"]); !closeRel(ch.LPObjective, want, refTol) {
					t.Errorf("%s: LP optimum %.12g, SparseMSE %.12g", c.model, ch.LPObjective, want)
				}
				if want := int(num(c.sp["rankdef"])); ch.RankDeficiency != want {
					t.Errorf("%s: rank deficiency %d, SparseMSE %d", c.model, ch.RankDeficiency, want)
				}
				if want := int(num(c.mser["n_cells_lp"])); len(ch.KeptCells) != want {
					t.Errorf("%s: %d cells in the LP, MSE-R %d", c.model, len(ch.KeptCells), want)
				}
			}
		})
	}
}

// TestReferenceMainFit compares the main-effects glm with SparseMSE's
// modelfit (coefficients, standard errors, deviance, df, AIC, estimate).
func TestReferenceMainFit(t *testing.T) {
	for _, ds := range refdata.Datasets {
		t.Run(ds, func(t *testing.T) {
			tab := loadDataset(t, ds)
			ref := obj(loadRef(t, "sparsemse_"+ds+".json")["modelfit_main"])
			f, err := FitModel(tab, mse.MainEffects(tab.K()), nil)
			if err != nil {
				t.Fatal(err)
			}
			coef, se := obj(ref["coefficients"]), obj(ref["std_errors"])
			for i, term := range f.Terms {
				name := mse.TermName(term, tab.Lists)
				if !closeRel(f.Coef[i], num(coef[name]), refTol) {
					t.Errorf("coef %s = %.12g, R %.12g", name, f.Coef[i], num(coef[name]))
				}
				if !closeRel(f.StdErr[i], num(se[name]), refTol) {
					t.Errorf("SE %s = %.12g, R %.12g", name, f.StdErr[i], num(se[name]))
				}
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"deviance", f.Deviance, num(ref["deviance"])},
				{"AIC", f.AIC, num(ref["aic_adjusted"])},
				{"estimate", f.Estimate, num(ref["estimate"])},
				{"intercept variance", f.InterceptVar, num(ref["intercept_var"])},
			} {
				if !closeRel(c.got, c.want, refTol) {
					t.Errorf("%s = %.12g, R %.12g", c.what, c.got, c.want)
				}
			}
			if f.DF != int(num(ref["df_residual"])) {
				t.Errorf("df %d, R %v", f.DF, ref["df_residual"])
			}
		})
	}
}

// TestReferenceEstimatePopulation0 compares every estimatepopulation.0 call
// (stepwise at several thresholds, main effects, all pairs): the chosen
// terms in the order added, the empty overlaps, the point estimate and
// every quantile of the conditional interval, df and AIC.
func TestReferenceEstimatePopulation0(t *testing.T) {
	for _, ds := range refdata.Datasets {
		t.Run(ds, func(t *testing.T) {
			tab := loadDataset(t, ds)
			for _, e := range arr(loadRef(t, "sparsemse_"+ds+".json")["estimatepopulation.0"]) {
				entry := obj(e)
				label := fmt.Sprint(entry["label"])
				args := obj(entry["args"])
				opts := &mse.Options{TopModels: 1, Interval: mse.IntervalConditional, Quantiles: []float64{0.025, 0.975}}
				if q, ok := args["quantiles"]; ok {
					opts.Quantiles = nil
					for _, v := range arr(q) {
						opts.Quantiles = append(opts.Quantiles, num(v))
					}
				}
				sw := Stepwise{}
				if p, ok := args["pthresh"]; ok {
					sw.PThresh = num(p)
				}
				var meth mse.Method = sw
				fixed := false
				switch {
				case args["method"] == "main" || label == "main effects":
					meth = Main{}
				case args["method"] == "fixed" || strings.HasPrefix(label, "fixed, all two-list"):
					meth, fixed = Fixed{Model: allPairsModel(tab.K()).String()}, true
				}
				res, err := mse.Estimate(context.Background(), tab, meth, opts)
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				if entry["skipped"] != nil {
					if res.Estimated() {
						t.Errorf("%s: R refused (%v) but we estimate %v", label, entry["skipped"], *res.Estimate)
					}
					continue
				}
				if !res.Estimated() {
					t.Errorf("%s: not estimable: %s", label, res.Reason)
					continue
				}
				est := obj(entry["estimate"])
				if want := num(est["point est."]); !closeRel(*res.Estimate, want, refTol) {
					t.Errorf("%s: estimate %.10g, R %.10g", label, *res.Estimate, want)
				}
				for _, iv := range res.Intervals {
					key := fmt.Sprintf("%g%%", iv.Quantile*100)
					want := num(est[key])
					if iv.Value == nil || !closeRel(*iv.Value, want, refTol) {
						t.Errorf("%s: quantile %s = %v, R %.10g", label, key, iv.Value, want)
					}
				}
				// Terms in order added (stepwise) or as fitted, and the empty
				// overlaps reported separately, as SparseMSE does.
				var added []string
				if res.Selection != nil {
					added = res.Selection.Added
				} else {
					for _, tm := range res.Model.Terms {
						added = append(added, strings.Join(tm, ":"))
					}
				}
				var nonEmpty []string
				empties := map[string]bool{}
				for _, em := range res.Fit.EmptyMargins {
					empties[strings.Join(em, ":")] = true
				}
				for _, a := range added {
					if !empties[a] {
						nonEmpty = append(nonEmpty, a)
					}
				}
				wantTerms := strs(entry["two_list_terms"])
				if fixed {
					slices.Sort(wantTerms)
					slices.Sort(nonEmpty)
				}
				if !slices.Equal(nonEmpty, wantTerms) {
					t.Errorf("%s: terms %v, R %v", label, nonEmpty, wantTerms)
				}
				wantEmpty := strs(entry["empty_overlap_terms"])
				if len(wantEmpty) != len(empties) {
					t.Errorf("%s: empty overlaps %v, R %v", label, res.Fit.EmptyMargins, wantEmpty)
				}
				for _, w := range wantEmpty {
					if !empties[w] {
						t.Errorf("%s: empty overlap %s missing", label, w)
					}
				}
				if want := int(num(entry["df_residual"])); res.Fit.DF != want {
					t.Errorf("%s: df %d, R %d", label, res.Fit.DF, want)
				}
				if want := num(entry["aic_adjusted"]); !closeRel(res.Fit.AIC, want, refTol) {
					t.Errorf("%s: AIC %.10g, R %.10g", label, res.Fit.AIC, want)
				}
			}
		})
	}
}

// TestReferenceStepwiseTrace replays SparseMSE's stepwise search: every
// candidate's observed and expected overlap, p-value and check code, and
// each step's decision.
func TestReferenceStepwiseTrace(t *testing.T) {
	for _, ds := range refdata.Datasets {
		t.Run(ds, func(t *testing.T) {
			tab := loadDataset(t, ds)
			tr := obj(loadRef(t, "sparsemse_"+ds+".json")["stepwise_trace"])
			sw, err := SelectStepwise(tab, num(tr["pthresh"]))
			if err != nil {
				t.Fatal(err)
			}
			steps := arr(tr["steps"])
			if len(steps) != len(sw.Steps) {
				t.Fatalf("%d steps, R %d", len(sw.Steps), len(steps))
			}
			for i, s := range steps {
				rs, got := obj(s), sw.Steps[i]
				cands := arr(rs["candidates"])
				if len(cands) != len(got.Candidates) {
					t.Fatalf("step %d: %d candidates, R %d", i+1, len(got.Candidates), len(cands))
				}
				for j, c := range cands {
					rc, gc := obj(c), got.Candidates[j]
					name := mse.TermName(gc.Pair, tab.Lists)
					if name != rc["pair"] {
						t.Fatalf("step %d candidate %d: %s, R %v", i+1, j+1, name, rc["pair"])
					}
					if gc.Observed != int(num(rc["observed"])) || gc.Code != int(num(rc["checkident"])) {
						t.Errorf("step %d %s: observed %d code %d, R %v %v", i+1, name, gc.Observed, gc.Code, rc["observed"], rc["checkident"])
					}
					if !closeRel(gc.Expected, num(rc["expected"]), refTol) {
						t.Errorf("step %d %s: expected %.12g, R %.12g", i+1, name, gc.Expected, num(rc["expected"]))
					}
					if !closeRel(gc.P, num(rc["p_used"]), refTol) {
						t.Errorf("step %d %s: p %.12g, R %.12g", i+1, name, gc.P, num(rc["p_used"]))
					}
				}
				if mse.TermName(got.Best, tab.Lists) != rs["best_pair"] || got.Added != (rs["action"] == "add") {
					t.Errorf("step %d: best %s added %v, R %v %v", i+1, mse.TermName(got.Best, tab.Lists), got.Added, rs["best_pair"], rs["action"])
				}
			}
		})
	}
}

// TestReferenceMSER compares MSE-R's auto, bic and stepwise runs (nboot =
// 0): the chosen model, estimate, BIC and AIC, the number of valid models,
// and the top-10 ranking.
func TestReferenceMSER(t *testing.T) {
	for _, ds := range refdata.Datasets {
		t.Run(ds, func(t *testing.T) {
			tab := loadDataset(t, ds)
			runs := obj(loadRef(t, "mser_"+ds+".json")["runs"])
			for _, run := range []string{"auto_nboot0", "bic_nboot0", "stepwise_nboot0"} {
				ref := obj(runs[run])
				var method mse.Method
				switch strings.TrimSuffix(run, "_nboot0") {
				case "auto":
					method = Auto{}
				case "bic":
					method = Search{Criterion: BIC}
				default:
					method = Stepwise{}
				}
				if ref == nil {
					continue
				}
				res, err := mse.Estimate(context.Background(), tab, method, &mse.Options{Interval: mse.IntervalNone})
				if ref["error"] != nil && ref["error"] != "" || ref["popest"] == nil {
					if err == nil && res.Estimated() {
						t.Errorf("%s: R failed (%v) but we estimate", run, ref["error"])
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", run, err)
				}
				if !res.Estimated() {
					t.Errorf("%s: not estimable: %s", run, res.Reason)
					continue
				}
				if res.Model.Notation != ref["model"] {
					t.Errorf("%s: model %s, R %v", run, res.Model.Notation, ref["model"])
				}
				for _, c := range []struct {
					what      string
					got, want float64
				}{
					{"estimate", *res.Estimate, num(ref["popest"])},
					{"BIC", res.Fit.BIC, num(ref["BIC"])},
					{"AIC", res.Fit.AIC, num(ref["AIC"])},
				} {
					if !closeRel(c.got, c.want, refTol) {
						t.Errorf("%s: %s %.12g, R %.12g", run, c.what, c.got, c.want)
					}
				}
				if ref["n_models_valid"] != nil {
					if res.Selection.Valid != int(num(ref["n_models_valid"])) || res.Selection.Candidates != int(num(ref["n_models_catalogue"])) {
						t.Errorf("%s: %d of %d models valid, R %v of %v", run, res.Selection.Valid, res.Selection.Candidates, ref["n_models_valid"], ref["n_models_catalogue"])
					}
					for i, tm := range arr(ref["top10"]) {
						rt := obj(tm)
						if i >= len(res.TopModels) {
							t.Errorf("%s: only %d top models", run, len(res.TopModels))
							break
						}
						g := res.TopModels[i]
						if g.Notation != rt["model"] || !closeRel(g.BIC, num(rt["BIC"]), refTol) || !closeRel(g.Estimate, num(rt["abundance"]), refTol) {
							t.Errorf("%s: top %d: %s BIC %.10g N %.10g, R %v %.10g %.10g", run, i+1, g.Notation, g.BIC, g.Estimate, rt["model"], num(rt["BIC"]), num(rt["abundance"]))
						}
					}
				}
			}
		})
	}
}

// TestReferenceCatalogue checks that mse.HierarchicalModels enumerates exactly
// MSE-R's catalogue for K = 2..5 at every order.
func TestReferenceCatalogue(t *testing.T) {
	b, err := os.ReadFile(refdata.Reference(t, "mser_hiermodels_k2-5.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ k, order int }
	want := map[key][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, "\t")
		var k, order int
		fmt.Sscan(f[0], &k)
		fmt.Sscan(f[2], &order)
		for o := order; o <= k; o++ {
			want[key{k, o}] = append(want[key{k, o}], f[3])
		}
	}
	for kk, names := range want {
		if kk.order >= kk.k {
			continue
		}
		var got []string
		for _, m := range mse.HierarchicalModels(kk.k, kk.order) {
			got = append(got, m.String())
		}
		slices.Sort(got)
		slices.Sort(names)
		if !slices.Equal(got, names) {
			t.Errorf("K=%d order ≤ %d: %d models, MSE-R %d", kk.k, kk.order, len(got), len(names))
		}
	}
}

// TestReferenceProfileThroughEstimate checks the profile interval that
// Estimate attaches to a selected log-linear model against Rcapture's
// closedpCI.t for the same model: main effects (Mt), all pairs, and the
// stepwise model. Rcapture's tolerance is 1e-4 on N (optimize/uniroot), so
// the limits are compared to a relative 1e-4.
func TestReferenceProfileThroughEstimate(t *testing.T) {
	for _, ds := range refdata.Datasets {
		t.Run(ds, func(t *testing.T) {
			tab := loadDataset(t, ds)
			for _, e := range arr(loadRef(t, "rcapture_"+ds+".json")["closedpCI.t"]) {
				entry := obj(e)
				ci := obj(entry["profile_CI"])
				label := fmt.Sprint(entry["label"])
				if ci == nil {
					continue
				}
				opts := &mse.Options{Interval: mse.IntervalProfile, Quantiles: []float64{0.025, 0.975}}
				var meth mse.Method
				switch {
				case strings.HasPrefix(label, "Mt (main"):
					meth = Main{}
				case strings.HasPrefix(label, "Mt + all two-way"):
					meth = Fixed{Model: allPairsModel(tab.K()).String()}
				case strings.HasPrefix(label, "Mt + SparseMSE stepwise"):
					meth = Stepwise{}
				default:
					continue
				}
				res, err := mse.Estimate(context.Background(), tab, meth, opts)
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				if !res.Estimated() {
					// R's fits here are not estimable by our rules (e.g.
					// artificial_3 all pairs: not identifiable).
					t.Logf("%s: not estimable (%s); R gave [%v, %v]", label, res.Reason, ci["infCL"], ci["supCL"])
					continue
				}
				if len(res.Intervals) != 2 {
					t.Fatalf("%s: %d limits (%v)", label, len(res.Intervals), res.Warnings)
				}
				if want := num(ci["infCL"]); res.Intervals[0].Value == nil || !closeRel(*res.Intervals[0].Value, want, 1e-4) {
					t.Errorf("%s: lower %v, R %.6g", label, res.Intervals[0].Value, want)
				}
				up := res.Intervals[1]
				if want := num(ci["supCL"]); up.Value != nil && !closeRel(*up.Value, want, 1e-4) {
					t.Errorf("%s: upper %.6g, R %.6g", label, *up.Value, want)
				} else if up.Value == nil && !strings.HasPrefix(up.Note, "open") {
					t.Errorf("%s: upper limit missing without a note", label)
				}
			}
		})
	}
}
