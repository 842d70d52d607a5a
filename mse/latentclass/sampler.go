package latentclass

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/morketall/morketall/internal/randx"
)

// maxUnobserved bounds the augmented unobserved count: a chain whose n0
// passes it has wandered off to a population no table can support, and is
// reported as diverged rather than carried on in overflowing integers.
const maxUnobserved = 1e12

// errDiverged is returned by a chain whose unobserved count passed
// maxUnobserved.
var errDiverged = errors.New("the unobserved count grew without bound")

// data is an overlap table as the sampler sees it: the observed cells
// with a positive count.
type data struct {
	lists    int
	n        int64    // observed cases
	patterns []uint32 // capture pattern of each cell (bit j: list j)
	counts   []int64  // its count
	listIdx  [][]int  // the lists of each cell
	freq     []float64
}

func newData(lists int, patterns []uint32, counts []int64) *data {
	d := &data{lists: lists, freq: make([]float64, lists)}
	for i, p := range patterns {
		if counts[i] <= 0 {
			continue
		}
		d.patterns = append(d.patterns, p)
		d.counts = append(d.counts, counts[i])
		d.n += counts[i]
		var idx []int
		for b := p; b != 0; b &= b - 1 {
			j := bits.TrailingZeros32(b)
			idx = append(idx, j)
			d.freq[j] += float64(counts[i])
		}
		d.listIdx = append(d.listIdx, idx)
	}
	for j := range d.freq {
		d.freq[j] /= float64(d.n)
	}
	return d
}

// config is the sampler's settings.
type config struct {
	classes        int     // K, the truncation
	aAlpha, bAlpha float64 // Gamma(a, b) prior (shape, rate) on the concentration
	burnin         int
	samples        int // kept draws per chain
	thin           int
	collapsed      bool // add the collapsed moves of the unobserved cases
}

// trace is the kept draws of one chain.
type trace struct {
	n      []float64 // N = observed + unobserved
	loglik []float64 // log-likelihood of the observed cells given they were observed
	kstar  []int     // occupied classes
	alpha  []float64
}

// chain is the state of one Gibbs sampler (Manrique-Vallier 2016, the
// truncated stick-breaking mixture of product-Bernoulli classes with the
// unobserved count augmented, on the table's cells).
type chain struct {
	d           *data
	j, k        int
	aAlpha      float64
	bAlpha      float64
	r           *rand.Rand
	lam         []float64 // λ[k·J + j]: P(on list j | class k)
	lamc        []float64 // 1 − λ, kept separately for accuracy near 1
	logPi       []float64 // log π_k
	alpha       float64
	nObs        []int64 // observed cases in class k
	s1          []int64 // [k·J + j]: observed cases of class k on list j
	n0k         []int64 // unobserved cases in class k
	n0          int64
	unseen      []float64 // π_k ∏_j (1 − λ_jk)
	seen        []float64 // π_k (1 − ∏_j (1 − λ_jk)), without cancellation
	ratio       []float64 // λ / (1 − λ)
	w           []float64 // scratch: class weights of a cell
	suffix      []float64 // scratch: suffix sums of w
	draw        []int64   // scratch: a multinomial draw
	restScratch []int64
	order       []int
	cellClass   []int64   // [m·K + k]: observed cases of cell m in class k
	cum         []int64   // cumulative cell counts, for drawing a case
	pw          []float64 // scratch: collapsed class probabilities
	reassign    int       // collapsed reassignments of observed cases per sweep
	// The collapsed move of the unobserved count (moveUnobserved): its
	// random-walk scale, tuned in the burn-in, and its counts.
	moveScale                    float64
	moves, accepted              int // since the last tuning
	movesAll, acceptedAll        int // after the burn-in
	transfers, transfersAccepted int
	collapsed                    bool
}

