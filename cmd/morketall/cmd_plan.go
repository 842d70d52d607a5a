package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
	"github.com/morketall/morketall/mse/study"
)

func init() {
	register(&command{
		name:    "plan",
		summary: "plan a study: how precise will the estimate be with these lists?",
		run:     runPlan,
	})
}

const planDefaultProcedure = "auto/bca"

// planDefaultNBoot is plan's bootstrap size: lower than estimate's, since
// every simulated table is bootstrapped.
const planDefaultNBoot = 200

const planSynopsis = `plan --list-sizes S1,S2,... --size N1,N2,... [--dependence D] [--heterogeneity SIGMA] [flags]
       plan --pilot TABLE.csv [--model NOTATION] [--list-sizes ...] [--size ...] [flags]

Before the lists are collected: how wide will the 95% interval be, how
often will there be no estimate, how biased is it and do the intervals
hold the truth? For each configuration of lists (--list-sizes, the
expected number of cases on each list; repeat the flag to compare
configurations, e.g. a fifth list) and each population size (--size, a
list or FROM:TO:STEP), plan draws --reps overlap tables from the
population the assumptions describe and runs the procedure on each
(--procedure, default the estimate command's own, auto/bca), as simulate
does. Each figure says how many tables stand behind it and its Monte Carlo
standard error. A bootstrap interval re-runs the method in each of the
--nboot replicates of every table (plan's default is 200, not estimate's
1000): auto/bca on five or more lists repeats the BIC search each time and
takes minutes per row; --procedure stepwise/conditional is a first look in
seconds. The progress line says how long is left.

The overlap structure is assumed: --dependence is the log odds ratio
between lists (a number for every pair, or pairs such as 1:2=1.2,3:4=-1,
-inf for lists that never share a case), --heterogeneity the standard
deviation of a person effect on the logit of being captured (0: none; 1:
strong). Capture probabilities (--capture) may replace list sizes. Or the
structure comes from a pilot table (--pilot, with the model --model or the
one a method selects, default stepwise): its fitted population, at its own
size unless --size says otherwise; --list-sizes then moves the lists'
sizes keeping the fitted interactions, and lists beyond the pilot's are
new lists independent of the others. A plan on a pilot at its own size is
"simulate --from TABLE.csv" with the same seed, figure for figure.

The interval's half-width is (upper - lower) / (2 x estimate): an
interval of +-35% has half-width 35%. Its median is over the tables with
an estimate; an interval without an upper limit counts as infinitely wide.
With --outdir DIR: plan.csv, plan.json, plan.svg (the half-width by
population size) and plan-coverage.svg (coverage and the share not
estimable).`

// planFiles are the files plan writes into its output directory.
var planFiles = []string{"plan.csv", "plan.json", "plan.svg", "plan-coverage.svg"}

