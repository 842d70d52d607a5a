package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/linkage"
	"github.com/morketall/morketall/mse"
)

func init() {
	register(&command{name: "link", summary: "link pseudonymised lists into an overlap table, with a quality report", run: runLink})
}

// maxTextPatterns bounds the capture patterns listed in the text report;
// the JSON report has them all.
const maxTextPatterns = 40

func runLink(e *env, args []string) error {
	fs := newFlags(e, "link", "link [--strata COL,...] [--covariates COL,...] [--rule strict|default|loose] [--report FILE] [--force] -o TABLE.csv FILE...\n\n"+
		"Links the pseudonymised list files (one per agency, from pseudonymise) into the overlap table\n"+
		"TABLE.csv, one 0/1 column per file in the order given. The linkage report (counts only) goes to\n"+
		"stderr, and as JSON to --report. Both outputs are written readable by their owner only: an\n"+
		"overlap table with small cells must stay inside the controller's environment.")
	out := fs.String("o", "", "overlap table to write (required)")
	reportPath := fs.String("report", "", "also write the linkage report as JSON to this file")
	strata := fs.String("strata", "", "covariate columns to stratify the table by, comma-separated (e.g. sex)")
	covs := fs.String("covariates", "", "covariate columns to write as covariates of the table, comma-separated (a person's missing value stays missing; estimate --covariates models them)")
	ruleName := fs.String("rule", "default", "how far down the key hierarchy links are accepted: strict, default or loose")
	force := fs.Bool("force", false, "replace existing output files")
	assignPath := fs.String("assignments", "", "also write each record's person, what linked it and its review candidates (CSV, mode 0600) to this file")
	upper := fs.Float64("score-upper", linkage.DefaultUpper, "scored pass: posterior log-odds of a match (bits) at or above which the default rule links a pair")
	lower := fs.Float64("score-lower", linkage.DefaultLower, "scored pass: posterior log-odds (bits) below which a pair is refused; between the two, review (and the loose rule links)")
	noScore := fs.Bool("no-score", false, "turn the scored pass (Bloom encodings, Fellegi-Sunter weights) off")
	files, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing -o").withUsage(fs)
	}
	if len(files) == 0 {
		return usagef("no list files given").withUsage(fs)
	}
	rule, err := linkage.ParseRule(*ruleName)
	if err != nil {
		return usagef("--rule must be strict, default or loose")
	}
	if !(*lower <= *upper) || math.IsInf(*upper, 0) || math.IsInf(*lower, 0) {
		return usagef("--score-lower must not exceed --score-upper, both finite (bits)")
	}
	if *noScore {
		var set []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "score-upper" || f.Name == "score-lower" {
				set = append(set, "--"+f.Name)
			}
		})
		if len(set) > 0 {
			return usagef("%s applies to the scored pass, which --no-score turns off", strings.Join(set, " and "))
		}
	}
	opts := &linkage.Options{Rule: rule, Assignments: *assignPath != "",
		Scoring: &linkage.ScoringOptions{Off: *noScore, Upper: *upper, Lower: *lower, SetThresholds: true}}
	if *strata != "" {
		for _, s := range strings.Split(*strata, ",") {
			if s = strings.TrimSpace(s); s != "" {
				opts.Strata = append(opts.Strata, s)
			}
		}
	}
	if err := checkOutputs(e, files, []string{*out, *reportPath, *assignPath}, *force); err != nil {
		return err
	}

	m := e.auditFor("link") // written beside -o
	var res *linkage.Result
	if covCols := splitList(*covs); len(covCols) > 0 {
		res, err = linkage.LinkFilesCovariates(e.ctx, files, covCols, opts)
	} else {
		res, err = linkage.LinkFiles(e.ctx, files, opts)
	}
	if err != nil {
		return linkError(err)
	}
	if err := atomicfile.Write(*out, &atomicfile.Options{Perm: 0o600, Force: *force}, res.Table.WriteCSV); err != nil {
		return failf("writing %q: %v", *out, err)
	}
	if *reportPath != "" {
		b, err := json.MarshalIndent(res.Report, "", "  ")
		if err == nil {
			err = atomicfile.WriteFile(*reportPath, append(b, '\n'), &atomicfile.Options{Perm: 0o600, Force: *force})
		}
		if err != nil {
			os.Remove(*out) // do not leave half of the result behind
			return failf("writing %q: %v; %q removed", *reportPath, err, *out)
		}
	}
	if *assignPath != "" {
		err := atomicfile.Write(*assignPath, &atomicfile.Options{Perm: 0o600, Force: *force}, func(w io.Writer) error {
			return linkage.WriteAssignments(w, res.Assignments)
		})
		if err != nil {
			os.Remove(*out)
			return failf("writing %q: %v; %q removed", *assignPath, err, *out)
		}
	}
	for _, f := range files {
		m.AddInput("pseudonymised-list", f)
	}
	m.KeyFingerprint, m.SchemaHash = res.Report.KeyFingerprint, res.Report.SchemaHash
	m.SetOption("rule", rule.String())
	m.SetOption("strata", opts.Strata)
	if covCols := splitList(*covs); len(covCols) > 0 {
		m.SetOption("covariates", covCols)
	}
	auditOut := [][2]string{{"table", *out}}
	if *reportPath != "" {
		auditOut = append(auditOut, [2]string{"linkage-report", *reportPath})
	}
	if !e.finishAudit(m, *force, auditOut...) {
		return exitCode(exitFailure) // finishAudit said why
	}
	writeLinkReport(e.stderr, res)
	for _, k := range res.Report.Keys {
		if k.TokensOverLimit > 0 {
			e.warnf("key %s: %d token(s) held by more than %d records linked nothing (%d records); a common name with a placeholder date?",
				k.Name, k.TokensOverLimit, res.Report.MaxTokenFrequency, k.RecordsOverLimit)
		}
	}
	rr := ruleReport(res.Report, rule)
	fmt.Fprintf(e.stdout, "%s: %d lists, %d records, %d persons (rule %s)\n", *out, len(res.Report.Lists), res.Report.Records, rr.Persons, rule)
	return nil
}

