package mse

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// LinkageErrorResult is the outcome of LinkageError.
type LinkageErrorResult struct {
	// Estimate is the estimator on the table as given.
	Estimate float64 `json:"estimate"`
	// Missed and False are the rates used.
	Missed float64 `json:"missed"`
	False  float64 `json:"false"`
	// Replicates counts the replicates whose estimate is a finite number;
	// Failed those whose estimator returned an error or a non-finite
	// value (e.g. a perturbed table that is not estimable).
	Replicates int `json:"replicates"`
	Failed     int `json:"failed"`
	// Mean and SD summarise the replicates' estimates.
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	// Quantiles of the replicates' estimates (R's type 7).
	Quantiles []QuantileValue `json:"quantiles"`
	// RelativeChange is the median replicate estimate over Estimate,
	// minus 1: +0.05 means the errors raise the estimate by 5%.
	RelativeChange float64 `json:"relative_change"`
	// MeanMissed and MeanFalse are the average numbers of splits and
	// merges made per replicate; MeanUnmatched the average number of
	// false merges drawn for which no person had a partner.
	MeanMissed    float64 `json:"mean_missed"`
	MeanFalse     float64 `json:"mean_false"`
	MeanUnmatched float64 `json:"mean_unmatched"`
	// Seed is the seed used.
	Seed uint64 `json:"seed"`
	// Estimates holds the finite replicate estimates in replicate order.
	Estimates []float64 `json:"-"`
}

// QuantileValue is one quantile of a distribution.
type QuantileValue struct {
	Quantile float64 `json:"quantile"`
	Value    float64 `json:"value"`
}

// ErrLinkageError is returned for invalid arguments to LinkageError.
var ErrLinkageError = errors.New("mse: invalid linkage-error options")

// LinkageError perturbs t with the missed- and false-link rates of opts
// (see "Linkage-error sensitivity" above), estimates each replicate with
// estimate, and summarises how the estimates move. estimate must be safe
// for concurrent use; it is called once on t itself, and an error there is
// returned.
func LinkageError(t *Table, estimate func(*Table) (float64, error), opts *LinkageErrorOptions) (*LinkageErrorResult, error) {
	o, err := checkLinkageErrorOptions(t, estimate, opts)
	if err != nil {
		return nil, err
	}
	base, err := estimate(t)
	if err != nil {
		return nil, fmt.Errorf("mse: estimate of the table as given: %w", err)
	}
	if math.IsNaN(base) || math.IsInf(base, 0) {
		return nil, fmt.Errorf("mse: estimate of the table as given is not finite")
	}
	strata := splitStrata(t)
	type outcome struct {
		est                      float64
		ok                       bool
		missed, false, unmatched int
	}
	out := make([]outcome, o.Replicates)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(o.Workers, o.Replicates) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r := int(next.Add(1) - 1)
				if r >= o.Replicates {
					return
				}
				rng := rand.New(rand.NewPCG(splitmix(o.Seed^splitmix(uint64(r))), splitmix(uint64(r)+0x6a09e667f3bcc909)))
				pt, m, f, u := perturb(t, strata, o.Missed, o.False, rng)
				e, err := estimate(pt)
				ok := err == nil && !math.IsNaN(e) && !math.IsInf(e, 0)
				out[r] = outcome{est: e, ok: ok, missed: m, false: f, unmatched: u}
			}
		}()
	}
	wg.Wait()

	res := &LinkageErrorResult{Estimate: base, Missed: o.Missed, False: o.False, Seed: o.Seed}
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
		return res, fmt.Errorf("mse: linkage-error sensitivity: none of the %d replicates could be estimated", o.Replicates)
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
		res.Quantiles = append(res.Quantiles, QuantileValue{q, quantile7(sorted, q)})
	}
	res.RelativeChange = quantile7(sorted, 0.5)/base - 1
	return res, nil
}

func checkLinkageErrorOptions(t *Table, estimate func(*Table) (float64, error), opts *LinkageErrorOptions) (LinkageErrorOptions, error) {
	var o LinkageErrorOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case t == nil || t.K() < 2:
		return o, fmt.Errorf("%w: a table with at least 2 lists is required", ErrLinkageError)
	case t.K() > MaxLists:
		return o, fmt.Errorf("%w: at most %d lists", ErrLinkageError, MaxLists)
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

// splitmix is SplitMix64's finaliser: it turns (seed, replicate) into
// well-separated PCG states.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stratumRows groups the row indices of one stratum.
type stratumRows struct {
	values []string
	rows   []int
}

func splitStrata(t *Table) []stratumRows {
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
	p Pattern
	n int
}

// perturb returns one replicate of t and the numbers of splits, merges
// and merges without a partner it made.
func perturb(t *Table, strata []stratumRows, missed, falseRate float64, rng *rand.Rand) (*Table, int, int, int) {
	nt := &Table{Lists: t.Lists, Strata: t.Strata}
	var nMissed, nFalse, nUnmatched int
	for _, st := range strata {
		var cells []cell
		index := map[Pattern]int{}
		add := func(p Pattern, n int) {
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
				k := binomial(rng, cells[j].n, missed)
				if k == 0 {
					continue
				}
				cells[j].n -= k
				nMissed += k
				members := listsOf(p)
				for range k {
					u := 1 + rng.Uint64N(1<<(s-1)-1) // which of the other lists go to part B
					var b Pattern
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
			for range binomial(rng, links, falseRate) {
				if mergeOnce(cells, rng, add) {
					nFalse++
				} else {
					nUnmatched++
				}
			}
		}
		// Rows: the input's order first, new patterns after, ascending.
		seen := map[Pattern]bool{}
		emit := func(p Pattern) {
			if seen[p] {
				return
			}
			seen[p] = true
			if n := cells[index[p]].n; n > 0 {
				nt.Rows = append(nt.Rows, Row{Pattern: p, Stratum: st.values, Count: n})
			}
		}
		for _, i := range st.rows {
			emit(t.Rows[i].Pattern)
		}
		var extra []Pattern
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
func mergeOnce(cells []cell, rng *rand.Rand, add func(Pattern, int)) bool {
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

func listsOf(p Pattern) []int {
	var out []int
	for x := uint32(p); x != 0; x &= x - 1 {
		out = append(out, bits.TrailingZeros32(x))
	}
	return out
}

// binomial draws from Binomial(n, p) exactly: the gaps between successes
// of Bernoulli(p) trials are geometric, so it costs O(n·min(p, 1−p) + 1).
func binomial(rng *rand.Rand, n int, p float64) int {
	switch {
	case n <= 0 || p <= 0:
		return 0
	case p >= 1:
		return n
	case p > 0.5:
		return n - binomial(rng, n, 1-p)
	}
	lq := math.Log1p(-p)
	k, i := 0, 0
	for {
		// The next success comes after a Geometric(p) number of failures.
		u := 1 - rng.Float64() // (0, 1]
		g := math.Floor(math.Log(u) / lq)
		if g >= float64(n-i) {
			return k
		}
		i += int(g) + 1
		k++
	}
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
