package latentclass

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/internal/pool"
	"github.com/morketall/morketall/internal/seed"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/mcmc"
)

// The defaults: LCMCR's documented settings (the ?lcmCR example; its
// function defaults are K = 5 and thinning 10) except the kept draws per
// chain, 4,000 where LCMCR's example keeps 1,000 (Samples: 1000 gives its
// call). The convergence rule asks for an effective sample size of N of
// 100 per chain, bulk and tail; on the Kosovo table four chains of 1,000
// draws thinned by 100 reach about 700 (bulk) and 400 (tail), of 2,000
// draws 820 and 370 (seed 1), so that the verdict would turn on chance.
const (
	DefaultClasses = 10
	DefaultAAlpha  = 0.25
	DefaultBAlpha  = 0.25
	DefaultBurnin  = 10000
	DefaultSamples = 4000
	DefaultThin    = 100
	DefaultChains  = 4
)

// LCMCRSamples is the number of kept draws of LCMCR's documented call.
const LCMCRSamples = 1000

// The convergence rule: every chain agrees with the others — R̂ of N and
// of the log-likelihood below MaxRHat — and the draws hold at least
// MinESSPerChain effective draws per chain, bulk and tail, of N (Vehtari
// et al. 2021 ask for R̂ < 1.01 and an ESS above 400 for four chains;
// package mcmc's thresholds).
const (
	MaxRHat        = mcmc.MaxRHat
	MinESSPerChain = mcmc.MinESSPerChain
)

// Limits on the settings: beyond them a run would take days or hold more
// draws than any summary needs.
const (
	MaxClasses    = 100
	MaxChains     = 256
	MaxIterations = 1e9  // burn-in plus samples × thin, per chain
	maxTracePoint = 500  // per chain, in Diagnostics.Traces
	maxDraws      = 2000 // in Posterior.Draws, evenly thinned chain by chain
)

// Method is the Bayesian latent-class model of LCMCR (Manrique-Vallier
// 2016) as an mse.Method. Zero fields mean the defaults above.
type Method struct {
	// Classes is K, the truncation of the stick-breaking prior.
	Classes int
	// AAlpha and BAlpha are the shape and rate of the gamma prior on the
	// concentration α.
	AAlpha, BAlpha float64
	// Chains is the number of chains, at least 2; each runs Burnin
	// iterations and then Samples × Thin, keeping every Thin-th.
	Chains, Burnin, Samples, Thin int
	// GibbsOnly turns off the collapsed move of the unobserved count,
	// leaving LCMCR's own Gibbs sampler (for comparisons).
	GibbsOnly bool

	seed   uint64
	seeded bool
}

// Name is "latent-class".
func (m Method) Name() string { return "latent-class" }

// WithSeed returns the method with the seed of its chains (mse.Seeder).
func (m Method) WithSeed(s uint64) mse.Method {
	m.seed, m.seeded = s, true
	return m
}

// DefaultInterval is the posterior credible interval.
func (m Method) DefaultInterval() mse.IntervalKind { return mse.IntervalPosterior }

// resolved returns the settings with the defaults filled in.
func (m Method) resolved() Method {
	if m.Classes == 0 {
		m.Classes = DefaultClasses
	}
	if m.AAlpha == 0 {
		m.AAlpha = DefaultAAlpha
	}
	if m.BAlpha == 0 {
		m.BAlpha = DefaultBAlpha
	}
	if m.Chains == 0 {
		m.Chains = DefaultChains
	}
	if m.Burnin == 0 {
		m.Burnin = DefaultBurnin
	}
	if m.Samples == 0 {
		m.Samples = DefaultSamples
	}
	if m.Thin == 0 {
		m.Thin = DefaultThin
	}
	if !m.seeded {
		m.seed = mse.DefaultSeed
	}
	return m
}

