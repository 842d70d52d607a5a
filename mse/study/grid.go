package study

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
)

// Simulation grids.
//
// A method developer compares procedures over many settings at once: a
// Grid is the cross product of populations (named scenarios, or assumed
// structures of capture probabilities, dependence and heterogeneity) ×
// population sizes × numbers of lists × linkage-error rates ×
// procedures, each cell simulated with the same number of replicates.
//
// A cell's result depends on its own settings and the seed alone — not on
// its position in the grid, the other cells, the shard that ran it or the
// number of cores: every cell is Simulate with the grid's seed, so a cell
// of a named scenario is exactly `morketall simulate --scenario` with the
// same settings. Cells therefore share their random numbers: table r of
// every cell comes from the same stream (common random numbers), which
// sharpens comparisons between cells and makes their results correlated.
//
// Cells are numbered from 1 in this order: the named scenarios in order,
// each over lists then sizes; then the capture entries in order, each over
// lists (a scalar entry; a vector has its own number of lists), dependence,
// heterogeneity and sizes; within each population, the linkage-error rates,
// and within those the procedures.
//
// # Sharding
//
// Shard i of n (1 ≤ i ≤ n) holds the cells c with (c − 1) mod n = i − 1:
// interleaved, so that every shard gets a share of the large and of the
// small cells. A Part is one shard's results; MergeParts checks that the
// parts belong to one grid, seed and tool version, that none is missing
// or given twice, and puts the cells back in order. The merged result is
// the one an unsharded run gives, value for value.

// MaxGridCells bounds the number of cells of a grid.
const MaxGridCells = 1000000

// ErrGrid is wrapped by errors that reject a grid.
var ErrGrid = errors.New("study: invalid grid")

// Grid is a simulation study over a cross product of settings; its JSON
// form is the grid file of `morketall simulate --grid` (see the README).
// Normalize fills in the defaults.
type Grid struct {
	// Name names the grid in outputs. Optional.
	Name string `json:"name,omitempty"`
	// Scenarios are named scenarios (NewScenario: "pairwise", "sparse-8").
	Scenarios []string `json:"scenarios,omitempty"`
	// Capture are assumed structures' capture probabilities: each entry a
	// number (every list, crossed with Lists) or one probability per list.
	Capture []GridCapture `json:"capture,omitempty"`
	// Lists are the numbers of lists: of the named scenarios (default
	// their own, 5 or the suffix) and of the scalar capture entries
	// (required for those).
	Lists []int `json:"lists,omitempty"`
	// Sizes are the population sizes N. Required with Capture; default
	// the scenarios' own.
	Sizes []int `json:"sizes,omitempty"`
	// Dependence and Heterogeneity are crossed with the capture entries
	// (Structure). Default [0] each.
	Dependence    []Dependence `json:"dependence,omitempty"`
	Heterogeneity []float64    `json:"heterogeneity,omitempty"`
	// LinkageErrors are the linkage-error rates applied to every drawn
	// table (SimulationOptions.Missed and False). Default none.
	LinkageErrors []LinkageRates `json:"linkage_errors,omitempty"`
	// Procedures are "method/interval" pairs (ParseProcedure): any method
	// of the registry. Required.
	Procedures []string `json:"procedures"`
	// Reps is the number of tables per cell. Default 200.
	Reps int `json:"reps,omitempty"`
	// NBoot is the bootstrap size of the bca and percentile intervals.
	// Default 1000.
	NBoot int `json:"nboot,omitempty"`
	// Scheme is how tables are drawn (Scheme). Default multinomial.
	Scheme Scheme `json:"scheme,omitempty"`
	// Settings are method settings by their flag name ("pthresh": "0.02",
	// "maxorder": "2"), as given to the command line.
	Settings map[string]string `json:"settings,omitempty"`
}

// GridCapture is one capture entry of a grid: a single probability (for
// every list) or one per list. In JSON, a number or an array.
type GridCapture []float64

// MarshalJSON writes a single probability as a number.
func (c GridCapture) MarshalJSON() ([]byte, error) {
	if len(c) == 1 {
		return json.Marshal(c[0])
	}
	return json.Marshal([]float64(c))
}

