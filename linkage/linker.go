package linkage

import (
	"math/bits"
	"slices"
)

const none = ^uint32(0)

// Covariate states are bytes: 0 missing, 1..253 a known value id, mixed
// when a person's records hold two or more different known values. They
// are packed eight to a uint64 ("lanes").
const mixed = 0xFF

const (
	lanes   = 8
	ones    = 0x0101010101010101
	highs   = 0x8080808080808080
	allMask = ^uint64(0)
)

// joinState joins two covariate states and reports whether they conflict:
// both are known (or mixed) and they are not the same single value.
func joinState(x, y uint8) (uint8, bool) {
	switch {
	case x == 0:
		return y, false
	case y == 0:
		return x, false
	case x == y && x != mixed:
		return x, false
	}
	return mixed, true
}

// hasMixed reports whether some lane of w is mixed (0xFF).
func hasMixed(w uint64) bool {
	t := ^w
	return (t-ones)&^t&highs != 0
}

// joinWord joins two words of covariate states lane by lane.
func joinWord(x, y uint64) (uint64, bool) {
	switch {
	case x == 0:
		return y, false
	case y == 0, x == y && !hasMixed(x):
		return x, false
	}
	var out uint64
	conf := false
	for i := 0; i < 64; i += 8 {
		s, c := joinState(uint8(x>>i), uint8(y>>i))
		out |= uint64(s) << i
		conf = conf || c
	}
	return out, conf
}

// node is one record's place in both forests. Keeping a record's fields
// together costs one cache miss per visit on inputs far larger than the
// cache.
type node struct {
	par   uint32 // person forest: parent
	lpar  uint32 // list-person forest: parent
	slot  uint32 // person root touched this level: its slot, else none
	lslot uint32 // list-person root touched this level: its slot, else none
	pat   uint32 // person root: the lists the person is on
	size  uint32 // person root: its records
	cov   uint64 // person root: covariate states of columns 0..7
}

// tslot is one person touched by a level, in the tentative forest.
type tslot struct {
	rec  uint32 // the person's root record
	par  uint32 // tentative forest over slots: parent
	or   uint32 // slot root: union of the members' patterns
	pop  uint32 // slot root: sum of the members' numbers of lists
	u    uint32 // slot root: list-person merges inside the component
	size uint32 // slot root: records in the component
	conf bool   // slot root: some covariate conflicts
	cov  uint64 // slot root: joined covariate states of columns 0..7
}

type lslot struct {
	rec uint32 // the list-person's root record
	par uint32 // tentative forest over list-person slots
}

// linker holds the persons formed so far. Two union-find forests run over
// the global record numbers: one groups records into persons, the other
// groups records of one list into list-persons (within-list duplicates).
// The invariant: a person holds at most one list-person of each list, so a
// person's lists are a bit pattern and a list's list-persons are the
// persons on it.
type linker struct {
	in    *input
	nc    int
	words int // covariate words per record: ceil(nc/8)
	nodes []node
	covx  []uint64 // person roots: covariate words 1.. (when nc > 8)

	// The tentative state of one level.
	ts    []tslot
	tcovx []uint64 // slots × (words-1)
	ls    []lslot
	ok    []bool
	size  []uint32
	sink  uint32 // keeps the loads of level's look-ahead alive
}

func newLinker(in *input) *linker {
	n := in.n
	nc := len(in.covariates)
	lk := &linker{in: in, nc: nc, words: max(1, (nc+lanes-1)/lanes)}
	lk.nodes = make([]node, n)
	if lk.words > 1 {
		lk.covx = make([]uint64, n*(lk.words-1))
	}
	for i := range n {
		nd := &lk.nodes[i]
		nd.par, nd.lpar, nd.slot, nd.lslot = uint32(i), uint32(i), none, none
		nd.pat = 1 << in.listOf[i]
		nd.size = 1
		for c := range nc {
			w := uint64(in.cov[i*nc+c]) << (8 * (c % lanes))
			if c < lanes {
				nd.cov |= w
			} else {
				lk.covx[i*(lk.words-1)+c/lanes-1] |= w
			}
		}
	}
	return lk
}

// state returns covariate c's state at person root r.
func (lk *linker) state(r uint32, c int) uint8 {
	if c < lanes {
		return uint8(lk.nodes[r].cov >> (8 * c))
	}
	return uint8(lk.covx[int(r)*(lk.words-1)+c/lanes-1] >> (8 * (c % lanes)))
}

