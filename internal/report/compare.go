package report

import (
	"html/template"
	"math"

	"github.com/morketall/morketall/internal/disclosure"
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
			t.Rows = append(t.Rows, []cell{text(r.Procedure), text("not estimable"), text(r.Reason), text("")})
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
