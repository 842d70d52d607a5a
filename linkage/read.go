package linkage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/pseudonym"
)

// Source is one pseudonymised list file to link.
type Source struct {
	// Name is how messages name the file, usually its path. Required.
	Name string
	// R reads the file. Required.
	R io.Reader
	// Size is the file's size in bytes, or 0 when unknown. Default 0: taken
	// from R when it is an *os.File or has a Len method. It bounds the
	// memory reserved from the header's row count, which a damaged file
	// could overstate.
	Size int64
}

// tokenLen is the length of a token in hex digits (128 bits).
const tokenLen = 32

// maxRecords bounds the total number of records: record numbers are uint32
// and ^uint32(0) is a sentinel.
const maxRecords = math.MaxUint32 - 1

// maxValues bounds the distinct known values of one covariate column over
// all lists: value ids are bytes, 0 for missing and 0xFF for "several
// values" (see linker).
const maxValues = 253

// maxBlockTokens bounds the distinct tokens of one block key in one file:
// block keys are made of a date of birth, a year, a sex (package
// pseudonym), a few tens of thousands of values at most.
const maxBlockTokens = 1 << 22

// maxLocalValues bounds the distinct strings of one covariate column in
// one file, missing values included.
// Local ids are bytes: a file with more distinct strings than a byte
// holds has more known values than maxValues, which the global vocabulary
// refuses anyway.
const maxLocalValues = math.MaxUint8

// pair is one token of one record for one key: the first 80 bits of the
// token (two different tokens, HMAC outputs, share them with probability
// 2^-80; among ten million tokens of a key the chance of any such pair is
// below 10^-10), and the record, in 14 bytes.
type pair struct {
	tok [tokBytes]byte
	r   [4]byte // record number (little-endian) within its list while reading; global after sorting
}

func (p *pair) rec() uint32     { return binary.LittleEndian.Uint32(p.r[:]) }
func (p *pair) setRec(r uint32) { binary.LittleEndian.PutUint32(p.r[:], r) }

// tokBytes is how much of a token linkage compares.
const tokBytes = 10

// list is one input while and after reading.
type list struct {
	src   Source
	rd    *mktfile.Reader
	hdr   *mktfile.Header
	cols  *keyColumns
	rows  int      // records read
	pairs [][]pair // per exact key: the records with a token
	// Per block key: each record's local token id (0 none, else 1 + an
	// index into blockVals); blockMap finds the ids. Block keys have few
	// distinct tokens (a date, a year): interned, they take 4 bytes a
	// record instead of a 16-byte pair.
	blockTok  [][]uint32
	blockMap  []*internTable
	blockVals [][][tokBytes]byte
	missing   []int // per match-key column: records without a value
	bloom     []bloomFilter
	chash     []uint64  // a hash of each record's values (all but the record id)
	ids       [][8]byte // record ids, when kept
	cov       []uint8   // rows×C local value ids
	vocab     []map[string]uint8
	values    [][]string // per column: local id → value
}

// bloomFilter is a record's Bloom encoding; all zero when it has none.
type bloomFilter = [pseudonym.BloomFolded / 64]uint64

// keyColumns sorts a file's match-key columns by kind: exact keys (the
// hierarchy), block keys and Bloom keys, which the header lines
// #block_keys and #bloom_keys name (package pseudonym writes them).
type keyColumns struct {
	exact, block []string
	bloom        string // the Bloom key linkage uses: the first one
	// role[c] of match-key column c: an index into exact then block keys
	// (0..len(exact)+len(block)-1), roleBloom, or roleIgnored (a second
	// Bloom key).
	role []int
}

const (
	roleBloom   = -1
	roleIgnored = -2
)

func columnsOf(h *mktfile.Header) (*keyColumns, error) {
	var bloom, block []string
	if v, ok := h.Get("bloom_keys"); ok && v != "" {
		bloom = strings.Split(v, ",")
	}
	if v, ok := h.Get("block_keys"); ok && v != "" {
		block = strings.Split(v, ",")
	}
	kc := &keyColumns{}
	for _, name := range h.MatchKeys {
		switch {
		case slices.Contains(bloom, name):
		case slices.Contains(block, name):
			kc.block = append(kc.block, name)
		default:
			kc.exact = append(kc.exact, name)
		}
	}
	for _, name := range append(slices.Clone(bloom), block...) {
		if !slices.Contains(h.MatchKeys, name) {
			return nil, fmt.Errorf("%w: #bloom_keys or #block_keys names a column that #match_keys does not", ErrSchemaMismatch)
		}
	}
	if len(kc.exact) == 0 {
		return nil, ErrNoMatchKeys
	}
	for _, name := range h.MatchKeys {
		switch {
		case slices.Contains(bloom, name):
			if kc.bloom == "" {
				kc.bloom = name
				kc.role = append(kc.role, roleBloom)
			} else {
				kc.role = append(kc.role, roleIgnored)
			}
		case slices.Contains(block, name):
			kc.role = append(kc.role, len(kc.exact)+slices.Index(kc.block, name))
		default:
			kc.role = append(kc.role, slices.Index(kc.exact, name))
		}
	}
	return kc, nil
}

