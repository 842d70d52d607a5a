package mse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/morketall/morketall/internal/seed"
)

// estimateStrata estimates each stratum of a stratified table separately
// and the total as the sum of the stratum estimates. With a bootstrap
// interval (bca or percentile), the total's interval comes from summing
// the replicate estimates of the strata replicate by replicate (each
// stratum resampled with its own total fixed), and its BCa acceleration
// from the delete-one-individual jackknife over all strata.
//
// A stratum with fewer than two informative lists, or whose estimate is
// not estimable, is reported as such in Result.Strata; the total is then
// not estimable either, with a reason naming the strata (their observed
// counts are still in Observed). Other intervals (conditional, profile)
// are given per stratum only.
func estimateStrata(ctx context.Context, t *Table, m Method, o Options) (*Result, error) {
	total := &Result{
		Lists: slices.Clone(t.Lists), Observed: t.N(), Method: "stratified",
		Options: o.info(m), TopModels: []TopModel{}, Intervals: Intervals{},
	}
	var bad []string
	var results []*Result
	for _, sv := range t.StratumValues() {
		label := stratumLabel(t.Strata, sv)
		sub := t.Stratum(sv)
		sr := &StratumResult{Stratum: map[string]string{}}
		for j, name := range t.Strata {
			sr.Stratum[name] = sv[j]
		}
		tidy, warns, err := sub.Tidy()
		for _, w := range warns {
			total.Warnings = append(total.Warnings, label+": "+w.Msg)
		}
		var res *Result
		if err != nil {
			res = (&Result{Lists: slices.Clone(sub.Lists), Observed: sub.N()}).fail(
				fmt.Errorf("%w: too small: fewer than two lists with informative data in this stratum", ErrNotEstimable))
		} else {
			so := o
			s := seed.Mix(*o.Seed, "stratum", label) // a distinct stream per stratum
			so.Seed = &s
			res, err = estimate(ctx, tidy, m, so)
			if err != nil {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("%w: %v", ErrCancelled, ctx.Err())
				}
				if errors.Is(err, ErrOptions) {
					return nil, err
				}
				res = (&Result{Lists: slices.Clone(tidy.Lists), Observed: tidy.N()}).fail(err)
			}
		}
		sr.Result = res
		total.Strata = append(total.Strata, *sr)
		results = append(results, res)
		if !res.Estimated() {
			bad = append(bad, label)
		}
	}
	if len(bad) > 0 {
		return total.fail(fmt.Errorf("%w: stratum %s not estimable; merge small strata or estimate the collapsed table", ErrNotEstimable, strings.Join(bad, ", "))), nil
	}
	var est, obs float64
	for _, r := range results {
		est += *r.Estimate
		obs += float64(r.Observed)
	}
	total.setEstimate(est)
	*total.DarkFigure = est - obs
	if o.Interval.Bootstraps() {
		total.sumBootstrap(results, o, est)
		total.Options.Seed, total.Options.NBoot = o.Seed, o.NBoot
	} else if o.Interval != IntervalNone {
		total.Warnings = append(total.Warnings, "the total has an interval only with a bootstrap (bca or percentile); see the strata for theirs")
	}
	return total, nil
}

func stratumLabel(names, values []string) string {
	parts := make([]string, len(names))
	for i := range names {
		parts[i] = names[i] + "=" + values[i]
	}
	return strings.Join(parts, ",")
}

// sumBootstrap builds the total's bootstrap from the strata's.
func (r *Result) sumBootstrap(results []*Result, o Options, popest float64) {
	nboot := o.NBoot
	reps := make([]float64, nboot)
	var counts []int
	var jack []float64
	for _, sr := range results {
		b := sr.boot
		if b == nil {
			r.Warnings = append(r.Warnings, "a stratum has no bootstrap: no interval for the total")
			return
		}
		for i := range reps {
			reps[i] += b.reps[i] // NaN propagates
		}
		// Deleting one individual of this stratum changes the total by
		// the stratum's jackknife change.
		for j, v := range b.jack {
			counts = append(counts, b.counts[j])
			jack = append(jack, popest-b.popest+v)
		}
	}
	info := &BootstrapInfo{Seed: *o.Seed, NBoot: nboot, Scheme: "rows, by stratum", ModelFrequency: []ModelCount{}}
	var ok []float64
	for _, v := range reps {
		if math.IsNaN(v) {
			info.NotEstimable++
			continue
		}
		ok = append(ok, v)
	}
	r.Bootstrap = info
	r.setBootIntervals(info, ok, popest, counts, jack, o)
}
