package main

import (
	"encoding/json"
	"errors"
	flagpkg "flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/mse"
)

func init() {
	register(&command{
		name:    "estimate",
		summary: "estimate the total population from an overlap table",
		run:     runEstimate,
	})
}

const estimateSynopsis = `estimate [flags] TABLE.csv

Selects a log-linear model for the overlap table and estimates the total
population (observed cases plus the dark figure), with an interval.

Methods: main (independence), fixed (--model), stepwise (SparseMSE,
--pthresh), bic and aic (all hierarchical models up to --maxorder, MSE-R),
auto (bic for up to 5 lists, stepwise above), or --rcapture MODEL.

Intervals: bca (default) re-runs the whole model selection on --nboot
bootstrap resamples (seeded by --seed; the result does not depend on the
number of cores) — it accounts for model uncertainty. percentile uses the
same bootstrap. conditional (log-normal) and profile (profile likelihood)
are conditional on the selected model and too narrow when the choice of
model is uncertain.

Exit codes: 0 estimated, 1 failure, 2 bad usage or input, 3 not estimable.`

func runEstimate(e *env, args []string) int {
	fs := newFlags(e, "estimate", estimateSynopsis)
	method := fs.String("method", "auto", "model selection: main|fixed|stepwise|bic|aic|auto")
	model := fs.String("model", "", "the model for --method fixed, e.g. [12,13,3] or [LA:NG, GO]")
	pthresh := fs.Float64("pthresh", mse.DefaultPThresh, "stepwise p-value threshold, in (0, 1]")
	maxorder := fs.Int("maxorder", 0, "highest interaction order in the bic/aic search (default: MSE-R's for the number of lists)")
	rcapture := fs.String("rcapture", "", "an Rcapture model: M0|Mt|Mh-Chao|Mh-Poisson2|Mh-Darroch|Mh-Gamma3.5|Mth-Chao|Mth-Poisson2|Mth-Darroch|Mth-Gamma3.5")
	interval := fs.String("interval", "bca", "interval: bca|percentile|conditional|profile|none")
	quantiles := fs.String("quantiles", "0.025,0.1,0.9,0.975", "interval limits as comma-separated probabilities (default: 95% and 80%)")
	nboot := fs.Int("nboot", mse.DefaultNBoot, "bootstrap replicates for bca/percentile")
	seed := fs.Uint64("seed", mse.DefaultSeed, "bootstrap seed")
	ntop := fs.String("ntop", "default", "models searched in each bic/aic replicate: N, all, or default (all for up to 5 lists, 100 for 6)")
	strata := fs.String("strata", "", "comma-separated stratum columns: estimate each stratum and their sum")
	collapse := fs.Bool("collapse", false, "with --strata: sum over the strata and estimate the total table instead")
	linkErr := fs.String("linkage-error", "", "linkage-error sensitivity: assumed rates, e.g. missed=0.05,false=0.01")
	linkErrReps := fs.Int("linkage-error-reps", 200, "perturbed tables for --linkage-error (each re-runs the model selection)")
	top := fs.Int("top", mse.DefaultTopModels, "number of top models to list")
	asJSON := fs.Bool("json", false, "print the result as JSON (DESIGN.md estimate JSON)")
	out := fs.String("o", "", "write the JSON result to this file (atomically) instead of stdout")
	force := fs.Bool("force", false, "replace an existing -o file")
	pos, code := parseFlags(e, fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		e.errorf("estimate needs exactly one overlap table")
		fs.Usage()
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flagpkg.Flag) { set[f.Name] = true })
	opts := &mse.Options{
		Method:    mse.Method(*method),
		Model:     *model,
		PThresh:   *pthresh,
		MaxOrder:  *maxorder,
		Interval:  mse.IntervalMethod(*interval),
		TopModels: *top,
	}
	if *rcapture != "" {
		if set["method"] && *method != string(mse.MethodRcapture) {
			e.errorf("--rcapture cannot be combined with --method %s", *method)
			return exitUsage
		}
		opts.Method, opts.Rcapture = mse.MethodRcapture, *rcapture
	}
	if *model != "" && !set["method"] {
		opts.Method = mse.MethodFixed
	}
	if *model != "" && opts.Method != mse.MethodFixed {
		e.errorf("--model is only used with --method fixed")
		return exitUsage
	}
	q, err := parseQuantiles(*quantiles)
	if err != nil {
		e.errorf("--quantiles: %v", err)
		return exitUsage
	}
	opts.Quantiles = q
	opts.NBoot, opts.Seed = *nboot, seed
	switch *ntop {
	case "default", "":
	case "all":
		opts.NTop = mse.NTopAll
	default:
		n, err := strconv.Atoi(*ntop)
		if err != nil || n < 1 {
			e.errorf("--ntop must be a positive number, all or default")
			return exitUsage
		}
		opts.NTop = n
	}
	var leOpts *mse.LinkageErrorOptions
	if *linkErr != "" {
		var err error
		if leOpts, err = parseLinkageError(*linkErr); err != nil {
			e.errorf("--linkage-error: %v", err)
			return exitUsage
		}
		leOpts.Replicates, leOpts.Seed = *linkErrReps, *seed
	}
	if *collapse && *strata == "" {
		e.errorf("--collapse needs --strata naming the columns to sum over")
		return exitUsage
	}
	t, code := readTable(e, pos[0], splitList(*strata))
	if code >= 0 {
		return code
	}
	if *collapse {
		t = t.Collapse()
	}
	opts.Context = e.ctx
	m := e.auditFor("estimate") // written beside -o
	bootstrapping := opts.Interval == mse.IntervalBCa || opts.Interval == mse.IntervalPercentile
	var prog *progress
	if bootstrapping {
		prog = newProgress(e, "bootstrap")
		opts.Progress = prog.update
	}
	var res *mse.Result
	if len(t.Strata) > 0 {
		res, err = mse.EstimateStrata(t, opts)
	} else {
		res, err = mse.Estimate(t, opts)
	}
	prog.done()
	if err != nil {
		if errors.Is(err, mse.ErrCancelled) {
			e.errorf("interrupted: nothing was written")
			return exitFailure
		}
		e.errorf("%s", trimPkg(err))
		return exitUsage
	}
	if leOpts != nil && res.Estimated() {
		if code := linkageSensitivity(e, t, opts, leOpts, res); code >= 0 {
			return code
		}
	}
	res.Version = toolVersion()
	switch {
	case *out != "":
		err := atomicfile.Write(*out, &atomicfile.Options{Force: *force}, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		})
		if err != nil {
			e.errorf("%q: %v", *out, err)
			return exitFailure
		}
		m.AddInput("table", pos[0])
		if res.Options.Seed != nil {
			m.SetSeed("bootstrap", *res.Options.Seed)
		}
		m.SetOption("options", res.Options)
		if !e.finishAudit(m, *force, [2]string{"estimate", *out}) {
			return exitFailure
		}
		if !*asJSON {
			printEstimate(e.stdout, pos[0], res)
		}
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			e.errorf("writing JSON: %v", err)
			return exitFailure
		}
	default:
		printEstimate(e.stdout, pos[0], res)
	}
	for _, w := range res.Warnings {
		e.warnf("%s", w)
	}
	if !res.Estimated() {
		if !*asJSON {
			e.errorf("not estimable: %s", res.Reason)
		}
		return exitNotEstimable
	}
	return exitOK
}

