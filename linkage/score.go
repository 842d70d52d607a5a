package linkage

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// The scored pass: Fellegi–Sunter weights over the agreement pattern of
// candidate pairs, m- and u-probabilities by EM, links above the upper
// threshold, review between the thresholds (package documentation,
// section "Scored links").

// Levels of the features. An exact key: missing (either record has no
// token), agree, disagree. The Bloom encoding: missing (either has none,
// or the two share no block, so their salts may differ), then four bands
// of the Dice coefficient. Sex: missing, agree, disagree.
const (
	lvMissing  = 0
	lvAgree    = 1
	lvDisagree = 2
)

// diceBands are the lower bounds of the Bloom levels 1..4.
var diceBands = [...]float64{0.9, 0.8, 0.7, 0}

func diceLevel(d float64) uint8 {
	for i, b := range diceBands {
		if d >= b {
			return uint8(1 + i)
		}
	}
	return uint8(len(diceBands))
}

// scorer compares records: the token ids of every exact and block key,
// the Bloom encodings and the sex covariate.
type scorer struct {
	in     *input
	bl     []blocks // exact keys, then block keys
	nExact int
	nBlock int
	sexCol int // covariate index of sex, or -1
	nc     int

	nf     int   // features: keys (exact or block), Bloom (if any), sex (if any)
	keyF   []int // the key (index into bl) of each key feature
	bloomF int   // feature index of the Bloom encoding, or -1
	sexF   int   // feature index of sex, or -1
	nlv    []int // levels per feature
	m, u   [][]float64
	lw     [][]float64 // log2(m/u) per feature and level
	mfreq  []float64   // per key feature: mean frequency of the token of a random agreeing pair
	sample int         // pairs the m-probabilities were counted over

	diceCounts   [1 + len(diceBands)]float64 // Bloom pairs compared, by level (0: a record without encoding)
	diceCompared float64

	// refine lists the (year key, full-date key) pairs, as indices into
	// bl, of the exact and of the block keys: a pair that agrees on the
	// first and disagrees on the second holds two different known dates
	// of birth.
	refine [][2]int
}

// contradicted reports whether a and b agree on a key with the year of
// birth and disagree on its full-date key: two different known dates.
func (sc *scorer) contradicted(a, b uint32) bool {
	for _, r := range sc.refine {
		ty, td := sc.bl[r[0]].token, sc.bl[r[1]].token
		if ty[a] >= 2 && ty[a] == ty[b] && td[a] != 0 && td[b] != 0 && (td[a] == 1 || td[a] != td[b]) {
			return true
		}
	}
	return false
}

// newScorer makes the scorer of the pairs left after the exact levels
// (keys 0..first-1): its features are the top key (the identity number),
// the keys from first on, the block keys, the Bloom encoding and sex. The
// exact keys between the top one and first are left out: a pair they did
// not link disagrees or misses on all of them, and counting each as
// independent evidence of one event (a damaged name, a placeholder date)
// would count it several times.
func newScorer(in *input, bl []blocks, sexCol, first int) *scorer {
	sc := &scorer{in: in, bl: bl, nExact: len(in.keys), nBlock: len(in.blockKeys), sexCol: sexCol, nc: len(in.covariates), bloomF: -1, sexF: -1}
	sc.keyF = append(sc.keyF, 0)
	for k := max(1, first); k < sc.nExact+sc.nBlock; k++ {
		sc.keyF = append(sc.keyF, k)
	}
	sc.nf = len(sc.keyF)
	for range sc.nf {
		sc.nlv = append(sc.nlv, 3)
	}
	if in.bloom != nil && sc.nBlock > 0 {
		sc.bloomF = sc.nf
		sc.nf++
		sc.nlv = append(sc.nlv, 1+len(diceBands))
	}
	if sexCol >= 0 {
		sc.sexF = sc.nf
		sc.nf++
		sc.nlv = append(sc.nlv, 3)
	}
	return sc
}

// shareBlock reports whether a and b hold the same token of a block key.
func (sc *scorer) shareBlock(a, b uint32) bool {
	for j := range sc.nBlock {
		t := sc.bl[sc.nExact+j].token
		if t[a] >= 2 && t[a] == t[b] {
			return true
		}
	}
	return false
}

