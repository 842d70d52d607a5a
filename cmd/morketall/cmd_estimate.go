package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/methods"
	"github.com/morketall/morketall/mse/study"
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

Methods (--method; --model alone means fixed, --rcapture alone rcapture):
METHODS

Covariates (--covariates sex,age): columns that describe the people of a
row, a missing value an empty cell. The cov-* methods model them (cov-bic
when --method is not given, cov-fixed with --model) and estimate each
level of each covariate and each pair of levels; missing values are
filled in by EM, assuming they are missing at random given the lists.

Intervals: bca (default) re-runs the whole model selection on --nboot
bootstrap resamples (seeded by --seed; the result does not depend on the
number of cores) — it accounts for model uncertainty. percentile uses the
same bootstrap. conditional (log-normal) and profile (profile likelihood)
are conditional on the selected model and too narrow when the choice of
model is uncertain; so is parametric (cov-* methods on complete
covariates: mse's parametric bootstrap of the selected model).

Exit codes: 0 estimated, 1 failure, 2 bad usage or input, 3 not estimable
(or, for a Markov chain method, chains that do not agree: not converged).`

// estimateFlags are the flags of the estimate command.
type estimateFlags struct {
	method, interval, quantiles, strata, covs, linkErr, out *string
	nboot, linkErrReps, top                                 *int
	seed                                                    *uint64
	collapse, asJSON, force, compare, assumptions           *bool
	settings                                                *methods.Settings
}

func defineEstimateFlags(fs *flag.FlagSet) *estimateFlags {
	f := &estimateFlags{
		method:      fs.String("method", "auto", "method: "+strings.Join(methods.Names(), "|")),
		interval:    fs.String("interval", "", "interval: bca|percentile|conditional|profile|posterior|parametric|none (default bca, or the method's own)"),
		quantiles:   fs.String("quantiles", "0.025,0.1,0.9,0.975", "interval limits as comma-separated probabilities (default: 95% and 80%)"),
		nboot:       fs.Int("nboot", mse.DefaultNBoot, fmt.Sprintf("bootstrap replicates for bca/percentile, 10 to %d", mse.MaxNBoot)),
		seed:        fs.Uint64("seed", mse.DefaultSeed, "seed of the bootstrap and the linkage-error sensitivity"),
		strata:      fs.String("strata", "", "comma-separated stratum columns: estimate each stratum and their sum"),
		covs:        fs.String("covariates", "", "comma-separated covariate columns (an empty cell is a missing value): model them and estimate by group (methods cov-*)"),
		collapse:    fs.Bool("collapse", false, "with --strata: sum over the strata and estimate the total table instead"),
		linkErr:     fs.String("linkage-error", "", "linkage-error sensitivity: assumed rates, e.g. missed=0.05,false=0.01"),
		linkErrReps: fs.Int("linkage-error-reps", 200, fmt.Sprintf("perturbed tables for --linkage-error, 1 to %d (each re-runs the method)", maxLinkErrReps)),
		top:         fs.Int("top", mse.DefaultTopModels, "number of top models to list, at least 1"),
		assumptions: fs.Bool("assumptions", false, "also give the estimate if the people no list saw are k times harder to find than the model assumes (k = 0.5 … 5)"),
		compare:     fs.Bool("compare", false, "also run the other families' methods (log-linear, Rcapture, Bayesian) and show them side by side, with warnings when they disagree or the data show heterogeneity"),
		asJSON:      fs.Bool("json", false, "print the result as the estimate JSON"),
		out:         fs.String("o", "", "write the JSON result to this file (atomically) instead of stdout"),
		force:       fs.Bool("force", false, "replace an existing -o file"),
	}
	f.settings = methods.Flags(fs)
	return f
}

// maxLinkErrReps bounds --linkage-error-reps.
const maxLinkErrReps = 100000

// request turns the flags into a method, options and linkage-error
// options, refusing every out-of-range or conflicting value (exit 2).
func (f *estimateFlags) request(fs *flag.FlagSet) (mse.Method, *mse.Options, *study.LinkageErrorOptions, error) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	f.settings.Parsed(fs)
	f.settings.Covariates = splitList(*f.covs)
	m, err := f.settings.Choose(*f.method, set["method"])
	if err != nil {
		return nil, nil, nil, usagef("%s", trimPkg(err))
	}
	q, err := parseQuantiles(*f.quantiles)
	if err != nil {
		return nil, nil, nil, usagef("--quantiles: %v", err)
	}
	opts := &mse.Options{Interval: mse.IntervalKind(*f.interval), Quantiles: q, NBoot: *f.nboot, Seed: f.seed, TopModels: *f.top}
	if *f.nboot < 10 || *f.nboot > mse.MaxNBoot {
		return nil, nil, nil, usagef("--nboot must be in [10, %d]", mse.MaxNBoot)
	}
	if *f.top < 1 {
		return nil, nil, nil, usagef("--top must be at least 1")
	}
	if err := opts.Check(m); err != nil {
		return nil, nil, nil, usagef("%s", trimPkg(err))
	}
	kind := opts.Interval
	if kind == "" {
		kind = mse.IntervalBCa
		if d, ok := m.(mse.DefaultIntervaler); ok {
			kind = d.DefaultInterval()
		}
	}
	if set["nboot"] && !kind.Resamples() && !*f.compare {
		return nil, nil, nil, usagef("--nboot applies to the bootstrap intervals (bca, percentile, parametric), not --interval %s", kind)
	}
	if *f.compare && *f.covs != "" {
		return nil, nil, nil, usagef("--compare runs the methods without covariates: leave out --covariates to compare them on the table")
	}
	if *f.linkErr != "" && *f.covs != "" {
		return nil, nil, nil, usagef("--linkage-error does not carry covariates: leave out --covariates to study the table without them")
	}
	if *f.compare && *f.strata != "" && !*f.collapse {
		return nil, nil, nil, usagef("--compare takes one table: add --collapse to compare on the total table")
	}
	if *f.collapse && *f.strata == "" {
		return nil, nil, nil, usagef("--collapse needs --strata naming the columns to sum over")
	}
	if set["linkage-error-reps"] && *f.linkErr == "" {
		return nil, nil, nil, usagef("--linkage-error-reps needs --linkage-error")
	}
	var le *study.LinkageErrorOptions
	if *f.linkErr != "" {
		if le, err = parseLinkageError(*f.linkErr); err != nil {
			return nil, nil, nil, usagef("--linkage-error: %v", err)
		}
		if *f.linkErrReps < 1 || *f.linkErrReps > maxLinkErrReps {
			return nil, nil, nil, usagef("--linkage-error-reps must be in [1, %d]", maxLinkErrReps)
		}
		le.Replicates, le.Seed = *f.linkErrReps, *f.seed
	}
	return m, opts, le, nil
}

func runEstimate(e *env, args []string) error {
	fs := newFlags(e, "estimate", strings.Replace(estimateSynopsis, "METHODS", methodHelp(), 1))
	f := defineEstimateFlags(fs)
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("estimate needs exactly one overlap table").hint("run \"morketall help estimate\" for the flags")
	}
	m, opts, leOpts, err := f.request(fs)
	if err != nil {
		return err
	}
	// Refuse an existing output before the work, not after it.
	if *f.out != "" {
		if err := checkOutputs(e, []string{pos[0]}, []string{*f.out, manifest.PathFor(*f.out)}, *f.force); err != nil {
			return err
		}
	}
	t, err := readTableCovariates(e, pos[0], splitList(*f.strata), splitList(*f.covs))
	if err != nil {
		return err
	}
	if *f.collapse {
		t = t.Collapse()
	}
	audit := e.auditFor("estimate") // written beside -o
	if opts.Interval != mse.IntervalNone && (opts.Interval == "" || opts.Interval.Resamples()) && t.K() > 10 {
		e.warnf("the bootstrap re-runs the method %d times on %d lists; this may take hours (lower --nboot, or use --interval profile for a first look)", opts.NBoot, t.K())
	}
	prog := newProgress(e, "estimate")
	opts.Progress = prog.update
	res, err := mse.Estimate(e.ctx, t, m, opts)
	prog.done()
	if err != nil {
		return libError("", err)
	}
	if leOpts != nil && res.Estimated() {
		prog := newProgress(e, "linkage-error sensitivity")
		le, err := study.LinkageSensitivity(e.ctx, t, m, leOpts)
		prog.done()
		if e.ctx.Err() != nil {
			return interrupted()
		}
		if err != nil {
			return failf("linkage-error sensitivity: %s", trimPkg(err))
		}
		res.LinkageError = le
	}
	if *f.assumptions && res.Estimated() {
		if len(t.Strata) > 0 {
			return usagef("--assumptions takes one table: add --collapse")
		}
		a, err := study.Assumptions(t, res, nil)
		if err != nil {
			return failf("sensitivity to what the data cannot tell: %s", trimPkg(err))
		}
		res.Assumptions = a
	}
	if *f.compare && res.Estimated() {
		c, err := compareMethods(e, t, m, opts, res)
		if err != nil {
			return err
		}
		res.Comparison = c
	}
	res.Version = toolVersion()
	switch {
	case *f.out != "":
		err := atomicfile.Write(*f.out, &atomicfile.Options{Force: *f.force}, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		})
		if err != nil {
			return failf("%q: %v", *f.out, err)
		}
		audit.AddInput("table", pos[0])
		if res.Options.Seed != nil {
			audit.SetSeed("bootstrap", *res.Options.Seed)
		}
		audit.SetOption("options", res.Options)
		if !e.finishAudit(audit, *f.force, [2]string{"estimate", *f.out}) {
			return exitCode(exitFailure)
		}
		if !*f.asJSON {
			printEstimate(e.stdout, pos[0], res)
		}
	case *f.asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return failf("writing JSON: %v", err)
		}
	default:
		printEstimate(e.stdout, pos[0], res)
	}
	for _, w := range res.Warnings {
		e.warnf("%s", w)
	}
	if !res.Estimated() {
		if *f.asJSON {
			return exitCode(exitNotEstimable)
		}
		return notEstimablef("%s: %s", statusWords(res.Status), res.Reason)
	}
	return nil
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
		fmt.Fprintf(tw, "status\t%s: %s\n", statusWords(r.Status), r.Reason)
		if d := r.Diagnostics; d != nil {
			fmt.Fprintf(tw, "chains\t%s\n", diagnosticsLine(d))
		}
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
	if d := r.Diagnostics; d != nil {
		fmt.Fprintf(tw, "chains\t%s\n", diagnosticsLine(d))
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
	printGroups(w, r)
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
	if r.Comparison != nil {
		printComparison(w, r.Comparison)
	}
	if a := r.Assumptions; a != nil {
		fmt.Fprintf(w, "\nif the people no list saw are k times harder to find than the model assumes\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := "  k\testimate\t95% interval"
		if a.Model != "" {
			head += "\tK-way interaction fixed: " + a.Model + " refitted\t95% interval (conditional)"
		}
		fmt.Fprintln(tw, head)
		pair := func(lo, hi *float64) string {
			if lo == nil || hi == nil {
				return "-"
			}
			return fmtCount(*lo) + " – " + fmtCount(*hi)
		}
		for _, p := range a.Points {
			line := fmt.Sprintf("  %g\t%s\t%s", p.Harder, fmtCount(p.Estimate), pair(p.Lower95, p.Upper95))
			if k := p.KWay; k != nil {
				line += fmt.Sprintf("\t%s\t%s", fmtCount(k.Estimate), pair(k.Lower95, k.Upper95))
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
		fmt.Fprintf(w, "%s\n", a.Sentence)
	}
	if len(r.TopModels) > 1 {
		printTopModels(w, r.TopModels)
	}
}

// printTopModels lists the best models: with their criteria, or with
// their posterior weights (model averaging).
func printTopModels(w io.Writer, top []mse.TopModel) {
	weighted := false
	for _, m := range top {
		if m.Weight > 0 {
			weighted = true
		}
	}
	fmt.Fprintf(w, "\ntop models\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if weighted {
		fmt.Fprintf(tw, "  rank\tmodel\tposterior weight\testimate\n")
		for _, m := range top {
			fmt.Fprintf(tw, "  %d\t%s\t%.4f\t%s\n", m.Rank, m.Notation, m.Weight, fmtCount(m.Estimate))
		}
	} else {
		fmt.Fprintf(tw, "  rank\tmodel\tparams\tBIC\tAIC\testimate\n")
		for _, m := range top {
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%.3f\t%.3f\t%s\n", m.Rank, m.Notation, m.Params, m.BIC, m.AIC, fmtCount(m.Estimate))
		}
	}
	tw.Flush()
}

// statusWords says why a result has no estimate.
func statusWords(s mse.Status) string {
	if s == mse.StatusNotConverged {
		return "not converged"
	}
	return "not estimable"
}

// diagnosticsLine summarises a Markov chain method's convergence
// diagnostics.
func diagnosticsLine(d *mse.Diagnostics) string {
	return fmt.Sprintf("%d chains: R-hat %.3f, effective sample size %.0f (bulk), %.0f (tail)", d.Chains, d.RHat, d.ESSBulk, d.ESSTail)
}

// intervalLines writes the intervals as readable lines.
func intervalLines(iv mse.Intervals) [][2]string {
	var out [][2]string
	for _, p := range iv.Pairs() {
		level := fmt.Sprintf("%g%%", 100*p.Level)
		out = append(out, [2]string{level + " interval", fmt.Sprintf("%s – %s (%s)", limit(p.Lower), limit(p.Upper), intervalKind(p.Lower))})
	}
	for _, u := range iv.Unpaired() {
		out = append(out, [2]string{fmt.Sprintf("%g quantile", u.Quantile), fmt.Sprintf("%s (%s)", limit(u), u.Method)})
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
	case "parametric":
		kind = "parametric bootstrap of the selected model"
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

// printGroups lists the estimates by group of a model with covariates.
func printGroups(w io.Writer, r *mse.Result) {
	c := r.Covariates
	if c == nil || len(c.Groups) == 0 || !r.Estimated() {
		return
	}
	fmt.Fprintf(w, "\nestimates by group (covariates %s", strings.Join(c.Names, ", "))
	if c.Partial > 0 {
		fmt.Fprintf(w, "; %d of %d observed people miss a value, filled in by EM", c.Partial, c.Partial+c.Complete)
	}
	fmt.Fprintf(w, ")\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  group\tobserved\testimate\tunobserved\tinterval\n")
	for _, g := range c.Groups {
		if g.Estimate == nil {
			fmt.Fprintf(tw, "  %s\t%d\tnot estimable\t\t%s\n", g.Label, g.Observed, g.Reason)
			continue
		}
		iv := ""
		if lines := intervalLines(g.Intervals); len(lines) > 0 {
			iv = lines[0][0] + " " + lines[0][1]
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", g.Label, g.Observed, fmtCount(*g.Estimate), fmtCount(*g.Unobserved), iv)
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
func parseLinkageError(s string) (*study.LinkageErrorOptions, error) {
	o := &study.LinkageErrorOptions{}
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

// methodHelp lists the registry's methods for a synopsis.
func methodHelp() string {
	var b strings.Builder
	for _, line := range methods.Summary() {
		name, what, _ := strings.Cut(line, ": ")
		fmt.Fprintf(&b, "  %-14s %s\n", name, what)
	}
	return strings.TrimRight(b.String(), "\n")
}

// compareMethods runs the registry's comparison procedures beside the
// estimate's own method.
func compareMethods(e *env, t *mse.Table, m mse.Method, opts *mse.Options, res *mse.Result) (*mse.Comparison, error) {
	kind := mse.IntervalKind(res.Options.Interval)
	procs := []study.Procedure{{Name: m.Name(), Method: m, Interval: kind}}
	for _, s := range methods.Compared() {
		p, err := study.ParseProcedure(s, nil)
		if err != nil {
			return nil, failf("comparison: %s", trimPkg(err))
		}
		if p.Method.Name() != m.Name() || p.Interval != kind {
			procs = append(procs, p)
		}
	}
	prog := newProgress(e, "comparison")
	c, err := study.Compare(e.ctx, t, procs, &study.CompareOptions{NBoot: opts.NBoot, Seed: opts.Seed, Progress: prog.update, Reference: res})
	prog.done()
	if err != nil {
		return nil, libError("comparison", err)
	}
	return c, nil
}

// printComparison lists the methods side by side, then the warnings.
func printComparison(w io.Writer, c *mse.Comparison) {
	fmt.Fprintf(w, "\nmethods side by side\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  procedure\testimate\t95%% interval\tmodel\n")
	for _, r := range c.Rows {
		if r.Estimate == nil {
			status := "not estimable"
			if r.Status == mse.StatusNotConverged {
				status = "not converged"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t\n", r.Procedure, status, r.Reason)
			continue
		}
		iv := "-"
		if r.Lower95 != nil {
			hi := "open"
			if r.Upper95 != nil {
				hi = fmtCount(*r.Upper95)
			}
			iv = fmtCount(*r.Lower95) + " – " + hi
			if r.Conditional {
				iv += " (conditional on the model)"
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Procedure, fmtCount(*r.Estimate), iv, r.Model)
	}
	tw.Flush()
	for _, m := range c.Warnings {
		fmt.Fprintf(w, "\n%s\n", m)
	}
}