// UnmarshalJSON reads a number or an array of numbers.
func (c *GridCapture) UnmarshalJSON(b []byte) error {
	var v float64
	if err := json.Unmarshal(b, &v); err == nil {
		*c = GridCapture{v}
		return nil
	}
	var vs []float64
	if err := json.Unmarshal(b, &vs); err != nil {
		return fmt.Errorf("%w: a capture entry must be a number or an array of numbers", ErrGrid)
	}
	if len(vs) < 2 {
		return fmt.Errorf("%w: a capture array needs one probability per list (at least 2)", ErrGrid)
	}
	*c = vs
	return nil
}

// LinkageRates are the linkage-error rates of a grid cell.
type LinkageRates struct {
	Missed float64 `json:"missed"`
	False  float64 `json:"false"`
}

// ReadGrid reads a grid file: JSON, unknown fields refused. Errors give
// the line and column.
func ReadGrid(r io.Reader) (*Grid, error) {
	b, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var g Grid
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrGrid, jsonPosition(b, err, dec.InputOffset()))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one JSON value", ErrGrid)
	}
	if err := g.Normalize(); err != nil {
		return nil, err
	}
	return &g, nil
}

// jsonPosition rewrites a decoding error with its line and column.
// at is the decoder's offset, for errors that carry none.
func jsonPosition(b []byte, err error, at int64) string {
	off := at
	msg := err.Error()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off, msg = max(se.Offset-1, 0), "not valid JSON" // the offending byte
	case errors.As(err, &te):
		off = te.Offset
		msg = fmt.Sprintf("field %q: want %s", te.Field, te.Type)
	default:
		msg = strings.TrimPrefix(msg, "json: ")
		msg = strings.TrimPrefix(msg, "study: invalid grid: ")
		// An unknown field: point at its key.
		if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
			if loc := regexp.MustCompile(regexp.QuoteMeta(name) + `\s*:`).FindIndex(b); loc != nil {
				off = int64(loc[0])
			}
		}
	}
	if off < 0 || off > int64(len(b)) {
		return msg
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return fmt.Sprintf("line %d, column %d: %s", line, col, msg)
}

// Normalize fills in the defaults and checks the grid's ranges (the cells
// themselves are checked by Cells).
func (g *Grid) Normalize() error {
	if len(g.Procedures) == 0 {
		return fmt.Errorf("%w: no procedures", ErrGrid)
	}
	if len(g.Scenarios) == 0 && len(g.Capture) == 0 {
		return fmt.Errorf("%w: give scenarios or capture probabilities", ErrGrid)
	}
	if len(g.Capture) > 0 && len(g.Sizes) == 0 {
		return fmt.Errorf("%w: capture probabilities need sizes (the population sizes N)", ErrGrid)
	}
	if len(g.Capture) == 0 && (len(g.Dependence) > 0 || len(g.Heterogeneity) > 0) {
		return fmt.Errorf("%w: dependence and heterogeneity apply to capture probabilities; named scenarios have their own", ErrGrid)
	}
	for _, c := range g.Capture {
		if len(c) == 1 && len(g.Lists) == 0 {
			return fmt.Errorf("%w: a single capture probability needs lists (the numbers of lists)", ErrGrid)
		}
	}
	if g.Reps == 0 {
		g.Reps = DefaultSimulationReps
	}
	if g.NBoot == 0 {
		g.NBoot = mse.DefaultNBoot
	}
	if g.Scheme == "" {
		g.Scheme = SchemeMultinomial
	}
	if len(g.Capture) > 0 {
		if len(g.Dependence) == 0 {
			g.Dependence = []Dependence{{}}
		}
		if len(g.Heterogeneity) == 0 {
			g.Heterogeneity = []float64{0}
		}
	}
	if len(g.LinkageErrors) == 0 {
		g.LinkageErrors = []LinkageRates{{}}
	}
	switch {
	case g.Reps < 1 || g.Reps > MaxSimulationReps:
		return fmt.Errorf("%w: reps must be in [1, %d]", ErrGrid, MaxSimulationReps)
	case g.NBoot < 10 || g.NBoot > mse.MaxNBoot:
		return fmt.Errorf("%w: nboot must be in [10, %d]", ErrGrid, mse.MaxNBoot)
	case g.Scheme != SchemeMultinomial && g.Scheme != SchemePoisson:
		return fmt.Errorf("%w: scheme must be multinomial or poisson", ErrGrid)
	}
	for i, n := range g.Sizes {
		if n < 1 {
			return fmt.Errorf("%w: sizes entry %d must be at least 1", ErrGrid, i+1)
		}
	}
	for i, k := range g.Lists {
		if k < 2 || k > MaxSimulationLists {
			return fmt.Errorf("%w: lists entry %d must be in [2, %d]", ErrGrid, i+1, MaxSimulationLists)
		}
	}
	for i, c := range g.Capture {
		for _, q := range c {
			if !(q > 0 && q < 1) {
				return fmt.Errorf("%w: capture entry %d: probabilities must be in (0, 1)", ErrGrid, i+1)
			}
		}
		if len(c) > MaxSimulationLists {
			return fmt.Errorf("%w: capture entry %d: at most %d lists", ErrGrid, i+1, MaxSimulationLists)
		}
	}
	for i, h := range g.Heterogeneity {
		if !(h >= 0 && h <= MaxHeterogeneity) {
			return fmt.Errorf("%w: heterogeneity entry %d must be in [0, %d]", ErrGrid, i+1, MaxHeterogeneity)
		}
	}
	for i, le := range g.LinkageErrors {
		if !(le.Missed >= 0 && le.Missed <= 1) || !(le.False >= 0 && le.False <= 1) {
			return fmt.Errorf("%w: linkage_errors entry %d: rates must be in [0, 1]", ErrGrid, i+1)
		}
	}
	return nil
}

