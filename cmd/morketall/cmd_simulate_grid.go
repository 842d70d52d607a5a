package main

// simulate --grid: a grid of cells, optionally one shard of it, with a
// checkpoint of the finished cells; simulate merge: the parts of a
// sharded grid put back together.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/study"
)

// gridFlags are simulate's grid flags.
type gridFlags struct {
	grid, shard *string
	resume      *bool
}

func addGridFlags(fs *flag.FlagSet) *gridFlags {
	return &gridFlags{
		grid:   fs.String("grid", "", "run the grid of cells in this JSON file (see the README); - reads standard input"),
		shard:  fs.String("shard", "", "with --grid: run part I of N (I/N, 1 ≤ I ≤ N) and write DIR/part-I-of-N.json for simulate merge"),
		resume: fs.Bool("resume", false, "with --grid: continue an interrupted run from the checkpoint in the output directory"),
	}
}

// gridFiles are the files a whole grid (run or merged) writes.
var gridFiles = []string{"summary.csv", "coverage.csv", "models.csv", "replicates.csv", "simulation.json"}

// gridCellHook, when set (by tests), is called after each cell is
// checkpointed with the number of cells done in this run; an error stops
// the run as an interruption would.
var gridCellHook func(done int) error

// parseShard reads "I/N".
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, usagef("--shard must be I/N with 1 ≤ I ≤ N, e.g. 3/8")
	}
	return i, n, nil
}

// partName is the part file of shard i of n: part-03-of-12.json (the
// shard number padded to the width of n, so that names sort).
func partName(i, n int) string {
	return fmt.Sprintf("part-%0*d-of-%d.json", len(strconv.Itoa(n)), i, n)
}

