package mse

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/randx"
	"github.com/morketall/morketall/internal/seed"
)

// bootRaw keeps a bootstrap's replicates in replicate order (NaN when not
// estimable) and its jackknife, so that strata can be summed.
type bootRaw struct {
	reps, jack []float64
	counts     []int
	popest     float64
}

// bootPlan is a bootstrap ready to run: the data, what to re-run in each
// replicate, and the full-data estimate.
type bootPlan struct {
	k      int
	t      *Table    // the table (its rows with a positive count are resampled)
	rows   []int     // indices of the table's rows with a positive count
	pats   []Pattern // their patterns
	counts []int     // their counts
	probs  []float64 // their counts as float64, the multinomial's weights
	n      int
	popest float64
	newRep func() Replicator
	newRow func() RowReplicator // the row fast path, when the fit has one
	label  func(id int) (notation, named string)
	// groups are the labels of the estimates by group (Result.Covariates)
	// whose replicate values the generic path records.
	groups []string
}

// bootOutput is a bootstrap's raw result.
type bootOutput struct {
	reps     []float64 // per replicate; NaN when not estimable
	selected []int     // per replicate: model id or −1
	jack     []float64 // per row with y > 0: the delete-one estimate (NaN if not estimable)
	// groupReps[b][g] and groupJack[j][g] are group g's estimates in
	// replicate b and jackknife table j (NaN when there is none).
	groupReps, groupJack [][]float64
}

// bootstrap adds the bca or percentile interval to r: it re-runs method m
// (through f's fast path when it has one) on nboot multinomial resamples
// of the observed cases with the total fixed, and on the
// delete-one-individual jackknife for the acceleration.
func (r *Result) bootstrap(ctx context.Context, t *Table, m Method, f Fit, o Options) error {
	plan, err := newBootPlan(ctx, t, m, f, *r.Estimate, *o.Seed)
	if err != nil {
		return err
	}
	if c := r.Covariates; c != nil && len(c.Groups) > 0 {
		_, fast := f.(Replicating)
		if _, rows := f.(RowReplicating); fast && !rows {
			r.Warnings = append(r.Warnings, "the method's bootstrap gives no intervals by group")
		} else {
			for _, g := range c.Groups {
				plan.groups = append(plan.groups, g.Label)
			}
		}
	}
	out, err := plan.run(ctx, o.NBoot, *o.Seed, o.Progress)
	if err != nil {
		return err
	}
	info := &BootstrapInfo{Seed: *o.Seed, NBoot: o.NBoot, Scheme: "rows", Replicates: []float64{}, ModelFrequency: []ModelCount{}}
	if d, ok := f.(BootstrapDescriber); ok {
		d.DescribeBootstrap(info)
	}
	r.boot = &bootRaw{reps: out.reps, jack: out.jack, counts: plan.counts, popest: plan.popest}
	var reps []float64
	freq := map[int]int{}
	for b, v := range out.reps {
		if math.IsNaN(v) {
			info.NotEstimable++
			continue
		}
		reps = append(reps, v)
		freq[out.selected[b]]++
	}
	byName := map[string]int{}
	named := map[string]string{}
	for id, c := range freq {
		notation, nm := plan.label(id)
		byName[notation] += c
		named[notation] = nm
	}
	info.ModelFrequency = CountModels(byName)
	for i := range info.ModelFrequency {
		info.ModelFrequency[i].Named = named[info.ModelFrequency[i].Notation]
	}
	r.Bootstrap = info
	for _, v := range out.jack {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			info.Jackknife = nil
			break
		}
		info.Jackknife = append(info.Jackknife, v)
	}
	r.setBootIntervals(info, reps, plan.popest, plan.counts, out.jack, o)
	if len(plan.groups) > 0 {
		r.setGroupBootIntervals(out, plan.counts, o)
	}
	return nil
}