// pattern writes the levels of pair (a, b) into out and reports whether
// the pair is comparable: it agrees on an exact key or shares a block.
func (sc *scorer) pattern(a, b uint32, out []uint8) bool {
	comparable := false
	for k := range sc.nExact {
		if t := sc.bl[k].token; t[a] >= 2 && t[a] == t[b] {
			comparable = true
			break
		}
	}
	for f, k := range sc.keyF {
		t := sc.bl[k].token
		ta, tb := t[a], t[b]
		switch {
		case ta == 0 || tb == 0:
			out[f] = lvMissing
		case ta >= 2 && ta == tb:
			out[f] = lvAgree
		default:
			out[f] = lvDisagree
		}
	}
	shared := sc.nBlock > 0 && sc.shareBlock(a, b)
	comparable = comparable || shared
	if sc.bloomF >= 0 {
		out[sc.bloomF] = lvMissing
		fa, fb := &sc.in.bloom[a], &sc.in.bloom[b]
		if shared && !isZero(fa) && !isZero(fb) {
			out[sc.bloomF] = diceLevel(dice(fa, fb))
		}
	}
	if sc.sexF >= 0 {
		out[sc.sexF] = sc.sexLevel(a, b)
	}
	return comparable
}

func (sc *scorer) sexLevel(a, b uint32) uint8 {
	x, y := sc.in.cov[int(a)*sc.nc+sc.sexCol], sc.in.cov[int(b)*sc.nc+sc.sexCol]
	switch {
	case x == 0 || y == 0:
		return lvMissing
	case x == y:
		return lvAgree
	}
	return lvDisagree
}

func isZero(f *bloomFilter) bool {
	var o uint64
	for _, w := range f {
		o |= w
	}
	return o == 0
}