// input is every list read and checked, ready to be blocked.
type input struct {
	lists      []*list
	keys       []string // the exact keys, hierarchy order
	blockKeys  []string
	bloomKey   string
	bloom      []bloomFilter // global record → Bloom encoding (nil without a Bloom key)
	chash      []uint64      // global record → hash of its values
	ids        [][8]byte     // global record → record id, when kept
	covariates []string
	offset     []uint32 // offset[l] is the global number of list l's first record; offset[K] = N
	n          int
	listOf     []uint8 // global record → list index
	cov        []uint8 // N×C global value ids: 0 missing, 1.. values in sorted order
	values     [][]string
	missingCov [][]int // [list][column] records with a missing value
	header     mktfile.Header
}

func sizeOf(s Source) int64 {
	if s.Size > 0 {
		return s.Size
	}
	switch r := s.R.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if st, err := r.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	case interface{ Len() int }:
		return int64(r.Len())
	}
	return 0
}

// openAll reads and cross-checks every header before any body is read, so
// that a mismatch is reported at once.
func openAll(srcs []Source, strata []string) ([]*list, error) {
	if len(srcs) < 2 {
		return nil, fmt.Errorf("%w (got %d)", ErrTooFewLists, len(srcs))
	}
	if len(srcs) > mse.MaxLists {
		return nil, fmt.Errorf("%w: %d files, at most %d", ErrTooManyLists, len(srcs), mse.MaxLists)
	}
	lists := make([]*list, len(srcs))
	for i, s := range srcs {
		if s.R == nil {
			return nil, fmt.Errorf("%w: source %d has no reader", ErrOptions, i+1)
		}
		rd, err := mktfile.NewReader(s.R)
		if err != nil {
			return nil, &FileError{File: s.Name, Err: err}
		}
		l := &list{src: s, rd: rd, hdr: &rd.Header}
		lists[i] = l
		if len(l.hdr.MatchKeys) == 0 {
			return nil, &FileError{File: s.Name, Err: ErrNoMatchKeys}
		}
		if l.cols, err = columnsOf(l.hdr); err != nil {
			return nil, &FileError{File: s.Name, Err: err}
		}
		first := lists[0]
		for _, o := range lists[:i] {
			if o.hdr.List == l.hdr.List {
				return nil, &FileError{File: s.Name, Err: fmt.Errorf("%w: list %q is also the list of %q", ErrDuplicateList, l.hdr.List, o.src.Name)}
			}
		}
		if i > 0 && l.hdr.KeyFingerprint != first.hdr.KeyFingerprint {
			return nil, &FileError{File: s.Name, Err: fmt.Errorf("%w from that of %q: the files were pseudonymised with different keys", ErrKeyMismatch, first.src.Name)}
		}
		if i > 0 && l.hdr.SchemaHash != first.hdr.SchemaHash {
			return nil, &FileError{File: s.Name, Err: fmt.Errorf("%w from that of %q: the files were pseudonymised with different schemas (schema hashes differ)", ErrSchemaMismatch, first.src.Name)}
		}
		if i > 0 && (!slices.Equal(l.hdr.MatchKeys, first.hdr.MatchKeys) || !slices.Equal(l.hdr.Covariates, first.hdr.Covariates) ||
			!slices.Equal(l.cols.role, first.cols.role) || !slices.Equal(l.cols.block, first.cols.block)) {
			return nil, &FileError{File: s.Name, Err: fmt.Errorf("%w from that of %q: the schema hashes agree but the columns do not", ErrSchemaMismatch, first.src.Name)}
		}
		if len(l.hdr.MatchKeys) == 0 {
			return nil, &FileError{File: s.Name, Err: ErrNoMatchKeys}
		}
	}
	for _, st := range strata {
		if !slices.Contains(lists[0].hdr.Covariates, st) {
			return nil, fmt.Errorf("%w: %q (the covariates are %q)", ErrStratum, st, lists[0].hdr.Covariates)
		}
	}
	return lists, nil
}

