package loglin

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// KWaySensitivity refits model m to the table with the K-way interaction
// of the full table (the unobserved cell included) fixed, as Gerritse,
// Bakker and van der Heijden (2015) do: the data cannot estimate it, and
// every hierarchical model short of the saturated one sets it to 0. For
// each k of harder it sets it to γ = (−1)^K log k, which for the
// saturated model of the observed cells multiplies the unseen count by k
// exactly ("the people no list saw are k times harder to find than the
// model assumes"), while a smaller model absorbs part of it. Each refit
// has its estimate and its conditional 95% interval (SparseMSE's
// log-normal interval of the refit).
//
// The K-way interaction enters as an offset ψ·c(ω) on the log means, c(ω)
// = (−1)^(K−|ω|) the K-way contrast and ψ = γ/2^K, so that the alternating
// sum of the log means of the full table is γ.
func KWaySensitivity(t *mse.Table, m mse.Model, harder []float64) ([]mse.KWayRefit, error) {
	if m.K() != t.K() {
		return nil, fmt.Errorf("%w: model has %d lists, table %d", mse.ErrModel, m.K(), t.K())
	}
	if m.IsSaturated() {
		return nil, fmt.Errorf("%w: the saturated model leaves no K-way interaction to fix", mse.ErrNotEstimable)
	}
	y, err := cellCounts(t)
	if err != nil {
		return nil, err
	}
	k := t.K()
	ch, err := loglinear.CheckModel(k, m.Terms(), y)
	if err != nil {
		return nil, fmt.Errorf("%w: the existence check failed: %v", mse.ErrNotEstimable, err)
	}
	if err := checkError(ch); err != nil {
		return nil, err
	}
	d := loglinear.HierarchicalDesign(ch.KeptCells, ch.KeptTerms)
	yk := make([]float64, len(ch.KeptCells))
	contrast := make([]float64, len(ch.KeptCells))
	for i, c := range ch.KeptCells {
		yk[i] = y[c]
		contrast[i] = kwayContrast(k, uint32(c))
	}
	c0 := kwayContrast(k, 0)
	n := float64(t.N())
	out := make([]mse.KWayRefit, 0, len(harder))
	off := make([]float64, len(yk))
	for _, h := range harder {
		if !(h > 0) || math.IsInf(h, 0) {
			return nil, fmt.Errorf("loglin: k must be a positive number")
		}
		gamma := c0 * math.Log(h)
		psi := gamma / math.Ldexp(1, k)
		for i, c := range contrast {
			off[i] = psi * c
		}
		fit, err := loglinear.FitPoisson(d, yk, &loglinear.Options{Offset: off})
		if err != nil {
			return nil, fmt.Errorf("%w: the refit with k = %g failed: %v", mse.ErrNotEstimable, h, err)
		}
		logDark := fit.Coef[0] + psi*c0
		if logDark > maxLogDark {
			return nil, fmt.Errorf("%w: with k = %g the dark figure overflows", mse.ErrNotEstimable, h)
		}
		p := mse.KWayRefit{LogOddsRatio: gamma, Estimate: n + math.Exp(logDark)}
		sd := math.Sqrt(fit.Cov.At(0, 0))
		lo, hi := n+math.Exp(normalQuantile(0.025, logDark, sd)), n+math.Exp(normalQuantile(0.975, logDark, sd))
		if finite(lo) && finite(hi) {
			p.Lower95, p.Upper95 = &lo, &hi
		}
		out = append(out, p)
	}
	return out, nil
}

// kwayContrast is c(ω) = (−1)^(K−|ω|), the K-way contrast of cell ω.
func kwayContrast(k int, cell uint32) float64 {
	if (k-bits.OnesCount32(cell))%2 == 0 {
		return 1
	}
	return -1
}
