package study

import (
	"context"
	"fmt"
	"slices"

	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
)

// SensitivityResult shows how the estimates move when one list is left
// out or two lists are merged: MSE assumes the lists are defined the
// right way, and an estimate that hangs on one list or one split of an
// agency deserves less trust.
type SensitivityResult struct {
	Lists    []string `json:"lists"`
	Observed int      `json:"observed"`
	Seed     uint64   `json:"seed"`
	NBoot    int      `json:"nboot,omitempty"`
	// Procedures in the order given.
	Procedures []string `json:"procedures"`
	// Variants: first the table as it is, then each list omitted, then
	// each pair of lists merged.
	Variants []SensitivityVariant `json:"variants"`
}

// SensitivityVariant is one modified table and every procedure's outcome
// on it.
type SensitivityVariant struct {
	// Kind is "all", "omit" or "merge"; Label says it in words
	// ("without LA", "LA+NG merged").
	Kind  string `json:"kind"`
	Label string `json:"label"`
	// Changed names the list omitted or the lists merged.
	Changed []string `json:"changed,omitempty"`
	// Lists and Observed describe the modified table (after tidying).
	Lists    []string `json:"lists"`
	Observed int      `json:"observed"`
	// Outcomes has one entry per procedure, in order.
	Outcomes []SensitivityOutcome `json:"outcomes"`
}

// SensitivityOutcome is a procedure's outcome on a variant, with the
// change from its estimate on the whole table.
type SensitivityOutcome struct {
	Outcome
	// Change is N̂ / N̂(all lists) − 1 (absent when either is not
	// estimable).
	Change *float64 `json:"change,omitempty"`
}

// ListSensitivity re-estimates the table with each list omitted (for K ≥
// 3) and with each pair of lists merged into one (a case is on the merged
// list when it is on either), with every procedure. Omitting a list
// changes the observed count too: its cases found by no other list drop
// out of the table. Each variant is tidied as ReadTable tidies a file.
func ListSensitivity(ctx context.Context, t *mse.Table, procs []Procedure, opts *RunOptions) (*SensitivityResult, error) {
	if len(t.Strata) > 0 {
		return nil, fmt.Errorf("study: sensitivity needs an unstratified table; collapse it first")
	}
	if t.K() < 3 {
		return nil, fmt.Errorf("%w: list omission and merging need at least 3 lists, the table has %d", mse.ErrTooFewLists, t.K())
	}
	run := opts.WithDefaults()
	if err := run.check(procs); err != nil {
		return nil, err
	}
	root := *run.Seed
	k := t.K()
	var variants []SensitivityVariant
	var tables []*mse.Table
	var why []string
	addVariant := func(kind, label string, changed []string, vt *mse.Table) {
		v := SensitivityVariant{Kind: kind, Label: label, Changed: changed, Lists: slices.Clone(vt.Lists), Observed: vt.N()}
		reason := ""
		tidy, _, err := vt.Tidy()
		if err != nil {
			reason = "fewer than two informative lists"
		} else {
			vt = tidy
			v.Lists = slices.Clone(vt.Lists)
		}
		variants = append(variants, v)
		tables = append(tables, vt)
		why = append(why, reason)
	}
	addVariant("all", "all lists", nil, t)
	for i := range k {
		idx := make([]int, 0, k-1)
		for j := range k {
			if j != i {
				idx = append(idx, j)
			}
		}
		addVariant("omit", "without "+t.Lists[i], []string{t.Lists[i]}, t.SelectLists(idx))
	}
	for i := range k {
		for j := i + 1; j < k; j++ {
			name := t.Lists[i] + "+" + t.Lists[j]
			addVariant("merge", name+" merged", []string{t.Lists[i], t.Lists[j]}, t.MergeLists([]int{i, j}, name))
		}
	}
	var jobs []job
	for vi, vt := range tables {
		for _, p := range procs {
			jobs = append(jobs, job{table: vt, proc: p, seed: seed.Mix(root, "sensitivity", variants[vi].Label, p.String()), reason: why[vi]})
		}
	}
	outs, err := runJobs(ctx, run, jobs)
	if err != nil {
		return nil, err
	}
	res := &SensitivityResult{Lists: slices.Clone(t.Lists), Observed: t.N(), Seed: root}
	for _, p := range procs {
		res.Procedures = append(res.Procedures, p.String())
		if p.bootstraps() {
			res.NBoot = run.NBoot
		}
	}
	for vi := range variants {
		for pi := range procs {
			oc := outs[vi*len(procs)+pi]
			so := SensitivityOutcome{Outcome: oc}
			base := outs[pi]
			if oc.Estimated() && base.Estimated() {
				c := *oc.Estimate / *base.Estimate - 1
				so.Change = &c
			}
			variants[vi].Outcomes = append(variants[vi].Outcomes, so)
		}
	}
	res.Variants = variants
	return res, nil
}
