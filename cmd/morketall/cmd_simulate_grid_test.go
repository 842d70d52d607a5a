package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/testflags"
)

// smallGrid has 24 cells: 2 named-scenario populations and 4 assumed
// structures, with 2 linkage-error rates and 2 procedures, 3 tables each.
const smallGrid = `{
  "name": "small",
  "scenarios": ["independence-3"],
  "capture": [0.1],
  "lists": [3],
  "sizes": [300, 600],
  "dependence": [0, 0.5],
  "linkage_errors": [{"missed": 0, "false": 0}, {"missed": 0.1, "false": 0.05}],
  "procedures": ["main/conditional", "stepwise/profile"],
  "reps": 3
}`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := runCLI(t, "", args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return stdout
}

// sameFiles fails unless the grid files of two directories are byte for
// byte the same.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range gridFiles {
		x, err1 := os.ReadFile(filepath.Join(a, f))
		y, err2 := os.ReadFile(filepath.Join(b, f))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", f, err1, err2)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s", f, a, b)
		}
	}
}

// shardAndMerge runs the grid unsharded and as n shards, merges the
// parts and compares the files.
func shardAndMerge(t *testing.T, grid string, n int) {
	dir := t.TempDir()
	full, parts, merged := filepath.Join(dir, "full"), filepath.Join(dir, "parts"), filepath.Join(dir, "merged")
	mustRun(t, "simulate", "--grid", grid, "--seed", "99", "--outdir", full)
	var names []string
	// The shards in reverse order: the order of work does not matter.
	for i := n; i >= 1; i-- {
		out := mustRun(t, "simulate", "--grid", grid, "--seed", "99", "--shard", fmt.Sprintf("%d/%d", i, n), "--outdir", parts)
		if !strings.Contains(out, fmt.Sprintf("shard %d of %d", i, n)) {
			t.Fatalf("shard %d: %s", i, out)
		}
		names = append(names, filepath.Join(parts, partName(i, n)))
	}
	mustRun(t, append([]string{"simulate", "merge", "--outdir", merged}, names...)...)
	sameFiles(t, full, merged)
	if _, err := os.Stat(filepath.Join(merged, "simulate.manifest.json")); err != nil {
		t.Error(err)
	}
	entries, _ := os.ReadDir(parts)
	for _, e := range entries {
		if strings.Contains(e.Name(), "checkpoint") {
			t.Errorf("a checkpoint was left behind: %s", e.Name())
		}
	}
}

// TestGridShardsMergeByteForByte: 24 cells as 8 shards (each of 3 cells)
// merge into the unsharded run's files, byte for byte.
func TestGridShardsMergeByteForByte(t *testing.T) {
	shardAndMerge(t, writeFile(t, t.TempDir(), "grid.json", smallGrid), 8)
}

// TestGridExample200Cells: the README's 200-cell example grid (with 20
// tables per cell instead of 100) as 8 shards equals the unsharded run.
func TestGridExample200Cells(t *testing.T) {
	testflags.RequireLong(t)
	b, err := os.ReadFile("../../testdata/grid.json")
	if err != nil {
		t.Fatal(err)
	}
	g := strings.Replace(string(b), `"reps": 100`, `"reps": 20`, 1)
	if g == string(b) {
		t.Fatal("the example grid has no \"reps\": 100")
	}
	shardAndMerge(t, writeFile(t, t.TempDir(), "grid.json", g), 8)
}

