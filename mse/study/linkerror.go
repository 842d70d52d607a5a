package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/randx"
	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
)

// Linkage-error sensitivity.
//
// An overlap table comes out of record linkage, and linkage errors move
// the estimate: a missed link (one person counted as two) inflates it, a
// false link (two people counted as one) deflates it. LinkageError asks
// how far: it perturbs the table as if the linkage had made missed and
// false links at given rates, many times over with seeded random draws,
// and reports how the estimate moves.
//
// A table's persons are its cells: a row with pattern p and count c is c
// persons, each on the lists of p. Each stratum is perturbed on its own;
// persons never move between strata. One replicate does, per stratum:
//
//  1. Missed links. Each person on two or more lists is, independently
//     with probability Missed, split into two persons on complementary,
//     non-empty parts of its lists, the division drawn uniformly among the
//     2^(s-1)-1 possible ones for a person on s lists. (A person on lists
//     {1,2} becomes one on {1} and one on {2}; on {1,2,3}, one of
//     {1}+{2,3}, {2}+{1,3}, {3}+{1,2}.)
//  2. False links. The number of false merges is drawn as Binomial(L,
//     False), L being the number of persons on two or more lists before
//     step 1: the declared links. Each merge draws one person uniformly
//     among those that have a partner, then the partner uniformly among
//     the persons on none of its lists, and replaces both by one person on
//     the union of their lists. Persons made by earlier merges can be
//     drawn again.
//
// So Missed is the share of true links that the linkage missed (1 −
// recall) and False, approximately, the share of declared links that are
// false (1 − precision), as a clerical review of a sample of links would
// estimate them; for persons on two lists both are exact. Every list keeps
// its number of persons-on-the-list, as linkage errors leave each list's
// records alone.
//
// Rows of a perturbed table keep the order of the input's rows; patterns
// the input lacks come after, ascending; rows whose count falls to zero
// are dropped.

// LinkageErrorOptions control LinkageError. A nil pointer means the
// defaults: no errors at all, which reproduces the estimate.
type LinkageErrorOptions struct {
	// Missed is the rate of missed links, in [0, 1]. Default 0.
	Missed float64
	// False is the rate of false links, in [0, 1]. Default 0.
	False float64
	// Replicates is the number of perturbed tables, in [1, 1e6]. Default
	// 1000.
	Replicates int
	// Seed seeds the replicates: replicate r draws from a PCG stream
	// derived from (Seed, r) alone, so the result does not depend on
	// Workers or on the number of CPU cores. Default 0, itself a seed.
	Seed uint64
	// Workers bounds the goroutines calling the estimator, which must be
	// safe for concurrent use. Default 0: GOMAXPROCS.
	Workers int
	// Quantiles are the quantiles of the replicate estimates to report,
	// each in (0, 1). Default {0.025, 0.5, 0.975}.
	Quantiles []float64
}

// ErrLinkageError is returned for invalid arguments to LinkageError.
var ErrLinkageError = errors.New("study: invalid linkage-error options")

// LinkageError perturbs t with the missed- and false-link rates of opts
// (see "Linkage-error sensitivity" above), estimates each replicate with
// estimate, and summarises how the estimates move. estimate must be safe
// for concurrent use; it is called once on t itself, and an error there is
// returned.
func LinkageError(ctx context.Context, t *mse.Table, estimate func(context.Context, *mse.Table) (float64, error), opts *LinkageErrorOptions) (*mse.LinkageErrorResult, error) {
	o, err := checkLinkageErrorOptions(t, estimate, opts)
	if err != nil {
		return nil, err
	}
	if t != nil && len(t.Covariates) > 0 {
		// The perturbation splits and merges capture patterns; it does
		// not know how a merge would combine two people's covariates.
		return nil, fmt.Errorf("%w: the linkage-error perturbation does not carry covariates: drop them (mse.Table.DropCovariates) to study the table without them", ErrLinkageError)
	}
	base, err := estimate(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("study: estimate of the table as given: %w", err)
	}
	if math.IsNaN(base) || math.IsInf(base, 0) {
		return nil, fmt.Errorf("study: estimate of the table as given is not finite")
	}
	strata := splitStrata(t)
	type outcome struct {
		est                      float64
		ok                       bool
		missed, false, unmatched int
	}
	out := make([]outcome, o.Replicates)
	err = pool.Run(ctx, o.Replicates, func() func(r int) error {
		return func(r int) error {
			rng := seed.Stream(seed.Mix(o.Seed, "linkage-error"), uint64(r))
			pt, m, f, u := perturb(t, strata, o.Missed, o.False, rng)
			e, err := estimate(ctx, pt)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ok := err == nil && !math.IsNaN(e) && !math.IsInf(e, 0)
			out[r] = outcome{est: e, ok: ok, missed: m, false: f, unmatched: u}
			return nil
		}
	}, o.Workers)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", mse.ErrCancelled, err)
	}

	res := &mse.LinkageErrorResult{Estimate: base, Missed: o.Missed, False: o.False, Seed: o.Seed}
	var sm, sf, su float64
	for _, oc := range out {
		sm += float64(oc.missed)
		sf += float64(oc.false)
		su += float64(oc.unmatched)
		if oc.ok {
			res.Estimates = append(res.Estimates, oc.est)
		} else {
			res.Failed++
		}
	}
	n := float64(o.Replicates)
	res.MeanMissed, res.MeanFalse, res.MeanUnmatched = sm/n, sf/n, su/n
	res.Replicates = len(res.Estimates)
	if res.Replicates == 0 {
		return res, fmt.Errorf("study: linkage-error sensitivity: none of the %d replicates could be estimated", o.Replicates)
	}
	var sum float64
	for _, e := range res.Estimates {
		sum += e
	}
	res.Mean = sum / float64(res.Replicates)
	if res.Replicates > 1 {
		var ss float64
		for _, e := range res.Estimates {
			ss += (e - res.Mean) * (e - res.Mean)
		}
		res.SD = math.Sqrt(ss / float64(res.Replicates-1))
	}
	sorted := slices.Sorted(slices.Values(res.Estimates))
	for _, q := range o.Quantiles {
		res.Quantiles = append(res.Quantiles, mse.QuantileValue{Quantile: q, Value: quantile7(sorted, q)})
	}
	res.RelativeChange = quantile7(sorted, 0.5)/base - 1
	return res, nil
}

