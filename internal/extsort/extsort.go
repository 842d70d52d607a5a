// Package extsort sorts more records than memory holds: records collect
// in memory up to a bound, are sorted and written as a run to a temporary
// file, and the runs are merged. Memory stays bounded whatever the number
// of records: one run in memory while adding; while merging, a read
// buffer per run, at most MaxFanIn of them (more runs are first merged
// into fewer).
//
// Records are byte strings ordered by bytes.Compare of their first KeyLen
// bytes; callers make keys unique so that the order is total and the
// output does not depend on how records were split into runs.
//
// # Temporary files
//
// Runs live in a private directory "morketall-sort-PID-RANDOM" (mode 0700,
// files 0600) created, at the first spill, in Options.Dir; Close removes
// it. A directory left by a killed process (its PID no longer running) is
// removed by the next sorter made in the same place.
package extsort

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/morketall/morketall/internal/atomicfile"
)

// MaxFanIn is the most runs merged at once.
const MaxFanIn = 64

// dirPrefix names the temporary directories.
const dirPrefix = "morketall-sort-"

// Options configure a Sorter. A nil *Options means the defaults.
type Options struct {
	// Dir is where the temporary directory is made. Default os.TempDir().
	Dir string
	// RunBytes bounds the record bytes held in memory. Default 16 MiB.
	RunBytes int
	// KeyLen is the length of the key prefix of every record. Required:
	// records shorter than KeyLen are refused.
	KeyLen int
}

// Sorter collects records and returns them sorted. It is not safe for
// concurrent use.
type Sorter struct {
	opts  Options
	dir   string
	arena []byte
	offs  []uint32 // start of each record's length prefix in arena
	runs  []string
	n     int64
	tmpN  int
	final []string // the runs after reduction to at most MaxFanIn, set by Sort
	done  bool
}

// New returns an empty Sorter.
func New(opts *Options) *Sorter {
	s := &Sorter{}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.RunBytes <= 0 {
		s.opts.RunBytes = 16 << 20
	}
	if s.opts.Dir == "" {
		s.opts.Dir = os.TempDir()
	}
	return s
}

// Len returns the number of records added.
func (s *Sorter) Len() int64 { return s.n }

// Add adds a copy of rec.
func (s *Sorter) Add(rec []byte) error {
	if s.done {
		return errors.New("extsort: Add after Sort")
	}
	if len(rec) < s.opts.KeyLen {
		return fmt.Errorf("extsort: record of %d bytes, shorter than its %d-byte key", len(rec), s.opts.KeyLen)
	}
	if len(s.arena)+len(rec)+binary.MaxVarintLen64 > s.opts.RunBytes && len(s.offs) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	if s.arena == nil {
		s.arena = make([]byte, 0, s.opts.RunBytes)
	}
	s.offs = append(s.offs, uint32(len(s.arena)))
	s.arena = binary.AppendUvarint(s.arena, uint64(len(rec)))
	s.arena = append(s.arena, rec...)
	s.n++
	return nil
}

func (s *Sorter) rec(off uint32) []byte {
	b := s.arena[off:]
	n, k := binary.Uvarint(b)
	return b[k : k+int(n)]
}

func (s *Sorter) sortMem() {
	k := s.opts.KeyLen
	// Sort on the first 8 key bytes as a number, the rest only on a tie.
	type ent struct {
		k   uint64
		off uint32
	}
	ents := make([]ent, len(s.offs))
	for i, o := range s.offs {
		r := s.rec(o)
		var b [8]byte
		copy(b[:], r[:min(8, k)])
		ents[i] = ent{binary.BigEndian.Uint64(b[:]), o}
	}
	slices.SortFunc(ents, func(a, b ent) int {
		if a.k != b.k {
			if a.k < b.k {
				return -1
			}
			return 1
		}
		return bytes.Compare(s.rec(a.off)[:k], s.rec(b.off)[:k])
	})
	for i := range ents {
		s.offs[i] = ents[i].off
	}
}