// linkError reports an error of linkage.LinkFiles. Its messages never
// hold a token, a record id or a covariate value; they name files, lines
// and columns.
func linkError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "linkage: ")
	var pe *os.PathError
	switch {
	case errors.Is(err, context.Canceled):
		return failf("interrupted")
	case errors.As(err, &pe) && errors.Is(err, os.ErrNotExist):
		return usagef("%q does not exist", pe.Path)
	case errors.As(err, &pe):
		return failf("%q cannot be read", pe.Path)
	}
	ce := usagef("%s", msg)
	switch {
	case errors.Is(err, linkage.ErrKeyMismatch):
		ce.hint("every agency must pseudonymise with the same project key; compare with \"morketall fingerprint FILE\"")
	case errors.Is(err, linkage.ErrSchemaMismatch):
		ce.hint("every agency must pseudonymise with the same schema file")
	case errors.Is(err, linkage.ErrDuplicateList):
		ce.hint("each file must hold a different list (pseudonymise --list NAME)")
	case errors.Is(err, mktfile.ErrChecksum), errors.Is(err, mktfile.ErrRowCount):
		ce.hint("the file was cut short or changed on the way: ask the agency to send it again")
	case errors.Is(err, mktfile.ErrLineEndings):
		ce.hint("the file was converted as text on the way (CRLF line endings): ask the agency to send it as a binary file, or convert it back (dos2unix)")
	case errors.Is(err, mktfile.ErrFormat):
		ce.hint("link reads the files that \"morketall pseudonymise\" writes")
	case errors.Is(err, linkage.ErrStratum):
		ce.hint("--strata takes covariate columns of the files")
	}
	return ce
}

func ruleReport(rep *linkage.Report, r linkage.Rule) *linkage.RuleReport {
	for i := range rep.Rules {
		if rep.Rules[i].Rule == r.String() {
			return &rep.Rules[i]
		}
	}
	panic("link: no report for rule " + r.String())
}

