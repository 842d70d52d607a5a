package latentclass

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/refdata"
	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/internal/testflags"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/mcmc"
)

func readTable(t testing.TB, name string) *mse.Table {
	t.Helper()
	f, err := os.Open(refdata.Dataset(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func loadData(t testing.TB, name string) *data {
	tab := readTable(t, name)
	var pats []uint32
	var cnts []int64
	for _, r := range tab.Rows {
		pats = append(pats, uint32(r.Pattern))
		cnts = append(cnts, int64(r.Count))
	}
	return newData(tab.K(), pats, cnts)
}

// lcmcrRef is the part of testdata/reference/lcmcr_<data>.json the tests
// read.
type lcmcrRef struct {
	Settings struct {
		K       int     `json:"K"`
		AAlpha  float64 `json:"a_alpha"`
		BAlpha  float64 `json:"b_alpha"`
		Burnin  int     `json:"burnin"`
		Samples int     `json:"samples"`
		Thin    int     `json:"thinning"`
	} `json:"settings"`
	Chain1 struct {
		WallS float64 `json:"wall_s"`
		UserS float64 `json:"user_s"`
	} `json:"chain1"`
	LongChain struct {
		Quantiles map[string]float64 `json:"quantiles"`
		ESS       float64            `json:"ess"`
		Samples   int                `json:"samples"`
	} `json:"long_chain"`
	MCSpread struct {
		PSRF      float64 `json:"gelman_rubin_psrf"`
		AllChains struct {
			RelRange float64 `json:"rel_range_median"`
		} `json:"all_chains"`
	} `json:"mc_spread"`
}

func readLCMCR(t testing.TB, name string) lcmcrRef {
	t.Helper()
	raw, err := os.ReadFile(refdata.Reference(t, "lcmcr_"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r lcmcrRef
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// ecdfMid is the share of draws below q, counting draws equal to q half
// (N is discrete).
func ecdfMid(draws []float64, q float64) float64 {
	var below, at int
	for _, x := range draws {
		switch {
		case x < q:
			below++
		case x == q:
			at++
		}
	}
	return (float64(below) + 0.5*float64(at)) / float64(len(draws))
}

// runChains runs the sampler directly and returns each chain's draws of N.
func runChains(t testing.TB, d *data, cfg config, chains int, s uint64, collapsed bool) [][]float64 {
	t.Helper()
	out := make([][]float64, chains)
	for i := range chains {
		cfg.collapsed = collapsed
		ch := newChain(d, cfg, seed.Stream(s, uint64(i)))
		tr, err := ch.run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = tr.n
	}
	return out
}

// TestSingleClassMatchesExactPosterior checks the sampler, the collapsed
// move included, where the posterior is known exactly: with one class the
// model is Mt with Beta(1, 1) capture probabilities and p(N) ∝ 1/N, so
// p(N | x) ∝ (N − 1)!/(N − n)! ∏_j B(1 + n_j, 1 + N − n_j). The test
// compares the chains' distribution function at the exact 2.5%, 10%, 50%,
// 90% and 97.5% quantiles: each |z| above 4 (the z-score from the ESS of
// the quantile's indicator) has probability 6e-5 for a correct sampler,
// so with 20 comparisons the false-failure rate is below 0.2% (fixed
// seeds: the outcome is reproducible).
func TestSingleClassMatchesExactPosterior(t *testing.T) {
	for _, name := range []string{"kosovo", "artificial_3"} {
		d := loadData(t, name)
		// n_j, the cases on each list.
		nj := make([]float64, d.lists)
		for m, idx := range d.listIdx {
			for _, j := range idx {
				nj[j] += float64(d.counts[m])
			}
		}
		n := float64(d.n)
		logp := func(N float64) float64 {
			lp := lgam(N) - lgam(N-n+1)
			for _, x := range nj {
				lp += lgam(1+x) + lgam(1+N-x) - lgam(2+N)
			}
			return lp
		}
		var grid, mass []float64
		top := logp(n)
		for N := n; ; N++ {
			l := logp(N)
			top = math.Max(top, l)
			grid, mass = append(grid, N), append(mass, l)
			if l < top-40 && N > 2*n {
				break
			}
		}
		var tot float64
		for i := range mass {
			mass[i] = math.Exp(mass[i] - top)
			tot += mass[i]
		}
		exactQ := func(p float64) float64 { // smallest N with P(≤ N) ≥ p
			var c float64
			for i, m := range mass {
				c += m / tot
				if c >= p {
					return grid[i]
				}
			}
			return grid[len(grid)-1]
		}
		exactCDF := func(q float64) float64 { // P(< q) + P(= q)/2
			var c float64
			for i, m := range mass {
				switch {
				case grid[i] < q:
					c += m / tot
				case grid[i] == q:
					c += 0.5 * m / tot
				}
			}
			return c
		}
		for _, collapsed := range []bool{true, false} {
			cfg := config{classes: 1, aAlpha: 0.25, bAlpha: 0.25, burnin: 1000, samples: 4000, thin: 5}
			chains := runChains(t, d, cfg, 4, 99, collapsed)
			var pooled []float64
			for _, c := range chains {
				pooled = append(pooled, c...)
			}
			for _, p := range []float64{0.025, 0.1, 0.5, 0.9, 0.975} {
				q := exactQ(p)
				want := exactCDF(q)
				got := ecdfMid(pooled, q)
				ess := mcmc.ESSQuantile(chains, want)
				z := (got - want) / math.Sqrt(want*(1-want)/ess)
				if math.Abs(z) > 4 {
					t.Errorf("%s (collapsed %v): P(N < %.0f) = %.4f, exact %.4f (z = %.1f, ESS %.0f)", name, collapsed, q, got, want, z, ess)
				}
			}
		}
	}
}

// shortMethod is a quick run for the tests that check the mechanics.
func shortMethod() Method {
	return Method{Burnin: 500, Samples: 200, Thin: 5}
}

func TestSameResultWhateverTheCores(t *testing.T) {
	tab := readTable(t, "western")
	run := func(procs int, s uint64) *mse.Result {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		res, err := mse.Estimate(context.Background(), tab, shortMethod(), &mse.Options{Seed: &s})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1, 5), run(4, 5)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("the result depends on the number of cores")
	}
	c := run(2, 6)
	if slices.Equal(a.Diagnostics.Traces[0], c.Diagnostics.Traces[0]) {
		t.Error("seeds 5 and 6 gave the same first chain")
	}
	// Each chain has its own stream.
	if slices.Equal(a.Diagnostics.Traces[0], a.Diagnostics.Traces[1]) {
		t.Error("chains 1 and 2 are identical")
	}
}

// TestResultHoldsPosteriorAndDiagnostics checks what a converged result
// holds, on the western table (five lists; LCMCR's chains mix well there:
// ESS 7,560 of 10,000) with chains a fifth of LCMCR's documented length.
func TestResultHoldsPosteriorAndDiagnostics(t *testing.T) {
	tab := readTable(t, "western")
	m := Method{Burnin: 5000, Samples: 500, Thin: 40}
	res, err := mse.Estimate(context.Background(), tab, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Estimated() {
		t.Fatalf("not estimated: %s", res.Reason)
	}
	if err := res.Validate(); err != nil {
		t.Fatal(err)
	}
	p, d := res.Posterior, res.Diagnostics
	if p == nil || d == nil {
		t.Fatal("no posterior or no diagnostics")
	}
	if *res.Estimate != p.Median || p.Median != p.Quantiles["0.5"] {
		t.Errorf("estimate %v, median %v, 0.5 quantile %v: want the same", *res.Estimate, p.Median, p.Quantiles["0.5"])
	}
	prev := 0.0
	for _, q := range summaryQuantiles {
		v := p.Quantiles[strconv.FormatFloat(q, 'g', -1, 64)]
		if v < prev || v < float64(res.Observed) {
			t.Errorf("quantile %g = %v out of order", q, v)
		}
		prev = v
	}
	if d.Chains != DefaultChains || len(d.Traces) != DefaultChains || len(d.Traces[0]) != 500 || len(p.Draws) != maxDraws {
		t.Errorf("chains %d, traces %d×%d, draws %d", d.Chains, len(d.Traces), len(d.Traces[0]), len(p.Draws))
	}
	if !(d.RHat > 0.99 && d.RHat < MaxRHat) || d.ESSBulk < 400 || d.ESSTail < 400 {
		t.Errorf("diagnostics %+v of a converged run", d)
	}
	for _, k := range []string{"rhat_loglik", "ess_bulk_loglik", "ess_tail_loglik", "share_draws_at_truncation", "share_chains_at_truncation", "collapsed_move_acceptance"} {
		if _, ok := d.Other[k]; !ok {
			t.Errorf("diagnostics lack %s", k)
		}
	}
	var share float64
	for _, c := range p.Classes {
		share += c.Share
		if c.Classes < 1 || c.Classes > DefaultClasses {
			t.Errorf("class count %d", c.Classes)
		}
	}
	if math.Abs(share-1) > 1e-9 {
		t.Errorf("class shares add up to %v", share)
	}
	pair, ok := res.Intervals.Level(0.95)
	if !ok || pair.Method != "posterior" || pair.Conditional() {
		t.Fatalf("95%% interval %+v", pair)
	}
	if *pair.Lower.Value != p.Quantiles["0.025"] || *pair.Upper.Value != p.Quantiles["0.975"] {
		t.Errorf("interval %v – %v, posterior quantiles %v – %v", *pair.Lower.Value, *pair.Upper.Value, p.Quantiles["0.025"], p.Quantiles["0.975"])
	}
	if res.Options.Interval != "posterior" || res.Options.Seed == nil || res.Options.Settings["K"] != DefaultClasses {
		t.Errorf("options %+v", res.Options)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 200000 {
		t.Errorf("the JSON has %d bytes", len(raw))
	}
}

// TestNotConvergedSaysSo runs chains far too short for the Dutch table,
// whose posterior has two modes (LCMCR's own chains disagree there): the
// result must say not_converged with the diagnostics, never a number.
func TestNotConvergedSaysSo(t *testing.T) {
	tab := readTable(t, "ned")
	res, err := mse.Estimate(context.Background(), tab, Method{Burnin: 50, Samples: 40, Thin: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != mse.StatusNotConverged || res.Estimate != nil || res.Posterior != nil || len(res.Intervals) != 0 {
		t.Fatalf("status %s, estimate %v, posterior %v, intervals %v", res.Status, res.Estimate, res.Posterior, res.Intervals)
	}
	if !errors.Is(res.Err(), mse.ErrNotConverged) {
		t.Errorf("Err() = %v", res.Err())
	}
	if d := res.Diagnostics; d == nil || len(d.Traces) != DefaultChains {
		t.Fatalf("diagnostics %+v", d)
	}
	for _, want := range []string{"do not agree", "--chains", "--iter"} {
		if !strings.Contains(res.Reason, want) {
			t.Errorf("reason %q lacks %q", res.Reason, want)
		}
	}
	if err := res.Validate(); err != nil {
		t.Error(err)
	}
}

func TestSettingsRefused(t *testing.T) {
	for _, m := range []Method{
		{Classes: 1}, {Classes: MaxClasses + 1}, {AAlpha: -1}, {BAlpha: math.Inf(1)}, {Chains: 1},
		{Samples: 5}, {Thin: -1}, {Burnin: -3}, {Samples: 1e6, Thin: 1e4},
	} {
		if err := m.Validate(); err == nil || !errors.Is(err, mse.ErrOptions) {
			t.Errorf("%+v: %v, want a usage error", m, err)
		}
	}
	if err := (Method{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// TestAgreesWithLCMCRLongChain compares the posterior of N with LCMCR
// 0.4.14's long chain (10,000 draws thinned by 100) on every table where
// LCMCR's own chains agree (PSRF at most 1.1 in its reference file; 1.003
// to 1.010 on these eight). Our
// four chains (the default sampler, LCMCR's settings, 2,500 draws each)
// must agree with each other (R̂ below 1.01), and our distribution
// function at LCMCR's 2.5%, 10%, 50%, 90% and 97.5% quantiles must be
// within 4 standard errors of the probability, the variance
// p(1 − p)(1/ESS_ours + 1/ESS_LCMCR) adding our Monte Carlo error (the
// ESS of the quantile's indicator) and LCMCR's (the ESS of its chain as
// coda reports it). With 8 tables × 5 quantiles each |z| > 4 has
// probability 6e-5, so the false-failure rate is below 0.3% when the ESS
// are right.
func TestAgreesWithLCMCRLongChain(t *testing.T) {
	testflags.RequireLong(t)
	tables := []string{"artificial_3", "hiv", "kosovo", "lesbian", "neworl", "neworl_5", "ukdat", "western"}
	for _, name := range tables {
		ref := readLCMCR(t, name)
		if ref.MCSpread.PSRF > 1.1 {
			t.Fatalf("%s: LCMCR's PSRF is %v: not a table where it converges", name, ref.MCSpread.PSRF)
		}
		d := loadData(t, name)
		cfg := config{classes: ref.Settings.K, aAlpha: ref.Settings.AAlpha, bAlpha: ref.Settings.BAlpha,
			burnin: ref.Settings.Burnin, samples: 2500, thin: ref.Settings.Thin, collapsed: true}
		chains := make([][]float64, 4)
		errs := make([]error, 4)
		pool.For(len(chains), func() func(int) {
			return func(i int) {
				ch := newChain(d, cfg, seed.Stream(seed.Mix(2026, name), uint64(i)))
				tr, err := ch.run(context.Background(), cfg)
				chains[i], errs[i] = tr.n, err
			}
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var pooled []float64
		for _, c := range chains {
			pooled = append(pooled, c...)
		}
		s := mcmc.Diagnose(chains)
		t.Logf("%s: R̂ %.4f, ESS bulk %.0f tail %.0f; median %.0f (LCMCR %.0f)", name, s.RHat, s.ESSBulk, s.ESSTail, mcmc.Quantile7(pooled, 0.5), ref.LongChain.Quantiles["50%"])
		if !(s.RHat < MaxRHat) {
			t.Errorf("%s: our chains disagree (R̂ %.3f) where LCMCR's agree", name, s.RHat)
			continue
		}
		essL := math.Min(ref.LongChain.ESS, float64(ref.LongChain.Samples))
		for key, p := range map[string]float64{"2.5%": 0.025, "10%": 0.1, "50%": 0.5, "90%": 0.9, "97.5%": 0.975} {
			q := ref.LongChain.Quantiles[key]
			got := ecdfMid(pooled, q)
			ess := mcmc.ESSQuantile(chains, p)
			z := (got - p) / math.Sqrt(p*(1-p)*(1/ess+1/essL))
			if math.Abs(z) > 4 {
				t.Errorf("%s: P(N < LCMCR's %s quantile %.1f) = %.4f (z = %.1f; ESS ours %.0f, LCMCR %.0f)", name, key, q, got, z, ess, essL)
			}
		}
	}
}

// TestWhereLCMCRDisagrees runs the method at LCMCR's documented length
// (1,000 draws per chain; four chains) on the three tables where LCMCR's
// chains disagree (PSRF 2.65, 10.1 and 1.27): ours must either converge —
// R̂ below 1.01 and the ESS rule met — or say not_converged with its
// diagnostics. It checks the contract, whichever way the chains go.
func TestWhereLCMCRDisagrees(t *testing.T) {
	testflags.RequireLong(t)
	for _, name := range []string{"ukdat_5", "ned", "ned_5"} {
		ref := readLCMCR(t, name)
		if ref.MCSpread.PSRF <= 1.1 {
			t.Fatalf("%s: LCMCR's PSRF is %v", name, ref.MCSpread.PSRF)
		}
		res, err := mse.Estimate(context.Background(), readTable(t, name), Method{Samples: LCMCRSamples}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := res.Diagnostics
		if d == nil {
			t.Fatalf("%s: no diagnostics", name)
		}
		t.Logf("%s: %s, R̂ %.3f, ESS %.0f/%.0f, R̂ loglik %.3f", name, res.Status, d.RHat, d.ESSBulk, d.ESSTail, d.Other["rhat_loglik"])
		switch res.Status {
		case mse.StatusOK:
			if !(d.RHat < MaxRHat && d.Other["rhat_loglik"] < MaxRHat && d.ESSBulk >= 400 && d.ESSTail >= 400) {
				t.Errorf("%s: an estimate with diagnostics %+v", name, d)
			}
		case mse.StatusNotConverged:
			if res.Estimate != nil || res.Posterior != nil || !strings.Contains(res.Reason, "do not agree") {
				t.Errorf("%s: not converged, yet estimate %v, posterior %v, reason %q", name, res.Estimate, res.Posterior, res.Reason)
			}
		default:
			t.Errorf("%s: status %s (%s)", name, res.Status, res.Reason)
		}
	}
}

// fullCollapsedLogJoint is, written out directly, the log of
// p(N, classes of all cases | data, α) with λ and the stick-breaking
// proportions integrated out, up to a constant: Γ(N)/∏ n0k! · ∏_k
// ∏_j B(1 + S1_jk, 1 + S0_jk) · ∏_{k<K} B(1 + n_k, α + r_k) (the observed
// cases' multinomial coefficients are left out: the moves tested keep
// them).
func fullCollapsedLogJoint(c *chain) float64 {
	var n0 int64
	for _, x := range c.n0k {
		n0 += x
	}
	lp := lgam(float64(c.d.n + n0))
	var rest int64
	for k := c.k - 1; k >= 0; k-- {
		nk := c.nObs[k] + c.n0k[k]
		lp -= lgam(float64(c.n0k[k] + 1))
		for j := range c.j {
			s1 := c.s1[k*c.j+j]
			lp += lgam(float64(1+s1)) + lgam(float64(1+nk-s1)) - lgam(float64(2+nk))
		}
		if k < c.k-1 {
			lp += lgam(float64(1+nk)) + lgam(c.alpha+float64(rest)) - lgam(1+c.alpha+float64(nk+rest))
		}
		rest += nk
	}
	return lp
}

// TestCollapsedMovesUseTheJoint checks the terms of the collapsed moves
// against the collapsed joint written out: for random states and moves,
// the change of the moves' log densities must equal the change of the
// joint (to rounding).
func TestCollapsedMovesUseTheJoint(t *testing.T) {
	d := loadData(t, "kosovo")
	cfg := config{classes: 6, aAlpha: 0.25, bAlpha: 0.25, burnin: 50, samples: 10, thin: 1, collapsed: true}
	ch := newChain(d, cfg, seed.Stream(3, 4))
	nk, rest := make([]int64, ch.k), make([]int64, ch.k)
	r := seed.Stream(5, 6)
	compared := 0
	for trial := range 200 {
		if _, err := ch.run(context.Background(), config{burnin: 0, samples: 1, thin: 3}); err != nil {
			t.Fatal(err)
		}
		if trial%2 == 0 {
			// A transfer of d unobserved cases from a to b.
			a, b := r.IntN(ch.k), r.IntN(ch.k)
			if a == b || ch.n0k[a] == 0 {
				continue
			}
			dd := 1 + r.Int64N(ch.n0k[a])
			j0, t0 := fullCollapsedLogJoint(ch), ch.transferTerms(a, b, nk)
			ch.n0k[a] -= dd
			ch.n0k[b] += dd
			j1, t1 := fullCollapsedLogJoint(ch), ch.transferTerms(a, b, nk)
			compared++
			if math.Abs((j1-j0)-(t1-t0)) > 1e-7*math.Max(1, math.Abs(j1-j0)) {
				t.Errorf("transfer %d→%d of %d: joint changes by %.9g, the move's terms by %.9g", a, b, dd, j1-j0, t1-t0)
			}
			continue
		}
		// A change of n0k of one class.
		k := r.IntN(ch.k)
		m := ch.n0k[k]
		m2 := max(0, m+r.Int64N(2001)-1000)
		for l := range ch.k {
			nk[l] = ch.nObs[l] + ch.n0k[l]
		}
		nk[k] -= m
		var rr int64
		for l := ch.k - 1; l >= 0; l-- {
			rest[l] = rr
			rr += nk[l]
		}
		f0, f1 := ch.collapsedLogDensity(k, m, nk, rest), ch.collapsedLogDensity(k, m2, nk, rest)
		j0 := fullCollapsedLogJoint(ch)
		ch.n0 += m2 - m
		ch.n0k[k] = m2
		j1 := fullCollapsedLogJoint(ch)
		ch.n0 -= m2 - m
		ch.n0k[k] = m
		compared++
		if math.Abs((j1-j0)-(f1-f0)) > 1e-7*math.Max(1, math.Abs(j1-j0)) {
			t.Errorf("n0 of class %d from %d to %d: joint changes by %.9g, the move's density by %.9g", k, m, m2, j1-j0, f1-f0)
		}
	}
	if compared < 120 {
		t.Errorf("only %d moves compared", compared)
	}
}

// TestReassignmentUsesTheJoint checks the Pólya-urn predictive of the
// observed cases' reassignment against the collapsed joint: the ratio of
// the weights of two classes is the ratio of the joint with the case in
// either (the joint of labelled cases, so no multinomial coefficient).
func TestReassignmentUsesTheJoint(t *testing.T) {
	d := loadData(t, "ukdat_5")
	cfg := config{classes: 5, aAlpha: 0.25, bAlpha: 0.25, burnin: 100, samples: 10, thin: 1, collapsed: true}
	ch := newChain(d, cfg, seed.Stream(8, 9))
	if _, err := ch.run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for m, idx := range d.listIdx {
		cc := ch.cellClass[m*ch.k : (m+1)*ch.k]
		a := slices.IndexFunc(cc, func(x int64) bool { return x > 0 })
		ch.moveCase(a, -1, cc, idx)
		ch.predictive(idx)
		w := slices.Clone(ch.pw)
		joint := make([]float64, ch.k)
		for k := range ch.k {
			ch.moveCase(k, 1, cc, idx)
			joint[k] = fullCollapsedLogJoint(ch)
			ch.moveCase(k, -1, cc, idx)
		}
		ch.moveCase(a, 1, cc, idx)
		for k := 1; k < ch.k; k++ {
			want := joint[k] - joint[0]
			got := math.Log(w[k] / w[0])
			if math.Abs(got-want) > 1e-8*math.Max(1, math.Abs(want)) {
				t.Errorf("cell %d: log weight ratio of classes %d and 0 is %.10g, the joint's %.10g", m, k, got, want)
			}
		}
	}
}