// SHA256 is the digest of the normalized grid's canonical JSON: two grid
// files that differ only in layout, or in defaults written out or left
// implicit, have the same digest.
func (g *Grid) SHA256() string {
	c := *g
	if err := c.Normalize(); err != nil {
		return ""
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MethodSettings turns the grid's settings into the registry's settings,
// through the registry's own flags (so that every family's settings are
// understood, and checked as the command line checks them).
func (g *Grid) MethodSettings() (*methods.Settings, error) {
	fs := flag.NewFlagSet("grid", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s := methods.Flags(fs)
	keys := make([]string, 0, len(g.Settings))
	for k := range g.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if fs.Lookup(k) == nil {
			return nil, fmt.Errorf("%w: settings: unknown setting %q", ErrGrid, k)
		}
		if err := fs.Set(k, g.Settings[k]); err != nil {
			return nil, fmt.Errorf("%w: settings: %q: %v", ErrGrid, k, err)
		}
	}
	s.Parsed(fs)
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// GridProcedures parses the grid's procedures with its settings, refusing
// settings that none of them uses.
func (g *Grid) GridProcedures() ([]Procedure, error) {
	s, err := g.MethodSettings()
	if err != nil {
		return nil, err
	}
	var procs []Procedure
	seen := map[string]bool{}
	for _, p := range g.Procedures {
		pr, err := ParseProcedure(p, s)
		if err != nil {
			return nil, err
		}
		if seen[pr.String()] {
			return nil, fmt.Errorf("%w: procedure %s given twice", ErrGrid, pr)
		}
		seen[pr.String()] = true
		procs = append(procs, pr)
	}
	if err := CheckSettings(procs, s); err != nil {
		return nil, err
	}
	return procs, nil
}

// GridCell is one cell of a grid: a population, linkage-error rates and a
// procedure.
type GridCell struct {
	// Cell is the cell's number, from 1.
	Cell int `json:"cell"`
	// Scenario is the named scenario's family ("pairwise"); empty for an
	// assumed structure.
	Scenario string `json:"scenario,omitempty"`
	// Lists and N are the number of lists and the population size.
	Lists int `json:"lists"`
	N     int `json:"n"`
	// Capture, Dependence and Heterogeneity are the assumed structure's.
	Capture       []float64   `json:"capture,omitempty"`
	Dependence    *Dependence `json:"dependence,omitempty"`
	Heterogeneity float64     `json:"heterogeneity,omitempty"`
	// Missed and False are the linkage-error rates.
	Missed float64 `json:"missed"`
	False  float64 `json:"false"`
	// Procedure is the procedure as written by Procedure.String.
	Procedure string `json:"procedure"`
}

// population builds the cell's population.
func (c *GridCell) population() (*Population, error) {
	if c.Scenario != "" {
		return NewScenario(c.Scenario, &ScenarioOptions{Lists: c.Lists, N: c.N})
	}
	s := Structure{Capture: c.Capture, Heterogeneity: c.Heterogeneity}
	if c.Dependence != nil {
		s.Dependence = *c.Dependence
	}
	return s.Population(c.N)
}

// populationKey identifies the cell's population among the cells.
func (c *GridCell) populationKey() string {
	d := ""
	if c.Dependence != nil {
		d = c.Dependence.String()
	}
	return fmt.Sprint(c.Scenario, "|", c.Lists, "|", c.N, "|", c.Capture, "|", d, "|", c.Heterogeneity)
}

// Cells enumerates the grid's cells in order (see "Simulation grids"
// above), checking each population's settings (a scenario's name and
// number of lists, a dependence's pairs) but not yet building it.
func (g *Grid) Cells() ([]GridCell, error) {
	procs, err := g.GridProcedures()
	if err != nil {
		return nil, err
	}
	type popCell struct {
		scenario string
		k, n     int
		capture  []float64
		dep      *Dependence
		het      float64
	}
	var pops []popCell
	for _, sc := range g.Scenarios {
		base, k := splitScenario(sc)
		if !isScenario(base) {
			return nil, fmt.Errorf("%w: unknown scenario %q", ErrGrid, sc)
		}
		lists := g.Lists
		if len(lists) == 0 {
			lists = []int{max(k, 0)}
		}
		for _, kk := range lists {
			if k != 0 && kk != k && len(g.Lists) > 0 {
				return nil, fmt.Errorf("%w: scenario %q names %d lists but lists has %d", ErrGrid, sc, k, kk)
			}
			if kk == 0 {
				kk = 5
			}
			if kk < 3 || kk > MaxScenarioLists {
				return nil, fmt.Errorf("%w: scenario %q: scenarios have 3 to %d lists, not %d", ErrGrid, sc, MaxScenarioLists, kk)
			}
			sizes := g.Sizes
			if len(sizes) == 0 {
				p, err := NewScenario(base, &ScenarioOptions{Lists: kk})
				if err != nil {
					return nil, fmt.Errorf("%w: %v", ErrGrid, err)
				}
				sizes = []int{p.N}
			}
			for _, n := range sizes {
				pops = append(pops, popCell{scenario: base, k: kk, n: n})
			}
		}
	}
	for ci, c := range g.Capture {
		lists := []int{len(c)}
		if len(c) == 1 {
			lists = g.Lists
		}
		for _, k := range lists {
			q := []float64(c)
			if len(c) == 1 {
				q = slices.Repeat([]float64{c[0]}, k)
			}
			for di := range g.Dependence {
				d := g.Dependence[di]
				if err := d.check(k); err != nil {
					return nil, fmt.Errorf("%w: capture entry %d with dependence entry %d: %v", ErrGrid, ci+1, di+1, strings.TrimPrefix(err.Error(), ErrDependence.Error()+": "))
				}
				for _, h := range g.Heterogeneity {
					for _, n := range g.Sizes {
						pops = append(pops, popCell{k: k, n: n, capture: q, dep: &d, het: h})
					}
				}
			}
		}
	}
	total := len(pops) * len(g.LinkageErrors) * len(procs)
	if total > MaxGridCells {
		return nil, fmt.Errorf("%w: %d cells; at most %d", ErrGrid, total, MaxGridCells)
	}
	cells := make([]GridCell, 0, total)
	for _, p := range pops {
		for _, le := range g.LinkageErrors {
			for _, pr := range procs {
				cells = append(cells, GridCell{Cell: len(cells) + 1, Scenario: p.scenario, Lists: p.k, N: p.n,
					Capture: p.capture, Dependence: p.dep, Heterogeneity: p.het, Missed: le.Missed, False: le.False,
					Procedure: pr.String()})
			}
		}
	}
	return cells, nil
}

func isScenario(base string) bool {
	for _, f := range scenarioFamilies {
		if f.name == base {
			return true
		}
	}
	return false
}

// splitScenario splits "sparse-8" into "sparse" and 8 (0 without suffix).
func splitScenario(name string) (string, int) {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if v, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i], v
		}
	}
	return name, 0
}