// Validate refuses settings out of range.
func (m Method) Validate() error {
	r := m.resolved()
	switch {
	case r.Classes < 2 || r.Classes > MaxClasses:
		return mse.UsageError(fmt.Sprintf("latent-class: the number of classes K must be in [2, %d]", MaxClasses))
	case !(r.AAlpha > 0) || math.IsInf(r.AAlpha, 0) || !(r.BAlpha > 0) || math.IsInf(r.BAlpha, 0):
		return mse.UsageError("latent-class: the gamma prior's shape and rate must be positive numbers")
	case r.Chains < 2 || r.Chains > MaxChains:
		return mse.UsageError(fmt.Sprintf("latent-class: the number of chains must be in [2, %d] (R̂ compares chains)", MaxChains))
	case r.Burnin < 0 || r.Samples < 10 || r.Thin < 1:
		return mse.UsageError("latent-class: the burn-in must be at least 0, the kept draws per chain at least 10 and the thinning at least 1")
	case float64(r.Burnin)+float64(r.Samples)*float64(r.Thin) > MaxIterations:
		return mse.UsageError(fmt.Sprintf("latent-class: burn-in plus draws × thinning must be at most %g iterations per chain", float64(MaxIterations)))
	}
	return nil
}

// Settings records the sampler's settings in the result's options.
func (m Method) Settings(o *mse.OptionsInfo) {
	r := m.resolved()
	o.Seed = &r.seed
	o.Settings = map[string]any{
		"K": r.Classes, "a_alpha": r.AAlpha, "b_alpha": r.BAlpha,
		"chains": r.Chains, "burnin": r.Burnin, "iter": r.Samples, "thin": r.Thin,
		"update": r.update(),
	}
}

func (m Method) update() string {
	if m.GibbsOnly {
		return "gibbs"
	}
	return "gibbs+collapsed-n0"
}