func parseQuantiles(s string) ([]float64, error) {
	var q []float64
	for _, p := range splitList(s) {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || !(v > 0 && v < 1) {
			return nil, fmt.Errorf("%q is not a probability in (0, 1)", p)
		}
		q = append(q, v)
	}
	if len(q) == 0 {
		return nil, fmt.Errorf("no quantiles given")
	}
	return q, nil
}

func printEstimate(w io.Writer, path string, r *mse.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "table\t%s\n", path)
	fmt.Fprintf(tw, "lists\t%s (%d)\n", strings.Join(r.Lists, ", "), len(r.Lists))
	fmt.Fprintf(tw, "observed\t%d cases\n", r.Observed)
	method := r.Method
	if r.RequestedMethod != "" {
		method += " (" + r.RequestedMethod + ")"
	}
	if s := r.Selection; s != nil {
		switch {
		case s.Candidates > 0:
			method += fmt.Sprintf(": %d of %d models up to order %d pass the existence check", s.Valid, s.Candidates, s.MaxOrder)
		case s.Criterion == "stepwise":
			method += fmt.Sprintf(": pthresh %g", r.Options.PThresh)
		}
	}
	fmt.Fprintf(tw, "method\t%s\n", method)
	if r.Model != nil {
		if r.Model.Named != "" && r.Model.Named != r.Model.Notation {
			fmt.Fprintf(tw, "model\t%s = %s\n", r.Model.Notation, r.Model.Named)
		} else {
			fmt.Fprintf(tw, "model\t%s\n", r.Model.Notation)
		}
	}
	if !r.Estimated() {
		fmt.Fprintf(tw, "status\tnot estimable: %s\n", r.Reason)
		tw.Flush()
		if len(r.Strata) > 0 {
			printStrata(w, r)
		}
		return
	}
	fmt.Fprintf(tw, "estimate\t%s (dark figure %s)\n", fmtCount(*r.Estimate), fmtCount(*r.DarkFigure))
	for _, line := range intervalLines(r.Intervals) {
		fmt.Fprintf(tw, "%s\t%s\n", line[0], line[1])
	}
	if f := r.Fit; f != nil {
		fmt.Fprintf(tw, "fit\tdeviance %.3f on %d df, AIC %.3f, BIC %.3f, SE of estimate %s\n",
			f.Deviance, f.DF, f.AIC, f.BIC, fmtCount(f.StdErr))
		if len(f.EmptyMargins) > 0 {
			var names []string
			for _, t := range f.EmptyMargins {
				names = append(names, strings.Join(t, ":"))
			}
			fmt.Fprintf(tw, "\tterms held at -Inf (empty margins): %s\n", strings.Join(names, ", "))
		}
	}
	if b := r.Bootstrap; b != nil {
		fmt.Fprintf(tw, "bootstrap\t%d replicates (seed %d), model selection repeated in each", b.NBoot, b.Seed)
		if b.NTop > 0 {
			fmt.Fprintf(tw, " among the best %d models", b.NTop)
		}
		if b.NotEstimable > 0 {
			fmt.Fprintf(tw, "; %d not estimable", b.NotEstimable)
		}
		if b.Unbounded > 0 {
			fmt.Fprintf(tw, "; %d with an unbounded estimate", b.Unbounded)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	printStrata(w, r)
	if b := r.Bootstrap; b != nil && len(b.ModelFrequency) > 1 {
		fmt.Fprintf(w, "\nmodels selected in the bootstrap replicates\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, m := range b.ModelFrequency {
			if i == 8 {
				fmt.Fprintf(tw, "  …\t%d more models\n", len(b.ModelFrequency)-8)
				break
			}
			fmt.Fprintf(tw, "  %s\t%d\t%.1f%%\n", m.Notation, m.Count, 100*float64(m.Count)/float64(len(b.Replicates)))
		}
		tw.Flush()
	}
	if le := r.LinkageError; le != nil {
		fmt.Fprintf(w, "\nlinkage-error sensitivity (missed links %g, false links %g; %d perturbed tables, model selection repeated)\n", le.Missed, le.False, le.Replicates+le.Failed)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  estimate as linked\t%s\n", fmtCount(le.Estimate))
		fmt.Fprintf(tw, "  median with errors\t%s (%+.1f%%)\n", fmtCount(le.Estimate*(1+le.RelativeChange)), 100*le.RelativeChange)
		for _, q := range le.Quantiles {
			fmt.Fprintf(tw, "  %g quantile\t%s\n", q.Quantile, fmtCount(q.Value))
		}
		if le.Failed > 0 {
			fmt.Fprintf(tw, "  not estimable\t%d tables\n", le.Failed)
		}
		tw.Flush()
	}
	if len(r.TopModels) > 1 {
		fmt.Fprintf(w, "\ntop models\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  rank\tmodel\tparams\tBIC\tAIC\testimate\n")
		for _, m := range r.TopModels {
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%.3f\t%.3f\t%s\n", m.Rank, m.Notation, m.Params, m.BIC, m.AIC, fmtCount(m.Estimate))
		}
		tw.Flush()
	}
}

// intervalLines pairs interval limits into readable lines.
func intervalLines(iv []mse.Interval) [][2]string {
	var out [][2]string
	used := make([]bool, len(iv))
	for i := range iv {
		if used[i] || iv[i].Quantile >= 0.5 {
			continue
		}
		for j := range iv {
			if used[j] || iv[j].Method != iv[i].Method || abs(iv[j].Quantile-(1-iv[i].Quantile)) > 1e-9 {
				continue
			}
			used[i], used[j] = true, true
			level := fmt.Sprintf("%g%%", 100*(1-2*iv[i].Quantile))
			kind := intervalKind(iv[i])
			out = append(out, [2]string{level + " interval", fmt.Sprintf("%s – %s (%s)", limit(iv[i]), limit(iv[j]), kind)})
		}
	}
	for i := range iv {
		if !used[i] {
			out = append(out, [2]string{fmt.Sprintf("%g quantile", iv[i].Quantile), fmt.Sprintf("%s (%s)", limit(iv[i]), iv[i].Method)})
		}
	}
	return out
}

func intervalKind(iv mse.Interval) string {
	kind := iv.Method
	switch iv.Method {
	case "conditional":
		kind = "log-normal"
	case "profile":
		kind = "profile likelihood"
	case "bca":
		kind = "BCa bootstrap, model selection repeated"
	case "percentile":
		kind = "percentile bootstrap, model selection repeated"
	}
	if iv.Conditional {
		kind += ", conditional on the model"
	}
	return kind
}

func limit(iv mse.Interval) string {
	if iv.Value == nil {
		switch {
		case strings.HasPrefix(iv.Note, "open"):
			return iv.Note
		case iv.Note != "":
			return "open (" + iv.Note + ")"
		}
		return "open"
	}
	return fmtCount(*iv.Value)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// printStrata lists the per-stratum results.
func printStrata(w io.Writer, r *mse.Result) {
	if len(r.Strata) == 0 {
		return
	}
	fmt.Fprintf(w, "\nstrata\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  stratum\tobserved\testimate\tmodel\tinterval\n")
	for _, s := range r.Strata {
		sr := s.Result
		est, model, iv := "not estimable", "-", sr.Reason
		if sr.Estimated() {
			est = fmtCount(*sr.Estimate)
			if sr.Model != nil {
				model = sr.Model.Notation
			}
			iv = ""
			if lines := intervalLines(sr.Intervals); len(lines) > 0 {
				iv = lines[0][0] + " " + lines[0][1]
			}
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", stratumString(s.Stratum), sr.Observed, est, model, iv)
	}
	tw.Flush()
}

func stratumString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ",")
}

// parseLinkageError reads "missed=0.05,false=0.01" (either part may be
// left out).
func parseLinkageError(s string) (*mse.LinkageErrorOptions, error) {
	o := &mse.LinkageErrorOptions{}
	for _, part := range splitList(s) {
		name, val, ok := strings.Cut(part, "=")
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || err != nil || !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("%q: want missed=RATE and/or false=RATE with rates in [0, 1]", part)
		}
		switch strings.TrimSpace(name) {
		case "missed":
			o.Missed = v
		case "false":
			o.False = v
		default:
			return nil, fmt.Errorf("%q: unknown rate (want missed or false)", name)
		}
	}
	return o, nil
}

