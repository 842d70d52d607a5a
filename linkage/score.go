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

// diceBands are the lower bounds of the Bloom levels 1..5.
var diceBands = [...]float64{0.9, 0.8, 0.7, 0.6, 0}

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
//
// The features are four processes that are independent given whether two
// records are of one person: how the identity number was recorded, how
// the date of birth was (block_dob: agree, disagree, missing), how the
// name was (the Dice level of the Bloom encodings, comparable within one
// year of birth, the encodings' salt) and sex. The exact weak keys are no
// features: each mixes the name with the date, so it would count the
// evidence of the Dice level and of the date a second time.
type scorer struct {
	in     *input
	bl     []blocks // exact keys, then block keys
	nExact int
	nBlock int
	sexCol int // covariate index of sex, or -1
	nc     int

	nf      int
	dobKey  int // index into bl of the block key with the full date, or -1
	yearKey int // index into bl of the block key with the year (and sex), or -1: its blocks are the pairs scored
	bloomF  int // feature index of the Bloom encoding, or -1
	sexF    int // feature index of sex, or -1
	nlv     []int
	m, u    [][]float64
	lw      [][]float64 // log2(m/u) per feature and level
	sample  int         // matched pairs the m-probabilities were counted over
	// prior is log2 of the prior odds that a pair of one year block that
	// the levels left apart is a match (estimatePrior); weight adds it, so
	// that weights are posterior log-odds. 0 until estimated.
	prior    float64
	priorPct float64 // the prior probability, in percent, for the report

	diceCounts   [1 + len(diceBands)]float64 // pairs of the year blocks that the levels left apart, by Dice level (0: a record without encoding)
	diceCompared float64
	dateCounts   [3]float64 // the same pairs by the level of the date
	// near[r][l-1] counts the records of r's year block whose encodings
	// are at Dice level l with r's (r itself not counted), for the
	// frequency-aware u of the Bloom feature; nearN[r] is the size of the
	// block, 0 when it was not compared.
	near  [][len(diceBands)]uint16
	nearN []uint32
	ckey  []uint64 // contentKeys

	// refine lists the (year key, full-date key) pairs, as indices into
	// bl, of the exact and of the block keys: a pair that agrees on the
	// first and disagrees on the second holds two different known dates
	// of birth.
	refine [][2]int
}

const (
	featNID  = 0
	featDate = 1
)

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

