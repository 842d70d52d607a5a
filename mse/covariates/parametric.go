package covariates

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/randx"
	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
)

// ParametricBootstrap is mse's boot_mse for a fit on complete data:
// nboot tables of floor(N0) people, N0 = N̂ rounded to one decimal as mse
// does, are drawn from the multinomial over every cell of the population
// table (the all-lists-0 cells included) with the fitted probabilities;
// the same model is refitted to each draw's observed cells, started from
// the fit's coefficients, and the replicate's N̂ and group estimates
// recorded. Replicate b draws from its own stream seeded by (seed, b),
// so the result does not depend on the number of cores. A replicate whose
// refit is not estimable gives NaN. groups may be nil.
func (f *ModelFit) ParametricBootstrap(ctx context.Context, nboot int, bootSeed uint64) (totals []float64, groups [][]float64, err error) {
	if f.EM != nil {
		return nil, nil, mse.UsageError("covariates: the parametric bootstrap draws complete tables; with missing covariates use the bca or percentile bootstrap")
	}
	d := f.data
	gs := d.groups()
	probs := append(slices.Clone(f.fitted), f.unobs...)
	size := int64(math.Floor(math.Round(f.Estimate*10) / 10))
	totals = make([]float64, nboot)
	groups = make([][]float64, nboot)
	nobs := len(f.fitted)
	err = pool.Run(ctx, nboot, func() func(b int) error {
		draw := make([]int64, len(probs))
		return func(b int) error {
			randx.Multinomial(seed.Stream(bootSeed, uint64(b)), size, probs, draw)
			y := make([]float64, nobs)
			for i := range y {
				y[i] = float64(draw[i])
			}
			rep := d.withCounts(y, nil)
			totals[b] = math.NaN()
			g, err := FitModel(rep, f.Model, &FitOptions{Start: f.Coef})
			if err != nil || g == nil || !finite(g.Estimate) {
				return nil
			}
			totals[b] = g.Estimate
			groups[b], _ = g.groupEstimates(gs)
			return nil
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return totals, groups, nil
}

// quantile7 is R's default quantile (type 7) of sorted x.
func quantile7(sorted []float64, q float64) float64 {
	n := len(sorted)
	h := float64(n-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= n {
		return sorted[n-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// parametricIntervals turns replicate values into limits (type-7
// quantiles, as mse's ci_95), leaving out NaN; nil when fewer than 10.
func parametricIntervals(reps []float64, quantiles []float64) mse.Intervals {
	var ok []float64
	for _, v := range reps {
		if finite(v) {
			ok = append(ok, v)
		}
	}
	if len(ok) < 10 {
		return nil
	}
	sort.Float64s(ok)
	iv := mse.Intervals{}
	for _, q := range mse.SortedQuantiles(quantiles) {
		v := quantile7(ok, q)
		iv = append(iv, mse.Limit(string(mse.IntervalParametric), q, &v, true, ""))
	}
	return iv
}

// parametricReport runs the parametric bootstrap and returns the total's
// and the groups' intervals.
func (f *ModelFit) parametricReport(ctx context.Context, quantiles []float64, nboot int, bootSeed uint64) (mse.Intervals, []mse.Intervals, []string, error) {
	totals, groups, err := f.ParametricBootstrap(ctx, nboot, bootSeed)
	if err != nil {
		return nil, nil, nil, err
	}
	var warns []string
	failed := 0
	for _, v := range totals {
		if !finite(v) {
			failed++
		}
	}
	if failed > 0 {
		warns = append(warns, fmt.Sprintf("%d of %d parametric bootstrap replicates were not estimable and are left out", failed, nboot))
	}
	total := parametricIntervals(totals, quantiles)
	if total == nil {
		warns = append(warns, "too few estimable parametric bootstrap replicates for an interval")
		total = mse.Intervals{}
	}
	gs := f.data.groups()
	byGroup := make([]mse.Intervals, len(gs))
	col := make([]float64, nboot)
	for g := range gs {
		for b := range nboot {
			col[b] = math.NaN()
			if groups[b] != nil {
				col[b] = groups[b][g]
			}
		}
		byGroup[g] = parametricIntervals(col, quantiles)
		if byGroup[g] == nil {
			byGroup[g] = mse.Intervals{}
		}
	}
	return total, byGroup, warns, nil
}
