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
	st  [MaxStrata]uint8
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
	// Persons whose stratum columns need a vote, and their records.
	needsVote := func(root uint32) bool {
		for _, c := range strata {
			if lk.state(root, c) == mixed {
				return true
			}
		}
		return false
	}
	voting := false
	for r := range n {
		if lk.nodes[r].par == uint32(r) && needsVote(uint32(r)) {
			voting = true
			break
		}
	}
	type member struct{ root, rec uint32 }
	var voters []member
	if voting {
		for r := range n {
			if root := lk.find(uint32(r)); needsVote(root) {
				voters = append(voters, member{root, uint32(r)})
			}
		}
		slices.SortFunc(voters, func(a, b member) int {
			return cmp.Or(cmp.Compare(a.root, b.root), cmp.Compare(a.rec, b.rec))
		})
	}
	voted := map[uint32][MaxStrata]uint8{}
	for i := 0; i < len(voters); {
		j := i
		for j < len(voters) && voters[j].root == voters[i].root {
			j++
		}
		var st [MaxStrata]uint8
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

	// One sequential pass over the person roots.
	var bySize, byLists []int
	bump := func(h *[]int, i int) {
		if i >= len(*h) {
			*h = append(*h, make([]int, i+1-len(*h))...)
		}
		(*h)[i]++
	}
	dense := len(strata) == 0 && k <= 16
	var flat []int
	if dense {
		flat = make([]int, 1<<k)
	}
	cells := map[cellKey]int{}
	for r := range n {
		nd := &lk.nodes[r]
		if nd.par != uint32(r) {
			continue
		}
		root := uint32(r)
		sn.persons++
		bump(&bySize, int(nd.size))
		p := nd.pat
		bump(&byLists, bits.OnesCount32(p))
		for l := range k {
			if p&(1<<l) != 0 {
				sn.listPersons[l]++
			}
		}
		for c := range nc {
			if lk.state(root, c) == mixed {
				sn.conflicting[c]++
			}
		}
		if dense {
			flat[p]++
			continue
		}
		key := cellKey{pat: p}
		if v, ok := voted[root]; ok {
			key.st = v
		} else {
			for si, c := range strata {
				key.st[si] = lk.state(root, c)
			}
		}
		cells[key]++
	}
	for i, c := range bySize {
		if c > 0 {
			sn.recordsPerPerson[i] = c
		}
	}
	for i, c := range byLists {
		if c > 0 {
			sn.listsPerPerson[i] = c
		}
	}
	for p, c := range flat {
		if c > 0 {
			cells[cellKey{pat: uint32(p)}] = c
		}
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
func (lk *linker) vote(recs []uint32, c int) uint8 {
	type tally struct {
		v     uint8
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