// writeLinkReport writes the readable linkage report.
func writeLinkReport(w io.Writer, res *linkage.Result) {
	rep := res.Report
	rule, _ := linkage.ParseRule(rep.Rule)
	rr := ruleReport(rep, rule)
	persons := func(r linkage.Rule) int { return ruleReport(rep, r).Persons }
	fmt.Fprintf(w, "Linkage: %d lists, %d records -> %d persons under the %s rule (strict %d, default %d, loose %d)\n",
		len(rep.Lists), rep.Records, rr.Persons, rep.Rule, persons(linkage.Strict), persons(linkage.Default), persons(linkage.Loose))
	fmt.Fprintf(w, "key fingerprint %s, schema %s\n\n", rep.KeyFingerprint, rep.SchemaHash)

	fmt.Fprintf(w, "%-14s %8s  %s\n", "list", "records", "duplicates found (strict/default/loose)")
	for _, l := range rep.Lists {
		fmt.Fprintf(w, "%-14s %8d  %d/%d/%d\n", l.Name, l.Records, l.Duplicates["strict"], l.Duplicates["default"], l.Duplicates["loose"])
	}

	fmt.Fprintf(w, "\n%-22s %6s %7s %7s %9s %12s %9s %8s %10s\n", "key (strongest first)", "rules", "links", "within", "ambiguous", "contradicted", "conflicts", "max freq", "over limit")
	for _, k := range rep.Keys {
		rules := ""
		for _, r := range k.Rules {
			rules += r[:1]
		}
		fmt.Fprintf(w, "%-22s %6s %7d %7d %9d %12d %9d %8d %10d\n", k.Name, rules, k.Links, k.WithinListLinks, k.Ambiguous, k.Contradicted, k.CovariateConflicts, k.MaxTokenFrequency, k.TokensOverLimit)
	}
	fmt.Fprintf(w, "(rules: s strict, d default, l loose. links: persons merged under the default rule; within: of them, within-list\n"+
		"duplicates; ambiguous: groups refused because they would hold two persons of one list; contradicted: blocks\n"+
		"refused because the full dates of birth differ; conflicts: merges whose covariates disagree; over limit: tokens\n"+
		"held by more than %d records, which link nothing)\n", rep.MaxTokenFrequency)

	fmt.Fprintf(w, "\npersons by number of lists (%s): %s\n", rep.Rule, sizes(rr.ListsPerPerson))
	fmt.Fprintf(w, "persons by number of records (%s): %s\n", rep.Rule, sizes(rr.RecordsPerPerson))
	var conflicts []string
	for _, c := range rep.Covariates {
		if n := rr.ConflictingPersons[c]; n > 0 {
			conflicts = append(conflicts, fmt.Sprintf("%s %d", c, n))
		}
	}
	if len(conflicts) > 0 {
		fmt.Fprintf(w, "persons whose records disagree on a covariate (%s): %s; strata take the majority value, ties the earliest list's\n", rep.Rule, strings.Join(conflicts, ", "))
	}

	fmt.Fprintf(w, "\npairwise overlaps (%s; diagonal: persons on the list)\n%-14s", rep.Rule, "")
	for _, l := range rep.Lists {
		fmt.Fprintf(w, " %8s", abbrev(l.Name, 8))
	}
	fmt.Fprintln(w)
	for i, l := range rep.Lists {
		fmt.Fprintf(w, "%-14s", abbrev(l.Name, 14))
		for j := range rep.Lists {
			fmt.Fprintf(w, " %8d", rr.PairOverlaps[i][j])
		}
		fmt.Fprintln(w)
	}

	// The three tables side by side, collapsed over strata.
	counts := map[linkage.Rule]map[mse.Pattern]int{}
	var pats []mse.Pattern
	seen := map[mse.Pattern]bool{}
	for _, r := range linkage.Rules {
		counts[r] = map[mse.Pattern]int{}
		for _, row := range res.Tables[r].Rows {
			counts[r][row.Pattern] += row.Count
			if !seen[row.Pattern] {
				seen[row.Pattern] = true
				pats = append(pats, row.Pattern)
			}
		}
	}
	sort.Slice(pats, func(i, j int) bool {
		a, b := counts[linkage.Default][pats[i]], counts[linkage.Default][pats[j]]
		if a != b {
			return a > b
		}
		return pats[i] < pats[j]
	})
	k := len(rep.Lists)
	names := make([]string, k)
	for i, l := range rep.Lists {
		names[i] = l.Name
	}
	fmt.Fprintf(w, "\noverlap table under the three rules (pattern: %s)\n", strings.Join(names, ", "))
	fmt.Fprintf(w, "%-*s %8s %8s %8s\n", max(k, 7), "pattern", "strict", "default", "loose")
	shown := pats
	if len(shown) > maxTextPatterns {
		shown = shown[:maxTextPatterns]
	}
	for _, p := range shown {
		fmt.Fprintf(w, "%-*s %8d %8d %8d\n", max(k, 7), p.String(k), counts[linkage.Strict][p], counts[linkage.Default][p], counts[linkage.Loose][p])
	}
	if len(pats) > len(shown) {
		fmt.Fprintf(w, "... %d more patterns (all are in the JSON report)\n", len(pats)-len(shown))
	}
	fmt.Fprintf(w, "%-*s %8d %8d %8d\n", max(k, 7), "persons", persons(linkage.Strict), persons(linkage.Default), persons(linkage.Loose))
}

func sizes(d []linkage.SizeCount) string {
	parts := make([]string, 0, len(d))
	for _, s := range d {
		parts = append(parts, fmt.Sprintf("%d: %d", s.Size, s.Persons))
	}
	return strings.Join(parts, ", ")
}

func abbrev(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "~"
}