// clone returns a copy of the persons formed so far, sharing nothing that
// a level changes.
func (lk *linker) clone() *linker {
	c := &linker{in: lk.in, nc: lk.nc, words: lk.words}
	c.nodes = slices.Clone(lk.nodes)
	c.covx = slices.Clone(lk.covx)
	return c
}

func (lk *linker) find(x uint32) uint32 {
	nodes := lk.nodes
	for nodes[x].par != x {
		p := nodes[x].par
		nodes[x].par = nodes[p].par
		x = nodes[x].par
	}
	return x
}

func (lk *linker) lfind(x uint32) uint32 {
	nodes := lk.nodes
	for nodes[x].lpar != x {
		p := nodes[x].lpar
		nodes[x].lpar = nodes[p].lpar
		x = nodes[x].lpar
	}
	return x
}

func (lk *linker) tfind(x uint32) uint32 {
	ts := lk.ts
	for ts[x].par != x {
		ts[x].par = ts[ts[x].par].par
		x = ts[x].par
	}
	return x
}

func (lk *linker) lsfind(x uint32) uint32 {
	ls := lk.ls
	for ls[x].par != x {
		ls[x].par = ls[ls[x].par].par
		x = ls[x].par
	}
	return x
}

// slotOf returns the slot of person root g, making one on first touch.
func (lk *linker) slotOf(g uint32) uint32 {
	nd := &lk.nodes[g]
	if nd.slot != none {
		return nd.slot
	}
	s := uint32(len(lk.ts))
	nd.slot = s
	lk.ts = append(lk.ts, tslot{rec: g, par: s, or: nd.pat, pop: uint32(bits.OnesCount32(nd.pat)), size: nd.size, cov: nd.cov})
	if lk.words > 1 {
		w := lk.words - 1
		lk.tcovx = append(lk.tcovx, lk.covx[int(g)*w:int(g+1)*w]...)
	}
	return s
}

// lslotOf returns the slot of list-person root r.
func (lk *linker) lslotOf(r uint32) uint32 {
	nd := &lk.nodes[r]
	if nd.lslot != none {
		return nd.lslot
	}
	s := uint32(len(lk.ls))
	nd.lslot = s
	lk.ls = append(lk.ls, lslot{rec: r, par: s})
	return s
}

// tunion joins the tentative components of slots a and b and returns the
// root. The smaller slot becomes the root, so the outcome does not depend
// on which argument is which.
func (lk *linker) tunion(a, b uint32) uint32 {
	a, b = lk.tfind(a), lk.tfind(b)
	if a == b {
		return a
	}
	if b < a {
		a, b = b, a
	}
	ta, tb := &lk.ts[a], &lk.ts[b]
	tb.par = a
	ta.or |= tb.or
	ta.pop += tb.pop
	ta.u += tb.u
	ta.size += tb.size
	cov, conf := joinWord(ta.cov, tb.cov)
	ta.cov = cov
	ta.conf = ta.conf || tb.conf || conf
	if w := lk.words - 1; w > 0 {
		xa := lk.tcovx[int(a)*w : int(a+1)*w]
		xb := lk.tcovx[int(b)*w : int(b+1)*w]
		for i := range xa {
			xa[i], conf = joinWord(xa[i], xb[i])
			ta.conf = ta.conf || conf
		}
	}
	return a
}

// levelStats are one key's outcome.
type levelStats struct {
	links              int // person merges accepted (each lowers the person count by one)
	duplicates         int // list-person merges accepted: within-list duplicates found
	ambiguous          int // components refused
	ambiguousPersons   int // persons in them
	covariateConflicts int // accepted components whose parts disagree on a covariate
	contradicted       int // blocks refused because their records' finer tokens differ
	contradictedRecs   int // records in them
}

// contradicted reports whether the records of a block carry two or more
// different tokens of the finer key (token ids as blocks.token holds them).
func contradicted(blk []uint32, token []uint32) bool {
	n := 0
	var shared uint32
	for _, r := range blk {
		switch s := token[r]; {
		case s == 0:
		case s == 1, shared != 0 && s != shared:
			n++
		case shared == 0:
			shared = s
			n++
		}
		if n >= 2 {
			return true
		}
	}
	return false
}