func runSimulateGrid(e *env, m *manifest.Manifest, gf *gridFlags, bf *benchFlags, set map[string]bool) error {
	for _, f := range []string{"scenario", "from", "model", "lists", "size", "reps", "scheme", "procedures", "methods", "intervals", "nboot"} {
		if set[f] {
			return usagef("--%s is a single scenario's flag; with --grid, the grid file says it", f).hint("see testdata/grid.json for the grid format")
		}
	}
	bf.settings.Parsed(bf.fs)
	for g := range bf.settings.Given {
		return usagef("--%s is a method setting; with --grid, put it in the grid's \"settings\"", g)
	}
	dir, err := bf.dir()
	if err != nil {
		return err
	}
	shard, shards, sharded := 1, 1, *gf.shard != ""
	if sharded {
		if shard, shards, err = parseShard(*gf.shard); err != nil {
			return err
		}
		if dir == "" {
			return usagef("--shard needs --outdir DIR, where the part file goes")
		}
	}
	if *gf.resume && dir == "" {
		return usagef("--resume needs --outdir DIR, where the checkpoint is")
	}
	g, err := readGridFile(e, *gf.grid)
	if err != nil {
		return err
	}
	cells, err := g.Cells()
	if err != nil {
		return usagef("%q: %s", *gf.grid, trimPkg(err))
	}
	which := study.ShardCells(len(cells), shard, shards)
	header := study.NewPart(g, *bf.seed, shard, shards, toolVersion())

	var outputs []string
	ckpt := ""
	if dir != "" {
		if sharded {
			outputs = []string{partName(shard, shards), partName(shard, shards) + manifest.Suffix}
			ckpt = filepath.Join(dir, strings.TrimSuffix(partName(shard, shards), ".json")+".checkpoint.jsonl")
		} else {
			outputs = append(slices.Clone(gridFiles), "simulate.manifest.json")
			ckpt = filepath.Join(dir, "simulate.checkpoint.jsonl")
		}
		if sharded && *gf.resume && !*bf.force {
			// A shard that finished already (a requeued batch job): say so.
			if p, err := readPart(filepath.Join(dir, outputs[0])); err == nil && header.SameRun(p) == nil && p.Shard == shard {
				fmt.Fprintf(e.stdout, "shard %d of %d is complete already: %s\n", shard, shards, filepath.Join(dir, outputs[0]))
				return nil
			}
		}
		if err := checkDir(dir, *bf.force, outputs...); err != nil {
			return err
		}
	}
	var done []study.CellResult
	var cp *checkpoint
	if ckpt != "" {
		if err := outputDir(dir); err != nil {
			return err
		}
		if cp, done, err = openCheckpoint(ckpt, header, which, cells, *gf.resume, *bf.force); err != nil {
			return err
		}
		defer cp.close()
	}
	finished := map[int]bool{}
	for _, c := range done {
		finished[c.Cell] = true
	}
	var todo []int
	for _, c := range which {
		if !finished[c] {
			todo = append(todo, c)
		}
	}
	if len(done) > 0 {
		e.warnf("resuming: %d of %d cells are in the checkpoint %q; running the other %d", len(done), len(which), ckpt, len(todo))
	}
	prog := newProgress(e, "simulate")
	seed := *bf.seed
	opts := &study.GridOptions{Seed: &seed, Progress: prog.update, Cell: func(c study.GridCell, i, n int) {
		if len(todo) == len(cells) {
			prog.setWhat(fmt.Sprintf("simulate, cell %d of %d", c.Cell, n))
		} else {
			prog.setWhat(fmt.Sprintf("simulate, cell %d (%d of %d in this run)", c.Cell, i, n))
		}
	}}
	ran := 0
	err = study.RunGrid(e.ctx, g, todo, opts, func(c *study.CellResult) error {
		if cp != nil {
			if err := cp.add(c); err != nil {
				return err
			}
		}
		done = append(done, *c)
		ran++
		if gridCellHook != nil {
			return gridCellHook(ran)
		}
		return nil
	})
	prog.done()
	if err != nil {
		var ce *cliError
		switch {
		case errors.As(err, &ce):
			return err
		case errors.Is(err, mse.ErrCancelled) || errors.Is(err, errStopped):
			if cp != nil {
				return failf("interrupted: %d of %d cells are in the checkpoint %q", len(done), len(which), ckpt).
					hint("run the same command with --resume to finish the other %d", len(which)-len(done))
			}
			return interrupted()
		}
		return libError(fmt.Sprintf("%q", *gf.grid), err)
	}
	slices.SortFunc(done, func(a, b study.CellResult) int { return a.Cell - b.Cell })

	if gridIn := *gf.grid; gridIn != "-" {
		if err := m.AddInput("grid", gridIn); err != nil {
			return failf("%q: %v", gridIn, err)
		}
	}
	m.SetSeed("simulate", *bf.seed)
	m.SetOption("grid_sha256", header.GridSHA256)
	m.SetOption("cells", len(cells))
	if sharded {
		header.Cells = done
		m.SetOption("shard", fmt.Sprintf("%d/%d", shard, shards))
		path := filepath.Join(dir, outputs[0])
		if err := atomicfile.Write(path, &atomicfile.Options{Force: *bf.force}, func(w io.Writer) error {
			return writeJSON(w, header)
		}); err != nil {
			return failf("%q: %v", path, err)
		}
		if !e.finishAudit(m, *bf.force, [2]string{"part", path}) {
			return exitCode(exitFailure)
		}
		cp.remove()
		if *bf.asJSON {
			return printJSON(e, header)
		}
		printGrid(e.stdout, g, header.GridSHA256, *bf.seed, len(cells), done, fmt.Sprintf("shard %d of %d", shard, shards))
		fmt.Fprintf(e.stdout, "\nwritten to %s\n", path)
		return nil
	}
	res := &study.GridResult{Grid: g, GridSHA256: header.GridSHA256, Seed: *bf.seed, Cells: done}
	if dir != "" {
		if err := writeOutputs(dir, *bf.force, gridOutFiles(res), m); err != nil {
			return err
		}
		cp.remove()
	}
	if *bf.asJSON {
		return printJSON(e, res)
	}
	printGrid(e.stdout, g, res.GridSHA256, res.Seed, len(cells), done, "")
	if dir != "" {
		fmt.Fprintf(e.stdout, "\nwritten to %s: %s\n", dir, joinNames(gridFiles))
	}
	return nil
}

// errStopped is a run stopped by gridCellHook.
var errStopped = errors.New("stopped")

func readGridFile(e *env, path string) (*study.Grid, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, usagef("%q: %v", path, unwrapPath(err))
		}
		defer f.Close()
		r = f
	}
	g, err := study.ReadGrid(r)
	if err != nil {
		return nil, usagef("%q: %s", path, trimPkg(err))
	}
	return g, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func readPart(path string) (*study.Part, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var p study.Part
	dec := json.NewDecoder(bufio.NewReader(f))
	if err := dec.Decode(&p); err != nil {
		return nil, errors.New("not a part file (not valid JSON)")
	}
	if p.Format != study.PartFormat {
		return nil, fmt.Errorf("not a part file of simulate --shard")
	}
	return &p, nil
}

// checkpoint is the file of a grid run's finished cells: a JSON line
// with the run's header (a Part without cells), then one JSON line per
// finished cell, each written and synced as the cell finishes. A line cut
// short by a kill is dropped on resume.
type checkpoint struct {
	path string
	f    *os.File
}