func runPlan(e *env, args []string) error {
	m := e.auditFor("plan")
	fs := newFlags(e, "plan", planSynopsis)
	var configs []study.PlanConfig
	var cfgErr error
	addConfig := func(capture bool) func(string) error {
		return func(v string) error {
			var xs []float64
			for _, s := range splitList(v) {
				x, err := strconv.ParseFloat(s, 64)
				if err != nil || !(x > 0) || math.IsInf(x, 0) {
					return errors.New("want positive numbers separated by commas")
				}
				xs = append(xs, x)
			}
			if len(xs) < 2 && cfgErr == nil {
				cfgErr = usagef("a configuration needs at least 2 lists (--list-sizes 100,100,...)")
			}
			if capture {
				configs = append(configs, study.PlanConfig{Capture: xs})
			} else {
				configs = append(configs, study.PlanConfig{ListSizes: xs})
			}
			return nil
		}
	}
	fs.Func("list-sizes", "expected number of cases on each list, comma-separated; repeat to compare configurations", addConfig(false))
	fs.Func("capture", "capture probabilities of the lists instead of their sizes, comma-separated, each in (0, 1); may be repeated", addConfig(true))
	sizes := fs.String("size", "", "population sizes N, comma-separated or FROM:TO:STEP (required without --pilot; default the pilot's N)")
	dependence := fs.String("dependence", "0", "log odds ratio between lists: a number for every pair and/or pairs i:j=value (e.g. 1:2=1.2,3:4=-inf)")
	heterogeneity := fs.Float64("heterogeneity", 0, fmt.Sprintf("standard deviation of the person effect on the logit of capture, 0 to %d", study.MaxHeterogeneity))
	pilot := fs.String("pilot", "", "take the overlap structure from the model fitted to this pilot overlap table")
	model := fs.String("model", "", "with --pilot: the model in notation, or a method that selects one (default stepwise)")
	procedure := fs.String("procedure", planDefaultProcedure, "the procedure the study will use, method/interval (e.g. stepwise/bca, bic/profile, Mh-Chao/profile)")
	reps := fs.Int("reps", study.DefaultPlanReps, fmt.Sprintf("simulated tables per configuration and size, 1 to %d", study.MaxSimulationReps))
	nboot := fs.Int("nboot", planDefaultNBoot, fmt.Sprintf("bootstrap replicates of each bca/percentile interval, 10 to %d (estimate uses %d; a plan's error is mostly the number of tables)", mse.MaxNBoot, mse.DefaultNBoot))
	seed := fs.Uint64("seed", mse.DefaultSeed, "seed of everything random")
	settings := methods.Flags(fs, "model", "rcapture")
	outdir := fs.String("outdir", "", "write plan.csv, plan.json and the plots into this directory")
	out := fs.String("o", "", "the same as --outdir")
	force := fs.Bool("force", false, "replace existing files in the output directory")
	asJSON := fs.Bool("json", false, "print the plan as JSON on stdout instead of the table")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case len(pos) != 0:
		return usagef("plan takes no positional arguments (use --pilot TABLE.csv)")
	case cfgErr != nil:
		return cfgErr
	case *pilot == "" && len(configs) == 0:
		return usagef("give --list-sizes (or --capture), or --pilot TABLE.csv").hint("e.g. morketall plan --list-sizes 100,100,100,100 --size 500:2000:500")
	case *pilot == "" && *sizes == "":
		return usagef("give the population sizes to consider with --size (e.g. --size 500,1000,2000)")
	case *pilot == "" && *model != "":
		return usagef("--model is used with --pilot")
	case *pilot != "" && (set["dependence"] || set["heterogeneity"]):
		return usagef("--dependence and --heterogeneity are for assumed list sizes; a pilot table gives its own structure")
	case *reps < 1 || *reps > study.MaxSimulationReps:
		return usagef("--reps must be in [1, %d]", study.MaxSimulationReps)
	case *nboot < 10 || *nboot > mse.MaxNBoot:
		return usagef("--nboot must be in [10, %d]", mse.MaxNBoot)
	case !(*heterogeneity >= 0 && *heterogeneity <= study.MaxHeterogeneity):
		return usagef("--heterogeneity must be in [0, %d]", study.MaxHeterogeneity)
	}
	for _, c := range configs {
		for _, q := range c.Capture {
			if q >= 1 {
				return usagef("--capture probabilities must be in (0, 1)")
			}
		}
	}
	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	dep, err := study.ParseDependence(*dependence)
	if err != nil {
		return usagef("--dependence: %s", strings.TrimPrefix(trimPkg(err), "invalid dependence: "))
	}
	settings.Parsed(fs)
	if err := settings.Check(); err != nil {
		return usagef("%s", trimPkg(err))
	}
	proc, err := study.ParseProcedure(*procedure, settings)
	if err != nil {
		return usagef("--procedure: %s", trimPkg(err))
	}
	if err := study.CheckSettings([]study.Procedure{proc}, settings); err != nil {
		return usagef("%s", trimPkg(err))
	}
	bf := &benchFlags{out: out, outdir: outdir}
	dir, err := bf.dir()
	if err != nil {
		return err
	}
	if err := checkDir(dir, *force, append(planFiles, "plan.manifest.json")...); err != nil {
		return err
	}
	spec := study.PlanSpec{Configs: configs, Sizes: ns, Dependence: dep, Heterogeneity: *heterogeneity, Procedure: proc}
	if *pilot != "" {
		if spec.Pilot, err = populationFromTable(e, *pilot, *model, settings); err != nil {
			return err
		}
	}
	if err := outputDir(dir); err != nil {
		return err
	}
	prog := newProgress(e, "plan")
	opts := &study.PlanOptions{Reps: *reps, RunOptions: study.RunOptions{NBoot: *nboot, Seed: seed, Progress: prog.update}}
	res, err := study.Plan(e.ctx, spec, opts)
	prog.done()
	if err != nil {
		if errors.Is(err, mse.ErrCancelled) {
			return interrupted()
		}
		return usagef("%s", strings.ReplaceAll(trimPkg(err), "study: ", ""))
	}
	if dir != "" {
		files, err := planOutFiles(res)
		if err != nil {
			return failf("plotting: %v", err)
		}
		if *pilot != "" && *pilot != "-" {
			if err := m.AddInput("pilot", *pilot); err != nil {
				return failf("%q: %v", *pilot, err)
			}
		}
		m.SetSeed("plan", *seed)
		m.SetOption("reps", *reps)
		m.SetOption("nboot", *nboot)
		m.SetOption("procedure", proc.String())
		if err := writeOutputs(dir, *force, files, m); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(e, res)
	}
	printPlan(e.stdout, res)
	if dir != "" {
		fmt.Fprintf(e.stdout, "\nwritten to %s: %s\n", dir, joinNames(planFiles))
	}
	return nil
}