func newChain(d *data, c config, r *rand.Rand) *chain {
	J, K := d.lists, c.classes
	ch := &chain{
		d: d, j: J, k: K, aAlpha: c.aAlpha, bAlpha: c.bAlpha, r: r,
		lam: make([]float64, J*K), lamc: make([]float64, J*K), ratio: make([]float64, J*K),
		logPi: make([]float64, K), nObs: make([]int64, K), s1: make([]int64, J*K), n0k: make([]int64, K),
		unseen: make([]float64, K), seen: make([]float64, K),
		w: make([]float64, K), suffix: make([]float64, K+1), draw: make([]int64, K),
		restScratch: make([]int64, K), moveScale: 100, order: make([]int, K),
		collapsed: c.collapsed, cellClass: make([]int64, len(d.counts)*K), pw: make([]float64, K),
	}
	for k := range ch.order {
		ch.order[k] = k
	}
	var cum int64
	for _, x := range d.counts {
		cum += x
		ch.cum = append(ch.cum, cum)
	}
	if c.collapsed {
		ch.reassign = reassignPerSweep
	}
	// Start as LCMCR does: every class with the lists' capture rates
	// among the observed, four classes sharing 90% of the weight, no
	// unobserved cases, and a warm-up of 500 sweeps with the
	// concentration held at 0.3/K; then the classes are ordered by weight.
	// Starts spread further apart (random capture probabilities) leave
	// chains for tens of thousands of sweeps in states of one class or of
	// classes with capture probabilities near 1 that LCMCR's chains never
	// visit: the Gibbs sampler opens and closes classes slowly.
	for k := range K {
		for j := range J {
			ch.lam[k*J+j], ch.lamc[k*J+j] = d.freq[j], 1-d.freq[j]
		}
		switch {
		case K <= 4:
			ch.logPi[k] = -math.Log(float64(K))
		case k < 4:
			ch.logPi[k] = math.Log(0.9 / 4)
		default:
			ch.logPi[k] = math.Log(0.1 / float64(K-4))
		}
	}
	ch.alpha = 0.3 / float64(K)
	ch.weights()
	nk := make([]int64, K)
	for range warmup {
		if err := ch.sweep(nk, false); err != nil {
			// A warm-up that diverges starts again from the capture rates.
			for k := range K {
				for j := range J {
					ch.lam[k*J+j], ch.lamc[k*J+j] = d.freq[j], 1-d.freq[j]
				}
			}
			ch.n0 = 0
			clear(ch.n0k)
			ch.weights()
			break
		}
	}
	ch.sortClasses()
	ch.weights()
	return ch
}

// weights computes the per-class unseen and seen probabilities (times
// π_k) and the odds λ/(1 − λ) from λ and π.
func (c *chain) weights() {
	J := c.j
	for k := range c.k {
		pi := math.Exp(c.logPi[k])
		u, s := 1.0, 0.0 // P(unseen by lists < j), P(seen by one of them)
		for j := range J {
			l, lc := c.lam[k*J+j], c.lamc[k*J+j]
			s += u * l
			u *= lc
			c.ratio[k*J+j] = l / lc
		}
		c.unseen[k], c.seen[k] = pi*u, pi*s
	}
}

// cellWeights fills w with π_k P(pattern | k) for one cell, each times
// e^−scale, and returns their sum and scale (0 unless the weights under-
// or overflow, when they are computed in log space).
func (c *chain) cellWeights(idx []int) (tot, scale float64) {
	J := c.j
	for k := range c.k {
		w := c.unseen[k]
		base := c.ratio[k*J : k*J+J]
		for _, j := range idx {
			w *= base[j]
		}
		c.w[k] = w
		tot += w
	}
	if !(tot > 0) || math.IsInf(tot, 0) {
		return c.cellWeightsLog(idx)
	}
	return tot, 0
}

// cellWeightsLog is cellWeights in log space, for the rare cell whose
// weights under- or overflow.
func (c *chain) cellWeightsLog(idx []int) (tot, scale float64) {
	J := c.j
	best := math.Inf(-1)
	for k := range c.k {
		lw := c.logPi[k]
		in := 0
		for j := range J {
			if in < len(idx) && idx[in] == j {
				lw += math.Log(c.lam[k*J+j])
				in++
			} else {
				lw += math.Log(c.lamc[k*J+j])
			}
		}
		c.w[k] = lw
		best = max(best, lw)
	}
	for k := range c.k {
		c.w[k] = math.Exp(c.w[k] - best)
		tot += c.w[k]
	}
	return tot, best
}

