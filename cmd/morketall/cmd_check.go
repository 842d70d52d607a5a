package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
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

// checkEntry is one model's entry of the check JSON (DESIGN.md).
type checkEntry struct {
	Model          string     `json:"model"`
	Named          string     `json:"named"`
	Code           int        `json:"code"`
	Meaning        string     `json:"meaning"`
	LPObjective    float64    `json:"lp_objective"`
	RankDeficiency int        `json:"rank_deficiency"`
	EmptyMargins   [][]string `json:"empty_margins"`
	Cells          int        `json:"cells"`
	Params         int        `json:"params"`
}

type checkOutput struct {
	*checkEntry
	Checks       []*checkEntry  `json:"checks,omitempty"`
	Lists        []string       `json:"lists"`
	Observed     int            `json:"observed"`
	PairOverlaps map[string]int `json:"pair_overlaps"`
	EmptyPairs   []string       `json:"empty_pairs"`
	Version      string         `json:"version,omitempty"`
}

var codeMeaning = map[int]string{
	0: "ok: the estimate exists and is identifiable",
	1: "the maximum likelihood estimate does not exist",
	2: "the model is not identifiable",
	3: "the estimate does not exist and the model is not identifiable",
}

func runCheck(e *env, args []string) int {
	fs := newFlags(e, "check", checkSynopsis)
	model := fs.String("model", "", "the model to check, e.g. [12,13,3] or [LA:NG, GO] (default: main effects and all pairs)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code := parseFlags(e, fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		e.errorf("check needs exactly one overlap table")
		fs.Usage()
		return exitUsage
	}
	t, code := readTable(e, pos[0], nil)
	if code >= 0 {
		return code
	}
	if t.K() > loglinear.MaxFactors {
		e.errorf("%q: %d lists; checks run for at most %d", pos[0], t.K(), loglinear.MaxFactors)
		return exitUsage
	}
	out := &checkOutput{Lists: t.Lists, Observed: t.N(), PairOverlaps: map[string]int{}, EmptyPairs: []string{}, Version: toolVersion()}
	ov := t.PairOverlaps()
	var pairNames []string
	for i := 0; i < t.K(); i++ {
		for j := i + 1; j < t.K(); j++ {
			name := t.Lists[i] + ":" + t.Lists[j]
			pairNames = append(pairNames, name)
			out.PairOverlaps[name] = ov[i][j]
			if ov[i][j] == 0 {
				out.EmptyPairs = append(out.EmptyPairs, name)
			}
		}
	}
	var models []mse.Model
	if *model != "" {
		m, err := mse.ParseModel(*model, t.Lists)
		if err != nil {
			e.errorf("--model: %s", trimPkg(err))
			return exitUsage
		}
		models = []mse.Model{m}
	} else {
		var pairs []mse.Term
		for i := 0; i < t.K(); i++ {
			for j := i + 1; j < t.K(); j++ {
				pairs = append(pairs, mse.Term(1)<<uint(i)|mse.Term(1)<<uint(j))
			}
		}
		all, _ := mse.NewModel(t.K(), pairs)
		models = []mse.Model{mse.MainEffects(t.K()), all}
	}
	y := make([]float64, 1<<uint(t.K()))
	for p, c := range t.Cells() {
		y[p] = float64(c)
	}
	var entries []*checkEntry
	for _, m := range models {
		ch, err := loglinear.CheckModel(t.K(), m.Terms(), y)
		if err != nil {
			e.errorf("model %s: %s", m, trimPkg(err))
			return exitFailure
		}
		ent := &checkEntry{Model: m.String(), Named: m.Named(t.Lists), Code: ch.Code, Meaning: codeMeaning[ch.Code],
			LPObjective: ch.LPObjective, RankDeficiency: ch.RankDeficiency, EmptyMargins: [][]string{},
			Cells: len(ch.KeptCells), Params: len(ch.KeptTerms)}
		for _, em := range ch.EmptyTerms {
			ent.EmptyMargins = append(ent.EmptyMargins, mse.TermNames(em, t.Lists))
		}
		entries = append(entries, ent)
	}
	if *model != "" {
		out.checkEntry = entries[0]
	} else {
		out.Checks = entries
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			e.errorf("writing JSON: %v", err)
			return exitFailure
		}
	} else {
		printCheck(e.stdout, t, entries, out, pairNames)
	}
	if *model != "" && entries[0].Code != 0 {
		return exitNotEstimable
	}
	return exitOK
}

func printCheck(w io.Writer, t *mse.Table, entries []*checkEntry, out *checkOutput, pairNames []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\tcode\tLP optimum\trank deficiency\tempty margins\tmeaning\n")
	for _, c := range entries {
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