// parseSizes reads population sizes: N, or FROM:TO:STEP, comma-separated.
func parseSizes(s string) ([]int, error) {
	var out []int
	bad := usagef("--size: want population sizes, e.g. 500,1000,2000 or 500:3000:500")
	for _, item := range splitList(s) {
		parts := strings.Split(item, ":")
		var v []int
		for _, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 1 {
				return nil, bad
			}
			v = append(v, n)
		}
		switch len(v) {
		case 1:
			out = append(out, v[0])
		case 3:
			if v[1] < v[0] || (v[1]-v[0])/v[2] > 1000 {
				return nil, bad
			}
			for n := v[0]; n <= v[1]; n += v[2] {
				out = append(out, n)
			}
		default:
			return nil, bad
		}
	}
	if len(out) > 1000 {
		return nil, usagef("--size: at most 1000 population sizes")
	}
	return out, nil
}

// describeLists says what a configuration's lists are, in words.
func describeLists(pt *study.PlanPoint) string {
	sizes := make([]string, len(pt.ListSizes))
	same := true
	for i, s := range pt.ListSizes {
		sizes[i] = strconv.FormatFloat(s, 'f', 0, 64)
		if sizes[i] != sizes[0] {
			same = false
		}
	}
	if same {
		return fmt.Sprintf("%d lists of about %s each", len(sizes), sizes[0])
	}
	return fmt.Sprintf("%d lists of about %s and %s", len(sizes), strings.Join(sizes[:len(sizes)-1], ", "), sizes[len(sizes)-1])
}

func pctOpt(x *float64) string {
	if x == nil {
		return "open"
	}
	return fmt.Sprintf("%.1f%%", 100**x)
}

