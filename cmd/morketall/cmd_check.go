package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

func init() {
	register(&command{
		name:    "check",
		summary: "check that a model's estimate exists and is identifiable",
		run:     runCheck,
	})
}

const checkSynopsis = `check [--model NOTATION] [--json] TABLE.csv

Runs the Fienberg–Rinaldo existence check (a linear program) and the
identifiability check (rank) for a log-linear model on the overlap table,
and prints the pairwise overlaps between lists. Without --model it checks
the main-effects model and the model with all two-list terms.

Codes: 0 ok, 1 the maximum likelihood estimate does not exist,
2 not identifiable, 3 both. With --model the exit code is 3 when the code
is not 0.`

func runCheck(e *env, args []string) error {
	fs := newFlags(e, "check", checkSynopsis)
	model := fs.String("model", "", "the model to check, e.g. [12,13,3] or [LA:NG, GO] (default: main effects and all pairs)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("check needs exactly one overlap table").hint("run \"morketall help check\" for the flags")
	}
	t, err := readTable(e, pos[0], nil)
	if err != nil {
		return err
	}
	var models []mse.Model
	if *model != "" {
		m, err := mse.ParseModel(*model, t.Lists)
		if err != nil {
			return usagef("--model: %s", trimPkg(err))
		}
		models = []mse.Model{m}
	}
	out, err := loglin.Check(t, models...)
	if err != nil {
		return usagef("%q: %s", pos[0], trimPkg(err))
	}
	out.Version = toolVersion()
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return failf("writing JSON: %v", err)
		}
	} else {
		printCheck(e.stdout, t, out)
	}
	if *model != "" && out.Code != 0 {
		return exitCode(exitNotEstimable)
	}
	return nil
}

func printCheck(w io.Writer, t *mse.Table, out *loglin.CheckReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\tcode\tLP optimum\trank deficiency\tempty margins\tmeaning\n")
	for _, c := range out.Entries() {
		var em []string
		for _, x := range c.EmptyMargins {
			em = append(em, strings.Join(x, ":"))
		}
		ems := "-"
		if len(em) > 0 {
			ems = fmt.Sprint(em)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.6g\t%d\t%s\t%s\n", c.Model, c.Code, c.LPObjective, c.RankDeficiency, ems, c.Meaning)
	}
	tw.Flush()
	fmt.Fprintf(w, "\npairwise overlaps (cases on both lists)\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	ov := t.PairOverlaps()
	fmt.Fprintf(tw, "\t")
	for _, l := range t.Lists {
		fmt.Fprintf(tw, "%s\t", l)
	}
	fmt.Fprintln(tw)
	for i, l := range t.Lists {
		fmt.Fprintf(tw, "%s\t", l)
		for j := range t.Lists {
			fmt.Fprintf(tw, "%d\t", ov[i][j])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(out.EmptyPairs) > 0 {
		fmt.Fprintf(w, "\nno overlap: %v\n", out.EmptyPairs)
	}
}
