package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
	"github.com/morketall/morketall/mse/study"
)

func init() {
	register(&command{
		name:    "simulate",
		summary: "simulation study: how well do the procedures recover a known population?",
		run:     runSimulate,
	})
}

const simulateDefaultProcs = "stepwise/bca,stepwise/conditional,bic/profile"

const simulateSynopsis = `simulate [--scenario NAME | --from TABLE.csv [--model NOTATION]] [flags]
       simulate --grid GRID.json [--shard I/N] [--resume] [--outdir DIR] [--seed S]
       simulate merge [--outdir DIR] PART.json...

Draws --reps overlap tables from a population of known size, runs each
procedure (a model-selection method and an interval) on every table, and
reports per procedure: bias and relative bias, RMSE (also of log N),
median absolute log error, coverage of the 95% and 80% intervals with
binomial standard errors, interval width, the share not estimable, and
which models were chosen.

The population is a named scenario (--scenario, with --lists K from 3 to
8 and --size N):
SCENARIOS
or the parametric population of a model fitted to your own table (--from
TABLE.csv --model NOTATION; --model may also be main, stepwise, bic or aic
to use the model that method selects; default stepwise): its size is the
model's estimate N-hat, rounded, and its cells have the fitted expected
counts, as in Chan, Silverman and Vincent (2021, section 3.4).

Tables are drawn with N fixed (--scheme multinomial: the unobserved count
is binomial, the observed cells multinomial) or with Poisson cells
(--scheme poisson: the population size varies, and each table's own size
is its truth). Each simulated table is tidied as a file would be.

Procedures are method/interval pairs, e.g. stepwise/bca, bic/profile,
Mth-Chao/profile; or give --methods and --intervals for all combinations.
bic/bca and aic/bca repeat the whole BIC search in every bootstrap
replicate of every table: lower --nboot or --reps for them.

Results depend on --seed only, not on the number of cores. With --outdir DIR:
summary.csv, coverage.csv, models.csv, replicates.csv, simulation.json,
coverage.svg and errors.svg.

--grid GRID.json runs a grid of cells instead (populations x sizes x
numbers of lists x linkage-error rates x procedures; the file format is in
the README and testdata/grid.json), writing summary.csv, coverage.csv,
models.csv, replicates.csv and simulation.json with one row per cell.
--shard I/N runs the I-th of N interleaved parts of the grid and writes
DIR/part-I-of-N.json; "simulate merge PART..." checks that the parts are
one grid, seed and version, none missing, and writes the same files as one
unsharded run, byte for byte. With --outdir every finished cell goes to a
checkpoint in DIR; after an interruption --resume continues from it.`

func scenarioHelp() string {
	var b strings.Builder
	for _, s := range study.ScenarioNames() {
		fmt.Fprintf(&b, "  %-14s %s\n", s[0], s[1])
	}
	return strings.TrimRight(b.String(), "\n")
}

// simulateFiles are the files simulate writes into its output directory.
var simulateFiles = []string{"summary.csv", "coverage.csv", "models.csv", "replicates.csv", "simulation.json", "coverage.svg", "errors.svg"}

