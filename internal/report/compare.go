package report

import (
	"fmt"
	"html/template"
	"math"

	"github.com/morketall/morketall/internal/disclosure"
	"github.com/morketall/morketall/mse"
)

// compareView is the "methods side by side" part of the report.
type compareView struct {
	Table    *table
	Plot     template.HTML
	Warnings []string
}

// comparison shows Result.Comparison: every method's estimate with its
// 95% interval, as a table and a forest plot, and the comparison's
// warnings.
func (b *builder) comparison() error {
	c := b.r.Comparison
	if c == nil || len(c.Rows) == 0 {
		return nil
	}
	t := &table{ID: "comparison-table", Caption: "The estimate by other methods", Head: []string{"method", "estimate", "95% interval", "kind of interval"}}
	var rows []forestRow
	for i, r := range c.Rows {
		if r.Estimate == nil {
			status := "not estimable"
			if r.Status == mse.StatusNotConverged {
				status = "not converged"
			}
			t.Rows = append(t.Rows, []cell{text(r.Procedure), text(status), text(r.Reason), text("")})
			continue
		}
		fr := forestRow{Label: r.Procedure, Est: *r.Estimate, Highlight: i == 0}
		ci, kind := text("–"), text("")
		if r.Lower95 != nil {
			switch {
			case r.Upper95 != nil:
				ci = cell{b.est(*r.Lower95) + " – " + b.est(*r.Upper95), "est"}
				fr.Lo, fr.Hi, fr.HasCI = *r.Lower95, *r.Upper95, true
			default:
				ci = cell{"at least " + b.est(*r.Lower95) + " (no upper limit)", "est"}
			}
			kind = text(intervalKind(r.IntervalMethod, r.Conditional))
		}
		if b.pub {
			fr.Est = disclosure.RoundEstimate(fr.Est)
			if fr.HasCI {
				fr.Lo, fr.Hi = disclosure.RoundEstimate(fr.Lo), disclosure.RoundEstimate(fr.Hi)
			}
		}
		if math.IsInf(fr.Hi, 0) {
			fr.HasCI = false
		}
		rows = append(rows, fr)
		t.Rows = append(t.Rows, []cell{text(r.Procedure), b.estCell(*r.Estimate), ci, kind})
	}
	cv := &compareView{Table: t, Warnings: c.Warnings}
	if len(rows) > 0 {
		p, err := forestPlot("The estimate by other methods", "estimated total (people)", rows, float64(b.r.Observed))
		if err != nil {
			return err
		}
		cv.Plot = p
	}
	b.v.Compare = cv
	return nil
}

// assumptionsView is the "what the data cannot tell" part of the report.
type assumptionsView struct {
	Table    *table
	Plot     template.HTML
	Sentence string
	Note     string
}

// assumptions shows Result.Assumptions: the estimate if the people no
// list saw are k times harder to find than the model assumes.
func (b *builder) assumptions() error {
	a := b.r.Assumptions
	if a == nil || len(a.Points) == 0 {
		return nil
	}
	head := []string{"the people no agency saw are … to find", "estimated total", "95% interval"}
	if a.Model != "" {
		head = append(head, "the model refitted with its K-way interaction fixed", "95% interval (conditional)")
	}
	t := &table{ID: "assumptions-table", Caption: "The estimate if the unseen are harder (or easier) to find than the model assumes", Head: head}
	var rows []forestRow
	for _, p := range a.Points {
		what := fmt.Sprintf("%g times as hard", p.Harder)
		switch {
		case p.Harder == 1:
			what = "as hard as the model assumes"
		case p.Harder < 1:
			what = fmt.Sprintf("%g times as easy", 1/p.Harder)
		}
		fr := forestRow{Label: what, Est: p.Estimate, Highlight: p.Harder == 1}
		row := []cell{text(what), b.estCell(p.Estimate), b.interval(p.Lower95, p.Upper95)}
		if p.Lower95 != nil && p.Upper95 != nil {
			fr.Lo, fr.Hi, fr.HasCI = *p.Lower95, *p.Upper95, true
		}
		if a.Model != "" {
			if k := p.KWay; k != nil {
				row = append(row, b.estCell(k.Estimate), b.interval(k.Lower95, k.Upper95))
			} else {
				row = append(row, text("–"), text("–"))
			}
		}
		if b.pub {
			fr.Est = disclosure.RoundEstimate(fr.Est)
			if fr.HasCI {
				fr.Lo, fr.Hi = disclosure.RoundEstimate(fr.Lo), disclosure.RoundEstimate(fr.Hi)
			}
		}
		rows = append(rows, fr)
		t.Rows = append(t.Rows, row)
	}
	av := &assumptionsView{Table: t, Sentence: a.Sentence}
	if b.pub {
		// The sentence quotes exact estimates: say it with the rounded ones.
		for _, p := range a.Points {
			if p.Harder == 2 && b.r.Estimate != nil {
				av.Sentence = fmt.Sprintf("If the people no agency saw are half as likely to be found as the model assumes for them, there are about twice as many of them: the total is about %s rather than %s.", b.est(p.Estimate), b.est(*b.r.Estimate))
			}
		}
	}
	av.Note = "How much harder the unseen are to find cannot be learnt from the lists: it is an assumption, and the lists are consistent with any of these totals. The estimated total multiplies the number not seen, and the limits of its interval, by k (the first-order effect when few people are found by any one agency)."
	if a.Model != "" {
		av.Note += " The last columns write the same assumption as the interaction of all lists together — the one number the data cannot estimate, which every model but the saturated one sets to zero — and refit the chosen model " + a.Model + " with it fixed (Gerritse, Bakker and van der Heijden 2015): for the saturated model of the observed cells this is the same; a smaller model absorbs part of it, which is itself an assumption."
	}
	p, err := forestPlot("The estimate under what the data cannot tell", "estimated total (people)", rows, float64(b.r.Observed))
	if err != nil {
		return err
	}
	av.Plot = p
	b.v.Assumptions = av
	return nil
}

// interval writes a pair of limits ("–" when either is missing).
func (b *builder) interval(lo, hi *float64) cell {
	if lo == nil || hi == nil {
		return text("–")
	}
	return cell{b.est(*lo) + " – " + b.est(*hi), "est"}
}
