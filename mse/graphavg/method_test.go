package graphavg

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/testflags"
	"github.com/morketall/morketall/mse"
)

// Through the driver: the estimate is dga's posterior median, the default
// interval is the posterior one at dga's quantiles, and the top models
// are dga's heaviest graphs with their weights (relative 1e−6) and their
// conditional quantiles, mean (1e−6) and mode. Reference: dga 2.0.2 on
// R 4.2.2, the calls of testdata/reference/README.md.
func TestEstimateMatchesDGA(t *testing.T) {
	for _, name := range dgaSets {
		t.Run(name, func(t *testing.T) {
			if name == "ned_5" || name == "ukdat_5" {
				// TestEngineMatchesDGA checks them in the short suite.
				testflags.RequireLong(t)
			}
			ref := readDGA(t, name)
			tab := readTable(t, name)
			// artificial_3's list C overlaps neither A nor B: dga reports a
			// posterior all the same, and so do we when allowed.
			m := Method{AllowDisconnected: name == "artificial_3"}
			r, err := mse.Estimate(context.Background(), tab, m, &mse.Options{Quantiles: []float64{0.025, 0.1, 0.9, 0.975}})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			if !r.Estimated() || *r.Estimate != ref.Quantiles["50%"] {
				t.Fatalf("estimate %v (%s), dga's median %g", r.Estimate, r.Reason, ref.Quantiles["50%"])
			}
			if r.Options.Interval != "posterior" || len(r.Intervals) != 4 {
				t.Fatalf("intervals %+v", r.Intervals)
			}
			for _, iv := range r.Intervals {
				want := ref.Quantiles[strconv.FormatFloat(100*iv.Quantile, 'g', -1, 64)+"%"]
				if iv.Method != "posterior" || iv.Conditional || iv.Value == nil || *iv.Value != want {
					t.Errorf("limit %+v, dga %g", iv, want)
				}
			}
			p := r.Posterior
			if p == nil || relErr(p.Mean, ref.Mean) > 1e-6 || relErr(p.SD, ref.SD) > 1e-6 || p.Mode != ref.Mode || p.Median != ref.Quantiles["50%"] {
				t.Fatalf("posterior %+v", p)
			}
			if len(r.TopModels) != min(10, len(ref.TopModels)) {
				t.Fatalf("%d top models", len(r.TopModels))
			}
			for i, tm := range r.TopModels {
				rt := ref.TopModels[i]
				md, err := mse.ParseModel(tm.Notation, tab.Lists)
				if err != nil {
					t.Fatal(err)
				}
				var cl []uint16
				for _, g := range md.Generators() {
					cl = append(cl, uint16(g))
				}
				if cliqueKey(cl) != cliqueKey(parseCliques(t, rt.Cliques)) {
					t.Errorf("rank %d: %s, dga %s", i+1, tm.Notation, rt.Cliques)
					continue
				}
				if relErr(tm.Weight, rt.Weight) > 1e-6 {
					t.Errorf("rank %d weight %.10g, dga %.10g", i+1, tm.Weight, rt.Weight)
				}
				if tm.Estimate != rt.CondQ["50%"] || tm.Conditional95[0] != rt.CondQ["2.5%"] || tm.Conditional95[1] != rt.CondQ["97.5%"] {
					t.Errorf("rank %d conditional %g %v, dga %v", i+1, tm.Estimate, tm.Conditional95, rt.CondQ)
				}
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The grid's end is dga's Nmissing range: a shorter grid gives the
// reference's truncation_sensitivity rows (quantiles exact, mean and sd
// to 1e−6).
func TestTruncationMatchesDGA(t *testing.T) {
	names := []string{"artificial_3", "kosovo"}
	if testflags.Long() {
		names = append(names, "ukdat_5")
	}
	for _, name := range names {
		ref := readDGA(t, name)
		tab := readTable(t, name)
		for _, row := range ref.Truncation {
			f, err := Method{MaxMissing: row.MaxMissing, AllowDisconnected: true}.Fit(context.Background(), tab)
			if err != nil {
				t.Fatal(err)
			}
			post := f.(*fit).post
			for k, v := range row.Quantiles {
				if got := post.quantile(qkey(t, k)); float64(got) != v {
					t.Errorf("%s grid %d: quantile %s %d, dga %g", name, row.MaxMissing, k, got, v)
				}
			}
			if relErr(post.mean(), row.Mean) > 1e-6 || relErr(post.sd(), row.SD) > 1e-6 {
				t.Errorf("%s grid %d: mean %g sd %g, dga %g %g", name, row.MaxMissing, post.mean(), post.sd(), row.Mean, row.SD)
			}
		}
	}
}

// A quantile at the grid's last point is an open limit: the posterior
// beyond the grid is cut off.
func TestLimitAtGridEnd(t *testing.T) {
	// A posterior on N = 10, 11, 12 with probabilities 0.5, 0.3, 0.2: its
	// 97.5% quantile is the grid's last point.
	f := &fit{n: 10, post: dist{n: 10, p: []float64{0.5, 0.3, 0.2}}}
	iv, _, err := f.Intervals(context.Background(), mse.IntervalPosterior, []float64{0.025, 0.5, 0.975})
	if err != nil {
		t.Fatal(err)
	}
	if *iv[0].Value != 10 || *iv[1].Value != 10 || iv[2].Value != nil || !strings.Contains(iv[2].Note, "end of the grid") {
		t.Fatalf("%+v", iv)
	}
	if _, _, err := f.Intervals(context.Background(), mse.IntervalProfile, []float64{0.5}); !errors.Is(err, mse.ErrNoInterval) {
		t.Errorf("profile: %v", err)
	}
	// A posterior still rising at the grid's end gives no estimate.
	f = &fit{n: 10, post: dist{n: 10, p: []float64{0.2, 0.3, 0.5}}}
	if _, err := f.Estimate(); !errors.Is(err, mse.ErrNotEstimable) || !strings.Contains(err.Error(), "end of the grid") {
		t.Errorf("rising posterior: %v", err)
	}
	tab := readTable(t, "kosovo")
	r, err := mse.Estimate(context.Background(), tab, Method{MaxMissing: 3000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Options.Settings["nmissing_max"] != 3000 || r.Options.Settings["graphs"] != "all" || r.Options.Settings["graphs_enumerated"] != 61 {
		t.Errorf("settings %v", r.Options.Settings)
	}
}

func TestDisconnectedLists(t *testing.T) {
	// Lists A and B share cases, C shares none with either.
	tab, err := mse.NewTable([]string{"A", "B", "C"}, []mse.Pattern{0b001, 0b010, 0b011, 0b100}, []int{30, 40, 10, 25})
	if err != nil {
		t.Fatal(err)
	}
	r, err := mse.Estimate(context.Background(), tab, Method{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mse.StatusNotEstimable || !strings.Contains(r.Reason, "{C}") || !strings.Contains(r.Reason, "C overlaps no other list") {
		t.Fatalf("status %s: %s", r.Status, r.Reason)
	}
	if !errors.Is(r.Err(), mse.ErrNotEstimable) {
		t.Fatal(r.Err())
	}
	r, err = mse.Estimate(context.Background(), tab, Method{AllowDisconnected: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Estimated() || len(r.Warnings) == 0 || !strings.Contains(strings.Join(r.Warnings, " "), "share no case") {
		t.Fatalf("allowed: %s %v", r.Status, r.Warnings)
	}
}

func TestSettings(t *testing.T) {
	tab := readTable(t, "hiv")
	for _, m := range []Method{{Delta: -1}, {Delta: math.NaN()}, {MaxMissing: -1}, {Prior: "jeffreys"}, {Chains: 1}, {ExactMaxLists: 9}} {
		if _, err := m.Fit(context.Background(), tab); !errors.Is(err, mse.ErrOptions) {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if _, err := (Method{LogPrior: func(int) float64 { return math.Inf(-1) }}).Fit(context.Background(), tab); !errors.Is(err, mse.ErrOptions) {
		t.Errorf("infinite prior: %v", err)
	}
	// A uniform prior weighs large N more than 1/N does.
	inv, _ := Method{}.Fit(context.Background(), tab)
	uni, _ := Method{Prior: PriorUniform}.Fit(context.Background(), tab)
	if a, b := inv.(*fit).post.mean(), uni.(*fit).post.mean(); !(b > a) {
		t.Errorf("uniform prior mean %g not above 1/N's %g", b, a)
	}
	// The same prior given as a function gives the same posterior.
	fn, _ := Method{LogPrior: func(int) float64 { return 0 }}.Fit(context.Background(), tab)
	if fn.(*fit).post.mean() != uni.(*fit).post.mean() {
		t.Error("LogPrior 0 differs from PriorUniform")
	}
	// A graph prior that rules out all but the independence graph gives
	// that graph's conditional posterior.
	only := Method{GraphLogPrior: func(c []mse.Term) float64 {
		if len(c) == 4 {
			return 0
		}
		return -1e4
	}}
	f, _ := only.Fit(context.Background(), tab)
	ref := readDGA(t, "hiv")
	for _, tm := range ref.TopModels {
		if tm.Cliques == "[1][2][3][4]" {
			if got := f.(*fit).post.mean(); relErr(got, tm.CondMean) > 1e-6 {
				t.Errorf("independence only: mean %g, dga's conditional mean %g", got, tm.CondMean)
			}
		}
	}
}