// multinomial draws n cases over the classes with weights c.w (sum tot)
// into c.draw. The classes are taken heaviest first: sequential binomials
// from the suffix sums while many cases are left, then one categorical
// draw per case for the last few (the same multinomial, at a fraction of
// the cost of a binomial per class).
func (c *chain) multinomial(n int64, tot float64) {
	K := c.k
	clear(c.draw)
	if n <= 0 {
		return
	}
	// Order the classes by weight, heaviest first: insertion sort from
	// the previous cell's order, which is nearly right already.
	ord := c.order
	for i := 1; i < K; i++ {
		x := ord[i]
		j := i - 1
		for j >= 0 && c.w[ord[j]] < c.w[x] {
			ord[j+1] = ord[j]
			j--
		}
		ord[j+1] = x
	}
	c.suffix[K] = 0
	for i := K - 1; i >= 0; i-- {
		c.suffix[i] = c.suffix[i+1] + c.w[ord[i]]
	}
	left := n
	for i := 0; i < K && left > 0; i++ {
		k := ord[i]
		rest := c.suffix[i]
		if i == K-1 || c.w[k] >= rest {
			c.draw[k] += left
			return
		}
		if !(c.w[k] > 0) {
			// The remaining classes all have weight 0 (rounding): the
			// cases go to the last class with a positive weight.
			c.draw[ord[max(i-1, 0)]] += left
			return
		}
		if left <= smallDraw {
			for range left {
				u := c.r.Float64() * rest
				j := i
				for ; j < K-1; j++ {
					u -= c.w[ord[j]]
					if u < 0 {
						break
					}
				}
				for j > i && !(c.w[ord[j]] > 0) {
					j-- // rounding ran past the positive weights
				}
				c.draw[ord[j]]++
			}
			return
		}
		x := randx.Binomial(c.r, left, c.w[k]/rest)
		c.draw[k] += x
		left -= x
	}
}

// smallDraw is the number of cases below which multinomial draws each
// case's class on its own.
const smallDraw = 6

// sampleClasses allocates the observed cases of each cell to the classes
// and tabulates the class counts and their captures.
func (c *chain) sampleClasses() {
	J := c.j
	clear(c.nObs)
	clear(c.s1)
	for m, idx := range c.d.listIdx {
		tot, _ := c.cellWeights(idx)
		c.multinomial(c.d.counts[m], tot)
		copy(c.cellClass[m*c.k:(m+1)*c.k], c.draw)
		for k, x := range c.draw {
			if x == 0 {
				continue
			}
			c.nObs[k] += x
			s := c.s1[k*J : k*J+J]
			for _, j := range idx {
				s[j] += x
			}
		}
	}
}

// sampleLambda draws λ_jk ~ Beta(1 + captures, 1 + misses), the misses
// counting the class's unobserved cases.
func (c *chain) sampleLambda() {
	J := c.j
	for k := range c.k {
		nk := c.nObs[k] + c.n0k[k]
		for j := range J {
			s := c.s1[k*J+j]
			c.lam[k*J+j], c.lamc[k*J+j] = randx.Beta(c.r, float64(1+s), float64(1+nk-s))
		}
	}
}

// sampleSticks draws the stick-breaking proportions V_k ~ Beta(1 + n_k,
// α + Σ_{l>k} n_l) for k < K (V_K = 1) in log space, given the class
// totals n_k.
func (c *chain) sampleSticks(nk []int64) {
	var rest int64
	for _, x := range nk {
		rest += x
	}
	var logStick float64 // log ∏_{l<k} (1 − V_l)
	for k := range c.k - 1 {
		rest -= nk[k]
		lg1 := randx.LogGamma(c.r, float64(1+nk[k]))
		lg2 := randx.LogGamma(c.r, c.alpha+float64(rest))
		m := max(lg1, lg2)
		ls := m + math.Log(math.Exp(lg1-m)+math.Exp(lg2-m))
		c.logPi[k] = logStick + lg1 - ls
		logStick += lg2 - ls
	}
	c.logPi[c.k-1] = logStick
}