func printPlan(w io.Writer, r *study.PlanResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if r.Pilot != nil {
		fmt.Fprintf(tw, "pilot\t%s\n", r.Pilot.Description)
	} else if r.Dependence != nil {
		het := "no heterogeneity"
		if r.Heterogeneity > 0 {
			het = fmt.Sprintf("heterogeneity σ = %s on the logit of capture", fnum(r.Heterogeneity))
		}
		fmt.Fprintf(tw, "assumed\t%s; %s\n", r.Dependence.Describe(), het)
	}
	boot := ""
	if r.NBoot > 0 {
		boot = fmt.Sprintf(", %d bootstrap replicates per interval", r.NBoot)
	}
	fmt.Fprintf(tw, "procedure\t%s\n", r.Procedure)
	fmt.Fprintf(tw, "simulation\t%d tables per row (%s, seed %d)%s\n", r.Reps, r.Scheme, r.Seed, boot)
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "config\tlists\tlist sizes\tN\tseen\tno estimate (SE)\trel. bias (SE)\t95%% cover (SE)\t95%% ± median (SE)\tquartiles\t\n")
	for i := range r.Points {
		p := &r.Points[i]
		sizes := make([]string, len(p.ListSizes))
		for j, s := range p.ListSizes {
			sizes[j] = strconv.FormatFloat(s, 'f', 0, 64)
		}
		bias, cov, hw, iq := "-", "-", "-", "-"
		if p.RelBias.N > 0 {
			bias = fmt.Sprintf("%+.1f%% (%.1f)", 100*p.RelBias.Mean, 100*p.RelBias.SE)
		}
		if p.Coverage95.N > 0 {
			cov = fmt.Sprintf("%s (%.1f)", pct(p.Coverage95.Rate), 100*p.Coverage95.SE)
		}
		if p.HalfWidth.N > 0 {
			hw = pctOpt(p.HalfWidth.Median)
			if p.HalfWidth.SE != nil {
				hw += fmt.Sprintf(" (%.1f)", 100**p.HalfWidth.SE)
			}
			iq = pctOpt(p.HalfWidth.Q25) + "–" + pctOpt(p.HalfWidth.Q75)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%.0f\t%s (%.1f)\t%s\t%s\t%s\t%s\t\n", p.Config, p.Lists, strings.Join(sizes, ","), p.N, p.ExpectedObserved,
			pct(p.NotEstimable.Rate), 100*p.NotEstimable.SE, bias, cov, hw, iq)
	}
	tw.Flush()
	fmt.Fprintf(w, "(%d simulated tables behind every figure; Monte Carlo standard errors in parentheses, in percentage points;\n", r.Reps)
	fmt.Fprintf(w, " ± is the 95%% interval's half-width relative to the estimate, its median and quartiles over the tables with an estimate)\n\n")
	for i := range r.Points {
		fmt.Fprintln(w, reading(&r.Points[i], r.Reps))
	}
}

// reading says a point's outlook in a sentence.
func reading(p *study.PlanPoint, reps int) string {
	head := fmt.Sprintf("With %s in a population of %d (about %.0f cases seen): ", describeLists(p), p.N, p.ExpectedObserved)
	if p.HalfWidth.N == 0 {
		return head + fmt.Sprintf("no interval in any of the %d tables.", reps)
	}
	var parts []string
	if p.HalfWidth.Median == nil {
		parts = append(parts, "the 95% interval will likely have no upper limit")
	} else {
		parts = append(parts, fmt.Sprintf("the 95%% interval will likely span ±%.0f%%", 100**p.HalfWidth.Median))
	}
	parts = append(parts, fmt.Sprintf("it held the true size in %.0f%% of the tables", 100*p.Coverage95.Rate))
	if p.NotEstimable.Rate > 0 {
		parts = append(parts, fmt.Sprintf("%.0f%% gave no estimate", 100*p.NotEstimable.Rate))
	}
	return head + strings.Join(parts, "; ") + "."
}

