package study

import (
	"fmt"
	"math"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// DefaultHarder are the assumptions of Assumptions: the people no list saw
// are k times harder to find than the model assumes, for these k.
var DefaultHarder = []float64{0.5, 0.75, 1, 1.5, 2, 3, 5}

// Assumptions is the estimate as a function of what the data cannot
// tell: how much harder to find than the model assumes the people no list
// saw are. For each k of harder (default DefaultHarder) the dark figure
// and the limits of the 95% interval are multiplied by k — the
// first-order effect of the assumption when capture probabilities are
// small, whatever the method. For a hierarchical log-linear result each
// point also has the selected model refitted with the K-way interaction of
// the full table fixed at the corresponding value (loglin.KWaySensitivity;
// Gerritse, Bakker and van der Heijden 2015).
func Assumptions(t *mse.Table, r *mse.Result, harder []float64) (*mse.AssumptionSensitivity, error) {
	if !r.Estimated() {
		return nil, fmt.Errorf("%w: no estimate to vary", mse.ErrNotEstimable)
	}
	if harder == nil {
		harder = DefaultHarder
	}
	out := &mse.AssumptionSensitivity{}
	n := float64(r.Observed)
	p95, ok := r.Intervals.Level(0.95)
	for _, h := range harder {
		if !(h > 0) || math.IsInf(h, 0) {
			return nil, fmt.Errorf("study: k must be a positive number")
		}
		p := mse.AssumptionPoint{Harder: h, Estimate: n + h*(*r.Estimate-n)}
		if ok && p95.Lower.Value != nil && p95.Upper.Value != nil {
			lo, hi := n+h*(*p95.Lower.Value-n), n+h*(*p95.Upper.Value-n)
			p.Lower95, p.Upper95 = &lo, &hi
		}
		out.Points = append(out.Points, p)
	}
	if r.Model != nil {
		if m, err := mse.ParseModel(r.Model.Notation, t.Lists); err == nil && !m.IsSaturated() {
			if refits, err := loglin.KWaySensitivity(t, m, harder); err == nil {
				out.Model = m.String()
				for i := range out.Points {
					out.Points[i].KWay = &refits[i]
				}
			}
		}
	}
	for _, p := range out.Points {
		if p.Harder == 2 {
			out.Sentence = fmt.Sprintf("If the people no agency saw are half as likely to be found as the model assumes for them, there are about twice as many of them: the total is about %s rather than %s.", count(p.Estimate), count(*r.Estimate))
		}
	}
	return out, nil
}