// setGroupBootIntervals gives each group with an estimate the interval
// of the total's kind from its replicate values.
func (r *Result) setGroupBootIntervals(out *bootOutput, counts []int, o Options) {
	groups := r.Covariates.Groups
	failed := 0
	for g := range groups {
		ge := &groups[g]
		ge.Intervals = Intervals{}
		if ge.Estimate == nil {
			continue
		}
		var reps []float64
		for b := range out.groupReps {
			if v := out.groupReps[b][g]; finite(v) {
				reps = append(reps, v)
			}
		}
		jack := make([]float64, len(out.groupJack))
		for j := range out.groupJack {
			jack[j] = out.groupJack[j][g]
		}
		if len(reps) < 10 {
			failed++
			continue
		}
		qs := SortedQuantiles(o.Quantiles)
		method := string(o.Interval)
		var limits []float64
		if o.Interval == IntervalBCa {
			if ahat, ok := acceleration(counts, jack); ok {
				limits, _, _ = bcaLimits(reps, *ge.Estimate, ahat, qs)
			}
		}
		if limits == nil {
			limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
		}
		for i, q := range qs {
			ge.Intervals = append(ge.Intervals, Limit(method, q, &limits[i], false, ""))
		}
	}
	if failed > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d group(s) have too few estimable bootstrap replicates for an interval", failed))
	}
}

// newBootPlan sets up what each replicate re-runs.
func newBootPlan(ctx context.Context, t *Table, m Method, f Fit, popest float64, bootSeed uint64) (*bootPlan, error) {
	if t.K() > MaxLists {
		return nil, fmt.Errorf("%w: the bootstrap takes at most %d lists", ErrOptions, MaxLists)
	}
	p := &bootPlan{k: t.K(), t: t, n: t.N(), popest: popest}
	for i, row := range t.Rows {
		if row.Count > 0 {
			p.rows = append(p.rows, i)
			p.pats = append(p.pats, row.Pattern)
			p.counts = append(p.counts, row.Count)
			p.probs = append(p.probs, float64(row.Count))
		}
	}
	if fast, ok := f.(RowReplicating); ok {
		p.newRow, p.label = fast.NewRowReplicator, fast.ModelLabel
		return p, nil
	}
	if fast, ok := f.(Replicating); ok {
		p.newRep, p.label = fast.NewReplicator, fast.ModelLabel
		return p, nil
	}
	g := &genericReps{ctx: ctx, m: m, t: t, index: map[[2]string]int{}, seed: bootSeed}
	p.newRep = func() Replicator { return &genericRep{g: g} }
	p.label = g.label
	return p, nil
}

// genericReps runs a method without a fast path: each replicate's counts
// become a table with the rows of the original and the method is fitted
// to it. The models selected are indexed by name, shared between the
// workers.
type genericReps struct {
	ctx   context.Context
	m     Method
	t     *Table
	mu    sync.Mutex
	index map[[2]string]int
	names [][2]string
	seed  uint64 // the bootstrap's seed, for methods that draw random numbers
}

func (g *genericReps) id(notation, named string) int {
	key := [2]string{notation, named}
	g.mu.Lock()
	defer g.mu.Unlock()
	if i, ok := g.index[key]; ok {
		return i
	}
	g.names = append(g.names, key)
	g.index[key] = len(g.names) - 1
	return len(g.names) - 1
}

func (g *genericReps) label(id int) (string, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.names[id][0], g.names[id][1]
}

// genericRep is one worker's replicator of the generic path.
type genericRep struct {
	g *genericReps
}

// Replicate is not used by the generic path, which needs the row counts
// (replicateRows); it exists to satisfy Replicator.
func (e *genericRep) Replicate(y []float64, n int) (float64, int, bool) {
	return 0, -1, false
}

// replicateRows fits the method to the table with the given row counts;
// b numbers the replicate (for the seed of a random method). When groups
// is not empty it receives the estimates of the groups of those labels
// (NaN for a group the fit does not estimate).
func (e *genericRep) replicateRows(counts []int, b int, labels []string, groups []float64) (float64, int, bool) {
	for i := range groups {
		groups[i] = math.NaN()
	}
	m := e.g.m
	if s, ok := m.(Seeder); ok {
		m = s.WithSeed(seed.Mix(e.g.seed, "replicate", strconv.Itoa(b)))
	}
	f, err := m.Fit(e.g.ctx, e.g.t.WithCounts(counts))
	if err != nil {
		return 0, -1, false
	}
	est, err := f.Estimate()
	if err != nil {
		return 0, -1, false
	}
	var scratch Result
	f.Report(&scratch, 0)
	notation, named := m.Name(), ""
	if scratch.Model != nil {
		notation, named = scratch.Model.Notation, scratch.Model.Named
	}
	if len(labels) > 0 && scratch.Covariates != nil {
		for _, g := range scratch.Covariates.Groups {
			if i := slices.Index(labels, g.Label); i >= 0 && g.Estimate != nil {
				groups[i] = *g.Estimate
			}
		}
	}
	return est, e.g.id(notation, named), true
}