// joinWindows returns the lists' slices, field(l), one after the other,
// where list i appended into the window of all that starts at start[i]:
// moved left in place. When a list outgrew its window (append gave it a
// new array), they are copied into a new array instead. n is the number
// of records in all.
func joinWindows[T any](all []T, start []int, lists []*list, field func(*list) *[]T, n int) []T {
	inPlace := n <= len(all)
	for i, l := range lists {
		s := *field(l)
		if len(s) > 0 && (start[i] >= len(all) || &s[0] != &all[start[i]]) {
			inPlace = false
		}
	}
	out := all
	if !inPlace {
		out = make([]T, n)
	}
	pos := 0
	for _, l := range lists {
		s := field(l)
		copy(out[pos:], *s) // in place: pos ≤ start[i], a move to the left
		pos += len(*s)
		*s = nil
	}
	return out[:n:n]
}

// want is the number of records to reserve room for: what the header
// announces, but never more than the file can hold (each row has at least
// a record id and its commas and newline).
func (l *list) want() int {
	nk, nc := len(l.hdr.MatchKeys), len(l.hdr.Covariates)
	want := l.hdr.Rows
	if sz := sizeOf(l.src); sz > 0 {
		return int(min(int64(want), sz/int64(nk+nc+2)))
	}
	return min(want, 1<<16)
}

// readBody reads l's records, decoding tokens and Bloom encodings and
// interning covariates. keepIDs keeps the record ids.
func (l *list) readBody(ctx context.Context, keepIDs bool) error {
	h := l.hdr
	nk, nc := len(h.MatchKeys), len(h.Covariates)
	np := len(l.cols.exact) + len(l.cols.block)
	want := l.want()
	ne := len(l.cols.exact)
	l.pairs = make([][]pair, np)
	for k := range ne {
		l.pairs[k] = make([]pair, 0, want)
	}
	nb := np - ne
	l.blockTok = make([][]uint32, nb)
	l.blockMap = make([]*internTable, nb)
	l.blockVals = make([][][tokBytes]byte, nb)
	for j := range nb {
		l.blockTok[j] = make([]uint32, 0, want)
		l.blockMap[j] = newInternTable()
	}
	if l.cols.bloom != "" && l.bloom == nil {
		l.bloom = make([]bloomFilter, 0, want)
	}
	if l.chash == nil {
		l.chash = make([]uint64, 0, want)
	}
	if keepIDs {
		l.ids = make([][8]byte, 0, want)
	}
	l.missing = make([]int, nk)
	l.cov = make([]uint8, 0, want*nc)
	l.vocab = make([]map[string]uint8, nc)
	l.values = make([][]string, nc)
	for c := range l.vocab {
		l.vocab[c] = map[string]uint8{}
	}
	for {
		f, err := l.rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &FileError{File: l.src.Name, Err: err}
		}
		if l.rows&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if l.rows >= maxRecords {
			return &FileError{File: l.src.Name, Line: l.rd.Line(), Err: fmt.Errorf("%w: at most %d", ErrTooManyRecords, maxRecords)}
		}
		rec := uint32(l.rows)
		l.rows++
		if keepIDs {
			var id [8]byte
			if !decodeID(&id, f[0]) {
				return &FileError{File: l.src.Name, Line: l.rd.Line(), Column: "record_id", Err: ErrRecordID}
			}
			l.ids = append(l.ids, id)
		}
		if l.bloom != nil {
			l.bloom = append(l.bloom, bloomFilter{})
		}
		// A hash of the record's values, mixed in as they are decoded (the
		// covariates by their bytes, as their local ids follow the rows'
		// order).
		ch := uint64(0x6a09e667f3bcc908)
		for j := range l.blockTok {
			l.blockTok[j] = append(l.blockTok[j], 0)
		}
		for k := 0; k < nk; k++ {
			t := f[1+k]
			if len(t) == 0 {
				l.missing[k]++
				continue
			}
			switch ro := l.cols.role[k]; ro {
			case roleIgnored:
			case roleBloom:
				bf, ok := pseudonym.DecodeBloom(t)
				if !ok {
					return &FileError{File: l.src.Name, Line: l.rd.Line(), Column: h.MatchKeys[k], Err: ErrBloom}
				}
				l.bloom[rec] = bf
				for _, w := range bf {
					ch = mixHash(ch, w)
				}
			default:
				var p pair
				var full [16]byte
				if !decodeToken(&full, t) {
					return &FileError{File: l.src.Name, Line: l.rd.Line(), Column: h.MatchKeys[k], Err: ErrToken}
				}
				copy(p.tok[:], full[:tokBytes])
				if j := ro - ne; j < 0 {
					ch = mixHash(ch, binary.LittleEndian.Uint64(p.tok[:8]))
				}
				if j := ro - ne; j >= 0 {
					id := l.blockMap[j].find(&p.tok, &l.blockVals[j])
					if id == 0 {
						return &FileError{File: l.src.Name, Line: l.rd.Line(), Column: h.MatchKeys[k], Err: fmt.Errorf("%w: more than %d distinct tokens of a block key in one file", ErrVocabulary, maxBlockTokens)}
					}
					l.blockTok[j][rec] = id
					ch = mixHash(ch, binary.LittleEndian.Uint64(p.tok[:8]))
					continue
				}
				p.setRec(rec)
				l.pairs[ro] = append(l.pairs[ro], p)
			}
		}
		for c := 0; c < nc; c++ {
			v := f[1+nk+c]
			ch = mixHash(ch, valuesHash(v))
			id, ok := l.lookup(c, v)
			if !ok {
				if len(l.values[c]) >= maxLocalValues {
					return &FileError{File: l.src.Name, Line: l.rd.Line(), Column: h.Covariates[c], Err: fmt.Errorf("%w: more than %d; covariates must be coarse", ErrVocabulary, maxValues)}
				}
				id = uint8(len(l.values[c]))
				l.values[c] = append(l.values[c], string(v))
				l.vocab[c][string(v)] = id
			}
			l.cov = append(l.cov, id)
		}
		l.chash = append(l.chash, ch)
	}
}

