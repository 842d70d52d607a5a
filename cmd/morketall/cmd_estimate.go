package main

import (
	"encoding/json"
	flagpkg "flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

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

Exit codes: 0 estimated, 1 failure, 2 bad usage or input, 3 not estimable.`

func runEstimate(e *env, args []string) int {
	fs := newFlags(e, "estimate", estimateSynopsis)
	method := fs.String("method", "auto", "model selection: main|fixed|stepwise|bic|aic|auto")
	model := fs.String("model", "", "the model for --method fixed, e.g. [12,13,3] or [LA:NG, GO]")
	pthresh := fs.Float64("pthresh", mse.DefaultPThresh, "stepwise p-value threshold, in (0, 1]")
	maxorder := fs.Int("maxorder", 0, "highest interaction order in the bic/aic search (default: MSE-R's for the number of lists)")
	rcapture := fs.String("rcapture", "", "an Rcapture model: M0|Mt|Mh-Chao|Mh-Poisson2|Mh-Darroch|Mh-Gamma3.5|Mth-Chao|Mth-Poisson2|Mth-Darroch|Mth-Gamma3.5")
	interval := fs.String("interval", "conditional", "interval: none|conditional|profile")
	quantiles := fs.String("quantiles", "0.025,0.975", "interval limits as comma-separated probabilities")
	top := fs.Int("top", mse.DefaultTopModels, "number of top models to list")
	asJSON := fs.Bool("json", false, "print the result as JSON (DESIGN.md estimate JSON)")
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
	t, code := readTable(e, pos[0], nil)
	if code >= 0 {
		return code
	}
	res, err := mse.Estimate(t, opts)
	if err != nil {
		e.errorf("%s", trimPkg(err))
		return exitUsage
	}
	res.Version = toolVersion()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			e.errorf("writing JSON: %v", err)
			return exitFailure
		}
	} else {
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
	tw.Flush()
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
		if iv.Note != "" {
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
