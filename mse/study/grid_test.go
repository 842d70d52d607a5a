package study

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/morketall/morketall/mse/loglin"
)

const testGrid = `{
  "name": "test",
  "scenarios": ["pairwise"],
  "capture": [0.1, [0.2, 0.1, 0.15]],
  "lists": [3, 4],
  "sizes": [300, 600],
  "dependence": [0, "1:2=1"],
  "heterogeneity": [0, 1],
  "linkage_errors": [{"missed": 0, "false": 0}, {"missed": 0.1, "false": 0}],
  "procedures": ["main/conditional", "stepwise/profile"],
  "reps": 4
}`

func readTestGrid(t *testing.T, s string) *Grid {
	t.Helper()
	g, err := ReadGrid(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGridCells(t *testing.T) {
	g := readTestGrid(t, testGrid)
	if g.NBoot != 1000 || g.Scheme != SchemeMultinomial || g.Reps != 4 {
		t.Fatalf("defaults: %+v", g)
	}
	cells, err := g.Cells()
	if err != nil {
		t.Fatal(err)
	}
	// Populations: pairwise × 2 lists × 2 sizes = 4; capture 0.1 × 2
	// lists × 2 dependence × 2 heterogeneity × 2 sizes = 16; the vector
	// (3 lists) × 2 × 2 × 2 = 8. Each × 2 linkage errors × 2 procedures.
	if len(cells) != (4+16+8)*4 {
		t.Fatalf("%d cells", len(cells))
	}
	for i, c := range cells {
		if c.Cell != i+1 {
			t.Fatalf("cell %d numbered %d", i+1, c.Cell)
		}
	}
	want := []GridCell{
		{Cell: 1, Scenario: "pairwise", Lists: 3, N: 300, Procedure: "main/conditional"},
		{Cell: 2, Scenario: "pairwise", Lists: 3, N: 300, Procedure: "stepwise/profile"},
		{Cell: 3, Scenario: "pairwise", Lists: 3, N: 300, Missed: 0.1, Procedure: "main/conditional"},
		{Cell: 5, Scenario: "pairwise", Lists: 3, N: 600, Procedure: "main/conditional"},
		{Cell: 9, Scenario: "pairwise", Lists: 4, N: 300, Procedure: "main/conditional"},
		{Cell: 17, Lists: 3, N: 300, Capture: []float64{0.1, 0.1, 0.1}, Dependence: &Dependence{}, Procedure: "main/conditional"},
		{Cell: 21, Lists: 3, N: 600, Capture: []float64{0.1, 0.1, 0.1}, Dependence: &Dependence{}, Procedure: "main/conditional"},
		{Cell: 25, Lists: 3, N: 300, Capture: []float64{0.1, 0.1, 0.1}, Dependence: &Dependence{}, Heterogeneity: 1, Procedure: "main/conditional"},
		{Cell: 33, Lists: 3, N: 300, Capture: []float64{0.1, 0.1, 0.1}, Dependence: &Dependence{Pairs: []PairDependence{{1, 2, 1}}}, Procedure: "main/conditional"},
		{Cell: 49, Lists: 4, N: 300, Capture: []float64{0.1, 0.1, 0.1, 0.1}, Dependence: &Dependence{}, Procedure: "main/conditional"},
		{Cell: 81, Lists: 3, N: 300, Capture: []float64{0.2, 0.1, 0.15}, Dependence: &Dependence{}, Procedure: "main/conditional"},
		{Cell: 112, Lists: 3, N: 600, Capture: []float64{0.2, 0.1, 0.15}, Dependence: &Dependence{Pairs: []PairDependence{{1, 2, 1}}}, Heterogeneity: 1, Missed: 0.1, Procedure: "stepwise/profile"},
	}
	for _, w := range want {
		if d := cmp.Diff(w, cells[w.Cell-1]); d != "" {
			t.Errorf("cell %d (-want +got):\n%s", w.Cell, d)
		}
	}
	if got := ShardCells(10, 3, 4); !cmp.Equal(got, []int{3, 7}) {
		t.Errorf("ShardCells(10, 3, 4) = %v", got)
	}
	if got := ShardCells(2, 3, 4); len(got) != 0 {
		t.Errorf("ShardCells(2, 3, 4) = %v", got)
	}
	// An empty shard runs nothing.
	if got := runAll(t, g, ShardCells(2, 3, 4), 1); len(got) != 0 {
		t.Errorf("an empty shard ran %d cells", len(got))
	}
}

// TestGridDigest: layout and defaults written out do not change the
// digest; a setting does.
func TestGridDigest(t *testing.T) {
	a := readTestGrid(t, `{"scenarios": ["sparse"], "procedures": ["main/none"]}`)
	b := readTestGrid(t, `{
		"procedures": ["main/none"], "scenarios": ["sparse"], "reps": 200,
		"nboot": 1000, "scheme": "multinomial", "linkage_errors": [{"missed": 0, "false": 0}]}`)
	c := readTestGrid(t, `{"scenarios": ["sparse"], "procedures": ["main/none"], "reps": 201}`)
	if a.SHA256() == "" || a.SHA256() != b.SHA256() {
		t.Errorf("digests %s and %s", a.SHA256(), b.SHA256())
	}
	if a.SHA256() == c.SHA256() {
		t.Error("reps does not change the digest")
	}
}

func TestReadGridErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"scenarios": ["sparse"]}`, "no procedures"},
		{`{"procedures": ["main/none"]}`, "give scenarios or capture"},
		{`{"capture": [0.1], "lists": [3], "procedures": ["main/none"]}`, "need sizes"},
		{`{"capture": [0.1], "sizes": [100], "procedures": ["main/none"]}`, "needs lists"},
		{`{"scenarios": ["sparse"], "dependence": [1], "procedures": ["main/none"]}`, "apply to capture"},
		{`{"scenarios": ["sparse"], "procedures": ["main/none"], "reps": -1}`, "reps must be"},
		{`{"scenarios": ["sparse"], "procedures": ["main/none"], "scheme": "x"}`, "scheme must be"},
		{`{"scenarios": ["sparse"], "procedures": ["main/none"], "sizes": [0]}`, "sizes entry 1"},
		{`{"capture": [1.5], "lists": [3], "sizes": [9], "procedures": ["main/none"]}`, "capture entry 1"},
		{`{"capture": [[0.1]], "sizes": [9], "procedures": ["main/none"]}`, "one probability per list"},
		{`{"scenarios": ["sparse"], "procedures": ["main/none"], "linkage_errors": [{"missed": 2}]}`, "linkage_errors entry 1"},
		{"{\n  \"scenarios\": [\"sparse\"],\n  \"bogus\": 1}", `line 3, column 3: unknown field "bogus"`},
		{"{\n  \"scenarios\": [\"sparse\"],\n  \"reps\": \"many\"}", `line 3, column 17: field "reps": want int`},
		{"{\n  \"scenarios\": [\"sparse\" \"x\"]}", `line 2, column 26: not valid JSON`},
		{`{"scenarios": ["sparse"], "procedures": ["main/none"]} {}`, "more than one"},
	} {
		_, err := ReadGrid(strings.NewReader(tc.in))
		if err == nil || !errors.Is(err, ErrGrid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"scenarios": ["nosuch"], "procedures": ["main/none"]}`, "unknown scenario"},
		{`{"scenarios": ["sparse-4"], "lists": [5], "procedures": ["main/none"]}`, "names 4 lists"},
		{`{"scenarios": ["sparse"], "lists": [2], "procedures": ["main/none"]}`, "3 to 8 lists"},
		{`{"scenarios": ["sparse"], "procedures": ["main"]}`, "method/interval"},
		{`{"scenarios": ["sparse"], "procedures": ["main/none", "main/none"]}`, "given twice"},
		{`{"scenarios": ["sparse"], "procedures": ["main/none"], "settings": {"pthresh": "0.1"}}`, "applies to none"},
		{`{"scenarios": ["sparse"], "procedures": ["stepwise/none"], "settings": {"bogus": "1"}}`, "unknown setting"},
		{`{"scenarios": ["sparse"], "procedures": ["stepwise/none"], "settings": {"pthresh": "x"}}`, `"pthresh"`},
		{`{"capture": [0.1], "lists": [3], "sizes": [9], "dependence": ["3:4=1"], "procedures": ["main/none"]}`, "list beyond the 3 lists"},
	} {
		g, err := ReadGrid(strings.NewReader(tc.in))
		if err == nil {
			_, err = g.Cells()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestGridSettings: the settings reach the procedures as flags would.
func TestGridSettings(t *testing.T) {
	g := readTestGrid(t, `{"scenarios": ["independence-3"], "procedures": ["stepwise/none"], "settings": {"pthresh": "0.5"}}`)
	procs, err := g.GridProcedures()
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := procs[0].Method.(loglin.Stepwise); !ok || m.PThresh != 0.5 {
		t.Errorf("method %#v", procs[0].Method)
	}
}

func runAll(t *testing.T, g *Grid, which []int, seed uint64) []CellResult {
	t.Helper()
	var out []CellResult
	err := RunGrid(context.Background(), g, which, &GridOptions{Seed: &seed}, func(c *CellResult) error {
		out = append(out, *c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGridCellIsSimulate: a cell of a named scenario is Simulate with the
// same settings and seed, whatever else the grid holds.
func TestGridCellIsSimulate(t *testing.T) {
	g := readTestGrid(t, testGrid)
	got := runAll(t, g, []int{6}, 7)
	pop, err := NewScenario("pairwise", &ScenarioOptions{Lists: 3, N: 600})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProcedure("stepwise/profile", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := uint64(7)
	res, err := Simulate(context.Background(), pop, []Procedure{p}, &SimulationOptions{Reps: 4, RunOptions: RunOptions{Seed: &s}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(res.Summaries[0], got[0].Summary); d != "" {
		t.Errorf("summary (-simulate +grid):\n%s", d)
	}
	if d := cmp.Diff(res.Replicates, got[0].Replicates); d != "" {
		t.Errorf("replicates (-simulate +grid):\n%s", d)
	}
}

// TestGridShardsMerge: the grid run as 3 shards, the parts written as
// JSON and read back, merges into the unsharded run's result, byte for
// byte; and merges are refused for missing, duplicated and foreign parts.
func TestGridShardsMerge(t *testing.T) {
	g := readTestGrid(t, strings.Replace(testGrid, `"reps": 4`, `"reps": 3`, 1))
	cells, _ := g.Cells()
	full := &GridResult{Grid: g, GridSHA256: g.SHA256(), Seed: 5, Cells: runAll(t, g, ShardCells(len(cells), 1, 1), 5)}
	if len(full.Cells) != len(cells) {
		t.Fatalf("%d of %d cells", len(full.Cells), len(cells))
	}
	var parts []*Part
	for i := 1; i <= 3; i++ {
		p := NewPart(g, 5, i, 3, "v1")
		p.Cells = runAll(t, g, ShardCells(len(cells), i, 3), 5)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Part
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, &back)
	}
	merged, err := MergeParts([]*Part{parts[2], parts[0], parts[1]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jf, _ := json.Marshal(full)
	jm, _ := json.Marshal(merged)
	if string(jf) != string(jm) {
		t.Fatal("the merged parts differ from the unsharded run")
	}

	clone := func(p *Part, edit func(*Part)) *Part {
		b, _ := json.Marshal(p)
		var q Part
		json.Unmarshal(b, &q)
		edit(&q)
		return &q
	}
	other := readTestGrid(t, strings.Replace(testGrid, `"reps": 4`, `"reps": 2`, 1))
	for _, tc := range []struct {
		parts []*Part
		want  string
	}{
		{[]*Part{parts[0], parts[2]}, "missing shard 2 of 3"},
		{[]*Part{parts[0]}, "missing shards 2, 3 of 3"},
		{[]*Part{parts[0], parts[1], parts[1], parts[2]}, "both shard 2 of 3"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Seed = 6 })}, "another seed (6, not 5)"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.ToolVersion = "v2" })}, "another version of morketall (v2, not v1)"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Grid, p.GridSHA256 = other, other.SHA256() })}, "another grid"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Grid.Reps = 9 })}, "does not match its digest"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Shards = 4 })}, "4 shards, not 3"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Cells = p.Cells[1:] })}, "holds"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Cells[0].N = 1 })}, "is not cell 3"},
		{[]*Part{parts[0], parts[1], clone(parts[2], func(p *Part) { p.Format = "x" })}, "not a part file"},
		{nil, "no parts"},
	} {
		_, err := MergeParts(tc.parts, nil)
		if err == nil || !errors.Is(err, ErrMerge) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
	if _, err := MergeParts([]*Part{parts[0], parts[0]}, []string{"a.json", "b.json"}); err == nil || !strings.Contains(err.Error(), `"a.json" and "b.json" are both shard 1`) {
		t.Errorf("names: %v", err)
	}
}