// mixHash mixes v into h; the same values give the same hash in every
// run.
func mixHash(h, v uint64) uint64 {
	return bits.RotateLeft64((h^v)*0x9e3779b97f4a7c15, 29)
}

// valuesHash hashes a short value (a covariate) with its length.
func valuesHash(v []byte) uint64 {
	h := uint64(len(v))
	for len(v) >= 8 {
		h = mixHash(h, binary.LittleEndian.Uint64(v))
		v = v[8:]
	}
	var t uint64
	for i, c := range v {
		t |= uint64(c) << (8 * i)
	}
	return mixHash(h, t)
}

// internTable gives each distinct token of a block key an id 1, 2, … in
// the order first seen: open addressing on the token's first 8 bytes,
// which are uniform (HMAC output) — adversarial tokens only make it slow.
type internTable struct {
	slots []uint32 // 0 empty, else id
	n     int
}

func newInternTable() *internTable { return &internTable{slots: make([]uint32, 1024)} }

// find returns tok's id, appending it to vals when new, or 0 when the
// table is full (maxBlockTokens).
func (t *internTable) find(tok *[tokBytes]byte, vals *[][tokBytes]byte) uint32 {
	mask := uint64(len(t.slots) - 1)
	i := binary.LittleEndian.Uint64(tok[:8]) & mask
	for {
		id := t.slots[i]
		if id == 0 {
			break
		}
		if (*vals)[id-1] == *tok {
			return id
		}
		i = (i + 1) & mask
	}
	if t.n >= maxBlockTokens {
		return 0
	}
	*vals = append(*vals, *tok)
	t.n++
	id := uint32(len(*vals))
	t.slots[i] = id
	if 2*t.n > len(t.slots) {
		t.grow(*vals)
	}
	return id
}

func (t *internTable) grow(vals [][tokBytes]byte) {
	t.slots = make([]uint32, 2*len(t.slots))
	mask := uint64(len(t.slots) - 1)
	for id := range vals {
		i := binary.LittleEndian.Uint64(vals[id][:8]) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(id + 1)
	}
}

// lookup finds a covariate value's local id: a short scan for the usual
// handful of values, a map beyond.
func (l *list) lookup(c int, v []byte) (uint8, bool) {
	vals := l.values[c]
	if len(vals) <= 16 {
		for i, s := range vals {
			if s == string(v) {
				return uint8(i), true
			}
		}
		return 0, false
	}
	id, ok := l.vocab[c][string(v)]
	return id, ok
}

var unhex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
	}
	return t
}()