// Fit runs the chains, in parallel, chain i from stream i of the seed:
// the draws do not depend on the number of cores.
func (m Method) Fit(ctx context.Context, t *mse.Table) (mse.Fit, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	r := m.resolved()
	if t.K() > 30 {
		return nil, mse.UsageError("latent-class: at most 30 lists")
	}
	var pats []uint32
	var counts []int64
	for _, row := range t.Rows {
		pats = append(pats, uint32(row.Pattern))
		counts = append(counts, int64(row.Count))
	}
	d := newData(t.K(), pats, counts)
	if d.n == 0 {
		return &fit{m: r, err: fmt.Errorf("%w: the table has no observed cases", mse.ErrNotEstimable)}, nil
	}
	cfg := config{classes: r.Classes, aAlpha: r.AAlpha, bAlpha: r.BAlpha, burnin: r.Burnin, samples: r.Samples, thin: r.Thin, collapsed: !r.GibbsOnly}
	traces := make([]trace, r.Chains)
	errs := make([]error, r.Chains)
	acc := make([]float64, r.Chains)
	base := seed.Mix(r.seed, "latent-class")
	err := pool.Run(ctx, r.Chains, func() func(int) error {
		return func(i int) error {
			ch := newChain(d, cfg, seed.Stream(base, uint64(i)))
			tr, err := ch.run(ctx, cfg)
			if err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
			traces[i], errs[i] = tr, err
			if ch.movesAll > 0 {
				acc[i] = float64(ch.acceptedAll) / float64(ch.movesAll)
			}
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	f := &fit{m: r, d: d, traces: traces}
	for i, e := range errs {
		if errors.Is(e, errDiverged) {
			f.err = fmt.Errorf("%w: chain %d diverged: %v (the table gives the model no hold on the population size)", mse.ErrNotEstimable, i+1, e)
			return f, nil
		}
		if e != nil {
			return nil, e
		}
	}
	f.summarise(acc)
	return f, nil
}

// fit is the outcome of the chains.
type fit struct {
	m      Method
	d      *data
	traces []trace
	err    error // no estimate: not estimable or not converged

	pooled []float64 // all kept draws of N, chain by chain
	diag   *mse.Diagnostics
	post   *mse.Posterior
	warns  []string
}

// summarise computes the diagnostics, the convergence verdict and the
// posterior summaries.
func (f *fit) summarise(acceptance []float64) {
	K := f.m.Classes
	nChains := make([][]float64, len(f.traces))
	llChains := make([][]float64, len(f.traces))
	var atK, draws int
	chainsAtK := 0
	classes := map[int]int{}
	var alphas []float64
	for i, tr := range f.traces {
		nChains[i], llChains[i] = tr.n, tr.loglik
		f.pooled = append(f.pooled, tr.n...)
		reached := false
		for _, k := range tr.kstar {
			classes[k]++
			if k == K {
				atK++
				reached = true
			}
		}
		if reached {
			chainsAtK++
		}
		draws += len(tr.n)
		alphas = append(alphas, tr.alpha...)
	}
	// (Every draw the same number gives R̂ 1 and an ESS of all draws.)
	sn, sl := mcmc.Diagnose(nChains), mcmc.Diagnose(llChains)
	constantN := allEqual(f.pooled)
	var meanAcc float64
	for _, a := range acceptance {
		meanAcc += a / float64(len(acceptance))
	}
	f.diag = &mse.Diagnostics{
		Chains: len(f.traces), RHat: capRHat(sn.RHat), ESSBulk: finiteOr(sn.ESSBulk), ESSTail: finiteOr(sn.ESSTail),
		Other: map[string]float64{
			"rhat_loglik":                capRHat(sl.RHat),
			"ess_bulk_loglik":            finiteOr(sl.ESSBulk),
			"ess_tail_loglik":            finiteOr(sl.ESSTail),
			"share_draws_at_truncation":  float64(atK) / float64(draws),
			"share_chains_at_truncation": float64(chainsAtK) / float64(len(f.traces)),
			"draws_per_chain":            float64(len(f.traces[0].n)),
			"alpha_median":               mcmc.Quantile7(alphas, 0.5),
		},
	}
	if !f.m.GibbsOnly {
		f.diag.Other["collapsed_move_acceptance"] = meanAcc
	}
	for _, tr := range f.traces {
		f.diag.Traces = append(f.diag.Traces, thinTo(tr.n, maxTracePoint))
	}
	// The verdict.
	var bad []string
	minESS := float64(MinESSPerChain * len(f.traces))
	agree := true
	switch {
	case math.IsNaN(sn.RHat) || math.IsNaN(sl.RHat) || math.IsInf(sn.RHat, 0) || math.IsInf(sl.RHat, 0):
		bad, agree = append(bad, "the chains cannot be compared (R̂ is infinite: each chain stuck at its own value)"), false
	default:
		if sn.RHat >= MaxRHat {
			bad, agree = append(bad, "R̂ of N is "+fmtRHat(sn.RHat)), false
		}
		if sl.RHat >= MaxRHat {
			bad, agree = append(bad, "R̂ of the log-likelihood is "+fmtRHat(sl.RHat)), false
		}
	}
	if !constantN && !(math.Min(sn.ESSBulk, sn.ESSTail) >= minESS) {
		bad = append(bad, fmt.Sprintf("the effective sample size of N is %.0f (bulk) and %.0f (tail)", finiteOr(sn.ESSBulk), finiteOr(sn.ESSTail)))
	}
	switch {
	case len(bad) > 0 && !agree:
		f.err = fmt.Errorf("%w: the %d chains do not agree: %s (needs R̂ below %g and an effective sample size of at least %.0f); run longer chains (--burnin, --iter, --thin) or more chains (--chains)",
			mse.ErrNotConverged, len(f.traces), strings.Join(bad, ", "), MaxRHat, minESS)
	case len(bad) > 0:
		f.err = fmt.Errorf("%w: the %d chains agree (R̂ %s) but hold too few independent draws: %s (needs at least %.0f); run longer chains (--iter, --thin) or more chains (--chains)",
			mse.ErrNotConverged, len(f.traces), fmtRHat(sn.RHat), strings.Join(bad, ", "), minESS)
	}
	if share := float64(atK) / float64(draws); share > 0.1 {
		f.warns = append(f.warns, fmt.Sprintf("latent-class: %.0f%% of the draws occupy all K = %d classes: the truncation may bind; try a larger --classes", 100*share, K))
	}
	if f.err != nil {
		return
	}
	// The posterior.
	p := &mse.Posterior{Quantiles: map[string]float64{}}
	for _, q := range summaryQuantiles {
		p.Quantiles[strconv.FormatFloat(q, 'g', -1, 64)] = mcmc.Quantile7(f.pooled, q)
	}
	p.Median = mcmc.Quantile7(f.pooled, 0.5)
	var s, ss float64
	for _, x := range f.pooled {
		s += x
	}
	p.Mean = s / float64(len(f.pooled))
	for _, x := range f.pooled {
		ss += (x - p.Mean) * (x - p.Mean)
	}
	p.SD = math.Sqrt(ss / float64(len(f.pooled)-1))
	p.Mode = mode(f.pooled)
	per := max(1, maxDraws/len(f.traces))
	for _, tr := range f.traces {
		p.Draws = append(p.Draws, thinTo(tr.n, per)...)
	}
	ks := make([]int, 0, len(classes))
	for k := range classes {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		p.Classes = append(p.Classes, mse.ClassCount{Classes: k, Share: float64(classes[k]) / float64(draws)})
	}
	f.post = p
}

// summaryQuantiles are the quantiles of N in Posterior.Quantiles.
var summaryQuantiles = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975}

func (f *fit) Estimate() (float64, error) {
	if f.err != nil {
		return 0, f.err
	}
	return f.post.Median, nil
}

func (f *fit) Report(r *mse.Result, top int) {
	r.Diagnostics = f.diag
	r.Posterior = f.post
	r.Warnings = append(r.Warnings, f.warns...)
}

// Intervals returns the posterior quantiles (type 7, as R's quantile).
func (f *fit) Intervals(ctx context.Context, kind mse.IntervalKind, quantiles []float64) (mse.Intervals, []string, error) {
	if kind != mse.IntervalPosterior {
		return nil, nil, mse.ErrNoInterval
	}
	if f.err != nil {
		return nil, nil, f.err
	}
	var iv mse.Intervals
	for _, q := range quantiles {
		v := mcmc.Quantile7(f.pooled, q)
		iv = append(iv, mse.Limit(string(mse.IntervalPosterior), q, &v, false, ""))
	}
	return iv, nil, nil
}

// thinTo keeps at most n evenly spaced values of x, the last included.
func thinTo(x []float64, n int) []float64 {
	if len(x) <= n {
		return slices.Clone(x)
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = x[(i+1)*len(x)/n-1]
	}
	return out
}

func allEqual(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// fmtRHat writes R̂ with three decimals, or four when three would round a
// failing value down to the threshold ("1.010" for 1.0102).
func fmtRHat(x float64) string {
	s := strconv.FormatFloat(x, 'f', 3, 64)
	if x >= MaxRHat && s == strconv.FormatFloat(MaxRHat, 'f', 3, 64) {
		s = strconv.FormatFloat(x, 'f', 4, 64)
	}
	return s
}

// maxRHatReported stands for an R̂ that is infinite (chains each stuck at
// a different value): a result holds no Inf.
const maxRHatReported = 1e6

func capRHat(x float64) float64 {
	if math.IsNaN(x) || x > maxRHatReported {
		return maxRHatReported
	}
	return x
}

// finiteOr returns x, or 0 when it is not a finite number (a result holds
// no NaN).
func finiteOr(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// mode is the highest point of a Gaussian kernel density estimate of the
// draws (Silverman's bandwidth) on 512 points between the smallest and
// largest draw.
func mode(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	n := float64(len(s))
	m := mcmc.Quantile7(s, 0.5)
	var v float64
	for _, d := range s {
		v += (d - m) * (d - m)
	}
	sd := math.Sqrt(v / (n - 1))
	iqr := mcmc.Quantile7(s, 0.75) - mcmc.Quantile7(s, 0.25)
	h := 0.9 * math.Min(sd, iqr/1.34) * math.Pow(n, -0.2)
	if !(h > 0) {
		h = math.Max(sd, 1) * math.Pow(n, -0.2)
	}
	lo, hi := s[0], s[len(s)-1]
	if hi == lo {
		return lo
	}
	best, at := -1.0, lo
	start := 0
	for g := range 512 {
		y := lo + (hi-lo)*float64(g)/511
		for start < len(s) && s[start] < y-4*h {
			start++
		}
		var dens float64
		for _, d := range s[start:] {
			if d > y+4*h {
				break
			}
			z := (d - y) / h
			dens += math.Exp(-0.5 * z * z)
		}
		if dens > best {
			best, at = dens, y
		}
	}
	return at
}