// openCheckpoint starts a checkpoint, or with resume continues one: it
// returns the cells it holds, after checking that it belongs to this run
// (the same grid, seed, version and shard).
func openCheckpoint(path string, header *study.Part, which []int, cells []study.GridCell, resume, force bool) (*checkpoint, []study.CellResult, error) {
	b, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, failf("%q: %v", path, unwrapPath(err))
	}
	if exists && !resume && !force {
		return nil, nil, failf("%q: the checkpoint of an interrupted run exists", path).
			hint("--resume continues it; --force starts afresh")
	}
	var done []study.CellResult
	keep := 0 // bytes of the file to keep
	if exists && resume {
		if done, keep, err = loadCheckpoint(b, header, which, cells); err != nil {
			return nil, nil, failf("%q: %s", path, err).hint("--force (without --resume) starts afresh")
		}
	}
	if keep == 0 {
		var hb bytes.Buffer
		if err := json.NewEncoder(&hb).Encode(struct {
			*study.Part
			Cells []study.CellResult `json:"cells,omitempty"`
		}{Part: header}); err != nil {
			return nil, nil, failf("checkpoint: %v", err)
		}
		if err := atomicfile.Write(path, &atomicfile.Options{Force: true}, func(w io.Writer) error {
			_, err := w.Write(hb.Bytes())
			return err
		}); err != nil {
			return nil, nil, failf("%q: %v", path, err)
		}
	} else if keep < len(b) {
		if err := os.Truncate(path, int64(keep)); err != nil {
			return nil, nil, failf("%q: %v", path, unwrapPath(err))
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, failf("%q: %v", path, unwrapPath(err))
	}
	return &checkpoint{path: path, f: f}, done, nil
}

// loadCheckpoint reads a checkpoint's cells and the length of its
// complete lines.
func loadCheckpoint(b []byte, header *study.Part, which []int, cells []study.GridCell) ([]study.CellResult, int, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return nil, 0, nil // the header itself was cut short: nothing to keep
	}
	var h study.Part
	if err := json.Unmarshal(b[:nl], &h); err != nil {
		return nil, 0, errors.New("not a checkpoint of simulate --grid")
	}
	if err := header.SameRun(&h); err != nil {
		return nil, 0, fmt.Errorf("the checkpoint is of %s", strings.TrimPrefix(trimPkg(err), "cannot merge: "))
	}
	if h.Shard != header.Shard {
		return nil, 0, fmt.Errorf("the checkpoint is of shard %d, not %d", h.Shard, header.Shard)
	}
	in := map[int]bool{}
	for _, c := range which {
		in[c] = true
	}
	var done []study.CellResult
	seen := map[int]bool{}
	keep := nl + 1
	for line := 2; keep < len(b); line++ {
		end := bytes.IndexByte(b[keep:], '\n')
		if end < 0 {
			break // cut short by a kill: dropped
		}
		var c study.CellResult
		if err := json.Unmarshal(b[keep:keep+end], &c); err != nil {
			if keep+end+1 == len(b) {
				break // the last line, damaged: dropped
			}
			return nil, 0, fmt.Errorf("line %d is damaged", line)
		}
		if !in[c.Cell] || seen[c.Cell] {
			return nil, 0, fmt.Errorf("line %d holds cell %d, which is not this shard's or came twice", line, c.Cell)
		}
		want, _ := json.Marshal(cells[c.Cell-1])
		got, _ := json.Marshal(c.GridCell)
		if !bytes.Equal(want, got) {
			return nil, 0, fmt.Errorf("line %d: cell %d is not the grid's", line, c.Cell)
		}
		seen[c.Cell] = true
		done = append(done, c)
		keep += end + 1
	}
	return done, keep, nil
}

// add appends a finished cell and syncs it to disk.
func (c *checkpoint) add(r *study.CellResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return failf("checkpoint: %v", err)
	}
	b = append(b, '\n')
	if _, err := c.f.Write(b); err != nil {
		return failf("%q: %v", c.path, unwrapPath(err))
	}
	if err := c.f.Sync(); err != nil {
		return failf("%q: %v", c.path, unwrapPath(err))
	}
	return nil
}

func (c *checkpoint) close() {
	if c != nil && c.f != nil {
		c.f.Close()
		c.f = nil
	}
}

// remove deletes the checkpoint once the outputs exist.
func (c *checkpoint) remove() {
	if c == nil {
		return
	}
	c.close()
	os.Remove(c.path)
}