// decodeToken decodes 32 lowercase hex digits.
func decodeToken(dst *[16]byte, s []byte) bool {
	if len(s) != tokenLen {
		return false
	}
	var bad byte
	for i := 0; i < 16; i++ {
		hi, lo := unhex[s[2*i]], unhex[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo
	}
	return bad&0xf0 == 0
}

// decodeID decodes a record id of 16 lowercase hex digits, the form
// package pseudonym writes; it is needed only when the record ids are
// kept for the assignments file, which must name each record exactly.
func decodeID(dst *[8]byte, s []byte) bool {
	if len(s) != 16 {
		return false
	}
	var bad byte
	for i := 0; i < 8; i++ {
		hi, lo := unhex[s[2*i]], unhex[s[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo
	}
	return bad&0xf0 == 0
}

// readAll reads every body in parallel and builds the global record arrays.
func readAll(ctx context.Context, lists []*list, missingValues []string, workers int, keepIDs bool) (*input, error) {
	// The Bloom encodings and value hashes of all lists go into one array
	// each, every list appending into its own window, so that joining them
	// moves them in place instead of holding two copies.
	total := 0
	for _, l := range lists {
		total += l.want()
	}
	var bloomAll []bloomFilter
	if lists[0].cols.bloom != "" {
		bloomAll = make([]bloomFilter, total)
	}
	chashAll := make([]uint64, total)
	start := make([]int, len(lists))
	for i, l := range lists {
		w := l.want()
		if bloomAll != nil {
			l.bloom = bloomAll[start[i] : start[i] : start[i]+w]
		}
		l.chash = chashAll[start[i] : start[i] : start[i]+w]
		if i+1 < len(lists) {
			start[i+1] = start[i] + w
		}
	}
	errs := make([]error, len(lists))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, l := range lists {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = l.readBody(ctx, keepIDs)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	in := &input{lists: lists, header: *lists[0].hdr}
	in.keys = lists[0].cols.exact
	in.blockKeys = lists[0].cols.block
	in.bloomKey = lists[0].cols.bloom
	in.covariates = lists[0].hdr.Covariates
	in.offset = make([]uint32, len(lists)+1)
	n := 0
	for i, l := range lists {
		in.offset[i] = uint32(n)
		n += l.rows
		if n > maxRecords {
			return nil, fmt.Errorf("%w: more than %d in all", ErrTooManyRecords, maxRecords)
		}
	}
	in.offset[len(lists)] = uint32(n)
	in.n = n
	in.listOf = make([]uint8, n)
	for i, l := range lists {
		o := in.offset[i]
		for j := range l.rows {
			in.listOf[int(o)+j] = uint8(i)
		}
	}
	if in.bloomKey != "" {
		in.bloom = joinWindows(bloomAll, start, lists, func(l *list) *[]bloomFilter { return &l.bloom }, n)
	}
	in.chash = joinWindows(chashAll, start, lists, func(l *list) *[]uint64 { return &l.chash }, n)
	if keepIDs {
		in.ids = make([][8]byte, 0, n)
		for _, l := range lists {
			in.ids = append(in.ids, l.ids...)
			l.ids = nil
		}
	}

	// Global vocabulary: the values of every list, sorted, missing ones
	// mapped to 0.
	nc := len(in.covariates)
	isMissing := map[string]bool{}
	for _, v := range missingValues {
		isMissing[v] = true
	}
	in.values = make([][]string, nc)
	for c := 0; c < nc; c++ {
		set := map[string]bool{}
		for _, l := range lists {
			for _, v := range l.values[c] {
				if !isMissing[v] {
					set[v] = true
				}
			}
		}
		vals := make([]string, 0, len(set))
		for v := range set {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		if len(vals) > maxValues {
			return nil, fmt.Errorf("%w: column %q has more than %d known values over all lists; covariates must be coarse", ErrVocabulary, in.covariates[c], maxValues)
		}
		in.values[c] = append([]string{""}, vals...) // id 0 is missing
	}
	in.cov = make([]uint8, n*nc)
	in.missingCov = make([][]int, len(lists))
	for i, l := range lists {
		in.missingCov[i] = make([]int, nc)
		remap := make([][]uint8, nc)
		for c := 0; c < nc; c++ {
			remap[c] = make([]uint8, len(l.values[c]))
			for lid, v := range l.values[c] {
				if isMissing[v] {
					continue
				}
				gid, _ := slices.BinarySearch(in.values[c][1:], v)
				remap[c][lid] = uint8(gid + 1)
			}
		}
		base := int(in.offset[i]) * nc
		for j := range l.rows {
			for c := 0; c < nc; c++ {
				g := remap[c][l.cov[j*nc+c]]
				in.cov[base+j*nc+c] = g
				if g == 0 {
					in.missingCov[i][c]++
				}
			}
		}
		l.cov, l.vocab, l.values = nil, nil, nil
	}
	return in, nil
}
