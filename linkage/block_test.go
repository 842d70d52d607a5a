package linkage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// TestBlockKeyMatchesMapGrouping checks the radix grouping against a plain
// map from token to records. Tokens are drawn so that every path runs:
// spread tokens (two passes and a short sort), tokens sharing their first
// two bytes (the third pass), and tokens sharing three bytes (the fallback
// to the library sort).
func TestBlockKeyMatchesMapGrouping(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var toks [][tokBytes]byte
	add := func(n, prefix int) {
		for range n {
			var tk [tokBytes]byte
			for i := range tk {
				tk[i] = byte(rng.Uint32())
			}
			for i := range prefix {
				tk[i] = 0xA0 + byte(prefix)
			}
			toks = append(toks, tk)
		}
	}
	add(5000, 0)
	add(3000, 2)
	add(400, 3)
	const nlists, limit = 3, 5
	in := &input{lists: make([]*list, nlists), offset: make([]uint32, nlists+1)}
	for l := range in.lists {
		in.lists[l] = &list{pairs: make([][]pair, 1)}
	}
	want := map[[tokBytes]byte][]uint32{}
	rows := make([]int, nlists)
	for _, tk := range toks {
		// 1 to 7 records hold the token; 6 and 7 exceed the limit.
		for range 1 + rng.IntN(7) {
			l := rng.IntN(nlists)
			in.lists[l].pairs[0] = append(in.lists[l].pairs[0], newPair(tk, uint32(rows[l])))
			rows[l]++
		}
	}
	for l := range nlists {
		in.offset[l+1] = in.offset[l] + uint32(rows[l])
		rng.Shuffle(len(in.lists[l].pairs[0]), func(i, j int) {
			ps := in.lists[l].pairs[0]
			ps[i], ps[j] = ps[j], ps[i]
		})
		for _, p := range in.lists[l].pairs[0] {
			want[p.tok] = append(want[p.tok], p.rec()+in.offset[l])
		}
	}
	var wantBlocks [][]uint32
	var over, overRecs, shared, maxFreq, with int
	for _, recs := range want {
		slices.Sort(recs)
		with += len(recs)
		maxFreq = max(maxFreq, len(recs))
		switch {
		case len(recs) > limit:
			over++
			overRecs += len(recs)
			shared++
		case len(recs) >= 2:
			shared++
			wantBlocks = append(wantBlocks, recs)
		}
	}
	var s sorter
	var b blocks
	s.blockKey(in, 0, limit, &b)
	var got [][]uint32
	for i := range b.len() {
		got = append(got, slices.Clone(b.block(i)))
	}
	order := func(x, y []uint32) int { return slices.Compare(x, y) }
	slices.SortFunc(got, order)
	slices.SortFunc(wantBlocks, order)
	if diff := cmp.Diff(wantBlocks, got); diff != "" {
		t.Errorf("blocks differ (-want +got):\n%s", diff)
	}
	gotStats := [6]int{b.withToken, b.distinct, b.shared, b.maxFreq, b.overLimit, b.overLimitRecords}
	wantStats := [6]int{with, len(want), shared, maxFreq, over, overRecs}
	if gotStats != wantStats {
		t.Errorf("stats %v, want %v", gotStats, wantStats)
	}
	if over == 0 || len(wantBlocks) == 0 {
		t.Fatal("the data should hold blocks and tokens over the limit")
	}
}

func TestJoinState(t *testing.T) {
	cases := []struct {
		x, y, want uint8
		conf       bool
	}{
		{0, 0, 0, false},
		{0, 3, 3, false},
		{3, 0, 3, false},
		{3, 3, 3, false},
		{3, 4, mixed, true},
		{mixed, 0, mixed, false},
		{mixed, 3, mixed, true},
		{mixed, mixed, mixed, true},
	}
	for _, c := range cases {
		got, conf := joinState(c.x, c.y)
		if got != c.want || conf != c.conf {
			t.Errorf("joinState(%d, %d) = %d, %v", c.x, c.y, got, conf)
		}
	}
}

// TestJoinWordLaneByLane checks the packed join, including its shortcuts,
// against joinState on each lane.
func TestJoinWordLaneByLane(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lane := func() uint64 { return uint64([]uint8{0, 0, 1, 2, 3, mixed}[rng.IntN(6)]) }
	word := func() uint64 {
		var w uint64
		for i := range lanes {
			w |= lane() << (8 * i)
		}
		return w
	}
	for i := range 20000 {
		x := word()
		y := word()
		if i%3 == 0 {
			y = x // exercise the equal-words shortcut
		}
		got, gotConf := joinWord(x, y)
		var want uint64
		wantConf := false
		for l := range lanes {
			s, c := joinState(uint8(x>>(8*l)), uint8(y>>(8*l)))
			want |= uint64(s) << (8 * l)
			wantConf = wantConf || c
		}
		if got != want || gotConf != wantConf {
			t.Fatalf("joinWord(%#x, %#x) = %#x, %v; want %#x, %v", x, y, got, gotConf, want, wantConf)
		}
	}
}

// TestManyCovariates uses ten covariates, so that states spill past the
// first packed word; only the tenth disagrees.
func TestManyCovariates(t *testing.T) {
	var covs, a, b []string
	for i := range 10 {
		covs = append(covs, fmt.Sprintf("c%d", i))
		a = append(a, "v")
		b = append(b, "v")
	}
	b[9] = "w"
	files := []fileSpec{
		{"A", []rec{{"x", a}, {"y", a}}},
		{"B", []rec{{"x", b}, {"y", a}}},
	}
	res := link(t, []string{"k1"}, covs, files, &Options{Strata: []string{"c9"}})
	if kr := keyReport(res, "k1"); kr.CovariateConflicts != 1 || kr.Links != 2 {
		t.Errorf("%+v", kr)
	}
	if got := res.Report.Rules[1].ConflictingPersons; got["c9"] != 1 || got["c8"] != 0 {
		t.Errorf("%v", got)
	}
	// x: v on A, w on B → tie → list A's value.
	if diff := cmp.Diff(map[string]int{"11/v": 2}, cells(res, Default)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func newPair(tok [tokBytes]byte, rec uint32) pair {
	p := pair{tok: tok}
	p.setRec(rec)
	return p
}

// TestPairSize: a pair takes 14 bytes, which the memory figures of the
// package documentation ("Scale") assume.
func TestPairSize(t *testing.T) {
	if n := unsafe.Sizeof(pair{}); n != 14 {
		t.Errorf("pair is %d bytes", n)
	}
}
