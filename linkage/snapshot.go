package linkage

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/morketall/morketall/mse"
)

// snapshot is the outcome of linking down to one depth of the hierarchy.
type snapshot struct {
	table            *mse.Table
	persons          int
	recordsPerPerson map[int]int
	listsPerPerson   map[int]int
	listPersons      []int // per list: persons on it
	conflicting      []int // per covariate: persons whose records disagree
}

type cellKey struct {
	pat uint32
	st  [MaxStrata]uint16
}

// snapshot counts the persons formed so far. strata are covariate column
// indices. The stratum value of a person is its covariate state when that
// is a single value, "unknown" when missing, and the vote of vote() when
// its records disagree.
func (lk *linker) snapshot(strata []int) *snapshot {
	in := lk.in
	n := in.n
	nc := lk.nc
	k := len(in.lists)
	sn := &snapshot{
		recordsPerPerson: map[int]int{},
		listsPerPerson:   map[int]int{},
		listPersons:      make([]int, k),
		conflicting:      make([]int, nc),
	}
	size := make([]uint32, n)
	for r := range n {
		size[find(lk.gpar, uint32(r))]++
	}
	// Persons whose stratum columns need a vote, and their records.
	type member struct{ root, rec uint32 }
	var voters []member
	needsVote := func(root uint32) bool {
		for _, c := range strata {
			if lk.cst[int(root)*nc+c] == mixed {
				return true
			}
		}
		return false
	}
	if len(strata) > 0 {
		for r := range n {
			root := lk.gpar[r] // compressed above: one step reaches the root
			root = find(lk.gpar, root)
			if needsVote(root) {
				voters = append(voters, member{root, uint32(r)})
			}
		}
		slices.SortFunc(voters, func(a, b member) int {
			return cmp.Or(cmp.Compare(a.root, b.root), cmp.Compare(a.rec, b.rec))
		})
	}
	voted := map[uint32][MaxStrata]uint16{}
	for i := 0; i < len(voters); {
		j := i
		for j < len(voters) && voters[j].root == voters[i].root {
			j++
		}
		var st [MaxStrata]uint16
		recs := make([]uint32, 0, j-i)
		for _, m := range voters[i:j] {
			recs = append(recs, m.rec)
		}
		for si, c := range strata {
			st[si] = lk.vote(recs, c)
		}
		voted[voters[i].root] = st
		i = j
	}

	cells := map[cellKey]int{}
	for r := range n {
		if lk.gpar[r] != uint32(r) {
			continue
		}
		root := uint32(r)
		sn.persons++
		sn.recordsPerPerson[int(size[r])]++
		p := lk.pat[r]
		sn.listsPerPerson[bits.OnesCount32(p)]++
		for l := range k {
			if p&(1<<l) != 0 {
				sn.listPersons[l]++
			}
		}
		for c := range nc {
			if lk.cst[r*nc+c] == mixed {
				sn.conflicting[c]++
			}
		}
		key := cellKey{pat: p}
		if v, ok := voted[root]; ok {
			key.st = v
		} else {
			for si, c := range strata {
				key.st[si] = lk.cst[r*nc+c]
			}
		}
		cells[key]++
	}

	t := &mse.Table{}
	for _, l := range in.lists {
		t.Lists = append(t.Lists, l.hdr.List)
	}
	for _, c := range strata {
		t.Strata = append(t.Strata, in.covariates[c])
	}
	keys := make([]cellKey, 0, len(cells))
	for key := range cells {
		keys = append(keys, key)
	}
	// Strata in the order of their values' names, patterns ascending.
	slices.SortFunc(keys, func(a, b cellKey) int {
		for si := range strata {
			if c := cmp.Compare(a.st[si], b.st[si]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.pat, b.pat)
	})
	for _, key := range keys {
		row := mse.Row{Pattern: mse.Pattern(key.pat), Count: cells[key]}
		if len(strata) > 0 {
			row.Stratum = make([]string, len(strata))
			for si, c := range strata {
				if key.st[si] == 0 {
					row.Stratum[si] = Unknown
				} else {
					row.Stratum[si] = in.values[c][key.st[si]]
				}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	sn.table = t
	return sn
}

// vote resolves a covariate whose known values disagree among one person's
// records (recs ascending, hence in list order): the value held by most
// records wins; a tie goes to the value seen on the earliest list (the
// order of the files on the command line), and a tie on that to the value
// that sorts first.
func (lk *linker) vote(recs []uint32, c int) uint16 {
	type tally struct {
		v     uint16
		n     int
		first uint8
	}
	var ts []tally
	for _, r := range recs {
		v := lk.in.cov[int(r)*lk.nc+c]
		if v == 0 {
			continue
		}
		i := slices.IndexFunc(ts, func(t tally) bool { return t.v == v })
		if i < 0 {
			ts = append(ts, tally{v: v, first: lk.in.listOf[r]})
			i = len(ts) - 1
		}
		ts[i].n++
	}
	if len(ts) == 0 {
		return 0
	}
	best := slices.MinFunc(ts, func(a, b tally) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.first, b.first), cmp.Compare(a.v, b.v))
	})
	return best.v
}