// level applies one key's blocks. A block whose records carry different
// tokens of the finer key (finer, nil when the key has none) is refused
// first. All candidate links of the level are
// joined tentatively into components over the persons formed so far; a
// component is accepted as a whole when the person it makes holds at most
// one list-person of each list, and refused as a whole otherwise. The
// outcome depends only on the state before the level and on the blocks,
// not on the order of records or blocks.
func (lk *linker) level(b *blocks, finer []uint32) levelStats {
	var st levelStats
	offset := lk.in.offset
	// listOf finds a record's list from the offsets: a few comparisons
	// instead of a cache miss.
	listOf := func(r uint32) int {
		l := 0
		for offset[l+1] <= r {
			l++
		}
		return l
	}
	nodes := lk.nodes
	// Each block record touches at most one person and one list-person.
	if need := len(b.recs); cap(lk.ts) < need {
		lk.ts = make([]tslot, 0, need)
		if lk.words > 1 {
			lk.tcovx = make([]uint64, 0, need*(lk.words-1))
		}
	}
	const batch = 256 // records whose nodes are loaded ahead
	next := 0         // first block not yet loaded ahead
	for bi := range b.len() {
		if bi == next {
			// Touch the nodes of the next blocks and of their roots
			// first: these loads do not depend on each other, so their
			// cache misses overlap instead of queueing one by one.
			start := b.start(bi)
			end := start
			for next < b.len() && end-start < batch {
				end = b.ends[next]
				next++
			}
			var sink uint32
			for _, r := range b.recs[start:end] {
				sink += nodes[r].par
			}
			for _, r := range b.recs[start:end] {
				sink += nodes[nodes[r].par].slot
			}
			if finer != nil {
				for _, r := range b.recs[start:end] {
					sink += finer[r]
				}
			}
			lk.sink += sink
		}
		blk := b.block(bi)
		if finer != nil && contradicted(blk, finer) {
			st.contradicted++
			st.contradictedRecs += len(blk)
			continue
		}
		prev := blk[0]
		gp := lk.slotOf(lk.find(prev))
		for _, r := range blk[1:] {
			g := lk.slotOf(lk.find(r))
			root := lk.tunion(gp, g)
			if listOf(r) == listOf(prev) {
				// A within-list link: it merges two list-persons unless
				// they are already one.
				a := lk.lsfind(lk.lslotOf(lk.lfind(prev)))
				c := lk.lsfind(lk.lslotOf(lk.lfind(r)))
				if a != c {
					if c < a {
						a, c = c, a
					}
					lk.ls[c].par = a
					lk.ts[root].u++
				}
			}
			prev, gp = r, g
		}
	}

	ns := len(lk.ts)
	lk.ok = slices.Grow(lk.ok[:0], ns)[:ns]
	lk.size = slices.Grow(lk.size[:0], ns)[:ns]
	clear(lk.size)
	for s := range ns {
		lk.size[lk.tfind(uint32(s))]++
	}
	for s := range ns {
		t := &lk.ts[s]
		if t.par != uint32(s) {
			continue
		}
		// The component's list-persons number pop−u in all; it is
		// accepted when that is one per list.
		lk.ok[s] = t.pop-t.u == uint32(bits.OnesCount32(t.or))
		if lk.size[s] < 2 {
			continue
		}
		if lk.ok[s] {
			st.links += int(lk.size[s]) - 1
			st.duplicates += int(t.u)
			if t.conf {
				st.covariateConflicts++
			}
		} else {
			st.ambiguous++
			st.ambiguousPersons += int(lk.size[s])
		}
	}
	// Commit list-persons first: their person is still found through the
	// committed forest.
	for i := range lk.ls {
		root := lk.lsfind(uint32(i))
		rec := lk.ls[i].rec
		if root != uint32(i) && lk.ok[lk.tfind(lk.nodes[lk.find(rec)].slot)] {
			lk.nodes[rec].lpar = lk.ls[root].rec
		}
		lk.nodes[rec].lslot = none
	}
	// Persons that do not change (a component of one slot: a block whose
	// records were one person already; a refused component) only get
	// their slot cleared.
	w := lk.words - 1
	for s := range ns {
		root := lk.tfind(uint32(s))
		t := &lk.ts[s]
		nd := &lk.nodes[t.rec]
		nd.slot = none
		if !lk.ok[root] || lk.size[root] < 2 {
			continue
		}
		if root != uint32(s) {
			nd.par = lk.ts[root].rec
			continue
		}
		nd.pat, nd.size, nd.cov = t.or, t.size, t.cov
		if w > 0 {
			copy(lk.covx[int(t.rec)*w:int(t.rec+1)*w], lk.tcovx[s*w:(s+1)*w])
		}
	}
	lk.ts, lk.tcovx, lk.ls = lk.ts[:0], lk.tcovx[:0], lk.ls[:0]
	return st
}