// planOutFiles are the outputs of plan.
func planOutFiles(r *study.PlanResult) ([]outFile, error) {
	var rows [][]string
	for i := range r.Points {
		p := &r.Points[i]
		rows = append(rows, []string{strconv.Itoa(p.Config), strconv.Itoa(p.N), strconv.Itoa(p.Lists), fmtList(p.ListSizes), fmtList(p.Capture),
			fnum(p.ExpectedObserved), strconv.Itoa(p.Reps), fnum(p.NotEstimable.Rate), fnum(p.NotEstimable.SE),
			fnum(p.RelBias.Mean), fnum(p.RelBias.SE), strconv.Itoa(p.Coverage95.N), fnum(p.Coverage95.Rate), fnum(p.Coverage95.SE),
			strconv.Itoa(p.HalfWidth.N), fptr(p.HalfWidth.Median), fptr(p.HalfWidth.SE), fptr(p.HalfWidth.Q25), fptr(p.HalfWidth.Q75),
			fptr(p.HalfWidth.Mean), strconv.Itoa(p.HalfWidth.Open), fnum(p.Summary.RMSE), fnum(p.Summary.MedianAbsLogError)})
	}
	files := []outFile{
		csvFile("plan.csv", []string{"config", "n", "lists", "list_sizes", "capture", "expected_observed", "reps",
			"not_estimable", "not_estimable_se", "relative_bias", "relative_bias_se", "intervals", "coverage95", "coverage95_se",
			"estimates_with_interval", "half_width95_median", "half_width95_median_se", "half_width95_q25", "half_width95_q75",
			"half_width95_mean_finite", "open_intervals", "rmse", "median_abs_log_error"}, rows),
		jsonFile("plan.json", r),
	}
	pp, err := planPlot(r)
	if err != nil {
		return nil, err
	}
	cp, err := planCoveragePlot(r)
	if err != nil {
		return nil, err
	}
	return append(files, svgFile("plan.svg", pp, 7*vg.Inch, 4.5*vg.Inch), svgFile("plan-coverage.svg", cp, 7*vg.Inch, 4.5*vg.Inch)), nil
}

// planSeries groups the points by configuration.
func planSeries(r *study.PlanResult) (configs []int, byConfig map[int][]*study.PlanPoint, manyN bool) {
	byConfig = map[int][]*study.PlanPoint{}
	ns := map[int]bool{}
	for i := range r.Points {
		p := &r.Points[i]
		if _, ok := byConfig[p.Config]; !ok {
			configs = append(configs, p.Config)
		}
		byConfig[p.Config] = append(byConfig[p.Config], p)
		ns[p.N] = true
	}
	return configs, byConfig, len(ns) > 1
}

// planX is a point's position on the x axis: N, or the configuration
// when there is one population size.
func planX(p *study.PlanPoint, manyN bool) float64 {
	if manyN {
		return float64(p.N)
	}
	return float64(p.Config - 1)
}

func configLabel(p *study.PlanPoint) string {
	sizes := make([]string, len(p.ListSizes))
	for j, s := range p.ListSizes {
		sizes[j] = strconv.FormatFloat(s, 'f', 0, 64)
	}
	if len(p.ListSizes) > 6 {
		return fmt.Sprintf("%d: %d lists", p.Config, p.Lists)
	}
	return fmt.Sprintf("%d: %d lists (%s)", p.Config, p.Lists, strings.Join(sizes, ", "))
}

func planAxes(p *plot.Plot, r *study.PlanResult, configs []int, byConfig map[int][]*study.PlanPoint, manyN bool) {
	if manyN {
		p.X.Label.Text = "population size N"
		return
	}
	var names []string
	for _, c := range configs {
		// Two lines, not rotated: rotated labels push the data area away
		// from the axis.
		names = append(names, strings.Replace(configLabel(byConfig[c][0]), " (", "\n(", 1))
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(configs))-0.4
	if len(r.Points) > 0 {
		p.X.Label.Text = fmt.Sprintf("configuration of lists (N = %d; list sizes in parentheses)", r.Points[0].N)
	}
}