// sampleUnobserved draws n0 ~ NegBin(n, 1 − p0) — its conditional under
// the prior p(N) ∝ 1/N — and allocates the n0 cases to the classes.
func (c *chain) sampleUnobserved() error {
	var p0, p1 float64
	for k := range c.k {
		p0 += c.unseen[k]
		p1 += c.seen[k]
	}
	// The negative binomial as a gamma mixture of Poissons.
	mean := float64(c.d.n) * p0 / p1
	if !(mean < maxUnobserved) {
		return errDiverged
	}
	rate := randx.Gamma(c.r, float64(c.d.n)) * p0 / p1
	n0 := randx.Poisson(c.r, rate)
	if float64(n0) > maxUnobserved {
		return errDiverged
	}
	c.n0 = n0
	copy(c.w, c.unseen)
	c.multinomial(n0, p0)
	copy(c.n0k, c.draw)
	return nil
}

// sampleAlpha draws α ~ Gamma(a + K − 1, rate b − log π_K).
func (c *chain) sampleAlpha() {
	c.alpha = randx.Gamma(c.r, c.aAlpha+float64(c.k)-1) / (c.bAlpha - c.logPi[c.k-1])
}

// lgam is log Γ(x) for x > 0.
func lgam(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// collapsedLogDensity is log p(n0k = m | the rest of the allocation, α)
// with λ_·k and the stick-breaking proportions integrated out, up to a
// constant: Γ(N)/m! from the prior p(N) ∝ 1/N and the multinomial
// coefficient, the beta integrals of class k's capture probabilities and
// the Pólya-urn terms of the truncated stick-breaking prior for the
// classes up to k. nk holds the class totals with n0k = 0.
func (c *chain) collapsedLogDensity(k int, m int64, nk []int64, rest []int64) float64 {
	J := c.j
	fm := float64(m)
	nObs := float64(c.nObs[k])
	N := float64(c.d.n+c.n0-c.n0k[k]) + fm
	lp := lgam(N) - lgam(fm+1)
	for j := range J {
		lp += lgam(1 + nObs - float64(c.s1[k*J+j]) + fm)
	}
	lp -= float64(J) * lgam(2+nObs+fm)
	if k < c.k-1 {
		n := float64(nk[k]) + fm
		lp += lgam(1+n) - lgam(1+c.alpha+n+float64(rest[k]))
	}
	for l := range k {
		r := float64(rest[l]) + fm
		lp += lgam(c.alpha+r) - lgam(1+c.alpha+float64(nk[l])+r)
	}
	return lp
}

// moveUnobserved is a Metropolis–Hastings move of the unobserved count of
// one class with its capture probabilities and the class weights
// integrated out (a partially collapsed step: λ and π are drawn afresh
// from their conditionals right after it). Given λ and π, n0 has a
// standard deviation of about √n0, while its posterior is many times wider:
// the Gibbs sampler then crawls along the ridge where n0, λ and π move
// together; this move walks along it. The class is drawn with probability
// proportional to n0k + 1 (the Hastings ratio corrects for it).
func (c *chain) moveUnobserved(nk, rest []int64) {
	var tot int64
	for _, x := range c.n0k {
		tot += x
	}
	u := c.r.Float64() * float64(tot+int64(c.k))
	k := 0
	for ; k < c.k-1; k++ {
		u -= float64(c.n0k[k] + 1)
		if u < 0 {
			break
		}
	}
	m := c.n0k[k]
	step := int64(math.Round(c.moveScale * randx.Normal(c.r)))
	m2 := m + step
	c.moves++
	c.movesAll++
	if step == 0 || m2 < 0 || float64(c.n0-m+m2) > maxUnobserved {
		return
	}
	// Class totals without class k's unobserved, and the totals of the
	// classes after each l.
	for l := range c.k {
		nk[l] = c.nObs[l] + c.n0k[l]
	}
	nk[k] -= m
	var r int64
	for l := c.k - 1; l >= 0; l-- {
		rest[l] = r
		r += nk[l]
	}
	logA := c.collapsedLogDensity(k, m2, nk, rest) - c.collapsedLogDensity(k, m, nk, rest)
	// The reverse move picks class k with probability (m2+1)/(tot2+K).
	tot2 := tot - m + m2
	logA += math.Log(float64(m2+1)/float64(tot2+int64(c.k))) - math.Log(float64(m+1)/float64(tot+int64(c.k)))
	if logA >= 0 || math.Log(open01(c.r)) < logA {
		c.n0k[k] = m2
		c.n0 += m2 - m
		c.accepted++
		c.acceptedAll++
	}
}

func open01(r *rand.Rand) float64 { return 1 - r.Float64() }

// transferTerms is the part of log p(allocation of the unobserved |
// the observed cases' classes, α), with λ and the stick-breaking
// proportions integrated out, that changes when unobserved cases move
// from class a to class b with N fixed: −log n0k! and the beta integrals
// of the capture probabilities of a and b, and the Pólya-urn terms of the
// classes from min(a, b) to max(a, b) (for the classes before, the total
// of the later classes is unchanged). nk is scratch.
func (c *chain) transferTerms(a, b int, nk []int64) float64 {
	J := c.j
	var lp float64
	for _, k := range [2]int{a, b} {
		m := float64(c.n0k[k])
		nObs := float64(c.nObs[k])
		lp -= lgam(m + 1)
		for j := range J {
			lp += lgam(1 + nObs - float64(c.s1[k*J+j]) + m)
		}
		lp -= float64(J) * lgam(2+nObs+m)
	}
	lo, hi := min(a, b), max(a, b)
	var rest int64
	for k := c.k - 1; k > hi; k-- {
		rest += c.nObs[k] + c.n0k[k]
	}
	for k := hi; k >= lo; k-- {
		n := c.nObs[k] + c.n0k[k]
		if k < c.k-1 {
			lp += lgam(1+float64(n)) + lgam(c.alpha+float64(rest)) - lgam(1+c.alpha+float64(n+rest))
		}
		rest += n
	}
	return lp
}

// reassignPerSweep is the number of observed cases whose class is drawn
// again each sweep from its collapsed conditional.
const reassignPerSweep = 8

// reassignObserved draws the class of c.reassign observed cases, each
// picked uniformly at random, from its conditional given every other
// case's class with λ and the stick-breaking proportions integrated out
// (the Pólya-urn predictive; a random-scan collapsed Gibbs step). Given λ
// and π a case that alone forms a class with capture probabilities near
// its own pattern stays there for long; integrated, its class empties as
// soon as a larger one explains it as well.
func (c *chain) reassignObserved() {
	K := c.k
	for range c.reassign {
		u := int64(c.r.Uint64N(uint64(c.d.n)))
		m, _ := slices.BinarySearch(c.cum, u+1)
		cc := c.cellClass[m*K : (m+1)*K]
		v := int64(c.r.Uint64N(uint64(c.d.counts[m])))
		a := 0
		for ; a < K-1; a++ {
			v -= cc[a]
			if v < 0 {
				break
			}
		}
		idx := c.d.listIdx[m]
		c.moveCase(a, -1, cc, idx)
		tot := c.predictive(idx)
		x := c.r.Float64() * tot
		b := 0
		for ; b < K-1; b++ {
			x -= c.pw[b]
			if x < 0 {
				break
			}
		}
		for b > 0 && !(c.pw[b] > 0) {
			b--
		}
		c.moveCase(b, 1, cc, idx)
	}
}

// predictive fills c.pw with the probability of each class for one more
// observed case with lists idx, given every case's class, with λ and the
// stick-breaking proportions integrated out (up to a common factor), and
// returns their sum.
func (c *chain) predictive(idx []int) float64 {
	K, J := c.k, c.j
	// The Pólya-urn weight of each class times the predictive
	// probability of the pattern.
	var rest int64
	for k := range K {
		rest += c.nObs[k] + c.n0k[k]
	}
	stick := 1.0 // ∏_{l<k} (α + r_l)/(1 + α + n_l + r_l)
	var tot float64
	in := 0
	for k := range K {
		nk := c.nObs[k] + c.n0k[k]
		rest -= nk
		var w float64
		if k < K-1 {
			den := 1 + c.alpha + float64(nk+rest)
			w = stick * float64(1+nk) / den
			stick *= (c.alpha + float64(rest)) / den
		} else {
			w = stick
		}
		s := c.s1[k*J : k*J+J]
		inv := 1 / float64(2+nk)
		in = 0
		for j := range J {
			if in < len(idx) && idx[in] == j {
				w *= float64(1+s[j]) * inv
				in++
			} else {
				w *= float64(1+nk-s[j]) * inv
			}
		}
		c.pw[k] = w
		tot += w
	}
	return tot
}

// moveCase adds (d = 1) or removes (d = −1) one observed case of a cell
// with lists idx to or from class k.
func (c *chain) moveCase(k int, d int64, cc []int64, idx []int) {
	cc[k] += d
	c.nObs[k] += d
	s := c.s1[k*c.j : (k+1)*c.j]
	for _, j := range idx {
		s[j] += d
	}
}

// transferUnobserved is a Metropolis–Hastings move of unobserved cases
// from one class to another with N fixed, collapsed like moveUnobserved.
// It lets a class that holds only unobserved cases (no observed case has
// its low capture probabilities, so nothing but the unobserved holds it
// there) hand them to another class, which the Gibbs sampler does only by
// a slow drift. The source class a is drawn with probability ∝ n0a + 1,
// the target b uniformly from the others, and the number moved is n0a
// (emptying a) or uniform on 1…n0a, with probability ½ each.
func (c *chain) transferUnobserved(nk []int64) {
	if c.k < 2 {
		return
	}
	var tot int64
	for _, x := range c.n0k {
		tot += x
	}
	u := c.r.Float64() * float64(tot+int64(c.k))
	a := 0
	for ; a < c.k-1; a++ {
		u -= float64(c.n0k[a] + 1)
		if u < 0 {
			break
		}
	}
	ma := c.n0k[a]
	if ma == 0 {
		return
	}
	b := int(c.r.Uint64N(uint64(c.k - 1)))
	if b >= a {
		b++
	}
	mb := c.n0k[b]
	var d int64
	if c.r.Uint64()&1 == 0 {
		d = ma
	} else {
		d = 1 + int64(c.r.Uint64N(uint64(ma)))
	}
	// Proposal probabilities of d forward (from a) and back (from b,
	// which then holds mb + d).
	q := func(d, m int64) float64 {
		p := 0.5 / float64(m)
		if d == m {
			p += 0.5
		}
		return p
	}
	before := c.transferTerms(a, b, nk)
	c.n0k[a], c.n0k[b] = ma-d, mb+d
	after := c.transferTerms(a, b, nk)
	logA := after - before +
		math.Log(float64(mb+d+1)*q(d, mb+d)) - math.Log(float64(ma+1)*q(d, ma))
	c.transfers++
	if logA >= 0 || math.Log(open01(c.r)) < logA {
		c.transfersAccepted++
		return
	}
	c.n0k[a], c.n0k[b] = ma, mb
}

// tune adapts the collapsed move's scale in the burn-in towards an
// acceptance rate between 25% and 45% (the scale is fixed afterwards, so
// the kept draws come from one Markov chain).
func (c *chain) tune() {
	rate := float64(c.accepted) / float64(c.moves)
	switch {
	case rate > 0.45:
		c.moveScale *= 1.3
	case rate < 0.25:
		c.moveScale = max(1, c.moveScale/1.3)
	}
	c.moves, c.accepted = 0, 0
}

// warmup is the number of sweeps of the start, with α held.
const warmup = 500

// step is one sweep, in LCMCR's order: classes of the observed cases, λ,
// π, the unobserved cases, α; with the collapsed moves of the unobserved
// cases after the classes.
func (c *chain) step(nk []int64) error { return c.sweep(nk, true) }

func (c *chain) sweep(nk []int64, updateAlpha bool) error {
	c.sampleClasses()
	if c.collapsed {
		c.reassignObserved()
		c.moveUnobserved(nk, c.restScratch)
		c.transferUnobserved(nk)
	}
	c.sampleLambda()
	for k := range c.k {
		nk[k] = c.nObs[k] + c.n0k[k]
	}
	c.sampleSticks(nk)
	c.weights()
	if err := c.sampleUnobserved(); err != nil {
		return err
	}
	if updateAlpha {
		c.sampleAlpha()
	}
	return nil
}

// sortClasses relabels the classes by decreasing weight (only at the
// start: the stick-breaking prior is not exchangeable).
func (c *chain) sortClasses() {
	K, J := c.k, c.j
	idx := make([]int, K)
	for k := range idx {
		idx[k] = k
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(c.logPi[b], c.logPi[a]) })
	perm := func(x []float64, w int) {
		old := slices.Clone(x)
		for i, k := range idx {
			copy(x[i*w:(i+1)*w], old[k*w:(k+1)*w])
		}
	}
	permInt := func(x []int64, w int) {
		old := slices.Clone(x)
		for i, k := range idx {
			copy(x[i*w:(i+1)*w], old[k*w:(k+1)*w])
		}
	}
	perm(c.lam, J)
	perm(c.lamc, J)
	perm(c.logPi, 1)
	permInt(c.nObs, 1)
	permInt(c.s1, J)
	permInt(c.n0k, 1)
}