func runSimulate(e *env, args []string) error {
	if len(args) > 0 && args[0] == "merge" {
		return runSimulateMerge(e, args[1:])
	}
	m := e.auditFor("simulate") // written into the output directory
	fs := newFlags(e, "simulate", strings.Replace(simulateSynopsis, "SCENARIOS", scenarioHelp(), 1))
	scenario := fs.String("scenario", "", "a named scenario (see above)")
	lists := fs.Int("lists", 0, fmt.Sprintf("number of lists of the scenario, 3 to %d (default 5)", study.MaxScenarioLists))
	size := fs.Int("size", 0, "population size N of the scenario, at least 1 (default: the scenario's)")
	from := fs.String("from", "", "draw from a model fitted to this overlap table")
	model := fs.String("model", "", "with --from: the model, in notation ([12,13,3], [LA:NG, GO]) or a method that selects one, e.g. stepwise or bic (default stepwise)")
	reps := fs.Int("reps", study.DefaultSimulationReps, fmt.Sprintf("number of simulated tables, 1 to %d", study.MaxSimulationReps))
	scheme := fs.String("scheme", string(study.SchemeMultinomial), "how tables are drawn: multinomial (N fixed) or poisson")
	bf := addBenchFlags(fs, simulateDefaultProcs)
	gf := addGridFlags(fs)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *gf.grid != "" {
		if len(pos) != 0 {
			return usagef("simulate takes no positional arguments (the grid is --grid FILE)")
		}
		return runSimulateGrid(e, m, gf, bf, set)
	}
	switch {
	case *gf.shard != "" || *gf.resume:
		return usagef("--shard and --resume are used with --grid")
	case len(pos) != 0:
		return usagef("simulate takes no positional arguments (use --from TABLE.csv)")
	case (*scenario == "") == (*from == ""):
		return usagef("give either --scenario NAME or --from TABLE.csv").hint("scenarios: %s", strings.Join(scenarioList(), ", "))
	case *from == "" && *model != "":
		return usagef("--model is used with --from")
	case *from != "" && (set["lists"] || set["size"]):
		return usagef("--lists and --size are used with --scenario")
	case *reps < 1 || *reps > study.MaxSimulationReps:
		return usagef("--reps must be in [1, %d]", study.MaxSimulationReps)
	case set["size"] && *size < 1:
		return usagef("--size must be at least 1")
	case set["lists"] && (*lists < 3 || *lists > study.MaxScenarioLists):
		return usagef("--lists must be in [3, %d]", study.MaxScenarioLists)
	case *scheme != string(study.SchemeMultinomial) && *scheme != string(study.SchemePoisson):
		return usagef("--scheme must be multinomial or poisson")
	}
	procs, err := bf.resolve(simulateDefaultProcs)
	if err != nil {
		return err
	}
	dir, err := bf.dir()
	if err != nil {
		return err
	}
	if err := checkDir(dir, *bf.force, append(simulateFiles, "simulate.manifest.json")...); err != nil {
		return err
	}
	var pop *study.Population
	if *scenario != "" {
		pop, err = study.NewScenario(*scenario, &study.ScenarioOptions{Lists: *lists, N: *size})
		if err != nil {
			return usagef("%s", trimPkg(err))
		}
	} else if pop, err = populationFromTable(e, *from, *model, bf.settings); err != nil {
		return err
	}
	if err := outputDir(dir); err != nil {
		return err
	}
	opts := &study.SimulationOptions{Reps: *reps, Scheme: study.Scheme(*scheme), RunOptions: bf.runOptions()}
	prog := newProgress(e, "simulate")
	opts.Progress = prog.update
	res, err := study.Simulate(e.ctx, pop, procs, opts)
	prog.done()
	if err != nil {
		return libError("", err)
	}
	if dir != "" {
		files, err := simulationFiles(res)
		if err != nil {
			return failf("plotting: %v", err)
		}
		if *from != "" {
			if err := m.AddInput("table", *from); err != nil {
				return failf("%q: %v", *from, err)
			}
		}
		m.SetSeed("simulate", *bf.seed)
		m.SetOption("reps", *reps)
		m.SetOption("nboot", *bf.nboot)
		if err := writeOutputs(dir, *bf.force, files, m); err != nil {
			return err
		}
	}
	if *bf.asJSON {
		return printJSON(e, res)
	}
	printSimulation(e.stdout, res)
	if dir != "" {
		fmt.Fprintf(e.stdout, "\nwritten to %s: %s\n", dir, joinNames(simulateFiles))
	}
	return nil
}

func scenarioList() []string {
	var out []string
	for _, s := range study.ScenarioNames() {
		out = append(out, s[0])
	}
	return out
}

