package main

// Shared output of the benchmark commands (simulate, consistency,
// sensitivity): a directory of CSV and JSON tables and SVG plots, each
// written atomically, and the procedure flags.

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
	"github.com/morketall/morketall/mse/study"
)

// benchFlags are the flags the benchmark commands share.
type benchFlags struct {
	methods, intervals, procedures *string
	nboot                          *int
	seed                           *uint64
	settings                       *methods.Settings
	out, outdir                    *string
	force                          *bool
	asJSON                         *bool
	fs                             *flag.FlagSet
}

func addBenchFlags(fs *flag.FlagSet, defaultProcs string) *benchFlags {
	return &benchFlags{
		methods:    fs.String("methods", "", "methods, comma-separated: "+strings.Join(methods.Names(), ", ")+", or Rcapture models (M0, Mt, Mh-Chao, …, Mth-Gamma3.5); crossed with --intervals"),
		intervals:  fs.String("intervals", "", "interval methods, comma-separated: bca, percentile, conditional, profile, posterior, none (default with --methods: bca)"),
		procedures: fs.String("procedures", "", "method/interval pairs, comma-separated (default "+defaultProcs+")"),
		nboot:      fs.Int("nboot", mse.DefaultNBoot, fmt.Sprintf("bootstrap replicates of each bca/percentile interval, 10 to %d", mse.MaxNBoot)),
		seed:       fs.Uint64("seed", mse.DefaultSeed, "seed of everything random"),
		settings:   methods.Flags(fs, "model", "rcapture"),
		outdir:     fs.String("outdir", "", "write CSV and JSON tables and SVG plots into this directory"),
		out:        fs.String("o", "", "the same as --outdir (kept for scripts; -o names a file in the other commands)"),
		force:      fs.Bool("force", false, "replace existing files in the output directory"),
		asJSON:     fs.Bool("json", false, "print the full result as JSON on stdout instead of the summary"),
		fs:         fs,
	}
}

// dir is the output directory of --outdir or -o ("" for none).
func (b *benchFlags) dir() (string, error) {
	if *b.out != "" && *b.outdir != "" && *b.out != *b.outdir {
		return "", usagef("give the output directory once, with --outdir")
	}
	if *b.outdir != "" {
		return *b.outdir, nil
	}
	return *b.out, nil
}

// resolve returns the procedures of --procedures, or --methods ×
// --intervals, or the default list, with the method settings, refusing
// out-of-range values and settings no procedure uses.
func (b *benchFlags) resolve(defaults string) ([]study.Procedure, error) {
	if *b.procedures != "" && (*b.methods != "" || *b.intervals != "") {
		return nil, usagef("give either --procedures or --methods/--intervals, not both")
	}
	if *b.nboot < 10 || *b.nboot > mse.MaxNBoot {
		return nil, usagef("--nboot must be in [10, %d]", mse.MaxNBoot)
	}
	b.settings.Parsed(b.fs)
	if err := b.settings.Check(); err != nil {
		return nil, usagef("%s", trimPkg(err))
	}
	var procs []study.Procedure
	var err error
	switch {
	case *b.methods != "" || *b.intervals != "":
		m, iv := *b.methods, *b.intervals
		if m == "" {
			m = "stepwise,bic"
		}
		if iv == "" {
			iv = "bca"
		}
		procs, err = study.Procedures(splitList(m), splitList(iv), b.settings)
	default:
		list := *b.procedures
		if list == "" {
			list = defaults
		}
		for _, s := range splitList(list) {
			p, perr := study.ParseProcedure(s, b.settings)
			if perr != nil {
				err = perr
				break
			}
			procs = append(procs, p)
		}
	}
	if err != nil {
		return nil, usagef("%s", trimPkg(err))
	}
	if len(procs) == 0 {
		return nil, usagef("no procedures given")
	}
	if err := study.CheckSettings(procs, b.settings); err != nil {
		return nil, usagef("%s", trimPkg(err))
	}
	return procs, nil
}

// runOptions builds the library options; the caller sets Progress.
func (b *benchFlags) runOptions() study.RunOptions {
	s := *b.seed
	return study.RunOptions{NBoot: *b.nboot, Seed: &s}
}

// outputDir creates the output directory if needed.
func outputDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failf("%q: cannot create the output directory: %v", dir, unwrapPath(err))
	}
	return nil
}

// checkDir refuses, before any work, an output directory whose files
// exist (without force).
func checkDir(dir string, force bool, names ...string) error {
	if dir == "" || force {
		return nil
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); err == nil {
			return failf("%q: file exists", p).hint("use --force to replace the files in %q", dir)
		}
	}
	return nil
}

// outFile is one file of an output directory.
type outFile struct {
	name  string
	write func(w io.Writer) error
}

