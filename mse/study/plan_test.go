package study

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

func ukPilot(t *testing.T) *Population {
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
	pop, err := PopulationFromMethod(context.Background(), tab, loglin.Stepwise{})
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

// TestPlanPilotIsSimulate: a plan on a pilot at its own size, with no
// configuration, is the simulation of the pilot's population with the
// same seed, figure for figure.
func TestPlanPilotIsSimulate(t *testing.T) {
	pilot := ukPilot(t)
	p, _ := ParseProcedure("stepwise/conditional", nil)
	s := uint64(11)
	plan, err := Plan(context.Background(), PlanSpec{Pilot: pilot, Procedure: p}, &PlanOptions{Reps: 60, RunOptions: RunOptions{Seed: &s}})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := Simulate(context.Background(), pilot, []Procedure{p}, &SimulationOptions{Reps: 60, RunOptions: RunOptions{Seed: &s}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Points) != 1 || plan.Points[0].N != pilot.N || plan.Pilot == nil {
		t.Fatalf("points %+v", plan.Points)
	}
	pt := plan.Points[0]
	if d := cmp.Diff(sim.Summaries[0], pt.Summary); d != "" {
		t.Errorf("summary (-simulate +plan):\n%s", d)
	}
	if pt.Reps != 60 || pt.Coverage95.Rate != sim.Summaries[0].Coverage95.Rate || pt.RelBias.Mean != sim.Summaries[0].RelBias {
		t.Errorf("plan figures %+v, simulation %+v", pt, sim.Summaries[0])
	}
	// The plan's own reduction, recomputed here from the replicates.
	var hw []float64
	for _, r := range sim.Replicates {
		if r.Estimate != nil && r.Lower95 != nil && r.Upper95 != nil {
			hw = append(hw, (*r.Upper95-*r.Lower95)/(2**r.Estimate))
		}
	}
	slices.Sort(hw)
	n := len(hw)
	med := (hw[n/2-1] + hw[n/2]) / 2
	if n%2 == 1 {
		med = hw[n/2]
	}
	if pt.HalfWidth.Median == nil || math.Abs(*pt.HalfWidth.Median-med) > 1e-12 || pt.HalfWidth.N != n {
		t.Errorf("median half-width %v of %d, want %v of %d", pt.HalfWidth.Median, pt.HalfWidth.N, med, n)
	}
	// The fitted model holds the list totals of the UK table (a
	// log-linear fit's margins are the observed ones), here scaled by
	// N / N-hat = 11313 / 11312.99.
	for j, q := range pt.ListSizes {
		if want := []float64{94, 567, 1169, 807, 336}[j]; math.Abs(q-want)/want > 2e-6 {
			t.Errorf("list %d: expected size %v, want %v", j+1, q, want)
		}
	}
}

func TestHalfWidth(t *testing.T) {
	inf := math.Inf(1)
	h := halfWidth([]float64{4, inf, 2, 1, 3})
	// Sorted 1 2 3 4 ∞: median 3, quartiles 2 and 4 (type 7), ranks
	// 5/2 ∓ √5/2 → 1 and 4: SE (4 − 1)/2.
	want := HalfWidth{Median: ptr(3), Q25: ptr(2), Q75: ptr(4), Mean: ptr(2.5), SE: ptr(1.5), N: 5, Open: 1}
	if d := cmp.Diff(want, h); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Mostly open: no median, no quartiles; the mean of the finite one.
	h = halfWidth([]float64{inf, 1, inf, inf})
	if d := cmp.Diff(HalfWidth{Mean: ptr(1), N: 4, Open: 3}, h); d != "" {
		t.Errorf("mostly open (-want +got):\n%s", d)
	}
	if h := halfWidth(nil); h.N != 0 || h.Median != nil {
		t.Errorf("empty: %+v", h)
	}
}

func ptr(v float64) *float64 { return &v }

// TestPlanListSizes: list sizes become capture probabilities at each
// population size, and a fifth list narrows the interval. With 100
// tables per point the median half-width's Monte Carlo SE is under 2% of
// it, and the fifth list of 80 narrows it by about 20% at N = 1000 (±21%
// to ±17%): the check, at 4 SEs, fails by chance far less than once in
// 10^4.
func TestPlanListSizes(t *testing.T) {
	p, _ := ParseProcedure("main/conditional", nil)
	spec := PlanSpec{Configs: []PlanConfig{{ListSizes: []float64{100, 100, 100, 100}}, {ListSizes: []float64{100, 100, 100, 100, 80}}},
		Sizes: []int{1000, 2000}, Procedure: p}
	res, err := Plan(context.Background(), spec, &PlanOptions{Reps: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 4 || res.Points[1].Config != 1 || res.Points[2].Config != 2 || res.Points[1].N != 2000 {
		t.Fatalf("points %+v", res.Points)
	}
	for _, pt := range res.Points {
		for j, q := range pt.Capture {
			if want := spec.Configs[pt.Config-1].ListSizes[j] / float64(pt.N); math.Abs(q-want) > 1e-12 {
				t.Errorf("config %d N %d list %d: capture %v, want %v", pt.Config, pt.N, j+1, q, want)
			}
		}
		if pt.HalfWidth.Median == nil || pt.HalfWidth.SE == nil || pt.NotEstimable.N != 100 {
			t.Fatalf("point %+v", pt)
		}
	}
	four, five := res.Points[0].HalfWidth, res.Points[2].HalfWidth
	if !(*five.Median < *four.Median-4*(*five.SE+*four.SE)) {
		t.Errorf("a fifth list: ±%.3f (SE %.3f) against ±%.3f (SE %.3f) with four", *five.Median, *five.SE, *four.Median, *four.SE)
	}
	// A larger population seen by lists of the same size: wider.
	if !(*res.Points[1].HalfWidth.Median > *four.Median) {
		t.Errorf("N = 2000 ±%.3f, N = 1000 ±%.3f", *res.Points[1].HalfWidth.Median, *four.Median)
	}
}

func TestPlanRefuses(t *testing.T) {
	p, _ := ParseProcedure("main/conditional", nil)
	pilot := ukPilot(t)
	for _, tc := range []struct {
		spec PlanSpec
		want string
	}{
		{PlanSpec{Procedure: p, Sizes: []int{100}}, "no list sizes"},
		{PlanSpec{Procedure: p, Configs: []PlanConfig{{ListSizes: []float64{10, 10}}}}, "no population sizes"},
		{PlanSpec{Procedure: p, Configs: []PlanConfig{{ListSizes: []float64{10, 100}}}, Sizes: []int{100}}, "list 2's expected 100 cases do not fit"},
		{PlanSpec{Procedure: p, Configs: []PlanConfig{{ListSizes: []float64{10, -1}}}, Sizes: []int{100}}, "must be positive"},
		{PlanSpec{Procedure: p, Configs: []PlanConfig{{ListSizes: []float64{10, 1}, Capture: []float64{0.1, 0.1}}}, Sizes: []int{100}}, "both"},
		{PlanSpec{Procedure: p, Configs: []PlanConfig{{ListSizes: []float64{10, 10}}}, Sizes: []int{0}}, "at least 1"},
		{PlanSpec{Procedure: p, Pilot: pilot, Heterogeneity: 1}, "a pilot table gives the structure"},
		{PlanSpec{Procedure: p, Pilot: pilot, Configs: []PlanConfig{{ListSizes: []float64{10, 10}}}}, "5 lists"},
		{PlanSpec{Configs: []PlanConfig{{ListSizes: []float64{10, 10}}}, Sizes: []int{100}}, "no procedure"},
	} {
		_, err := Plan(context.Background(), tc.spec, &PlanOptions{Reps: 2})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.spec.Configs, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrPlan) && !errors.Is(err, ErrPopulation) {
			t.Errorf("%v: not a plan or population error", err)
		}
	}
}
