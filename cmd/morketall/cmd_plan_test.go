package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/morketall/morketall/mse/study"
)

func planJSON(t *testing.T, args ...string) *study.PlanResult {
	t.Helper()
	var r study.PlanResult
	if err := json.Unmarshal([]byte(mustRun(t, append(append([]string{"plan"}, args...), "--json")...)), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func simulateJSON(t *testing.T, args ...string) *study.SimulationResult {
	t.Helper()
	var r study.SimulationResult
	if err := json.Unmarshal([]byte(mustRun(t, append(append([]string{"simulate"}, args...), "--json")...)), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestPlanPilotAgreesWithSimulateFrom: plan on a pilot table and
// simulate --from on it estimate the same figures. With the same seed
// they are the same numbers. With other seeds, 300 tables each, they
// differ by Monte Carlo error only: each of the four comparisons (the
// share not estimable, the relative bias, the 95% coverage and the median
// half-width) fails when the two differ by more than 3.5 standard errors
// of their difference, which two-sided happens by chance with probability
// 4.7e-4 each, under 0.2% for the four.
func TestPlanPilotAgreesWithSimulateFrom(t *testing.T) {
	const table = "../../testdata/ukdat_5.csv"
	same := planJSON(t, "--pilot", table, "--procedure", "stepwise/conditional", "--reps", "50", "--seed", "3")
	sim := simulateJSON(t, "--from", table, "--procedures", "stepwise/conditional", "--reps", "50", "--seed", "3")
	if d := cmp.Diff(sim.Summaries[0], same.Points[0].Summary); d != "" {
		t.Errorf("same seed: summary (-simulate +plan):\n%s", d)
	}

	plan := planJSON(t, "--pilot", table, "--procedure", "stepwise/conditional", "--reps", "300", "--seed", "1")
	sim = simulateJSON(t, "--from", table, "--procedures", "stepwise/conditional", "--reps", "300", "--seed", "2")
	pt := plan.Points[0]
	if pt.N != sim.Population.N || pt.Reps != 300 || pt.Population.Model != sim.Population.Model {
		t.Fatalf("plan of N %d, %d tables, model %s; simulation of N %d, model %s", pt.N, pt.Reps, pt.Population.Model, sim.Population.N, sim.Population.Model)
	}
	// The simulation's figures, computed here from its replicates.
	var rel, hw []float64
	cov, intervals := 0, 0
	for _, r := range sim.Replicates {
		if r.Estimate == nil {
			continue
		}
		truth := float64(r.Truth)
		rel = append(rel, (*r.Estimate-truth)/truth)
		if r.Lower95 == nil {
			continue
		}
		intervals++
		hi := math.Inf(1)
		if r.Upper95 != nil {
			hi = *r.Upper95
		}
		if *r.Lower95 <= truth && truth <= hi {
			cov++
		}
		hw = append(hw, (hi-*r.Lower95)/(2**r.Estimate))
	}
	z := func(name string, a, b, seA, seB float64) {
		se := math.Hypot(seA, seB)
		if se == 0 {
			if a != b {
				t.Errorf("%s: plan %v, simulate %v, no Monte Carlo error", name, a, b)
			}
			return
		}
		if d := math.Abs(a-b) / se; d > 3.5 {
			t.Errorf("%s: plan %v, simulate %v: %.1f standard errors apart", name, a, b, d)
		}
	}
	n := float64(sim.Reps)
	ne := 1 - float64(len(rel))/n
	z("not estimable", pt.NotEstimable.Rate, ne, pt.NotEstimable.SE, math.Sqrt(ne*(1-ne)/n))
	var m, ss float64
	for _, v := range rel {
		m += v
	}
	m /= float64(len(rel))
	for _, v := range rel {
		ss += (v - m) * (v - m)
	}
	z("relative bias", pt.RelBias.Mean, m, pt.RelBias.SE, math.Sqrt(ss/float64(len(rel)-1)/float64(len(rel))))
	c := float64(cov) / float64(intervals)
	z("95% coverage", pt.Coverage95.Rate, c, pt.Coverage95.SE, math.Sqrt(c*(1-c)/float64(intervals)))
	slices.Sort(hw)
	med := (hw[len(hw)/2-1] + hw[len(hw)/2]) / 2
	if pt.HalfWidth.Median == nil || pt.HalfWidth.SE == nil {
		t.Fatalf("half-width %+v", pt.HalfWidth)
	}
	// The same number of tables: the simulation's median has about the
	// plan's standard error.
	z("median half-width", *pt.HalfWidth.Median, med, *pt.HalfWidth.SE, *pt.HalfWidth.SE)
	t.Logf("plan: no estimate %.3f, bias %+.4f, coverage %.3f, ±%.4f; simulate: %.3f, %+.4f, %.3f, ±%.4f",
		pt.NotEstimable.Rate, pt.RelBias.Mean, pt.Coverage95.Rate, *pt.HalfWidth.Median, ne, m, c, med)
}

func TestPlanWritesFiles(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "plan", "--list-sizes", "100,100,100,100", "--list-sizes", "100,100,100,100,80", "--size", "1000,2000",
		"--procedure", "main/conditional", "--reps", "30", "--outdir", dir)
	if !strings.Contains(out, "30 simulated tables behind every figure") {
		t.Errorf("stdout:\n%s", out)
	}
	rows := readCSV(t, filepath.Join(dir, "plan.csv"))
	if len(rows) != 1+4 || rows[1][0] != "1" || rows[4][2] != "5" || rows[4][1] != "2000" {
		t.Fatalf("plan.csv: %v", rows)
	}
	for _, f := range []string{"plan.svg", "plan-coverage.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !strings.Contains(string(b), "<svg") {
			t.Errorf("%s: %v", f, err)
		}
	}
	var m struct {
		Command string `json:"command"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "plan.manifest.json"))
	if err != nil || json.Unmarshal(b, &m) != nil || m.Command != "plan" {
		t.Fatalf("manifest %s %v", b, err)
	}
}