const mergeSynopsis = `simulate merge [--outdir DIR] PART.json...

Merges the part files of a grid run as shards (simulate --grid G --shard
I/N --outdir D, for I = 1..N) into the files one unsharded run writes —
summary.csv, coverage.csv, models.csv, replicates.csv and simulation.json,
byte for byte the same. It refuses parts of different grids, seeds,
numbers of shards or versions of morketall (merge with the version that
ran the shards), a shard given twice, and names the missing shards.`

func runSimulateMerge(e *env, args []string) error {
	m := e.auditFor("simulate")
	fs := newFlags(e, "simulate merge", mergeSynopsis)
	outdir := fs.String("outdir", "", "write the merged tables into this directory")
	out := fs.String("o", "", "the same as --outdir")
	force := fs.Bool("force", false, "replace existing files in the output directory")
	asJSON := fs.Bool("json", false, "print the merged result as JSON on stdout instead of the summary")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	bf := &benchFlags{out: out, outdir: outdir}
	dir, err := bf.dir()
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("simulate merge needs the part files").hint("e.g. morketall simulate merge --outdir sim parts/part-*-of-8.json")
	}
	if err := checkDir(dir, *force, append(slices.Clone(gridFiles), "simulate.manifest.json")...); err != nil {
		return err
	}
	var parts []*study.Part
	for _, p := range pos {
		if strings.HasSuffix(p, manifest.Suffix) {
			return usagef("%q is the manifest of a part, not a part", p).hint("give the part files: part-*-of-N.json")
		}
		part, err := readPart(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
				return usagef("%q: %v", p, unwrapPath(err))
			}
			return usagef("%q: %v", p, err)
		}
		parts = append(parts, part)
	}
	res, err := study.MergeParts(parts, pos)
	if err != nil {
		return usagef("%s", strings.Replace(trimPkg(err), "cannot merge: ", "", 1)).hint("merge the parts of one run: the same grid file, --seed and binary, every shard 1 to N once")
	}
	if v := parts[0].ToolVersion; v != toolVersion() {
		return usagef("the parts were made by morketall %s, this is %s: the merged files would not be those of one run", v, toolVersion()).
			hint("merge with the binary that ran the shards")
	}
	if dir != "" {
		if err := outputDir(dir); err != nil {
			return err
		}
		for _, p := range pos {
			if err := m.AddInput("part", p); err != nil {
				return failf("%q: %v", p, err)
			}
		}
		m.SetSeed("simulate", res.Seed)
		m.SetOption("grid_sha256", res.GridSHA256)
		m.SetOption("shards", parts[0].Shards)
		if err := writeOutputs(dir, *force, gridOutFiles(res), m); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(e, res)
	}
	printGrid(e.stdout, res.Grid, res.GridSHA256, res.Seed, len(res.Cells), res.Cells, fmt.Sprintf("merged from %d shards", parts[0].Shards))
	if dir != "" {
		fmt.Fprintf(e.stdout, "\nwritten to %s: %s\n", dir, joinNames(gridFiles))
	}
	return nil
}

// cellLabel names a cell's population compactly.
func cellLabel(c *study.GridCell) string {
	if c.Scenario != "" {
		return fmt.Sprintf("%s-%d", c.Scenario, c.Lists)
	}
	q := fmtList(c.Capture)
	if allSame(c.Capture) {
		q = fnum(c.Capture[0])
	}
	d := "0"
	if c.Dependence != nil {
		d = c.Dependence.String()
	}
	return fmt.Sprintf("%d lists, q %s, dep %s, het %s", c.Lists, q, d, fnum(c.Heterogeneity))
}

func allSame(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return len(x) > 0
}

// fmtList writes numbers separated by spaces, for one CSV cell.
func fmtList(x []float64) string {
	parts := make([]string, len(x))
	for i, v := range x {
		parts[i] = fnum(v)
	}
	return strings.Join(parts, " ")
}