// run draws the replicates and the jackknife. A replicate is a
// multinomial draw of the observed total over the table's rows (the
// nonparametric bootstrap of the cases, drawn cell by cell so that the
// cost grows with the number of rows, not of cases); replicate b draws
// from its own random stream seeded by (seed, b), so the result depends
// only on the seed, never on the number of cores or the order of work.
// The jackknife deletes one case from each row in turn.
func (p *bootPlan) run(ctx context.Context, nboot int, bootSeed uint64, progress func(done, total int)) (*bootOutput, error) {
	out := &bootOutput{reps: make([]float64, nboot), selected: make([]int, nboot), jack: make([]float64, len(p.rows))}
	if len(p.groups) > 0 {
		out.groupReps, out.groupJack = make([][]float64, nboot), make([][]float64, len(p.rows))
	}
	total := nboot + len(p.rows)
	var done atomic.Int64
	report := func() {
		d := int(done.Add(1))
		if progress != nil && (d%16 == 0 || d == total) {
			progress(d, total)
		}
	}
	err := pool.Run(ctx, total, func() func(i int) error {
		var e Replicator
		var rowRep RowReplicator
		if p.newRow != nil {
			rowRep = p.newRow()
		} else {
			e = p.newRep()
		}
		generic, _ := e.(*genericRep)
		var y []float64 // counts by capture pattern, for the fast path
		if generic == nil && rowRep == nil {
			y = make([]float64, 1<<uint(p.k))
		}
		draw := make([]int64, len(p.rows))
		rowCounts := make([]int, len(p.t.Rows))
		return func(i int) error {
			n := p.n
			if i < nboot {
				randx.Multinomial(seed.Stream(bootSeed, uint64(i)), int64(p.n), p.probs, draw)
			} else {
				for r, c := range p.counts {
					draw[r] = int64(c)
				}
				draw[i-nboot]--
				n--
			}
			var v float64
			var sel int
			var ok bool
			if generic != nil || rowRep != nil {
				clear(rowCounts)
				for r, c := range draw {
					rowCounts[p.rows[r]] = int(c)
				}
				var groups []float64
				if len(p.groups) > 0 {
					groups = make([]float64, len(p.groups))
					for g := range groups {
						groups[g] = math.NaN()
					}
					if i < nboot {
						out.groupReps[i] = groups
					} else {
						out.groupJack[i-nboot] = groups
					}
				}
				if rowRep != nil {
					v, sel, ok = rowRep.ReplicateRows(rowCounts, groups)
				} else {
					v, sel, ok = generic.replicateRows(rowCounts, i, p.groups, groups)
				}
			} else {
				clear(y)
				for r, c := range draw {
					y[p.pats[r]] += float64(c)
				}
				v, sel, ok = e.Replicate(y, n)
			}
			if !ok {
				v, sel = math.NaN(), -1
			}
			if i < nboot {
				out.reps[i], out.selected[i] = v, sel
			} else {
				out.jack[i-nboot] = v
			}
			report()
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// setBootIntervals turns the replicate estimates (NaN already removed;
// +Inf for replicates whose estimate is unbounded) into r's interval and
// completes info. The BCa acceleration comes from the jackknife values
// jack of the rows with the given counts.
func (r *Result) setBootIntervals(info *BootstrapInfo, reps []float64, popest float64, counts []int, jack []float64, o Options) {
	info.Replicates = []float64{}
	for _, v := range reps {
		if math.IsInf(v, 1) {
			info.Unbounded++
		} else {
			info.Replicates = append(info.Replicates, v)
		}
	}
	if info.NotEstimable > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d bootstrap replicates were not estimable and are left out of the interval", info.NotEstimable, o.NBoot))
	}
	if info.Unbounded > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("in %d of %d bootstrap replicates the selected model has no finite estimate (the dark figure is unbounded); they count as infinite, so upper limits may be open", info.Unbounded, o.NBoot))
	}
	r.Intervals = Intervals{}
	if len(reps) < 10 {
		r.Warnings = append(r.Warnings, "too few estimable bootstrap replicates for an interval")
		return
	}
	qs := SortedQuantiles(o.Quantiles)
	var limits []float64
	method := string(o.Interval)
	if o.Interval == IntervalPercentile {
		limits = percentileLimits(reps, qs)
	} else {
		ahat, ok := acceleration(counts, jack)
		var err error
		if ok {
			var z0 float64
			limits, z0, err = bcaLimits(reps, popest, ahat, qs)
			info.Acceleration, info.BiasCorrection = ahat, z0
		}
		switch {
		case !ok:
			r.Warnings = append(r.Warnings, "the jackknife for the BCa acceleration failed (a delete-one table has no finite estimate); the interval is the percentile interval")
			limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
		case err != nil:
			r.Warnings = append(r.Warnings, "BCa: "+err.Error()+"; the interval is the percentile interval")
			limits, method = percentileLimits(reps, qs), string(IntervalPercentile)
		}
	}
	for i, q := range qs {
		iv := Interval{Method: method, Quantile: q}
		if v := limits[i]; finite(v) {
			iv.Value = &v
		} else {
			iv.Note = "open: this limit falls among bootstrap replicates whose estimate is unbounded"
		}
		r.Intervals = append(r.Intervals, iv)
	}
}

// acceleration is the delete-one-individual jackknife estimate of the BCa
// acceleration: rows weighted by their counts (SparseMSE, MSE-R). It
// reports false if any jackknife value is missing or the spread is 0.
func acceleration(counts []int, jack []float64) (float64, bool) {
	var n, mean float64
	for j, c := range counts {
		if math.IsNaN(jack[j]) || math.IsInf(jack[j], 0) {
			return 0, false
		}
		n += float64(c)
		mean += float64(c) * jack[j]
	}
	mean /= n
	var s2, s3 float64
	for j, c := range counts {
		d := mean - jack[j]
		s2 += float64(c) * d * d
		s3 += float64(c) * d * d * d
	}
	if s2 == 0 {
		return 0, false
	}
	return s3 / (6 * math.Pow(s2, 1.5)), true
}

// QuantileType8 is R's quantile(x, q, type = 8) (Hyndman and Fan's
// median-unbiased definition) of sorted x.
func QuantileType8(sorted []float64, q float64) float64 {
	nb := float64(len(sorted))
	const fuzz = 4 * 2.220446049250313e-16
	nppm := 1.0/3 + q*(nb+1.0/3)
	j := math.Floor(nppm + fuzz)
	h := nppm - j
	if math.Abs(h) < fuzz {
		h = 0
	}
	at := func(i float64) float64 {
		switch {
		case i < 1:
			return sorted[0]
		case i > nb:
			return sorted[len(sorted)-1]
		}
		return sorted[int(i)-1]
	}
	lo, hi := at(j), at(j+1)
	if h == 0 {
		return lo
	}
	return (1-h)*lo + h*hi
}

// bcaLimits is SparseMSE's bcaconfvalues: z0 = Φ⁻¹(share of replicates
// strictly below the estimate), q = Φ(z0 + (z0 + z_α)/(1 − â(z0 + z_α))),
// and the limit is the type-8 quantile q of the replicates.
func bcaLimits(reps []float64, popest, ahat float64, alphas []float64) (limits []float64, z0 float64, err error) {
	sorted := slices.Clone(reps)
	sort.Float64s(sorted)
	below := 0
	for _, v := range sorted {
		if v < popest {
			below++
		}
	}
	frac := float64(below) / float64(len(sorted))
	if frac == 0 || frac == 1 {
		return nil, 0, fmt.Errorf("every bootstrap replicate lies on one side of the estimate: the BCa bias correction is infinite")
	}
	std := distuv.UnitNormal
	z0 = std.Quantile(frac)
	for _, a := range alphas {
		za := std.Quantile(a)
		q := std.CDF(z0 + (z0+za)/(1-ahat*(z0+za)))
		if math.IsNaN(q) {
			return nil, z0, fmt.Errorf("the BCa adjustment is undefined for quantile %g", a)
		}
		limits = append(limits, QuantileType8(sorted, q))
	}
	return limits, z0, nil
}

// percentileLimits are the type-8 quantiles of the replicates.
func percentileLimits(reps []float64, alphas []float64) []float64 {
	sorted := slices.Clone(reps)
	sort.Float64s(sorted)
	out := make([]float64, len(alphas))
	for i, a := range alphas {
		out[i] = QuantileType8(sorted, a)
	}
	return out
}