// TestGridResume: a run stopped after 5 cells leaves a checkpoint; the
// same command refuses to overwrite it, --resume runs only the other
// cells (a line cut short by the kill is dropped), and the files are
// those of an uninterrupted run, byte for byte. Sharded runs resume the
// same way.
func TestGridResume(t *testing.T) {
	dir := t.TempDir()
	grid := writeFile(t, dir, "grid.json", smallGrid)
	full, out := filepath.Join(dir, "full"), filepath.Join(dir, "out")
	mustRun(t, "simulate", "--grid", grid, "--outdir", full)

	ran := 0
	gridCellHook = func(done int) error {
		ran = done
		if done == 5 {
			return errStopped
		}
		return nil
	}
	defer func() { gridCellHook = nil }()
	_, stderr, code := runCLI(t, "", "simulate", "--grid", grid, "--outdir", out)
	if code != exitFailure || !strings.Contains(stderr, "interrupted: 5 of 24 cells are in the checkpoint") || !strings.Contains(stderr, "--resume") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ckpt := filepath.Join(out, "simulate.checkpoint.jsonl")
	b, err := os.ReadFile(ckpt)
	if err != nil || bytes.Count(b, []byte("\n")) != 6 {
		t.Fatalf("checkpoint: %d lines, %v", bytes.Count(b, []byte("\n")), err)
	}
	if fi, _ := os.Stat(ckpt); fi.Mode().Perm() != 0o600 {
		t.Errorf("checkpoint mode %v", fi.Mode().Perm())
	}
	// A kill in the middle of a line.
	f, _ := os.OpenFile(ckpt, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"cell": 6, "lists": 3, "n"`)
	f.Close()

	_, stderr, code = runCLI(t, "", "simulate", "--grid", grid, "--outdir", out)
	if code != exitFailure || !strings.Contains(stderr, "checkpoint of an interrupted run exists") {
		t.Fatalf("without --resume: exit %d: %s", code, stderr)
	}
	gridCellHook = func(done int) error { ran = done; return nil }
	_, stderr, code = runCLI(t, "", "simulate", "--grid", grid, "--outdir", out, "--resume")
	if code != exitOK || !strings.Contains(stderr, "resuming: 5 of 24 cells") {
		t.Fatalf("--resume: exit %d: %s", code, stderr)
	}
	if ran != 19 {
		t.Errorf("the resumed run ran %d cells, want 19", ran)
	}
	sameFiles(t, full, out)
	if _, err := os.Stat(ckpt); !os.IsNotExist(err) {
		t.Errorf("the checkpoint is still there: %v", err)
	}

	// A shard: stopped, resumed, then resumed again once complete.
	parts := filepath.Join(dir, "parts")
	gridCellHook = func(done int) error {
		if done == 1 {
			return errStopped
		}
		return nil
	}
	if _, stderr, code = runCLI(t, "", "simulate", "--grid", grid, "--shard", "2/4", "--outdir", parts); code != exitFailure {
		t.Fatalf("shard: exit %d: %s", code, stderr)
	}
	gridCellHook = nil
	// Another seed is another run: its checkpoint is refused.
	_, stderr, code = runCLI(t, "", "simulate", "--grid", grid, "--shard", "2/4", "--outdir", parts, "--resume", "--seed", "5")
	if code != exitFailure || !strings.Contains(stderr, "the checkpoint is of another seed (1234, not 5)") {
		t.Fatalf("another seed: exit %d: %s", code, stderr)
	}
	mustRun(t, "simulate", "--grid", grid, "--shard", "2/4", "--outdir", parts, "--resume")
	if out := mustRun(t, "simulate", "--grid", grid, "--shard", "2/4", "--outdir", parts, "--resume"); !strings.Contains(out, "complete already") {
		t.Errorf("a complete shard resumed: %s", out)
	}
	var p struct {
		Cells []struct {
			Cell int `json:"cell"`
		} `json:"cells"`
	}
	b, _ = os.ReadFile(filepath.Join(parts, "part-2-of-4.json"))
	if err := json.Unmarshal(b, &p); err != nil || len(p.Cells) != 6 || p.Cells[0].Cell != 2 || p.Cells[5].Cell != 22 {
		t.Fatalf("part 2 of 4: %+v %v", p, err)
	}
}

func TestGridErrors(t *testing.T) {
	dir := t.TempDir()
	grid := writeFile(t, dir, "grid.json", smallGrid)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--grid", grid, "--shard", "0/3", "-o", dir}, exitUsage, "--shard must be I/N"},
		{[]string{"--grid", grid, "--shard", "4/3", "-o", dir}, exitUsage, "--shard must be I/N"},
		{[]string{"--grid", grid, "--shard", "x", "-o", dir}, exitUsage, "--shard must be I/N"},
		{[]string{"--grid", grid, "--shard", "1/3"}, exitUsage, "--shard needs --outdir"},
		{[]string{"--grid", grid, "--resume"}, exitUsage, "--resume needs --outdir"},
		{[]string{"--scenario", "independence", "--shard", "1/2"}, exitUsage, "--shard and --resume are used with --grid"},
		{[]string{"--grid", grid, "--reps", "5"}, exitUsage, "--reps is a single scenario's flag"},
		{[]string{"--grid", grid, "--pthresh", "0.1"}, exitUsage, "put it in the grid's \"settings\""},
		{[]string{"--grid", filepath.Join(dir, "nosuch.json")}, exitUsage, "no such file"},
		{[]string{"--grid", writeFile(t, dir, "bad.json", "{\n \"sizes\": [1,\n}")}, exitUsage, "line 3, column 1: not valid JSON"},
		{[]string{"--grid", writeFile(t, dir, "bad2.json", `{"scenarios": ["nosuch"], "procedures": ["main/none"]}`)}, exitUsage, "unknown scenario"},
	} {
		_, stderr, code := runCLI(t, "", append([]string{"simulate"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}

	// Merges of the wrong parts.
	parts := filepath.Join(dir, "parts")
	for i := 1; i <= 3; i++ {
		mustRun(t, "simulate", "--grid", grid, "--shard", fmt.Sprintf("%d/3", i), "--outdir", parts)
	}
	mustRun(t, "simulate", "--grid", grid, "--shard", "3/3", "--outdir", filepath.Join(dir, "seed5"), "--seed", "5")
	p := func(i int) string { return filepath.Join(parts, partName(i, 3)) }
	b, _ := os.ReadFile(p(3))
	otherVersion := writeFile(t, dir, "v.json", strings.Replace(string(b), `"tool_version": "`, `"tool_version": "v0.0.1-other`, 1))
	bothVersion := filepath.Join(dir, "vparts")
	os.MkdirAll(bothVersion, 0o755)
	for i := 1; i <= 3; i++ {
		b, _ := os.ReadFile(p(i))
		writeFile(t, bothVersion, partName(i, 3), strings.Replace(string(b), `"tool_version": "`, `"tool_version": "v0.0.1-other`, 1))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{p(1), p(3)}, "missing shard 2 of 3"},
		{[]string{p(1), p(2), p(2), p(3)}, "are both shard 2 of 3"},
		{[]string{p(1), p(2), filepath.Join(dir, "seed5", partName(3, 3))}, "another seed (5, not 1234)"},
		{[]string{p(1), p(2), otherVersion}, "another version of morketall"},
		{[]string{filepath.Join(bothVersion, partName(1, 3)), filepath.Join(bothVersion, partName(2, 3)), filepath.Join(bothVersion, partName(3, 3))}, "made by morketall v0.0.1-other"},
		{[]string{p(1), p(2), p(3) + ".manifest.json"}, "the manifest of a part"},
		{[]string{p(1), grid}, "not a part file"},
		{[]string{p(1), filepath.Join(dir, "nosuch.json")}, "no such file"},
		{nil, "needs the part files"},
	} {
		_, stderr, code := runCLI(t, "", append([]string{"simulate", "merge"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("merge %v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}

// TestGridProgressOnTerminal: on a terminal, a grid's progress line names
// the cell and gives an estimate of the time left.
func TestGridProgressOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&env{stderr: &buf}, "simulate")
	p.terminal = true
	p.start = time.Now().Add(-20 * time.Second)
	p.setWhat("simulate, cell 12 of 200")
	p.update(1000, 4000)
	got := buf.String()
	if !strings.Contains(got, "\rmorketall: simulate, cell 12 of 200 [========") || !strings.Contains(got, "25% (1000/4000), about 1m0s left") {
		t.Fatalf("progress line %q", got)
	}
	p.done()
	if !strings.HasSuffix(buf.String(), "\r") {
		t.Error("the line was not cleared")
	}
}

// TestGridEmptyShardsAndFullCheckpoint: shards beyond the cells are empty
// parts that merge like any other; a run stopped after its last cell was
// checkpointed (before the outputs) resumes without running any cell.
func TestGridEmptyShardsAndFullCheckpoint(t *testing.T) {
	dir := t.TempDir()
	grid := writeFile(t, dir, "grid.json", strings.Replace(smallGrid, `"sizes": [300, 600]`, `"sizes": [300]`, 1))
	full, parts, merged := filepath.Join(dir, "full"), filepath.Join(dir, "parts"), filepath.Join(dir, "merged")
	mustRun(t, "simulate", "--grid", grid, "--outdir", full)
	var names []string
	for i := 1; i <= 15; i++ {
		out := mustRun(t, "simulate", "--grid", grid, "--shard", fmt.Sprintf("%d/15", i), "--outdir", parts)
		if i > 12 && !strings.Contains(out, "0 cells") {
			t.Errorf("shard %d of 15 of a 12-cell grid: %s", i, out)
		}
		names = append(names, filepath.Join(parts, partName(i, 15)))
	}
	mustRun(t, append([]string{"simulate", "merge", "--outdir", merged}, names...)...)
	sameFiles(t, full, merged)

	out := filepath.Join(dir, "out")
	ran := -1
	gridCellHook = func(done int) error {
		ran = done
		if done == 12 {
			return errStopped
		}
		return nil
	}
	defer func() { gridCellHook = nil }()
	if _, stderr, code := runCLI(t, "", "simulate", "--grid", grid, "--outdir", out); code != exitFailure {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ran = 0
	_, stderr, code := runCLI(t, "", "simulate", "--grid", grid, "--outdir", out, "--resume")
	if code != exitOK || ran != 0 || !strings.Contains(stderr, "12 of 12 cells are in the checkpoint") {
		t.Fatalf("resume: exit %d, %d cells run: %s", code, ran, stderr)
	}
	sameFiles(t, full, out)
}
