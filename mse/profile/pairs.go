package profile

import (
	"fmt"
	"math"

	"github.com/morketall/morketall/mse"
)

// Limits turns quantiles into profile-likelihood limits: the quantiles
// are grouped into symmetric pairs (q, 1 − q) and ci computes one
// interval per pair with alpha = 1 − (1 − 2q). A quantile without a
// partner, or a pair whose interval fails, is reported in the error; the
// limits that could be computed are returned with it.
func Limits(quantiles []float64, ci func(alpha float64) (*CI, error)) (mse.Intervals, error) {
	qs := mse.SortedQuantiles(quantiles)
	out := mse.Intervals{}
	var firstErr error
	used := make([]bool, len(qs))
	for i, q := range qs {
		if used[i] || q >= 0.5 {
			continue
		}
		j := -1
		for k := len(qs) - 1; k > i; k-- {
			if !used[k] && math.Abs(qs[k]-(1-q)) < 1e-9 {
				j = k
				break
			}
		}
		if j < 0 {
			continue
		}
		used[i], used[j] = true, true
		p, err := ci(1 - (qs[j] - q))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		lo, hi := p.Lower, p.Upper
		lower := mse.Interval{Method: string(mse.IntervalProfile), Quantile: q, Value: &lo, Conditional: true}
		if p.LowerAtN {
			lower.Note = "set to the observed count: the profile likelihood does not fall below the cut-off above it"
		}
		upper := mse.Interval{Method: string(mse.IntervalProfile), Quantile: qs[j], Conditional: true}
		if p.UpperOpen {
			upper.Note = fmt.Sprintf("open: above %.1f (%g times the estimate)", hi, p.FmaxSupCL)
		} else {
			upper.Value = &hi
		}
		out = append(out, lower, upper)
	}
	for i, q := range qs {
		if !used[i] && firstErr == nil {
			firstErr = fmt.Errorf("quantile %g has no symmetric partner: a profile interval needs pairs q, 1 − q", q)
		}
	}
	return out, firstErr
}