// CellResult is one cell's simulation: its settings, its population, the
// procedure's summary and (optionally) every replicate.
type CellResult struct {
	GridCell
	Population PopulationInfo        `json:"population"`
	Summary    SimulationSummary     `json:"summary"`
	Replicates []SimulationReplicate `json:"replicates"`
}

// GridOptions control RunGrid. A nil *GridOptions means the defaults.
type GridOptions struct {
	// Seed seeds everything random. Default nil: mse.DefaultSeed.
	Seed *uint64
	// Progress, if set, is called from worker goroutines with the
	// estimates done and the total over the cells run.
	Progress func(done, total int)
	// Cell, if set, is called before each cell is run with the cell and
	// its position among the cells run (from 1).
	Cell func(c GridCell, i, n int)
}

// ShardCells lists the cells (numbered from 1) of shard i of n among
// ncells: those c with (c − 1) mod n = i − 1.
func ShardCells(ncells, i, n int) []int {
	var out []int
	for c := i; c <= ncells; c += n {
		out = append(out, c)
	}
	return out
}

// RunGrid simulates the listed cells of the grid (numbers from 1;
// ShardCells(n, 1, 1) lists all n; none, nothing) in the order given and calls done with each cell's result as it
// finishes; an error from done stops the run and is returned. Each cell's
// replicates run in parallel over GOMAXPROCS workers.
func RunGrid(ctx context.Context, g *Grid, which []int, opts *GridOptions, done func(*CellResult) error) error {
	var o GridOptions
	if opts != nil {
		o = *opts
	}
	cells, err := g.Cells()
	if err != nil {
		return err
	}
	procs, err := g.GridProcedures()
	if err != nil {
		return err
	}
	byName := map[string]Procedure{}
	for _, p := range procs {
		byName[p.String()] = p
	}
	for _, c := range which {
		if c < 1 || c > len(cells) {
			return fmt.Errorf("%w: no cell %d (the grid has %d)", ErrGrid, c, len(cells))
		}
	}
	total := len(which) * g.Reps
	var popKey string
	var pop *Population
	for i, c := range which {
		cell := cells[c-1]
		if key := cell.populationKey(); key != popKey || pop == nil {
			pop, err = cell.population()
			if err != nil {
				return fmt.Errorf("cell %d: %w", c, err)
			}
			popKey = key
		}
		if o.Cell != nil {
			o.Cell(cell, i+1, len(which))
		}
		so := &SimulationOptions{Reps: g.Reps, Scheme: g.Scheme, Missed: cell.Missed, False: cell.False,
			RunOptions: RunOptions{NBoot: g.NBoot, Seed: o.Seed}}
		if o.Progress != nil {
			base := i * g.Reps
			so.Progress = func(d, _ int) { o.Progress(base+d, total) }
		}
		res, err := Simulate(ctx, pop, []Procedure{byName[cell.Procedure]}, so)
		if err != nil {
			return err
		}
		cr := &CellResult{GridCell: cell, Population: res.Population, Summary: res.Summaries[0], Replicates: res.Replicates}
		if err := done(cr); err != nil {
			return err
		}
	}
	return nil
}