// spill sorts the records in memory and writes them as a run.
func (s *Sorter) spill() error {
	s.sortMem()
	f, err := s.create()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	for _, o := range s.offs {
		r := s.rec(o)
		bw.Write(binary.AppendUvarint(nil, uint64(len(r))))
		bw.Write(r)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("extsort: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("extsort: %w", err)
	}
	s.runs = append(s.runs, f.Name())
	s.arena, s.offs = s.arena[:0], s.offs[:0]
	return nil
}

func (s *Sorter) create() (*os.File, error) {
	if s.dir == "" {
		removeStale(s.opts.Dir)
		d, err := os.MkdirTemp(s.opts.Dir, dirPrefix+strconv.Itoa(os.Getpid())+"-*")
		if err != nil {
			return nil, fmt.Errorf("extsort: %w", err)
		}
		s.dir = d
	}
	s.tmpN++
	f, err := os.OpenFile(filepath.Join(s.dir, fmt.Sprintf("run-%d", s.tmpN)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("extsort: %w", err)
	}
	return f, nil
}

// removeStale removes the sort directories of processes that are gone.
func removeStale(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), dirPrefix) && atomicfile.Stale(strings.TrimPrefix(e.Name(), dirPrefix), e) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// Sort ends adding and prepares the merge: runs beyond MaxFanIn are merged
// into fewer first. Records may then be read, any number of times, with
// Iter.
func (s *Sorter) Sort() error {
	if s.done {
		return nil
	}
	s.done = true
	if len(s.runs) == 0 {
		s.sortMem()
		return nil
	}
	if len(s.offs) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.arena, s.offs = nil, nil
	runs := s.runs
	for len(runs) > MaxFanIn {
		var next []string
		for i := 0; i < len(runs); i += MaxFanIn {
			group := runs[i:min(i+MaxFanIn, len(runs))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			name, err := s.mergeInto(group)
			if err != nil {
				return err
			}
			next = append(next, name)
		}
		runs = next
	}
	s.final = runs
	return nil
}

func (s *Sorter) mergeInto(group []string) (string, error) {
	it, err := s.open(group)
	if err != nil {
		return "", err
	}
	defer it.Close()
	f, err := s.create()
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	for {
		r, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return "", err
		}
		bw.Write(binary.AppendUvarint(nil, uint64(len(r))))
		bw.Write(r)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return "", fmt.Errorf("extsort: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	for _, g := range group {
		os.Remove(g)
	}
	return f.Name(), nil
}

// Iter returns an iterator over the sorted records. Call Sort first.
func (s *Sorter) Iter() (*Iter, error) {
	if !s.done {
		return nil, errors.New("extsort: Iter before Sort")
	}
	if s.final == nil {
		return &Iter{mem: s}, nil
	}
	return s.open(s.final)
}

func (s *Sorter) open(names []string) (*Iter, error) {
	it := &Iter{keyLen: s.opts.KeyLen}
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("extsort: %w", err)
		}
		r := &run{f: f, br: bufio.NewReaderSize(f, 1<<15)}
		it.files = append(it.files, r)
		ok, err := r.advance()
		if err != nil {
			it.Close()
			return nil, err
		}
		if ok {
			it.h.runs = append(it.h.runs, r)
		}
	}
	it.h.keyLen = s.opts.KeyLen
	heap.Init(&it.h)
	return it, nil
}

// Close removes the temporary files.
func (s *Sorter) Close() error {
	s.arena, s.offs = nil, nil
	if s.dir == "" {
		return nil
	}
	err := os.RemoveAll(s.dir)
	s.dir = ""
	return err
}

// Iter reads sorted records.
type Iter struct {
	mem    *Sorter // in-memory records, when nothing was spilled
	i      int
	files  []*run
	h      runHeap
	keyLen int
	last   *run
}

// Next returns the next record, valid until the following call, or io.EOF.
func (it *Iter) Next() ([]byte, error) {
	if it.mem != nil {
		if it.i >= len(it.mem.offs) {
			return nil, io.EOF
		}
		it.i++
		return it.mem.rec(it.mem.offs[it.i-1]), nil
	}
	if it.last != nil {
		ok, err := it.last.advance()
		if err != nil {
			return nil, err
		}
		if ok {
			heap.Fix(&it.h, 0)
		} else {
			heap.Pop(&it.h)
		}
		it.last = nil
	}
	if len(it.h.runs) == 0 {
		return nil, io.EOF
	}
	it.last = it.h.runs[0]
	return it.last.cur, nil
}

// Close releases the files.
func (it *Iter) Close() {
	for _, r := range it.files {
		r.f.Close()
	}
	it.files = nil
}

type run struct {
	f   *os.File
	br  *bufio.Reader
	cur []byte
}

func (r *run) advance() (bool, error) {
	n, err := binary.ReadUvarint(r.br)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("extsort: reading a run: %w", err)
	}
	if cap(r.cur) < int(n) {
		r.cur = make([]byte, n)
	}
	r.cur = r.cur[:n]
	if _, err := io.ReadFull(r.br, r.cur); err != nil {
		return false, fmt.Errorf("extsort: reading a run: %w", err)
	}
	return true, nil
}

type runHeap struct {
	runs   []*run
	keyLen int
}

func (h runHeap) Len() int { return len(h.runs) }
func (h runHeap) Less(i, j int) bool {
	return bytes.Compare(h.runs[i].cur[:h.keyLen], h.runs[j].cur[:h.keyLen]) < 0
}
func (h runHeap) Swap(i, j int) { h.runs[i], h.runs[j] = h.runs[j], h.runs[i] }
func (h *runHeap) Push(x any)   { h.runs = append(h.runs, x.(*run)) }
func (h *runHeap) Pop() any {
	r := h.runs[len(h.runs)-1]
	h.runs = h.runs[:len(h.runs)-1]
	return r
}