// populationFromTable fits the model (or the model a method selects) to
// the table and returns its parametric population.
func populationFromTable(e *env, path, model string, settings *methods.Settings) (*study.Population, error) {
	t, err := readTable(e, path, nil)
	if err != nil {
		return nil, err
	}
	if model == "" {
		model = "stepwise"
	}
	var pop *study.Population
	if slices.Contains(methods.Names(), model) {
		s := *settings
		s.Given = nil
		meth, err := methods.New(model, s)
		if err != nil {
			return nil, usagef("--model: %s", trimPkg(err))
		}
		pop, err = study.PopulationFromMethod(e.ctx, t, meth)
		if err != nil {
			return nil, populationError(path, err)
		}
		return pop, nil
	}
	mod, err := mse.ParseModel(model, t.Lists)
	if err != nil {
		return nil, usagef("--model: %s", trimPkg(err))
	}
	pop, err = study.PopulationFromModel(t, mod)
	if err != nil {
		return nil, populationError(path, err)
	}
	return pop, nil
}

func populationError(path string, err error) error {
	if errors.Is(err, mse.ErrNotEstimable) {
		return notEstimablef("%q: %s", path, trimPkg(err))
	}
	return libError(fmt.Sprintf("%q", path), err)
}

func printSimulation(w io.Writer, r *study.SimulationResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "population\t%s: %s\n", r.Population.Name, r.Population.Description)
	if r.Population.Model != "" {
		fmt.Fprintf(tw, "true model\t%s\n", r.Population.Model)
	}
	boot := ""
	if r.NBoot > 0 {
		boot = fmt.Sprintf(", %d bootstrap replicates per interval", r.NBoot)
	}
	fmt.Fprintf(tw, "simulation\t%d tables (%s, seed %d)%s\n", r.Reps, r.Scheme, r.Seed, boot)
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "procedure\testimable\tmean N-hat\trel. bias\tRMSE\tRMSE log\tmed |log err|\t95%% cover (SE)\t80%% cover (SE)\t95%% width\t\n")
	for _, s := range r.Summaries {
		c95, c80, wd := "-", "-", "-"
		if s.Coverage95.Intervals > 0 {
			c95 = fmt.Sprintf("%s (%.1f)", pct(s.Coverage95.Rate), 100*s.Coverage95.SE)
			wd = fmt.Sprintf("%.0f", s.Coverage95.MedianWidth)
			if s.Coverage95.Open > 0 {
				wd += fmt.Sprintf(" (%d open)", s.Coverage95.Open)
			}
		}
		if s.Coverage80.Intervals > 0 {
			c80 = fmt.Sprintf("%s (%.1f)", pct(s.Coverage80.Rate), 100*s.Coverage80.SE)
		}
		if s.Estimable == 0 {
			fmt.Fprintf(tw, "%s\t0/%d\t-\t-\t-\t-\t-\t-\t-\t-\t\n", s.Procedure, s.Reps)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%.0f\t%+.1f%%\t%.0f\t%.3f\t%.3f\t%s\t%s\t%s\t\n", s.Procedure, s.Estimable, s.Reps,
			s.MeanEstimate, 100*s.RelBias, s.RMSE, s.RMSELog, s.MedianAbsLogError, c95, c80, wd)
	}
	tw.Flush()
	fmt.Fprintf(w, "(truth: N = %d", r.Population.N)
	if r.Scheme == string(study.SchemePoisson) {
		fmt.Fprintf(w, " on average; each table's own size is its truth")
	}
	fmt.Fprintf(w, "; 95%% width is the median width of the finite intervals)\n")
	fmt.Fprintf(w, "\nmodels chosen\n")
	seen := map[string]bool{}
	for _, s := range r.Summaries {
		method, _, _ := strings.Cut(s.Procedure, "/")
		if seen[method] || len(s.Models) == 0 {
			continue
		}
		seen[method] = true
		var parts []string
		for i, m := range s.Models {
			if i == 4 {
				parts = append(parts, fmt.Sprintf("… %d more", len(s.Models)-4))
				break
			}
			parts = append(parts, fmt.Sprintf("%s %s", m.Notation, pct(float64(m.Count)/float64(s.Estimable))))
		}
		fmt.Fprintf(w, "  %-10s %s\n", method, strings.Join(parts, ", "))
	}
	for _, s := range r.Summaries {
		if len(s.Reasons) > 0 {
			fmt.Fprintf(w, "  %s not estimable: %s (%d)", s.Procedure, s.Reasons[0].Reason, s.Reasons[0].Count)
			if len(s.Reasons) > 1 {
				fmt.Fprintf(w, " and %d other reasons", len(s.Reasons)-1)
			}
			fmt.Fprintln(w)
		}
	}
}