// newScorer makes the scorer of the pairs left after the exact levels.
func newScorer(in *input, bl []blocks, sexCol int, refine [][2]int) *scorer {
	sc := &scorer{in: in, bl: bl, nExact: len(in.keys), nBlock: len(in.blockKeys), sexCol: sexCol, nc: len(in.covariates),
		bloomF: -1, sexF: -1, dobKey: -1, yearKey: -1, refine: refine}
	// The full-date block key refines the year keys; the year key with
	// the most records (block_year over block_year_sex) makes the blocks.
	for _, r := range refine {
		if r[0] >= sc.nExact {
			sc.dobKey = r[1]
			if sc.yearKey < 0 || bl[r[0]].withToken > bl[sc.yearKey].withToken {
				sc.yearKey = r[0]
			}
		}
	}
	sc.nf = 2
	sc.nlv = []int{3, 3}
	if in.bloom != nil && sc.yearKey >= 0 {
		sc.bloomF = sc.nf
		sc.nf++
		sc.nlv = append(sc.nlv, 1+len(diceBands))
		sc.near = make([][len(diceBands)]uint16, in.n)
		sc.nearN = make([]uint32, in.n)
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

func level(t []uint32, a, b uint32) uint8 {
	switch ta, tb := t[a], t[b]; {
	case ta == 0 || tb == 0:
		return lvMissing
	case ta >= 2 && ta == tb:
		return lvAgree
	}
	return lvDisagree
}

// pattern writes the levels of pair (a, b) into out and reports whether
// the pair is comparable: it shares a block.
func (sc *scorer) pattern(a, b uint32, out []uint8) bool {
	out[featNID] = level(sc.bl[0].token, a, b)
	out[featDate] = lvMissing
	if sc.dobKey >= 0 {
		out[featDate] = level(sc.bl[sc.dobKey].token, a, b)
	}
	shared := sc.nBlock > 0 && sc.shareBlock(a, b)
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
	return shared
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

// nearPrior is the number of similar names added to both the observed and
// the expected count of the frequency-aware u of one pair: with no similar
// name seen where 0.3 were expected, u falls by a factor 1.3, not to
// nothing.
const nearPrior = 1

// weight returns the match weight of pair (a, b) in bits, log2 of the
// likelihood ratio, and whether the pair is comparable. The u of the
// Dice level is frequency-aware: a name that many records of the year
// resemble is likelier to meet a similar one by chance, so the level's u
// is scaled by the number of records of a's and b's year blocks at least
// as similar to them (each other left out) over the number the average
// rate predicts, both with nearPrior added.
func (sc *scorer) weight(a, b uint32, buf []uint8) (float64, bool) {
	comparable := sc.pattern(a, b, buf)
	w := sc.prior
	for f, l := range buf[:sc.nf] {
		w += sc.lw[f][l]
	}
	if f := sc.bloomF; f >= 0 && buf[f] != lvMissing && sc.nearN[a] > 1 && sc.nearN[b] > 1 {
		l := int(buf[f])
		t := sc.bl[sc.yearKey].token
		same := 0.0
		if t[a] >= 2 && t[a] == t[b] {
			same = 1 // each is counted in the other's near
		}
		// The records of a's and b's year blocks at least as similar to
		// them as they are to each other, against the number expected at
		// the average rate: u scales by their ratio.
		var obs, rate float64
		for j := 1; j <= l; j++ {
			obs += float64(sc.near[a][j-1]) + float64(sc.near[b][j-1])
			rate += sc.u[f][j]
		}
		// (Two records already of one person were not counted in each
		// other's near: hence the floor at zero.)
		obs = math.Max(0, obs-2*same)
		exp := rate * (float64(sc.nearN[a]-1) + float64(sc.nearN[b]-1))
		w -= math.Log2((obs + nearPrior) / (exp + nearPrior))
	}
	return w, comparable
}

// fit estimates the m- and u-probabilities of every feature level.
//
// m, the probability of a level among true matches, is counted over the
// pairs the top key (the identity number) joins: whether two records
// carry the number has nothing to do with how their names were written
// or whether sex was recorded. The top key's own m is counted over the
// pairs the second key joins. For the date, these pairs cannot show how
// often a date is missing, since a record without one takes its number's
// date (package pseudonym); but whether a record has a full date does not
// depend on whom it describes, so m and u of "missing" are the same, the
// share of pairs of one year block that lack a full date on either side,
// and the pairs the number joins give only the share of disagreeing
// dates among those that have both. Each count is smoothed by adding one
// half.
//
// u, the probability of a level between two records of different people,
// is that of a pair of records of one year block (the pairs scored) drawn
// at random, almost always two people: for the date, from the tokens'
// frequencies of the full-date and the year block keys; for the identity
// number and sex, from their frequencies; for the Bloom encoding, the
// distribution of the Dice levels over all pairs of the year blocks.
func (sc *scorer) fit() {
	const alpha = 0.5
	sc.m, sc.u = make([][]float64, sc.nf), make([][]float64, sc.nf)
	for f := range sc.nf {
		sc.m[f], sc.u[f] = make([]float64, sc.nlv[f]), make([]float64, sc.nlv[f])
	}
	buf := make([]uint8, sc.nf)
	// At most maxFitPairs pairs of each key are counted: the first blocks
	// in token order, a random sample of them.
	const maxFitPairs = 200_000
	count := func(b *blocks, fs func(f int) bool) float64 {
		n := 0.0
		for bi := range b.len() {
			if n >= maxFitPairs {
				break
			}
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
	nTop := count(&sc.bl[0], func(f int) bool { return f != featNID })
	n2 := nTop
	if sc.nExact > 1 {
		n2 = count(&sc.bl[1], func(f int) bool { return f == featNID })
	}
	sc.sample = int(nTop + n2)
	for f := range sc.nf {
		n := nTop
		if f == featNID {
			n = n2
		}
		if f == featDate || f == sc.bloomF {
			continue // below
		}
		for l := range sc.m[f] {
			sc.m[f][l] = (sc.m[f][l] + alpha) / (n + alpha*float64(sc.nlv[f]))
		}
	}

	N := float64(sc.in.n)
	total := N * (N - 1) / 2
	pairs := func(b *blocks) float64 {
		a := 0.0
		for _, f := range b.freq {
			a += float64(f) * float64(f-1) / 2
		}
		return a
	}
	clampU := func(x float64) float64 { return math.Min(1-1e-9, math.Max(1e-9, x)) }
	{
		b := &sc.bl[0]
		w := float64(b.withToken)
		both := w * (w - 1) / 2 / total
		ua := pairs(b) / total
		u := sc.u[featNID]
		u[lvAgree] = clampU(ua)
		u[lvMissing] = clampU(1 - both)
		u[lvDisagree] = clampU(both - ua)
	}
	{
		m, u := sc.m[featDate], sc.u[featDate]
		if sc.dobKey >= 0 && sc.yearKey >= 0 {
			// Whether a record lacks a full date does not depend on the
			// other record: missing weighs nothing, its share that of
			// random pairs of one year block. Two full dates of different
			// people in one year agree by chance as often as the pairs
			// the levels left apart show.
			yb, db := &sc.bl[sc.yearKey], &sc.bl[sc.dobKey]
			var inYear, full float64
			for r := range sc.in.n {
				if yb.token[r] != 0 {
					inYear++
					if db.token[r] != 0 {
						full++
					}
				}
			}
			q := 1.0
			if inYear > 0 {
				q = full / inYear
			}
			both := q * q
			dc := sc.dateCounts
			agree := (dc[lvAgree] + alpha) / (dc[lvAgree] + dc[lvDisagree] + 2*alpha)
			u[lvMissing] = clampU(1 - both)
			u[lvAgree] = clampU(both * agree)
			u[lvDisagree] = clampU(both * (1 - agree))
			e := (m[lvDisagree] + alpha) / (m[lvDisagree] + m[lvAgree] + 2*alpha)
			m[lvMissing] = u[lvMissing]
			m[lvAgree] = both * (1 - e)
			m[lvDisagree] = both * e
		} else {
			m[lvMissing], u[lvMissing] = 1, 1
			m[lvAgree], u[lvAgree], m[lvDisagree], u[lvDisagree] = 1, 1, 1, 1
		}
	}
	if f := sc.bloomF; f >= 0 {
		// Conditional on the pair sharing a year block, which the date
		// feature's u assumes: m over the matched pairs with a level, u
		// over all pairs compared in the blocks, and a missing level
		// weighs nothing.
		m, u := sc.m[f], sc.u[f]
		var mn float64
		for l := 1; l < len(m); l++ {
			mn += m[l]
		}
		m[lvMissing], u[lvMissing] = 1, 1
		for l := 1; l < len(m); l++ {
			m[l] = (m[l] + alpha) / (mn + alpha*float64(len(m)-1))
			u[l] = clampU((sc.diceCounts[l] + alpha) / (sc.diceCompared + alpha*float64(len(u)-1)))
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

// estimatePrior sets the prior log-odds of a match for a pair of one year
// block that lk holds in different persons: the share π of matches among
// those pairs maximises the likelihood of the candidates' weights with m
// and u held fixed (an EM in one parameter: π is the mean posterior
// probability of a match over all such pairs, the pairs that are no
// candidate counting as nought). With it, a weight is the posterior
// log-odds of a match, so that the thresholds mean the same at every size:
// among a few thousand records a pair of one year block is far likelier
// to be a match than among millions.
func (sc *scorer) estimatePrior(lk *linker, cands []uint64) {
	sc.prior, sc.priorPct = 0, 100 // weight below: the likelihood ratio alone
	n := sc.diceCompared
	if n <= 0 {
		return
	}
	buf := make([]uint8, sc.nf)
	var ws []float64
	for _, c := range cands {
		a, b := uint32(c>>32), uint32(c)
		if lk.find(a) == lk.find(b) {
			continue
		}
		w, _ := sc.weight(a, b, buf)
		ws = append(ws, w)
	}
	slices.Sort(ws) // a sum in an order that does not depend on the records'
	pi := math.Min(0.5, math.Max(1/n, float64(len(ws))/n/10))
	for range 200 {
		odds := pi / (1 - pi)
		s := 0.0
		for _, w := range ws {
			lr := math.Exp2(w)
			s += odds * lr / (1 + odds*lr)
		}
		next := math.Min(0.5, math.Max(0.5/n, s/n))
		if math.Abs(next-pi) < 1e-12 {
			pi = next
			break
		}
		pi = next
	}
	sc.prior, sc.priorPct = math.Log2(pi/(1-pi)), 100*pi
}

// contentKeys sets ckey: for each record a hash of its list and of the
// values it holds (read with the file), which orders records
// independently of their order in the files.
func (sc *scorer) contentKeys() {
	if sc.ckey != nil {
		return
	}
	sc.ckey = make([]uint64, sc.in.n)
	for r := range sc.in.n {
		h := sc.in.chash[r] ^ uint64(sc.in.listOf[r])*0x9e3779b97f4a7c15
		h ^= h >> 31
		sc.ckey[r] = h
	}
}

// pairKey packs a pair, smaller record first.
func pairKey(a, b uint32) uint64 {
	if b < a {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

// blockPairs appends the pairs of records within each block of b whose
// Bloom encodings are at least minDice similar. For the year key's
// blocks (year true) it also counts the Dice levels of all pairs and
// each record's near neighbours, over the pairs that lk holds in
// different persons.
func (sc *scorer) blockPairs(out []uint64, b *blocks, minDice float64, year bool, lk *linker) []uint64 {
	var dt []uint32
	if sc.dobKey >= 0 {
		dt = sc.bl[sc.dobKey].token
	}
	for bi := range b.len() {
		blk := b.block(bi)
		if year {
			for _, x := range blk {
				sc.nearN[x] = uint32(len(blk))
			}
		}
		for i, x := range blk {
			fx := &sc.in.bloom[x]
			rx := lk.find(x)
			for _, y := range blk[i+1:] {
				apart := year && lk.find(y) != rx
				if apart && dt != nil {
					sc.dateCounts[level(dt, x, y)]++
				}
				fy := &sc.in.bloom[y]
				if isZero(fx) || isZero(fy) {
					if apart {
						sc.diceCounts[0]++
						sc.diceCompared++
					}
					continue
				}
				d := dice(fx, fy)
				if apart {
					l := diceLevel(d)
					sc.diceCounts[l]++
					sc.diceCompared++
					nx, ny := &sc.near[x][l-1], &sc.near[y][l-1]
					*nx = min(*nx+1, math.MaxUint16)
					*ny = min(*ny+1, math.MaxUint16)
				}
				if d >= minDice {
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
	// Best first; ties in an order that does not depend on the order of
	// the records in the files (their numbers do).
	sc.contentKeys()
	ck := func(p scoredPair) [2]uint64 {
		x, y := sc.ckey[p.a], sc.ckey[p.b]
		if y < x {
			x, y = y, x
		}
		return [2]uint64{x, y}
	}
	slices.SortFunc(ps, func(x, y scoredPair) int {
		if x.w != y.w {
			return cmp.Compare(y.w, x.w)
		}
		kx, ky := ck(x), ck(y)
		if c := cmp.Compare(kx[0], ky[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(kx[1], ky[1]); c != 0 {
			return c
		}
		return cmp.Compare(pairKey(x.a, x.b), pairKey(y.a, y.b)) // identical records: either order gives the same table
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
