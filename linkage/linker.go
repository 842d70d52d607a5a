package linkage

import (
	"math/bits"
	"slices"
)

const none = ^uint32(0)

// mixed is the covariate state of a person whose records hold two or more
// different known values. State 0 is "missing", 1.. a known value id.
const mixed = ^uint16(0)

// joinState joins two covariate states and reports whether they conflict:
// both are known (or mixed) and they are not the same single value.
func joinState(x, y uint16) (uint16, bool) {
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

// linker holds the persons formed so far. Two union-find forests run over
// the global record numbers: gpar groups records into persons, lpar groups
// records of one list into list-persons (within-list duplicates). The
// invariant: a person holds at most one list-person of each list, so a
// person's lists are a bit pattern and a list's list-persons are its
// persons.
type linker struct {
	in   *input
	nc   int
	gpar []uint32
	lpar []uint32
	pat  []uint32 // at person roots: the lists the person is on
	cst  []uint16 // at person roots: N×nc covariate states

	// Tentative state of one level. gslot/lslot map a person root/list-
	// person root touched at this level to a dense slot, none otherwise.
	gslot, lslot []uint32
	tRec         []uint32 // slot → person root record
	tPar         []uint32 // tentative union-find over slots
	tOr          []uint32 // at slot roots: union of patterns
	tPop         []uint32 // at slot roots: sum of the members' list counts
	tU           []uint32 // at slot roots: within-list merges (list-person unions)
	tCovConf     []bool   // at slot roots: some covariate conflicts
	tCst         []uint16 // slots×nc joined covariate states
	lRec         []uint32 // list-person slot → list-person root record
	lPar         []uint32 // tentative union-find over list-person slots
	ok           []bool
	size         []uint32
}

func newLinker(in *input) *linker {
	n := in.n
	lk := &linker{in: in, nc: len(in.covariates)}
	lk.gpar = make([]uint32, n)
	lk.lpar = make([]uint32, n)
	lk.pat = make([]uint32, n)
	lk.gslot = make([]uint32, n)
	lk.lslot = make([]uint32, n)
	for i := range n {
		lk.gpar[i] = uint32(i)
		lk.lpar[i] = uint32(i)
		lk.pat[i] = 1 << in.listOf[i]
		lk.gslot[i] = none
		lk.lslot[i] = none
	}
	lk.cst = slices.Clone(in.cov)
	return lk
}

func find(par []uint32, x uint32) uint32 {
	for par[x] != x {
		par[x] = par[par[x]]
		x = par[x]
	}
	return x
}

func (lk *linker) gslotOf(g uint32) uint32 {
	if s := lk.gslot[g]; s != none {
		return s
	}
	s := uint32(len(lk.tRec))
	lk.gslot[g] = s
	lk.tRec = append(lk.tRec, g)
	lk.tPar = append(lk.tPar, s)
	lk.tOr = append(lk.tOr, lk.pat[g])
	lk.tPop = append(lk.tPop, uint32(bits.OnesCount32(lk.pat[g])))
	lk.tU = append(lk.tU, 0)
	lk.tCovConf = append(lk.tCovConf, false)
	lk.tCst = append(lk.tCst, lk.cst[int(g)*lk.nc:int(g+1)*lk.nc]...)
	return s
}

func (lk *linker) lslotOf(r uint32) uint32 {
	if s := lk.lslot[r]; s != none {
		return s
	}
	s := uint32(len(lk.lRec))
	lk.lslot[r] = s
	lk.lRec = append(lk.lRec, r)
	lk.lPar = append(lk.lPar, s)
	return s
}

// tunion joins the tentative components of slots a and b and returns the
// root. The smaller slot becomes the root, so the outcome does not depend
// on which argument is which.
func (lk *linker) tunion(a, b uint32) uint32 {
	a, b = find(lk.tPar, a), find(lk.tPar, b)
	if a == b {
		return a
	}
	if b < a {
		a, b = b, a
	}
	lk.tPar[b] = a
	lk.tOr[a] |= lk.tOr[b]
	lk.tPop[a] += lk.tPop[b]
	lk.tU[a] += lk.tU[b]
	conf := lk.tCovConf[a] || lk.tCovConf[b]
	ca := lk.tCst[int(a)*lk.nc : int(a+1)*lk.nc]
	cb := lk.tCst[int(b)*lk.nc : int(b+1)*lk.nc]
	for c := range ca {
		var cc bool
		ca[c], cc = joinState(ca[c], cb[c])
		conf = conf || cc
	}
	lk.tCovConf[a] = conf
	return a
}

// levelStats are one key's outcome.
type levelStats struct {
	links              int // person merges accepted (each lowers the person count by one)
	duplicates         int // list-person merges accepted: within-list duplicates found
	ambiguous          int // components refused
	ambiguousPersons   int // persons in them
	covariateConflicts int // accepted components whose parts disagree on a covariate
}

// level applies one key's blocks. All candidate links of the level are
// joined tentatively into components over the persons formed so far; a
// component is accepted as a whole when the person it makes holds at most
// one list-person of each list, and refused as a whole otherwise. The
// outcome depends only on the state before the level and on the blocks,
// not on the order of records or blocks.
func (lk *linker) level(b *blocks) levelStats {
	listOf := lk.in.listOf
	for bi := range b.len() {
		blk := b.block(bi)
		prev := blk[0]
		gp := lk.gslotOf(find(lk.gpar, prev))
		for _, r := range blk[1:] {
			g := lk.gslotOf(find(lk.gpar, r))
			if listOf[r] == listOf[prev] {
				a := find(lk.lPar, lk.lslotOf(find(lk.lpar, prev)))
				c := find(lk.lPar, lk.lslotOf(find(lk.lpar, r)))
				root := lk.tunion(gp, g)
				if a != c {
					if c < a {
						a, c = c, a
					}
					lk.lPar[c] = a
					lk.tU[root]++
				}
			} else {
				lk.tunion(gp, g)
			}
			prev, gp = r, g
		}
	}

	ns := len(lk.tRec)
	lk.ok = slices.Grow(lk.ok[:0], ns)[:ns]
	lk.size = slices.Grow(lk.size[:0], ns)[:ns]
	clear(lk.size)
	for s := range ns {
		lk.size[find(lk.tPar, uint32(s))]++
	}
	var st levelStats
	for s := range ns {
		if lk.tPar[s] != uint32(s) {
			continue
		}
		// Each list of the component has tPop−tU list-persons in all;
		// accepted when that is one per list.
		lk.ok[s] = lk.tPop[s]-lk.tU[s] == uint32(bits.OnesCount32(lk.tOr[s]))
		if lk.size[s] < 2 {
			continue
		}
		if lk.ok[s] {
			st.links += int(lk.size[s]) - 1
			st.duplicates += int(lk.tU[s])
			if lk.tCovConf[s] {
				st.covariateConflicts++
			}
		} else {
			st.ambiguous++
			st.ambiguousPersons += int(lk.size[s])
		}
	}
	// Commit list-persons first: their person is still found through the
	// committed forest.
	for ls := range lk.lRec {
		root := find(lk.lPar, uint32(ls))
		if root == uint32(ls) {
			continue
		}
		rec := lk.lRec[ls]
		if lk.ok[find(lk.tPar, lk.gslot[find(lk.gpar, rec)])] {
			lk.lpar[rec] = lk.lRec[root]
		}
	}
	for s := range ns {
		root := find(lk.tPar, uint32(s))
		if !lk.ok[root] {
			continue
		}
		rec := lk.tRec[s]
		if root != uint32(s) {
			lk.gpar[rec] = lk.tRec[root]
			continue
		}
		lk.pat[rec] = lk.tOr[s]
		copy(lk.cst[int(rec)*lk.nc:int(rec+1)*lk.nc], lk.tCst[s*lk.nc:(s+1)*lk.nc])
	}
	for _, r := range lk.tRec {
		lk.gslot[r] = none
	}
	for _, r := range lk.lRec {
		lk.lslot[r] = none
	}
	lk.tRec, lk.tPar, lk.tOr, lk.tPop, lk.tU = lk.tRec[:0], lk.tPar[:0], lk.tOr[:0], lk.tPop[:0], lk.tU[:0]
	lk.tCovConf, lk.tCst, lk.lRec, lk.lPar = lk.tCovConf[:0], lk.tCst[:0], lk.lRec[:0], lk.lPar[:0]
	return st
}