// simulationFiles are the -o outputs of simulate.
func simulationFiles(r *study.SimulationResult) ([]outFile, error) {
	var summary, coverage, models [][]string
	var cov95, cov80 []study.Coverage
	errs := make([][]float64, len(r.Procedures))
	for _, s := range r.Summaries {
		summary = append(summary, []string{s.Procedure, strconv.Itoa(s.Reps), strconv.Itoa(s.Estimable), fnum(s.NotEstimable),
			fnum(s.MeanEstimate), fnum(s.Bias), fnum(s.RelBias), fnum(s.RMSE), fnum(s.RMSELog), fnum(s.MedianAbsLogError),
			strconv.Itoa(s.Below), fnum(s.Coverage95.Rate), fnum(s.Coverage95.SE), fnum(s.Coverage80.Rate), fnum(s.Coverage80.SE),
			fnum(s.Coverage95.MeanWidth), fnum(s.Coverage80.MeanWidth)})
		coverage = append(coverage, coverageRows(s.Procedure, s.Coverage95, s.Coverage80)...)
		for _, m := range s.Models {
			models = append(models, []string{s.Procedure, m.Notation, strconv.Itoa(m.Count), fnum(float64(m.Count) / float64(max(s.Estimable, 1)))})
		}
		cov95, cov80 = append(cov95, s.Coverage95), append(cov80, s.Coverage80)
	}
	var reps [][]string
	for i, rr := range r.Replicates {
		reps = append(reps, []string{strconv.Itoa(rr.Rep), rr.Procedure, strconv.Itoa(rr.Truth), strconv.Itoa(rr.Observed),
			strconv.Itoa(rr.Lists), rr.Status, rr.Reason, fptr(rr.Estimate), rr.Model,
			fptr(rr.Lower95), upper(rr.Upper95, rr.Open95), fptr(rr.Lower80), upper(rr.Upper80, rr.Open80)})
		if rr.Estimated() {
			pi := i % len(r.Procedures)
			errs[pi] = append(errs[pi], math.Log(*rr.Estimate/float64(rr.Truth)))
		}
	}
	files := []outFile{
		csvFile("summary.csv", []string{"procedure", "reps", "estimable", "not_estimable_share", "mean_estimate", "bias",
			"relative_bias", "rmse", "rmse_log", "median_abs_log_error", "below_truth", "coverage95", "se95", "coverage80", "se80",
			"mean_width95", "mean_width80"}, summary),
		csvFile("coverage.csv", coverageHeader, coverage),
		csvFile("models.csv", []string{"procedure", "model", "count", "share"}, models),
		csvFile("replicates.csv", []string{"rep", "procedure", "truth", "observed", "lists", "status", "reason", "estimate",
			"model", "lower95", "upper95", "lower80", "upper80"}, reps),
		jsonFile("simulation.json", r),
	}
	w, h := plotSize(len(r.Procedures))
	title := fmt.Sprintf("%s: %d tables, N = %d", r.Population.Name, r.Reps, r.Population.N)
	cp, err := coveragePlot("Interval coverage, "+title, r.Procedures, cov95, cov80)
	if err != nil {
		return nil, err
	}
	ep, err := errorPlot("Estimation error, "+title, "log(N-hat / N)", r.Procedures, errs)
	if err != nil {
		return nil, err
	}
	return append(files, svgFile("coverage.svg", cp, w, h), svgFile("errors.svg", ep, w, h)), nil
}

// upper writes an upper limit for CSV: "open" when beyond the search range.
func upper(x *float64, open bool) string {
	if open {
		return "open"
	}
	return fptr(x)
}
