package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/mse/study"
)

func init() {
	register(&command{
		name:    "consistency",
		summary: "internal consistency: estimate each list's known size from the other lists",
		run:     runConsistency,
	})
}

const consistencyDefaultProcs = "main/conditional,stepwise/bca,auto/profile"

const consistencySynopsis = `consistency [flags] TABLE.csv

Internal consistency (Binette and Steorts 2022): each list in turn is
taken as a population of known size — its own number of cases — and
estimated from the other lists, which hold some of its cases (those on
that list alone are its dark figure). A procedure that recovers these
known totals has passed a test on the real patterns of list dependence;
one that misses them by far should not be trusted on the whole table.
The sub-problems have one list fewer than the table, and their
population was already found once by an agency, so passing is necessary
rather than sufficient.

Reports per list and procedure the estimate, its relative error and
whether the 95% and 80% intervals hold the truth; per procedure the mean
and median relative error and the coverage. The table needs at least 3
lists. With --outdir DIR: consistency.csv, consistency-summary.csv,
consistency.json, consistency-coverage.svg and consistency-errors.svg.`

func runConsistency(e *env, args []string) error {
	s := &tableStudy[*study.ConsistencyResult]{
		name: "consistency", synopsis: consistencySynopsis, defaults: consistencyDefaultProcs,
		study: study.InternalConsistency, files: consistencyFiles, print: printConsistency,
		fileNames: []string{"consistency.csv", "consistency-summary.csv", "consistency.json", "consistency-coverage.svg", "consistency-errors.svg"},
		status: func(r *study.ConsistencyResult) error {
			for _, s := range r.Summaries {
				if s.Estimable > 0 {
					return nil
				}
			}
			return notEstimablef("not estimable: no list's size could be estimated from the other lists")
		},
	}
	return s.run(e, args)
}

func printConsistency(w io.Writer, path string, r *study.ConsistencyResult) {
	fmt.Fprintf(w, "table        %s: %d lists (%s), %d cases\n", path, len(r.Lists), strings.Join(r.Lists, ", "), r.Observed)
	fmt.Fprintf(w, "method       each list's size estimated from the other lists (Binette and Steorts 2022)")
	if r.NBoot > 0 {
		fmt.Fprintf(w, "; %d bootstrap replicates, seed %d", r.NBoot, r.Seed)
	}
	fmt.Fprintf(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "list\tsize\tseen by others\tprocedure\testimate\trel. error\t95%% interval\tholds\t\n")
	prev := ""
	for _, c := range r.Cases {
		list, size, seen := "", "", ""
		if c.Target != prev {
			list, size, seen = c.Target, strconv.Itoa(c.Truth), strconv.Itoa(c.Observed)
			prev = c.Target
		}
		if !c.Estimated() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tnot estimable\t\t\t\t\n", list, size, seen, c.Procedure)
			continue
		}
		iv, holds := "-", "-"
		if c.Lower95 != nil {
			iv = fmt.Sprintf("%.0f – %s", *c.Lower95, upperText(c.Upper95, c.Open95))
		}
		if c.Covered95 != nil {
			holds = map[bool]string{true: "yes", false: "no"}[*c.Covered95]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%+.1f%%\t%s\t%s\t\n", list, size, seen, c.Procedure, *c.Estimate, 100**c.RelativeError, iv, holds)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nsummary over the %d lists\n", len(r.Lists))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "procedure\testimable\tmean rel. error\tmedian\tmean |rel. error|\tbelow truth\t95%% cover\t80%% cover\t\n")
	for _, s := range r.Summaries {
		if s.Estimable == 0 {
			fmt.Fprintf(tw, "%s\t0/%d\t-\t-\t-\t-\t-\t-\t\n", s.Procedure, s.Cases)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%+.1f%%\t%+.1f%%\t%.1f%%\t%d\t%s\t%s\t\n", s.Procedure, s.Estimable, s.Cases,
			100*s.MeanRelBias, 100*s.MedianRelBias, 100*s.MeanAbsRelError, s.Below, coverText(s.Coverage95), coverText(s.Coverage80))
	}
	tw.Flush()
	for _, c := range r.Cases {
		if !c.Estimated() {
			fmt.Fprintf(w, "  %s by %s: not estimable: %s\n", c.Target, c.Procedure, c.Reason)
		}
	}
}

func upperText(x *float64, open bool) string {
	if open || x == nil {
		return "open"
	}
	return fmt.Sprintf("%.0f", *x)
}

func coverText(c study.Coverage) string {
	if c.Intervals == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", c.Covered, c.Intervals)
}

func consistencyFiles(r *study.ConsistencyResult, path string) ([]outFile, error) {
	var cases, summary [][]string
	errs := make([][]float64, len(r.Procedures))
	var cov95, cov80 []study.Coverage
	for i, c := range r.Cases {
		cases = append(cases, []string{c.Target, strconv.Itoa(c.Truth), strconv.Itoa(c.Observed), strings.Join(c.Lists, " "),
			c.Procedure, c.Status, c.Reason, fptr(c.Estimate), fptr(c.RelativeError), c.Model,
			fptr(c.Lower95), upper(c.Upper95, c.Open95), fptr(c.Lower80), upper(c.Upper80, c.Open80), fbool(c.Covered95), fbool(c.Covered80)})
		if c.RelativeError != nil {
			errs[i%len(r.Procedures)] = append(errs[i%len(r.Procedures)], *c.RelativeError)
		}
	}
	for _, s := range r.Summaries {
		summary = append(summary, []string{s.Procedure, strconv.Itoa(s.Cases), strconv.Itoa(s.Estimable), fnum(s.MeanRelBias),
			fnum(s.MedianRelBias), fnum(s.MeanAbsRelError), strconv.Itoa(s.Below),
			strconv.Itoa(s.Coverage95.Covered), strconv.Itoa(s.Coverage95.Intervals), fnum(s.Coverage95.Rate), fnum(s.Coverage95.SE),
			strconv.Itoa(s.Coverage80.Covered), strconv.Itoa(s.Coverage80.Intervals), fnum(s.Coverage80.Rate), fnum(s.Coverage80.SE)})
		cov95, cov80 = append(cov95, s.Coverage95), append(cov80, s.Coverage80)
	}
	files := []outFile{
		csvFile("consistency.csv", []string{"target", "truth", "observed", "lists", "procedure", "status", "reason", "estimate",
			"relative_error", "model", "lower95", "upper95", "lower80", "upper80", "covered95", "covered80"}, cases),
		csvFile("consistency-summary.csv", []string{"procedure", "cases", "estimable", "mean_relative_error", "median_relative_error",
			"mean_abs_relative_error", "below_truth", "covered95", "intervals95", "coverage95", "se95", "covered80", "intervals80",
			"coverage80", "se80"}, summary),
		jsonFile("consistency.json", r),
	}
	w, h := plotSize(len(r.Procedures))
	title := fmt.Sprintf("Internal consistency, %s (%d lists)", baseName(path), len(r.Lists))
	cp, err := coveragePlot(title, r.Procedures, cov95, cov80)
	if err != nil {
		return nil, err
	}
	ep, err := errorPlot(title, "relative error (N-hat − list size) / list size", r.Procedures, errs)
	if err != nil {
		return nil, err
	}
	return append(files, svgFile("consistency-coverage.svg", cp, w, h), svgFile("consistency-errors.svg", ep, w, h)), nil
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