// logLik is the log-likelihood of the observed cells given that they were
// observed, Σ_m c_m log(q_m / (1 − p0)): a function of λ and π that does
// not change when the classes are relabelled. It expects weights() to be
// current.
func (c *chain) logLik() float64 {
	var p1 float64
	for k := range c.k {
		p1 += c.seen[k]
	}
	ll := -float64(c.d.n) * math.Log(p1)
	for m, idx := range c.d.listIdx {
		q, scale := c.cellWeights(idx)
		ll += float64(c.d.counts[m]) * (math.Log(q) + scale)
	}
	return ll
}

// kstar counts the occupied classes.
func kstar(nk []int64) int {
	s := 0
	for _, x := range nk {
		if x > 0 {
			s++
		}
	}
	return s
}

// run runs the chain: burn-in, then samples × thin iterations keeping
// every thin-th. It checks ctx every 1024 iterations.
func (c *chain) run(ctx context.Context, cfg config) (trace, error) {
	tr := trace{
		n: make([]float64, 0, cfg.samples), loglik: make([]float64, 0, cfg.samples),
		kstar: make([]int, 0, cfg.samples), alpha: make([]float64, 0, cfg.samples),
	}
	nk := make([]int64, c.k)
	total := cfg.burnin + cfg.samples*cfg.thin
	for it := 1; it <= total; it++ {
		if it&1023 == 0 && ctx.Err() != nil {
			return tr, ctx.Err()
		}
		if err := c.step(nk); err != nil {
			return tr, err
		}
		if it <= cfg.burnin && c.moves >= 200 {
			c.tune()
		}
		if it == cfg.burnin {
			c.movesAll, c.acceptedAll = 0, 0
		}
		if it > cfg.burnin && (it-cfg.burnin)%cfg.thin == 0 {
			for k := range c.k {
				nk[k] = c.nObs[k] + c.n0k[k]
			}
			tr.n = append(tr.n, float64(c.d.n+c.n0))
			tr.loglik = append(tr.loglik, c.logLik())
			tr.kstar = append(tr.kstar, kstar(nk))
			tr.alpha = append(tr.alpha, c.alpha)
		}
	}
	return tr, nil
}
