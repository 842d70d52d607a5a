package extsort

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// TestSortSpillsAndMerges sorts 200,000 random records with runs of 32 KiB
// (so over 100 runs, more than MaxFanIn, and a second merge level), twice
// over, and compares with an in-memory sort; then Close leaves no file.
func TestSortSpillsAndMerges(t *testing.T) {
	dir := t.TempDir()
	s := New(&Options{Dir: dir, RunBytes: 32 << 10, KeyLen: 8})
	r := rand.New(rand.NewPCG(1, 2))
	var want [][]byte
	for i := 0; i < 200000; i++ {
		rec := binary.BigEndian.AppendUint64(nil, r.Uint64())
		rec = append(rec, make([]byte, r.IntN(20))...)
		want = append(want, rec)
		if err := s.Add(rec); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.runs) <= MaxFanIn {
		t.Fatalf("only %d runs: the test does not reach the second merge level", len(s.runs))
	}
	if err := s.Sort(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b []byte) int { return slices.Compare(a[:8], b[:8]) })
	for pass := 0; pass < 2; pass++ {
		it, err := s.Iter()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			got, err := it.Next()
			if err == io.EOF {
				if i != len(want) {
					t.Fatalf("pass %d: %d records, want %d", pass, i, len(want))
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want[i]) {
				t.Fatalf("pass %d: record %d differs", pass, i)
			}
		}
		it.Close()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left %d entries behind", len(ents))
	}
}

func TestInMemory(t *testing.T) {
	dir := t.TempDir()
	s := New(&Options{Dir: dir, KeyLen: 1})
	for _, b := range []string{"c", "a", "b"} {
		s.Add([]byte(b))
	}
	s.Sort()
	it, _ := s.Iter()
	var got string
	for {
		r, err := it.Next()
		if err != nil {
			break
		}
		got += string(r)
	}
	if got != "abc" {
		t.Fatalf("got %q", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatal("an in-memory sort made files")
	}
}

func TestUint64s(t *testing.T) {
	dir := t.TempDir()
	u := NewUint64s(&Options{Dir: dir, RunBytes: 8 << 10})
	r := rand.New(rand.NewPCG(3, 4))
	want := make([]uint64, 150000)
	for i := range want {
		want[i] = r.Uint64() % 100000 // with repeats
		u.Add(want[i])
	}
	slices.Sort(want)
	var got []uint64
	if err := u.Each(func(v uint64) { got = append(got, v) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatal("Uint64s order differs from slices.Sort")
	}
	u.Close()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatal("files left behind")
	}
}

// TestUint64sCounts: EachCount gives every distinct number once, in
// order, with the count a map of the added numbers gives, in memory and
// through spilled runs (wide values exercise every radix pass).
func TestUint64sCounts(t *testing.T) {
	for _, runBytes := range []int{1 << 20, 4 << 10} {
		u := NewUint64s(&Options{Dir: t.TempDir(), RunBytes: runBytes})
		r := rand.New(rand.NewPCG(5, 6))
		want := map[uint64]int{}
		for range 60000 {
			v := r.Uint64()
			if r.IntN(3) == 0 {
				v = uint64(r.IntN(50)) << 58 // many repeats, as block keys have
			}
			want[v]++
			u.Add(v)
		}
		var last uint64
		seen := 0
		err := u.EachCount(func(v uint64, n int) {
			if seen > 0 && v <= last {
				t.Fatalf("run of %d bytes: %d after %d", runBytes, v, last)
			}
			if want[v] != n {
				t.Fatalf("run of %d bytes: count %d, want %d", runBytes, n, want[v])
			}
			last = v
			seen++
		})
		if err != nil || seen != len(want) {
			t.Fatalf("run of %d bytes: %d distinct, want %d (%v)", runBytes, seen, len(want), err)
		}
		u.Close()
	}
}