func checkLinkageErrorOptions(t *mse.Table, estimate func(context.Context, *mse.Table) (float64, error), opts *LinkageErrorOptions) (LinkageErrorOptions, error) {
	var o LinkageErrorOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case t == nil || t.K() < 2:
		return o, fmt.Errorf("%w: a table with at least 2 lists is required", ErrLinkageError)
	case t.K() > mse.MaxLists:
		return o, fmt.Errorf("%w: at most %d lists", ErrLinkageError, mse.MaxLists)
	case estimate == nil:
		return o, fmt.Errorf("%w: an estimator is required", ErrLinkageError)
	case !(o.Missed >= 0 && o.Missed <= 1):
		return o, fmt.Errorf("%w: the missed-link rate must be in [0, 1]", ErrLinkageError)
	case !(o.False >= 0 && o.False <= 1):
		return o, fmt.Errorf("%w: the false-link rate must be in [0, 1]", ErrLinkageError)
	case o.Replicates < 0 || o.Replicates > 1e6:
		return o, fmt.Errorf("%w: replicates must be in [1, 1000000]", ErrLinkageError)
	}
	if o.Replicates == 0 {
		o.Replicates = 1000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Quantiles == nil {
		o.Quantiles = []float64{0.025, 0.5, 0.975}
	}
	for _, q := range o.Quantiles {
		if !(q > 0 && q < 1) {
			return o, fmt.Errorf("%w: quantiles must be in (0, 1)", ErrLinkageError)
		}
	}
	for _, r := range t.Rows {
		if r.Count < 0 {
			return o, fmt.Errorf("%w: negative count", ErrLinkageError)
		}
	}
	return o, nil
}

// stratumRows groups the row indices of one stratum.
type stratumRows struct {
	values []string
	rows   []int
}

func splitStrata(t *mse.Table) []stratumRows {
	var out []stratumRows
	pos := map[string]int{}
	for i, r := range t.Rows {
		k := strings.Join(r.Stratum, "\x00")
		j, ok := pos[k]
		if !ok {
			j = len(out)
			pos[k] = j
			out = append(out, stratumRows{values: r.Stratum})
		}
		out[j].rows = append(out[j].rows, i)
	}
	return out
}

// cell is a pattern and its count within one stratum while perturbing.
type cell struct {
	p mse.Pattern
	n int
}

// perturb returns one replicate of t and the numbers of splits, merges
// and merges without a partner it made.
func perturb(t *mse.Table, strata []stratumRows, missed, falseRate float64, rng *rand.Rand) (*mse.Table, int, int, int) {
	nt := &mse.Table{Lists: t.Lists, Strata: t.Strata}
	var nMissed, nFalse, nUnmatched int
	for _, st := range strata {
		var cells []cell
		index := map[mse.Pattern]int{}
		add := func(p mse.Pattern, n int) {
			if j, ok := index[p]; ok {
				cells[j].n += n
				return
			}
			index[p] = len(cells)
			cells = append(cells, cell{p, n})
		}
		links := 0
		for _, i := range st.rows {
			r := t.Rows[i]
			add(r.Pattern, r.Count)
			if r.Pattern.Size() >= 2 {
				links += r.Count
			}
		}
		// 1. Splits. Cells appended meanwhile hold smaller patterns and
		// are not split again: iterate over the original cells only.
		if missed > 0 {
			for j, end := 0, len(cells); j < end; j++ {
				p := cells[j].p
				s := p.Size()
				if s < 2 {
					continue
				}
				k := int(randx.Binomial(rng, int64(cells[j].n), missed))
				if k == 0 {
					continue
				}
				cells[j].n -= k
				nMissed += k
				members := listsOf(p)
				for range k {
					u := 1 + rng.Uint64N(1<<(s-1)-1) // which of the other lists go to part B
					var b mse.Pattern
					for i, l := range members[1:] {
						if u&(1<<i) != 0 {
							b |= 1 << l
						}
					}
					add(b, 1)
					add(p&^b, 1)
				}
			}
		}
		// 2. Merges.
		if falseRate > 0 {
			for range int(randx.Binomial(rng, int64(links), falseRate)) {
				if mergeOnce(cells, rng, add) {
					nFalse++
				} else {
					nUnmatched++
				}
			}
		}
		// Rows: the input's order first, new patterns after, ascending.
		seen := map[mse.Pattern]bool{}
		emit := func(p mse.Pattern) {
			if seen[p] {
				return
			}
			seen[p] = true
			if n := cells[index[p]].n; n > 0 {
				nt.Rows = append(nt.Rows, mse.Row{Pattern: p, Stratum: st.values, Count: n})
			}
		}
		for _, i := range st.rows {
			emit(t.Rows[i].Pattern)
		}
		var extra []mse.Pattern
		for _, c := range cells {
			if !seen[c.p] {
				extra = append(extra, c.p)
			}
		}
		slices.Sort(extra)
		for _, p := range extra {
			emit(p)
		}
	}
	return nt, nMissed, nFalse, nUnmatched
}