// GridResult is a whole grid's simulation: every cell in order.
type GridResult struct {
	Grid       *Grid        `json:"grid"`
	GridSHA256 string       `json:"grid_sha256"`
	Seed       uint64       `json:"seed"`
	Cells      []CellResult `json:"cells"`
}

// The part file format.
const (
	PartFormat  = "morketall-simulation-part"
	PartVersion = 1
)

// Part is one shard's results: the header says which grid, seed, tool
// version and shard they belong to. It is the JSON of a part file.
type Part struct {
	Format string `json:"format"`
	// FormatVersion is PartVersion.
	FormatVersion int `json:"format_version"`
	// ToolVersion is the version of the program that ran the shard, as
	// its caller wrote it; parts of different versions are not merged.
	ToolVersion string `json:"tool_version"`
	GridSHA256  string `json:"grid_sha256"`
	Grid        *Grid  `json:"grid"`
	Seed        uint64 `json:"seed"`
	// Shard is i of Shards.
	Shard  int `json:"shard"`
	Shards int `json:"shards"`
	// Cells are the shard's cells in order (ShardCells).
	Cells []CellResult `json:"cells"`
}

// NewPart starts the part of shard i of n: a header without cells.
func NewPart(g *Grid, seed uint64, shard, shards int, toolVersion string) *Part {
	return &Part{Format: PartFormat, FormatVersion: PartVersion, ToolVersion: toolVersion,
		GridSHA256: g.SHA256(), Grid: g, Seed: seed, Shard: shard, Shards: shards}
}

// ErrMerge is wrapped by errors that refuse to merge parts.
var ErrMerge = errors.New("study: cannot merge")

