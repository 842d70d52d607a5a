package loglin

import (
	"fmt"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// CheckEntry is one model's existence and identifiability check, an
// entry of the check JSON (morketall check --json).
type CheckEntry struct {
	Model string `json:"model"`
	Named string `json:"named"`
	// Code is 0 ok, 1 the maximum-likelihood estimate does not exist, 2
	// not identifiable, 3 both (SparseMSE's checkident codes).
	Code    int    `json:"code"`
	Meaning string `json:"meaning"`
	// LPObjective is the optimum of the Fienberg–Rinaldo linear program
	// (0: no MLE); RankDeficiency the rank deficiency of the design after
	// removing the cells under empty margins.
	LPObjective    float64    `json:"lp_objective"`
	RankDeficiency int        `json:"rank_deficiency"`
	EmptyMargins   [][]string `json:"empty_margins"`
	Cells          int        `json:"cells"`
	Params         int        `json:"params"`
}

// CheckReport is the check JSON: with one model, its entry at the top
// level; otherwise one entry per model in Checks. It also gives the
// pairwise overlaps of the lists.
type CheckReport struct {
	*CheckEntry
	Checks       []*CheckEntry  `json:"checks,omitempty"`
	Lists        []string       `json:"lists"`
	Observed     int            `json:"observed"`
	PairOverlaps map[string]int `json:"pair_overlaps"`
	EmptyPairs   []string       `json:"empty_pairs"`
	Version      string         `json:"version,omitempty"`
}

// CheckMeaning says what a check code means.
var CheckMeaning = map[int]string{
	0: "ok: the estimate exists and is identifiable",
	1: "the maximum likelihood estimate does not exist",
	2: "the model is not identifiable",
	3: "the estimate does not exist and the model is not identifiable",
}

// Check runs the existence and identifiability check of each model on
// the table (unstratified). Without models it checks the main-effects
// model and the model with all two-list terms; with one model, the
// report's top-level entry is that model's.
func Check(t *mse.Table, models ...mse.Model) (*CheckReport, error) {
	if t.K() > loglinear.MaxFactors {
		return nil, mse.UsageError(fmt.Sprintf("loglin: %d lists; checks run for at most %d", t.K(), loglinear.MaxFactors))
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	out := &CheckReport{Lists: t.Lists, Observed: t.N(), PairOverlaps: map[string]int{}, EmptyPairs: []string{}}
	ov := t.PairOverlaps()
	for i := 0; i < t.K(); i++ {
		for j := i + 1; j < t.K(); j++ {
			name := t.Lists[i] + ":" + t.Lists[j]
			out.PairOverlaps[name] = ov[i][j]
			if ov[i][j] == 0 {
				out.EmptyPairs = append(out.EmptyPairs, name)
			}
		}
	}
	single := len(models) == 1
	if len(models) == 0 {
		all, _ := mse.NewModel(t.K(), pairsOf(t.K()))
		models = []mse.Model{mse.MainEffects(t.K()), all}
	}
	for _, m := range models {
		if m.K() != t.K() {
			return nil, fmt.Errorf("%w: model has %d lists, table %d", mse.ErrModel, m.K(), t.K())
		}
		ch, err := loglinear.CheckModel(t.K(), m.Terms(), y)
		if err != nil {
			return nil, fmt.Errorf("loglin: model %s: %w", m, err)
		}
		ent := &CheckEntry{Model: m.String(), Named: m.Named(t.Lists), Code: ch.Code, Meaning: CheckMeaning[ch.Code],
			LPObjective: ch.LPObjective, RankDeficiency: ch.RankDeficiency, EmptyMargins: [][]string{},
			Cells: len(ch.KeptCells), Params: len(ch.KeptTerms)}
		for _, em := range ch.EmptyTerms {
			ent.EmptyMargins = append(ent.EmptyMargins, mse.TermNames(em, t.Lists))
		}
		out.Checks = append(out.Checks, ent)
	}
	if single {
		out.CheckEntry, out.Checks = out.Checks[0], nil
	}
	return out, nil
}

// Entries returns the report's entries, whichever form it has.
func (r *CheckReport) Entries() []*CheckEntry {
	if r.CheckEntry != nil {
		return []*CheckEntry{r.CheckEntry}
	}
	return r.Checks
}
