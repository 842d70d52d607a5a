package extsort

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Uint64s is a Sorter specialised for 64-bit numbers, which it sorts as
// numbers (radix sort in memory; on disk each distinct number of a run
// once, with its count).
type Uint64s struct {
	s       *Sorter // for the directory and its files
	max     int
	mem     []uint64
	scratch []uint64
	runs    []string
	done    bool
}

// NewUint64s returns an empty Uint64s; opts.RunBytes bounds the memory,
// opts.KeyLen is ignored.
func NewUint64s(opts *Options) *Uint64s {
	s := New(opts)
	return &Uint64s{s: s, max: max(1, s.opts.RunBytes/8)}
}

// Add adds v.
func (u *Uint64s) Add(v uint64) error {
	if len(u.mem) >= u.max {
		if err := u.spill(); err != nil {
			return err
		}
	}
	if u.mem == nil {
		u.mem = make([]uint64, 0, u.max)
	}
	u.mem = append(u.mem, v)
	return nil
}

// radixSort sorts xs, using scratch (grown to len(xs)) as the second
// buffer: six least-significant-digit passes of 11 bits, the passes whose
// digit is the same in every number skipped.
func radixSort(xs []uint64, scratch *[]uint64) {
	const bitsPer, passes = 11, 6
	if len(xs) < 256 {
		slices.Sort(xs)
		return
	}
	if cap(*scratch) < len(xs) {
		*scratch = make([]uint64, len(xs))
	}
	src, dst := xs, (*scratch)[:len(xs)]
	var counts [passes][1 << bitsPer]int
	for _, v := range src {
		for p := range passes {
			counts[p][(v>>(bitsPer*p))&(1<<bitsPer-1)]++
		}
	}
	for p := range passes {
		c := &counts[p]
		if c[(src[0]>>(bitsPer*p))&(1<<bitsPer-1)] == len(src) {
			continue // one digit value: nothing moves
		}
		sum := 0
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		shift := uint(bitsPer * p)
		for _, v := range src {
			d := (v >> shift) & (1<<bitsPer - 1)
			dst[c[d]] = v
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &xs[0] {
		copy(xs, src)
	}
}

// eachCount calls fn with every distinct number of sorted xs and its count.
func eachCount(xs []uint64, fn func(v uint64, n int)) {
	for i := 0; i < len(xs); {
		j := i + 1
		for j < len(xs) && xs[j] == xs[i] {
			j++
		}
		fn(xs[i], j-i)
		i = j
	}
}

func (u *Uint64s) spill() error {
	radixSort(u.mem, &u.scratch)
	f, err := u.s.create()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	var b [8 + binary.MaxVarintLen64]byte
	eachCount(u.mem, func(v uint64, n int) {
		binary.BigEndian.PutUint64(b[:], v)
		k := binary.PutUvarint(b[8:], uint64(n))
		bw.Write(b[:8+k])
	})
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("extsort: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("extsort: %w", err)
	}
	u.runs = append(u.runs, f.Name())
	u.mem = u.mem[:0]
	return nil
}

// Each calls fn with every number in increasing order. It may be called
// once, after the last Add, and not with EachCount.
func (u *Uint64s) Each(fn func(uint64)) error {
	return u.EachCount(func(v uint64, n int) {
		for range n {
			fn(v)
		}
	})
}

// EachCount calls fn with every distinct number in increasing order and
// the number of times it was added. It may be called once, after the last
// Add, and not with Each.
func (u *Uint64s) EachCount(fn func(v uint64, n int)) error {
	if u.done {
		return errors.New("extsort: Each called twice")
	}
	u.done = true
	if len(u.runs) == 0 {
		radixSort(u.mem, &u.scratch)
		eachCount(u.mem, fn)
		u.scratch = nil
		return nil
	}
	if len(u.mem) > 0 {
		if err := u.spill(); err != nil {
			return err
		}
	}
	u.mem, u.scratch = nil, nil
	// Reduce to MaxFanIn runs, then merge.
	for len(u.runs) > MaxFanIn {
		var next []string
		for i := 0; i < len(u.runs); i += MaxFanIn {
			group := u.runs[i:min(i+MaxFanIn, len(u.runs))]
			f, err := u.s.create()
			if err != nil {
				return err
			}
			bw := bufio.NewWriterSize(f, 1<<16)
			var b [8 + binary.MaxVarintLen64]byte
			err = mergeUint64s(group, func(v uint64, n int) {
				binary.BigEndian.PutUint64(b[:], v)
				k := binary.PutUvarint(b[8:], uint64(n))
				bw.Write(b[:8+k])
			})
			if err == nil {
				err = bw.Flush()
			}
			f.Close()
			if err != nil {
				return err
			}
			for _, g := range group {
				os.Remove(g)
			}
			next = append(next, f.Name())
		}
		u.runs = next
	}
	return mergeUint64s(u.runs, fn)
}

// Close removes the temporary files.
func (u *Uint64s) Close() error { u.mem = nil; return u.s.Close() }

type u64run struct {
	br  *bufio.Reader
	cur uint64
	n   int
}

type u64heap []*u64run

func (h u64heap) Len() int           { return len(h) }
func (h u64heap) Less(i, j int) bool { return h[i].cur < h[j].cur }
func (h u64heap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *u64heap) Push(x any)        { *h = append(*h, x.(*u64run)) }
func (h *u64heap) Pop() any {
	r := (*h)[len(*h)-1]
	*h = (*h)[:len(*h)-1]
	return r
}

func (r *u64run) advance() (bool, error) {
	var b [8]byte
	if _, err := io.ReadFull(r.br, b[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, fmt.Errorf("extsort: reading a run: %w", err)
	}
	r.cur = binary.BigEndian.Uint64(b[:])
	n, err := binary.ReadUvarint(r.br)
	if err != nil {
		return false, fmt.Errorf("extsort: reading a run: %w", err)
	}
	r.n = int(n)
	return true, nil
}

// mergeUint64s merges the runs, passing each distinct number once with
// its total count.
func mergeUint64s(names []string, fn func(v uint64, n int)) error {
	var h u64heap
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return fmt.Errorf("extsort: %w", err)
		}
		defer f.Close()
		r := &u64run{br: bufio.NewReaderSize(f, 1<<15)}
		ok, err := r.advance()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	var cur uint64
	cnt := 0
	for len(h) > 0 {
		r := h[0]
		if cnt > 0 && r.cur != cur {
			fn(cur, cnt)
			cnt = 0
		}
		cur = r.cur
		cnt += r.n
		ok, err := r.advance()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	if cnt > 0 {
		fn(cur, cnt)
	}
	return nil
}
