package loglin

import (
	"cmp"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/profile"
)

func fitInfo(f *ModelFit, lists []string) *mse.FitInfo {
	fi := &mse.FitInfo{
		Deviance: f.Deviance, DF: f.DF, DFAllCells: f.DFAllCells, AIC: f.AIC, BIC: f.BIC,
		LogLik: f.LogLik, Params: f.Model.NumParams(), StdErr: f.StdErrEstimate,
		EmptyMargins: [][]string{}, Iterations: f.Iter, Converged: f.Status == 0,
	}
	for _, e := range f.EmptyTerms {
		fi.EmptyMargins = append(fi.EmptyMargins, mse.TermNames(e, lists))
	}
	return fi
}

// topFromFits lists the selected model when it has an estimate.
func (f *fitted) topFromFits(top int) []mse.TopModel {
	out := []mse.TopModel{}
	if fit := f.full; fit != nil && fit.Estimate > 0 && top > 0 {
		out = append(out, mse.TopModel{Rank: 1, Notation: fit.Model.String(), Named: fit.Model.Named(f.lists),
			BIC: fit.BIC, AIC: fit.AIC, Estimate: fit.Estimate, Params: fit.Model.NumParams(),
			EmptyMargins: len(fit.EmptyTerms), Conditional95: conditional95(fit)})
	}
	return out
}

// topFromRanked lists the models of a stepwise path ranked by BIC.
func (f *fitted) topFromRanked(path []Ranked, top int, note string) []mse.TopModel {
	p := slices.Clone(path)
	slices.SortStableFunc(p, func(a, b Ranked) int { return cmp.Compare(a.BIC, b.BIC) })
	return f.topModels(p, top, note)
}

// topFromSearch lists the best models of a search.
func (f *fitted) topFromSearch(ranked []Ranked, top int) []mse.TopModel {
	return f.topModels(ranked, top, "")
}

// topModels lists the first top models, each with its conditional 95%
// interval from a full fit.
func (f *fitted) topModels(ranked []Ranked, top int, note string) []mse.TopModel {
	out := []mse.TopModel{}
	for i, rk := range ranked {
		if i == top {
			break
		}
		tm := mse.TopModel{Rank: i + 1, Notation: rk.Model.String(), Named: rk.Model.Named(f.lists),
			BIC: rk.BIC, AIC: rk.AIC, Estimate: rk.Estimate, Params: rk.Model.NumParams(),
			EmptyMargins: rk.EmptyMargins, Note: note}
		if full, err := fitCounts(rk.Model.K(), f.y, f.n, rk.Model, nil); err == nil && full.Estimate > 0 {
			tm.Conditional95 = conditional95(full)
		}
		out = append(out, tm)
	}
	return out
}

// profileIntervals computes Rcapture's multinomial profile-likelihood
// interval for the selected log-linear model: one interval per symmetric
// pair of quantiles (q, 1 − q).
func profileIntervals(y []float64, f *ModelFit, quantiles []float64) (mse.Intervals, error) {
	d := loglinear.HierarchicalDesign(f.Cells, f.Terms)
	yk := make([]float64, len(f.Cells))
	for i, c := range f.Cells {
		yk[i] = y[c]
	}
	return profile.Limits(quantiles, func(alpha float64) (*profile.CI, error) {
		return profile.Interval(d, yk, f.Observed, f.Estimate, &profile.Options{Alpha: alpha})
	})
}

// normalQuantile is qnorm(q, mu, sd).
func normalQuantile(q, mu, sd float64) float64 {
	return distuv.Normal{Mu: mu, Sigma: sd}.Quantile(q)
}