func dice(a, b *bloomFilter) float64 {
	var and, na, nb int
	for w := range a {
		and += bits.OnesCount64(a[w] & b[w])
		na += bits.OnesCount64(a[w])
		nb += bits.OnesCount64(b[w])
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(and) / float64(na+nb)
}

// weight returns the match weight of pair (a, b) in bits, log2 of the
// likelihood ratio, with frequency-aware u for agreements on exact keys,
// and whether the pair is comparable.
func (sc *scorer) weight(a, b uint32, buf []uint8) (float64, bool) {
	comparable := sc.pattern(a, b, buf)
	w := 0.0
	for f, l := range buf[:sc.nf] {
		w += sc.lw[f][l]
		if f < len(sc.keyF) && l == lvAgree && sc.mfreq[f] > 0 {
			// A token many records share is likelier to join two people
			// by chance: u scales with its frequency.
			b := &sc.bl[sc.keyF[f]]
			n := float64(b.freq[b.token[a]-2])
			u := math.Min(0.999, sc.u[f][lvAgree]*n/sc.mfreq[f])
			w += math.Log2(sc.u[f][lvAgree]) - math.Log2(u)
		}
	}
	return w, comparable
}

// fit estimates the m- and u-probabilities of every feature level.
//
// m, the probability of a level among true matches, is counted over the
// pairs the top key (the identity number) joins: whether two records
// carry the number has nothing to do with how their names and dates were
// written, so these pairs show the noise of names and dates as it is
// among all matches. The top key's own m is counted over the pairs the
// second key joins. Each count is smoothed by adding one half.
//
// u, the probability of a level between two records of different people,
// is that of a pair of records drawn at random, almost always two people:
// for a key, agreement is the chance that two random records share a
// token, from the tokens' frequencies, and missing the chance that either
// lacks one; for the Bloom encoding, the chance that they share a block
// times the distribution of the Dice levels over all pairs compared in
// the blocks; for sex, from the frequencies of the values.
//
// A latent-class EM fit of both, tried first on the pairs the exact
// levels left, found a class of records with placeholder dates instead of
// the matches (its "match" class had block_dob missing with m 0.87), and
// so was not kept.
func (sc *scorer) fit(diceCounts []float64, diceCompared float64) {
	const alpha = 0.5
	sc.m, sc.u = make([][]float64, sc.nf), make([][]float64, sc.nf)
	for f := range sc.nf {
		sc.m[f], sc.u[f] = make([]float64, sc.nlv[f]), make([]float64, sc.nlv[f])
	}
	buf := make([]uint8, sc.nf)
	count := func(b *blocks, fs func(f int) bool) float64 {
		n := 0.0
		for bi := range b.len() {
			blk := b.block(bi)
			for i, x := range blk {
				for _, y := range blk[i+1:] {
					sc.pattern(x, y, buf)
					n++
					for f := range sc.nf {
						if fs(f) {
							sc.m[f][buf[f]]++
						}
					}
				}
			}
		}
		return n
	}
	nTop := count(&sc.bl[0], func(f int) bool { return f != 0 })
	n2 := nTop
	if sc.nExact > 1 {
		n2 = count(&sc.bl[1], func(f int) bool { return f == 0 })
	}
	for f := range sc.nf {
		n := nTop
		if f == 0 {
			n = n2
		}
		for l := range sc.m[f] {
			sc.m[f][l] = (sc.m[f][l] + alpha) / (n + alpha*float64(sc.nlv[f]))
		}
	}
	// (The Bloom feature's m is renormalised below.)
	sc.sample = int(nTop + n2)

	N := float64(sc.in.n)
	total := N * (N - 1) / 2
	agree := func(b *blocks) float64 {
		a := 0.0
		for _, f := range b.freq {
			a += float64(f) * float64(f-1) / 2
		}
		return a / total
	}
	clampU := func(x float64) float64 { return math.Min(1-1e-9, math.Max(1e-9, x)) }
	sc.mfreq = make([]float64, len(sc.keyF))
	for f, k := range sc.keyF {
		b := &sc.bl[k]
		w := float64(b.withToken)
		both := w * (w - 1) / 2 / total
		ua := agree(b)
		sc.u[f][lvAgree] = clampU(ua)
		sc.u[f][lvMissing] = clampU(1 - both)
		sc.u[f][lvDisagree] = clampU(both - ua)
		// The mean frequency of a token held by a random agreeing pair.
		var num, den float64
		for _, q := range b.freq {
			pq := float64(q) * float64(q-1) / 2
			num += pq * float64(q)
			den += pq
		}
		if den > 0 {
			sc.mfreq[f] = num / den
		}
	}
	if f := sc.bloomF; f >= 0 {
		// Conditional on the pair sharing a block, which the block keys'
		// features count already: m over the matched pairs with a level,
		// u over all pairs compared in the blocks, and a missing level
		// weighs nothing.
		m, u := sc.m[f], sc.u[f]
		var mn float64
		for l := 1; l < len(m); l++ {
			mn += m[l]
		}
		m[lvMissing], u[lvMissing] = 1, 1
		for l := 1; l < len(m); l++ {
			m[l] = m[l] / mn
			u[l] = clampU((diceCounts[l] + alpha) / (diceCompared + alpha*float64(len(u)-1)))
		}
	}
	if sc.sexF >= 0 {
		counts := map[uint8]float64{}
		for r := range sc.in.n {
			counts[sc.in.cov[r*sc.nc+sc.sexCol]]++
		}
		var known, sq float64
		for v, c := range counts {
			if v != 0 {
				known += c
			}
		}
		for v, c := range counts {
			if v != 0 {
				sq += (c / known) * (c / known)
			}
		}
		both := (known / N) * (known / N)
		u := sc.u[sc.sexF]
		u[lvMissing] = clampU(1 - both)
		u[lvAgree] = clampU(both * sq)
		u[lvDisagree] = clampU(both * (1 - sq))
	}
	sc.lw = make([][]float64, sc.nf)
	for f := range sc.nf {
		sc.lw[f] = make([]float64, sc.nlv[f])
		for l := range sc.nlv[f] {
			sc.lw[f][l] = math.Log2(sc.m[f][l] / sc.u[f][l])
		}
	}
}

// pairKey packs a pair, smaller record first.
func pairKey(a, b uint32) uint64 {
	if b < a {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

// blockPairs appends the pairs of records within each block of b, the
// Bloom encodings of the two at least minDice similar when minDice > 0.
// keep, when not nil, filters pairs. It stops adding once out holds max
// pairs and reports whether it did.
func (sc *scorer) blockPairs(out []uint64, b *blocks, minDice float64, keep func(a, b uint32) bool) []uint64 {
	for bi := range b.len() {
		blk := b.block(bi)
		for i, x := range blk {
			for _, y := range blk[i+1:] {
				if minDice > 0 {
					fx, fy := &sc.in.bloom[x], &sc.in.bloom[y]
					if isZero(fx) || isZero(fy) {
						sc.diceCounts[0]++
						sc.diceCompared++
						continue
					}
					d := dice(fx, fy)
					sc.diceCounts[diceLevel(d)]++
					sc.diceCompared++
					if d < minDice {
						continue
					}
				}
				if keep == nil || keep(x, y) {
					out = append(out, pairKey(x, y))
				}
			}
		}
	}
	return out
}

func dedup(ps []uint64) []uint64 {
	slices.Sort(ps)
	return slices.Compact(ps)
}

// bloomBudget returns the blocks of the block keys that the Bloom pass
// compares: all, unless their pairs exceed maxPairs, in which case the
// largest blocks are left out (deterministically, by size then by
// position) until the rest fit. It also returns the blocks and records
// left out.
func bloomBudget(bl []blocks, maxPairs int) (kept []*blocks, skippedBlocks, skippedRecords int) {
	type ref struct {
		k, i, n int
	}
	var refs []ref
	total := 0
	for k := range bl {
		for i := range bl[k].len() {
			n := len(bl[k].block(i))
			refs = append(refs, ref{k, i, n})
			total += n * (n - 1) / 2
		}
	}
	skip := map[[2]int]bool{}
	if total > maxPairs {
		slices.SortFunc(refs, func(a, b ref) int {
			if a.n != b.n {
				return cmp.Compare(b.n, a.n)
			}
			if a.k != b.k {
				return cmp.Compare(a.k, b.k)
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, r := range refs {
			if total <= maxPairs {
				break
			}
			total -= r.n * (r.n - 1) / 2
			skip[[2]int{r.k, r.i}] = true
			skippedBlocks++
			skippedRecords += r.n
		}
	}
	for k := range bl {
		if len(skip) == 0 {
			kept = append(kept, &bl[k])
			continue
		}
		nb := &blocks{}
		for i := range bl[k].len() {
			if skip[[2]int{k, i}] {
				continue
			}
			nb.recs = append(nb.recs, bl[k].block(i)...)
			nb.ends = append(nb.ends, uint32(len(nb.recs)))
		}
		kept = append(kept, nb)
	}
	return kept, skippedBlocks, skippedRecords
}

// scoredPair is a candidate pair and its weight.
type scoredPair struct {
	a, b uint32
	w    float64
}

// scoredStats are the scored pass's outcome under one rule.
type scoredStats struct {
	candidates int // pairs of different persons compared
	links      int // person merges made
	review     int // pairs left in the review band, or refused above the upper threshold
	vetoed     int // pairs above the threshold refused: the person made would hold a non-matching pair or two records of one list
	contested  int // pairs above the threshold refused: a record matched two persons that cannot be one about as well
	refused    int // pairs below the lower threshold
}

// scoredPass links candidate pairs (packed by pairKey) of weight at least
// thr, best first. With checks, a link is also refused when the person it
// would make holds a comparable pair of weight below lower or two records
// of known different sex (vetoed), and when one of its records has
// another candidate of about the same weight (within margin bits, at
// least thr) whose person cannot join: such a record could be either
// person (contested). Refused pairs above thr and unlinked pairs between
// lower and thr are returned for review. Merges follow the linker's
// invariant: a person holds at most one list-person of each list.
func (lk *linker) scoredPass(sc *scorer, cands []uint64, thr, lower, margin float64, checks bool) (scoredStats, []scoredPair, []scoredPair) {
	var st scoredStats
	buf := make([]uint8, sc.nf)
	var ps []scoredPair
	for _, c := range cands {
		a, b := uint32(c>>32), uint32(c)
		if lk.find(a) == lk.find(b) {
			continue
		}
		st.candidates++
		w, _ := sc.weight(a, b, buf)
		if checks && sc.contradicted(a, b) {
			st.refused++
			continue
		}
		if w < lower {
			st.refused++
			continue
		}
		ps = append(ps, scoredPair{a, b, w})
	}
	slices.SortFunc(ps, func(x, y scoredPair) int {
		if x.w != y.w {
			return cmp.Compare(y.w, x.w)
		}
		return cmp.Compare(pairKey(x.a, x.b), pairKey(y.a, y.b))
	})
	if len(ps) == 0 {
		return st, nil, nil
	}
	// The members of every person a candidate touches.
	members := map[uint32][]uint32{}
	for _, p := range ps {
		members[lk.find(p.a)] = nil
		members[lk.find(p.b)] = nil
	}
	for r := range uint32(lk.in.n) {
		root := lk.find(r)
		if ms, ok := members[root]; ok {
			members[root] = append(ms, r)
		}
	}
	adj := map[uint32][]int{}
	for i, p := range ps {
		if p.w >= thr {
			adj[p.a] = append(adj[p.a], i)
			adj[p.b] = append(adj[p.b], i)
		}
	}
	listOf := func(r uint32) int { return int(lk.in.listOf[r]) }
	compatible := func(ra, rb, x, y uint32) bool {
		if ov := lk.nodes[ra].pat & lk.nodes[rb].pat; ov != 0 {
			if listOf(x) != listOf(y) || ov != 1<<listOf(x) {
				return false
			}
		}
		if !checks {
			return true
		}
		for _, p := range members[ra] {
			for _, q := range members[rb] {
				if sc.sexF >= 0 && sc.sexLevel(p, q) == lvDisagree || sc.contradicted(p, q) {
					return false
				}
				if w, comparable := sc.weight(p, q, buf); comparable && w < lower {
					return false
				}
			}
		}
		return true
	}
	var links, review []scoredPair
	refusedAbove := map[int]bool{}
	for i, p := range ps {
		if p.w < thr {
			break
		}
		ra, rb := lk.find(p.a), lk.find(p.b)
		if ra == rb {
			continue
		}
		if !compatible(ra, rb, p.a, p.b) {
			st.vetoed++
			refusedAbove[i] = true
			continue
		}
		if checks {
			contested := false
			for _, x := range [2]uint32{p.a, p.b} {
				for _, j := range adj[x] {
					q := ps[j]
					if j == i || q.w < p.w-margin {
						continue
					}
					c := q.a
					if c == x {
						c = q.b
					}
					rc := lk.find(c)
					if rc == ra || rc == rb {
						continue
					}
					if !compatible(rc, ra, c, x) || !compatible(rc, rb, c, x) {
						contested = true
					}
				}
			}
			if contested {
				st.contested++
				refusedAbove[i] = true
				continue
			}
		}
		root := lk.merge(p.a, p.b)
		other := ra
		if root == ra {
			other = rb
		}
		members[root] = append(members[root], members[other]...)
		delete(members, other)
		st.links++
		links = append(links, p)
	}
	for i, p := range ps {
		if refusedAbove[i] || p.w < thr && lk.find(p.a) != lk.find(p.b) {
			review = append(review, p)
		}
	}
	st.review = len(review)
	return st, links, review
}

// merge joins the persons of records a and b (which the caller checked may
// be one person) and, when a and b are on one list, their list-persons.
// It returns the new root.
func (lk *linker) merge(a, b uint32) uint32 {
	ra, rb := lk.find(a), lk.find(b)
	if rb < ra {
		ra, rb = rb, ra
	}
	na, nb := &lk.nodes[ra], &lk.nodes[rb]
	nb.par = ra
	na.pat |= nb.pat
	na.size += nb.size
	na.cov, _ = joinWord(na.cov, nb.cov)
	if w := lk.words - 1; w > 0 {
		xa := lk.covx[int(ra)*w : int(ra+1)*w]
		xb := lk.covx[int(rb)*w : int(rb+1)*w]
		for i := range xa {
			xa[i], _ = joinWord(xa[i], xb[i])
		}
	}
	if lk.in.listOf[a] == lk.in.listOf[b] {
		la, lb := lk.lfind(a), lk.lfind(b)
		if la != lb {
			if lb < la {
				la, lb = lb, la
			}
			lk.nodes[lb].lpar = la
		}
	}
	return ra
}