// mergeOnce merges two persons on disjoint lists, drawn as the package
// comment says. It reports false when no person has a partner.
func mergeOnce(cells []cell, rng *rand.Rand, add func(mse.Pattern, int)) bool {
	// partners[j]: persons on lists disjoint from cell j's pattern.
	partners := make([]int, len(cells))
	total := 0
	for j, a := range cells {
		if a.n == 0 {
			continue
		}
		for _, b := range cells {
			if a.p&b.p == 0 {
				partners[j] += b.n
			}
		}
		if partners[j] > 0 {
			total += a.n
		}
	}
	if total == 0 {
		return false
	}
	u := rng.IntN(total)
	first := -1
	for j, a := range cells {
		if a.n == 0 || partners[j] == 0 {
			continue
		}
		if u < a.n {
			first = j
			break
		}
		u -= a.n
	}
	v := rng.IntN(partners[first])
	second := -1
	for j, b := range cells {
		if b.p&cells[first].p != 0 {
			continue
		}
		if v < b.n {
			second = j
			break
		}
		v -= b.n
	}
	p := cells[first].p | cells[second].p
	cells[first].n--
	cells[second].n--
	add(p, 1)
	return true
}

func listsOf(p mse.Pattern) []int {
	var out []int
	for x := uint32(p); x != 0; x &= x - 1 {
		out = append(out, bits.TrailingZeros32(x))
	}
	return out
}

// quantile7 is R's default (type 7) quantile of sorted x.
func quantile7(x []float64, q float64) float64 {
	if len(x) == 1 {
		return x[0]
	}
	h := (float64(len(x)) - 1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (h-lo)*(x[i+1]-x[i])
}

// LinkageSensitivity is LinkageError with method m as the estimator: each
// perturbed table is estimated as the table was (stratified tables
// stratum by stratum), with the whole method re-run and no interval.
func LinkageSensitivity(ctx context.Context, t *mse.Table, m mse.Method, opts *LinkageErrorOptions) (*mse.LinkageErrorResult, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: a method is required", ErrLinkageError)
	}
	return LinkageError(ctx, t, func(ctx context.Context, pt *mse.Table) (float64, error) {
		r, err := mse.Estimate(ctx, pt, m, &mse.Options{Interval: mse.IntervalNone, TopModels: 1})
		if err != nil {
			return 0, err
		}
		if err := r.Err(); err != nil {
			return 0, err
		}
		return *r.Estimate, nil
	}, opts)
}

// LinkageErrorScenarios are the assumed (missed, false) link rates of the
// report's linkage-error table: 2% and 5% of true links missed, 2% and 5%
// of links false, and 5% missed with 2% false.
var LinkageErrorScenarios = [][2]float64{{0.02, 0}, {0.05, 0}, {0, 0.02}, {0, 0.05}, {0.05, 0.02}}

// LinkageErrorTable runs LinkageSensitivity under each of the
// LinkageErrorScenarios with reps perturbed tables each (median and 95%
// range of the estimates), seeded by seed.
func LinkageErrorTable(ctx context.Context, t *mse.Table, m mse.Method, reps int, seed uint64) ([]*mse.LinkageErrorResult, error) {
	var out []*mse.LinkageErrorResult
	for i, sc := range LinkageErrorScenarios {
		res, err := LinkageSensitivity(ctx, t, m, &LinkageErrorOptions{Missed: sc[0], False: sc[1], Replicates: reps,
			Seed: seed + uint64(i), Quantiles: []float64{0.025, 0.5, 0.975}})
		if err != nil {
			if errors.Is(err, mse.ErrCancelled) || ctx.Err() != nil {
				return nil, err
			}
			continue // a scenario none of whose tables is estimable is left out
		}
		out = append(out, res)
	}
	return out, nil
}