// writeOutputs writes the files atomically into dir. An existing file is
// an error unless force; nothing is written then (all names are checked
// first).
//
// The audit record m (with the inputs already added) is completed with the
// outputs and written as DIR/COMMAND.manifest.json; if that fails, the
// outputs are removed.
func writeOutputs(dir string, force bool, files []outFile, m *manifest.Manifest) error {
	var names []string
	for _, f := range files {
		names = append(names, f.name)
	}
	if err := checkDir(dir, force, names...); err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := atomicfile.Write(p, &atomicfile.Options{Force: force}, f.write); err != nil {
			if errors.Is(err, atomicfile.ErrExists) {
				return failf("%q: file exists", p)
			}
			return failf("%q: %v", p, err)
		}
	}
	var written [][2]string
	for _, f := range files {
		written = append(written, [2]string{f.name, filepath.Join(dir, f.name)})
	}
	mpath := filepath.Join(dir, m.Command+manifest.Suffix)
	err := func() error {
		for _, w := range written {
			if err := m.AddOutput(w[0], w[1]); err != nil {
				return err
			}
		}
		return manifest.Write(mpath, m, force)
	}()
	if err != nil {
		for _, w := range written {
			os.Remove(w[1])
		}
		return failf("writing the manifest %q: %v; the outputs were removed", mpath, err)
	}
	return nil
}

func jsonFile(name string, v any) outFile {
	return outFile{name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}}
}

func csvFile(name string, header []string, rows [][]string) outFile {
	return outFile{name, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}}
}

func svgFile(name string, p *plot.Plot, width, height vg.Length) outFile {
	return outFile{name, func(w io.Writer) error {
		wt, err := p.WriterTo(width, height, "svg")
		if err != nil {
			return err
		}
		_, err = wt.WriteTo(w)
		return err
	}}
}

// printJSON writes v on stdout.
func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return failf("writing JSON: %v", err)
	}
	return nil
}

// Number formatting for CSV cells: empty for a missing value.
func fnum(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

func fptr(x *float64) string {
	if x == nil {
		return ""
	}
	return fnum(*x)
}

func fbool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// pct formats a share as a percentage.
func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// coverageCSV has one row per procedure and level.
func coverageRows(proc string, cs ...study.Coverage) [][]string {
	var rows [][]string
	for _, c := range cs {
		rows = append(rows, []string{proc, fnum(c.Level), strconv.Itoa(c.Intervals), strconv.Itoa(c.Covered),
			fnum(c.Rate), fnum(c.SE), fnum(c.MeanWidth), fnum(c.MedianWidth), strconv.Itoa(c.Open)})
	}
	return rows
}

var coverageHeader = []string{"procedure", "level", "intervals", "covered", "coverage", "se", "mean_width", "median_width", "open"}

// palette for the plots: colour-blind safe (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},
	color.RGBA{213, 94, 0, 255},
	color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255},
	color.RGBA{230, 159, 0, 255},
	color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 0, 0, 255},
}

// coveragePlot draws, for each procedure, the coverage of its 95% and 80%
// intervals with ±1.96 binomial standard errors, and the nominal levels as
// dashed lines.
func coveragePlot(title string, procs []string, cov95, cov80 []study.Coverage) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "coverage (share of intervals holding the truth)"
	p.Y.Min, p.Y.Max = 0, 1.05
	p.NominalX(procs...)
	p.X.Tick.Label.Rotation = math.Pi / 8
	p.X.Tick.Label.XAlign = draw.XRight
	for li, lvl := range []struct {
		name  string
		level float64
		cov   []study.Coverage
		shift float64
	}{{"95% intervals", 0.95, cov95, -0.12}, {"80% intervals", 0.8, cov80, 0.12}} {
		var pts plotter.XYs
		var errs plotter.YErrors
		for i, c := range lvl.cov {
			if c.Intervals == 0 {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(i) + lvl.shift, Y: c.Rate})
			errs = append(errs, struct{ Low, High float64 }{1.96 * c.SE, 1.96 * c.SE})
		}
		col := palette[li]
		nominal := plotter.NewFunction(func(float64) float64 { return lvl.level })
		nominal.Color = col
		nominal.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(nominal)
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Color = col
		sc.GlyphStyle.Radius = vg.Points(3.5)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err != nil {
			return nil, err
		}
		eb.Color = col
		eb.LineStyle.Width = vg.Points(1.2)
		p.Add(eb, sc)
		p.Legend.Add(fmt.Sprintf("%s (nominal dashed; bars ±1.96 SE)", lvl.name), sc)
	}
	p.X.Min, p.X.Max = -0.6, float64(len(procs))-0.4
	p.Legend.Top = false
	p.Legend.Left = true
	p.Legend.YOffs = vg.Points(8)
	p.Add(plotter.NewGrid())
	return p, nil
}

// errorPlot draws box plots of each procedure's errors (one value per
// replicate or case), with a line at zero.
func errorPlot(title, ylabel string, procs []string, values [][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.NominalX(procs...)
	p.X.Tick.Label.Rotation = math.Pi / 8
	p.X.Tick.Label.XAlign = draw.XRight
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(zero)
	w := vg.Points(28)
	for i, v := range values {
		if len(v) == 0 {
			continue
		}
		bp, err := plotter.NewBoxPlot(w, float64(i), plotter.Values(v))
		if err != nil {
			return nil, err
		}
		bp.FillColor = lighten(palette[i%len(palette)])
		p.Add(bp)
	}
	p.X.Min, p.X.Max = -0.6, float64(len(procs))-0.4
	p.Add(plotter.NewGrid())
	return p, nil
}

func lighten(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8((float64(v>>8) + 2*255) / 3) }
	return color.RGBA{mix(r), mix(g), mix(b), 255}
}

// plotSize is the size of the SVG plots: wider with more procedures.
func plotSize(n int) (vg.Length, vg.Length) {
	w := 5*vg.Inch + vg.Length(n)*0.6*vg.Inch
	return min(w, 14*vg.Inch), 4.5 * vg.Inch
}