func printGrid(w io.Writer, g *study.Grid, digest string, seed uint64, ncells int, cells []study.CellResult, what string) {
	name := g.Name
	if name == "" {
		name = "grid"
	}
	if what != "" {
		what = "; " + what + ": " + strconv.Itoa(len(cells)) + " cells"
	}
	boot := ""
	if slices.ContainsFunc(cells, func(c study.CellResult) bool {
		return strings.HasSuffix(c.Procedure, "/bca") || strings.HasSuffix(c.Procedure, "/percentile")
	}) {
		boot = fmt.Sprintf(", %d bootstrap replicates per interval", g.NBoot)
	}
	fmt.Fprintf(w, "grid  %s: %d cells of %d tables (%s, seed %d%s), sha256 %.12s…%s\n\n", name, ncells, g.Reps, g.Scheme, seed, boot, digest, what)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "cell\tpopulation\tN\tmissed\tfalse\tprocedure\testimable\trel. bias\t95%% cover (SE)\t95%% width\t\n")
	for i := range cells {
		c := &cells[i]
		s := c.Summary
		bias, cov, wd := "-", "-", "-"
		if s.Estimable > 0 {
			bias = fmt.Sprintf("%+.1f%%", 100*s.RelBias)
		}
		if s.Coverage95.Intervals > 0 {
			cov = fmt.Sprintf("%s (%.1f)", pct(s.Coverage95.Rate), 100*s.Coverage95.SE)
			wd = fmt.Sprintf("%.0f", s.Coverage95.MedianWidth)
			if s.Coverage95.Open > 0 {
				wd += fmt.Sprintf(" (%d open)", s.Coverage95.Open)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t\n", c.Cell, cellLabel(&c.GridCell), c.N, fnum(c.Missed), fnum(c.False),
			c.Procedure, s.Estimable, s.Reps, bias, cov, wd)
	}
	tw.Flush()
}

// gridOutFiles are the output files of a whole grid.
func gridOutFiles(r *study.GridResult) []outFile {
	cellCols := []string{"cell", "population", "scenario", "lists", "n", "capture", "dependence", "heterogeneity", "missed", "false"}
	cellRow := func(c *study.CellResult) []string {
		d := ""
		if c.Dependence != nil {
			d = c.Dependence.String()
		}
		return []string{strconv.Itoa(c.Cell), c.Population.Name, c.Scenario, strconv.Itoa(c.Lists), strconv.Itoa(c.N),
			fmtList(c.Capture), d, fnum(c.Heterogeneity), fnum(c.Missed), fnum(c.False)}
	}
	var summary, coverage, models, reps [][]string
	for i := range r.Cells {
		c := &r.Cells[i]
		s := c.Summary
		row := cellRow(c)
		summary = append(summary, append(slices.Clone(row), s.Procedure, strconv.Itoa(s.Reps), strconv.Itoa(s.Estimable), fnum(s.NotEstimable),
			fnum(s.MeanEstimate), fnum(s.Bias), fnum(s.RelBias), fnum(s.RMSE), fnum(s.RMSELog), fnum(s.MedianAbsLogError),
			strconv.Itoa(s.Below), fnum(s.Coverage95.Rate), fnum(s.Coverage95.SE), fnum(s.Coverage80.Rate), fnum(s.Coverage80.SE),
			fnum(s.Coverage95.MeanWidth), fnum(s.Coverage80.MeanWidth), fnum(s.Coverage95.MedianWidth)))
		for _, cr := range coverageRows(s.Procedure, s.Coverage95, s.Coverage80) {
			coverage = append(coverage, append([]string{strconv.Itoa(c.Cell)}, cr...))
		}
		for _, mc := range s.Models {
			models = append(models, []string{strconv.Itoa(c.Cell), s.Procedure, mc.Notation, strconv.Itoa(mc.Count), fnum(float64(mc.Count) / float64(max(s.Estimable, 1)))})
		}
		for _, rr := range c.Replicates {
			reps = append(reps, []string{strconv.Itoa(c.Cell), strconv.Itoa(rr.Rep), rr.Procedure, strconv.Itoa(rr.Truth), strconv.Itoa(rr.Observed),
				strconv.Itoa(rr.Lists), rr.Status, rr.Reason, fptr(rr.Estimate), rr.Model,
				fptr(rr.Lower95), upper(rr.Upper95, rr.Open95), fptr(rr.Lower80), upper(rr.Upper80, rr.Open80)})
		}
	}
	return []outFile{
		csvFile("summary.csv", append(slices.Clone(cellCols), "procedure", "reps", "estimable", "not_estimable_share", "mean_estimate", "bias",
			"relative_bias", "rmse", "rmse_log", "median_abs_log_error", "below_truth", "coverage95", "se95", "coverage80", "se80",
			"mean_width95", "mean_width80", "median_width95"), summary),
		csvFile("coverage.csv", append([]string{"cell"}, coverageHeader...), coverage),
		csvFile("models.csv", []string{"cell", "procedure", "model", "count", "share"}, models),
		csvFile("replicates.csv", []string{"cell", "rep", "procedure", "truth", "observed", "lists", "status", "reason", "estimate",
			"model", "lower95", "upper95", "lower80", "upper80"}, reps),
		jsonFile("simulation.json", r),
	}
}
