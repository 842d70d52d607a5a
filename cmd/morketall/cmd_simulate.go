package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/mse"
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

Results depend on --seed only, not on the number of cores. With -o DIR:
summary.csv, coverage.csv, models.csv, replicates.csv, simulation.json,
coverage.svg and errors.svg.`

func scenarioHelp() string {
	var b strings.Builder
	for _, s := range mse.ScenarioNames() {
		fmt.Fprintf(&b, "  %-14s %s\n", s[0], s[1])
	}
	return strings.TrimRight(b.String(), "\n")
}

func runSimulate(e *env, args []string) int {
	m := e.auditFor("simulate") // written into the -o directory
	fs := newFlags(e, "simulate", strings.Replace(simulateSynopsis, "SCENARIOS", scenarioHelp(), 1))
	scenario := fs.String("scenario", "", "a named scenario (see above)")
	lists := fs.Int("lists", 0, "number of lists of the scenario, 3 to 8 (default 5)")
	size := fs.Int("size", 0, "population size N of the scenario (default: the scenario's)")
	from := fs.String("from", "", "draw from a model fitted to this overlap table")
	model := fs.String("model", "", "with --from: the model, in notation ([12,13,3], [LA:NG, GO]) or main|stepwise|bic|aic (default stepwise)")
	reps := fs.Int("reps", mse.DefaultSimulationReps, "number of simulated tables")
	scheme := fs.String("scheme", string(mse.SchemeMultinomial), "how tables are drawn: multinomial (N fixed) or poisson")
	bf := addBenchFlags(fs, simulateDefaultProcs)
	pos, code := parseFlags(e, fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		e.errorf("simulate takes no positional arguments (use --from TABLE.csv)")
		return exitUsage
	}
	if (*scenario == "") == (*from == "") {
		e.errorf("give either --scenario NAME or --from TABLE.csv")
		e.hintf("scenarios: %s", strings.Join(scenarioList(), ", "))
		return exitUsage
	}
	if *from == "" && *model != "" {
		e.errorf("--model is used with --from")
		return exitUsage
	}
	if *from != "" && (*lists != 0 || *size != 0) {
		e.errorf("--lists and --size are used with --scenario")
		return exitUsage
	}
	if *reps < 1 {
		e.errorf("--reps must be at least 1")
		return exitUsage
	}
	procs, ok := bf.resolve(e, simulateDefaultProcs)
	if !ok {
		return exitUsage
	}
	var pop *mse.Population
	if *scenario != "" {
		var err error
		pop, err = mse.NewScenario(*scenario, &mse.ScenarioOptions{Lists: *lists, N: *size})
		if err != nil {
			e.errorf("%s", trimPkg(err))
			return exitUsage
		}
	} else {
		var code int
		pop, code = populationFromTable(e, *from, *model, *bf.pthresh, *bf.maxorder)
		if code >= 0 {
			return code
		}
	}
	if !outputDir(e, *bf.out) {
		return exitFailure
	}
	opts := &mse.SimulationOptions{Reps: *reps, Scheme: mse.Scheme(*scheme), RunOptions: bf.runOptions()}
	opts.Context = e.ctx
	prog := newProgress(e, "simulate")
	opts.Progress = prog.update
	res, err := mse.Simulate(pop, procs, opts)
	prog.done()
	if err != nil {
		if errors.Is(err, mse.ErrCancelled) {
			e.errorf("interrupted: nothing was written")
			return exitFailure
		}
		e.errorf("%s", trimPkg(err))
		return exitUsage
	}
	if *bf.out != "" {
		files, err := simulationFiles(res)
		if err != nil {
			e.errorf("plotting: %v", err)
			return exitFailure
		}
		if *from != "" {
			if err := m.AddInput("table", *from); err != nil {
				e.errorf("%q: %v", *from, err)
				return exitFailure
			}
		}
		m.SetSeed("simulate", *bf.seed)
		m.SetOption("reps", *reps)
		m.SetOption("nboot", *bf.nboot)
		if !writeOutputs(e, *bf.out, *bf.force, files, m) {
			return exitFailure
		}
	}
	if *bf.asJSON {
		if !printJSON(e, res) {
			return exitFailure
		}
	} else {
		printSimulation(e.stdout, res)
		if *bf.out != "" {
			fmt.Fprintf(e.stdout, "\nwritten to %s: summary.csv, coverage.csv, models.csv, replicates.csv, simulation.json, coverage.svg, errors.svg\n", *bf.out)
		}
	}
	return exitOK
}

func scenarioList() []string {
	var out []string
	for _, s := range mse.ScenarioNames() {
		out = append(out, s[0])
	}
	return out
}

// populationFromTable fits the model (or the model a method selects) to
// the table and returns its parametric population.
func populationFromTable(e *env, path, model string, pthresh float64, maxorder int) (*mse.Population, int) {
	t, code := readTable(e, path, nil)
	if code >= 0 {
		return nil, code
	}
	if model == "" {
		model = string(mse.MethodStepwise)
	}
	var m mse.Model
	switch mse.Method(model) {
	case mse.MethodMain, mse.MethodStepwise, mse.MethodBIC, mse.MethodAIC, mse.MethodAuto:
		r, err := mse.Estimate(t, &mse.Options{Method: mse.Method(model), PThresh: pthresh, MaxOrder: maxorder, Interval: mse.IntervalNone})
		if err != nil {
			e.errorf("%q: %s", path, trimPkg(err))
			return nil, exitUsage
		}
		if !r.Estimated() {
			e.errorf("%q: the %s model is not estimable: %s", path, model, r.Reason)
			return nil, exitNotEstimable
		}
		m, err = mse.ParseModel(r.Model.Notation, t.Lists)
		if err != nil {
			e.errorf("%s", trimPkg(err))
			return nil, exitFailure
		}
	default:
		var err error
		m, err = mse.ParseModel(model, t.Lists)
		if err != nil {
			e.errorf("--model: %s", trimPkg(err))
			return nil, exitUsage
		}
	}
	fit, err := mse.FitModel(t, m, nil)
	if err != nil {
		if errors.Is(err, mse.ErrNotEstimable) {
			e.errorf("%q: model %s is not estimable: %s", path, m.Named(t.Lists), trimPkg(err))
			return nil, exitNotEstimable
		}
		e.errorf("%q: %s", path, trimPkg(err))
		return nil, exitUsage
	}
	pop, err := mse.PopulationFromFit(t, fit)
	if err != nil {
		e.errorf("%q: %s", path, trimPkg(err))
		return nil, exitUsage
	}
	return pop, -1
}

func printSimulation(w io.Writer, r *mse.SimulationResult) {
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
	if r.Scheme == string(mse.SchemePoisson) {
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
func simulationFiles(r *mse.SimulationResult) ([]outFile, error) {
	var summary, coverage, models [][]string
	var cov95, cov80 []mse.Coverage
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