// planPlot draws the median relative half-width of the 95% interval with
// ±1.96 Monte Carlo SE bars, one line per configuration.
func planPlot(r *study.PlanResult) (*plot.Plot, error) {
	configs, byConfig, manyN := planSeries(r)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Precision of the estimate: %s, median of %d tables per point (bars ±1.96 MC SE)", r.Procedure, r.Reps)
	p.Y.Label.Text = "95% interval: ±% of the estimate"
	p.Y.Min = 0
	planAxes(p, r, configs, byConfig, manyN)
	maxY := 0.0
	for ci, c := range configs {
		var pts plotter.XYs
		var errs plotter.YErrors
		for _, pt := range byConfig[c] {
			if pt.HalfWidth.Median == nil {
				continue
			}
			se := 0.0
			if pt.HalfWidth.SE != nil {
				se = 100 * *pt.HalfWidth.SE
			}
			y := 100 * *pt.HalfWidth.Median
			pts = append(pts, plotter.XY{X: planX(pt, manyN), Y: y})
			errs = append(errs, struct{ Low, High float64 }{1.96 * se, 1.96 * se})
			maxY = max(maxY, y+1.96*se)
		}
		if len(pts) == 0 {
			continue
		}
		col := palette[ci%len(palette)]
		if manyN && len(pts) > 1 {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, err
			}
			l.Color = col
			l.Width = vg.Points(1.5)
			p.Add(l)
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
		if manyN {
			p.Legend.Add(configLabel(byConfig[c][0]), sc)
		}
	}
	p.Y.Max = max(maxY*1.1, 5)
	p.Y.Tick.Marker = wholeTicks{}
	// The widths grow with N: the lower right is free for the legend.
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(8)
	p.Legend.YOffs = vg.Points(8)
	p.Add(plotter.NewGrid())
	return p, nil
}

// wholeTicks are the default ticks with labels without decimals when the
// values are whole.
type wholeTicks struct{}

func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" && ts[i].Value == math.Trunc(ts[i].Value) {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', 0, 64)
		}
	}
	return ts
}

// planCoveragePlot draws the coverage of the 95% interval (nominal
// dashed) and the share of tables without an estimate.
func planCoveragePlot(r *study.PlanResult) (*plot.Plot, error) {
	configs, byConfig, manyN := planSeries(r)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Coverage and failures: %s, %d tables per point", r.Procedure, r.Reps)
	p.Y.Label.Text = "share of tables (bars ±1.96 SE)"
	p.Y.Min, p.Y.Max = 0, 1.05
	planAxes(p, r, configs, byConfig, manyN)
	nominal := plotter.NewFunction(func(float64) float64 { return 0.95 })
	nominal.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(nominal)
	for ci, c := range configs {
		col := palette[ci%len(palette)]
		for si, series := range []struct {
			name  string
			get   func(*study.PlanPoint) study.MCShare
			shape draw.GlyphDrawer
		}{
			{"95% coverage", func(pt *study.PlanPoint) study.MCShare { return pt.Coverage95 }, draw.CircleGlyph{}},
			{"no estimate", func(pt *study.PlanPoint) study.MCShare { return pt.NotEstimable }, draw.TriangleGlyph{}},
		} {
			var pts plotter.XYs
			var errs plotter.YErrors
			for _, pt := range byConfig[c] {
				s := series.get(pt)
				if s.N == 0 {
					continue
				}
				pts = append(pts, plotter.XY{X: planX(pt, manyN), Y: s.Rate})
				errs = append(errs, struct{ Low, High float64 }{1.96 * s.SE, 1.96 * s.SE})
			}
			if len(pts) == 0 {
				continue
			}
			if manyN && len(pts) > 1 {
				l, err := plotter.NewLine(pts)
				if err != nil {
					return nil, err
				}
				l.Color = col
				if si == 1 {
					l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
				}
				p.Add(l)
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle.Color = col
			sc.GlyphStyle.Radius = vg.Points(3.5)
			sc.GlyphStyle.Shape = series.shape
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYer
				plotter.YErrorer
			}{pts, errs})
			if err != nil {
				return nil, err
			}
			eb.Color = col
			p.Add(eb, sc)
			label := series.name
			if manyN {
				label = fmt.Sprintf("%s, config %d", series.name, c)
			}
			if manyN || ci == 0 {
				p.Legend.Add(label, sc)
			}
		}
	}
	p.Legend.Top = false
	p.Legend.Left = true
	p.Legend.YOffs = vg.Points(30)
	p.Add(plotter.NewGrid())
	return p, nil
}