// linkageSensitivity perturbs the table as if the linkage had missed or
// made false links and re-runs the estimate (the same method, no interval)
// on each perturbed table. It returns an exit code ≥ 0 on failure.
func linkageSensitivity(e *env, t *mse.Table, opts *mse.Options, le *mse.LinkageErrorOptions, res *mse.Result) int {
	point := *opts
	point.Interval = mse.IntervalNone
	point.Progress = nil
	strat := len(t.Strata) > 0
	estimate := func(pt *mse.Table) (float64, error) {
		if err := e.ctx.Err(); err != nil {
			return 0, err
		}
		var r *mse.Result
		var err error
		if strat {
			r, err = mse.EstimateStrata(pt, &point)
		} else {
			r, err = mse.Estimate(pt, &point)
		}
		if err != nil {
			return 0, err
		}
		if !r.Estimated() {
			return 0, errors.New(r.Reason)
		}
		return *r.Estimate, nil
	}
	out, err := mse.LinkageError(t, estimate, le)
	if e.ctx.Err() != nil {
		e.errorf("interrupted: nothing was written")
		return exitFailure
	}
	if err != nil {
		e.errorf("linkage-error sensitivity: %s", trimPkg(err))
		return exitFailure
	}
	res.LinkageError = out
	return -1
}