// TestSimulateLinkageErrors: missed links inflate the estimate of the
// independence model. With 40 tables of an N = 2000 population the
// relative error of the mean estimate is below 1%, and 10% missed links
// move it up by about 20%, so the check cannot fail by chance; zero rates
// give the tables as drawn.
func TestSimulateLinkageErrors(t *testing.T) {
	pop, err := NewScenario("independence-4", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ParseProcedure("main/none", nil)
	run := func(missed, falseRate float64) *SimulationResult {
		res, err := Simulate(context.Background(), pop, []Procedure{p}, &SimulationOptions{Reps: 40, Missed: missed, False: falseRate})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	plain, zero, missed, falsel := run(0, 0), run(0, 0), run(0.1, 0), run(0, 0.1)
	if d := cmp.Diff(plain, zero); d != "" {
		t.Fatal(d)
	}
	if r := missed.Summaries[0].MeanEstimate / plain.Summaries[0].MeanEstimate; !(r > 1.1) {
		t.Errorf("missed links: mean estimate ratio %v", r)
	}
	if r := falsel.Summaries[0].MeanEstimate / plain.Summaries[0].MeanEstimate; !(r < 0.95) {
		t.Errorf("false links: mean estimate ratio %v", r)
	}
	if missed.Replicates[0].Observed <= plain.Replicates[0].Observed || missed.Missed != 0.1 {
		t.Errorf("observed %d with missed links, %d without", missed.Replicates[0].Observed, plain.Replicates[0].Observed)
	}
	if _, err := Simulate(context.Background(), pop, []Procedure{p}, &SimulationOptions{Reps: 1, Missed: 2}); err == nil {
		t.Error("a rate of 2 was accepted")
	}
}

// TestExampleGridFile: the README's example grid reads and enumerates.
func TestExampleGridFile(t *testing.T) {
	f, err := os.Open("../../testdata/grid.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := ReadGrid(f)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := g.Cells()
	// 10 sparse populations (2 numbers of lists × 5 sizes) and 40
	// structures (2 × 2 dependence × 2 heterogeneity × 5 sizes), each
	// with 2 linkage-error rates and 2 procedures.
	if err != nil || len(cells) != 200 {
		t.Fatalf("%d cells, %v", len(cells), err)
	}
}