// SameRun reports, as an error, how the header of q differs from p's:
// another grid, seed, tool version or number of shards.
func (p *Part) SameRun(q *Part) error {
	switch {
	case q.Format != PartFormat || q.FormatVersion != PartVersion:
		return fmt.Errorf("%w: not a part file of format %s version %d", ErrMerge, PartFormat, PartVersion)
	case q.GridSHA256 != p.GridSHA256:
		return fmt.Errorf("%w: another grid (sha256 %.12s…, not %.12s…)", ErrMerge, q.GridSHA256, p.GridSHA256)
	case q.Seed != p.Seed:
		return fmt.Errorf("%w: another seed (%d, not %d)", ErrMerge, q.Seed, p.Seed)
	case q.ToolVersion != p.ToolVersion:
		return fmt.Errorf("%w: another version of morketall (%s, not %s)", ErrMerge, q.ToolVersion, p.ToolVersion)
	case q.Shards != p.Shards:
		return fmt.Errorf("%w: a split into %d shards, not %d", ErrMerge, q.Shards, p.Shards)
	}
	return nil
}

// check verifies a part on its own: format, a grid that matches its
// digest, a shard in range.
func (p *Part) check() error {
	if p.Format != PartFormat || p.FormatVersion != PartVersion {
		return fmt.Errorf("%w: not a part file of format %s version %d", ErrMerge, PartFormat, PartVersion)
	}
	if p.Grid == nil || p.Grid.SHA256() != p.GridSHA256 {
		return fmt.Errorf("%w: its grid does not match its digest (edited?)", ErrMerge)
	}
	if p.Shards < 1 || p.Shard < 1 || p.Shard > p.Shards {
		return fmt.Errorf("%w: shard %d of %d", ErrMerge, p.Shard, p.Shards)
	}
	return nil
}

// MergeParts checks the parts (see "Sharding" above) and returns the
// grid's result with the cells in order. names name the parts in errors
// (file names; by position when nil).
func MergeParts(parts []*Part, names []string) (*GridResult, error) {
	name := func(i int) string {
		if i < len(names) {
			return strconv.Quote(names[i])
		}
		return fmt.Sprintf("part %d", i+1)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no parts", ErrMerge)
	}
	for i, p := range parts {
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", name(i), err)
		}
		if i > 0 {
			if err := parts[0].SameRun(p); err != nil {
				return nil, fmt.Errorf("%s and %s: %w", name(0), name(i), err)
			}
		}
	}
	n := parts[0].Shards
	given := make([]int, n+1) // shard → 1 + index of the part holding it
	for i, p := range parts {
		if j := given[p.Shard]; j != 0 {
			return nil, fmt.Errorf("%w: %s and %s are both shard %d of %d", ErrMerge, name(j-1), name(i), p.Shard, n)
		}
		given[p.Shard] = i + 1
	}
	var missing []string
	for s := 1; s <= n; s++ {
		if given[s] == 0 {
			missing = append(missing, strconv.Itoa(s))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: missing shard%s %s of %d", ErrMerge, plural(len(missing)), joinShort(missing), n)
	}
	g := parts[0].Grid
	cells, err := g.Cells()
	if err != nil {
		return nil, err
	}
	res := &GridResult{Grid: g, GridSHA256: parts[0].GridSHA256, Seed: parts[0].Seed, Cells: make([]CellResult, len(cells))}
	for i, p := range parts {
		want := ShardCells(len(cells), p.Shard, n)
		if len(p.Cells) != len(want) {
			return nil, fmt.Errorf("%w: %s holds %d cells; shard %d of %d has %d", ErrMerge, name(i), len(p.Cells), p.Shard, n, len(want))
		}
		for j, c := range p.Cells {
			if c.Cell != want[j] || !sameCell(c.GridCell, cells[c.Cell-1]) {
				return nil, fmt.Errorf("%w: %s: its cell %d is not cell %d of the grid", ErrMerge, name(i), j+1, want[j])
			}
			res.Cells[c.Cell-1] = c
		}
	}
	return res, nil
}

func sameCell(a, b GridCell) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// joinShort joins at most 20 items.
func joinShort(s []string) string {
	if len(s) > 20 {
		return strings.Join(s[:20], ", ") + fmt.Sprintf(" and %d more", len(s)-20)
	}
	return strings.Join(s, ", ")
}
