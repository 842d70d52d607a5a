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
// numbers (8 bytes each in memory and on disk).
type Uint64s struct {
	s    *Sorter // for the directory and its files
	max  int
	mem  []uint64
	runs []string
	done bool
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

func (u *Uint64s) spill() error {
	slices.Sort(u.mem)
	f, err := u.s.create()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	var b [8]byte
	for _, v := range u.mem {
		binary.BigEndian.PutUint64(b[:], v)
		bw.Write(b[:])
	}
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
// once, after the last Add.
func (u *Uint64s) Each(fn func(uint64)) error {
	if u.done {
		return errors.New("extsort: Each called twice")
	}
	u.done = true
	if len(u.runs) == 0 {
		slices.Sort(u.mem)
		for _, v := range u.mem {
			fn(v)
		}
		return nil
	}
	if len(u.mem) > 0 {
		if err := u.spill(); err != nil {
			return err
		}
	}
	u.mem = nil
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
			var b [8]byte
			err = mergeUint64s(group, func(v uint64) {
				binary.BigEndian.PutUint64(b[:], v)
				bw.Write(b[:])
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
	return true, nil
}

func mergeUint64s(names []string, fn func(uint64)) error {
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
	for len(h) > 0 {
		r := h[0]
		fn(r.cur)
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
	return nil
}
