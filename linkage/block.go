package linkage

import (
	"bytes"
	"context"
	"encoding/binary"
	"runtime/debug"
	"slices"
	"sync"
)

// blocks are the records that share a token of one key, block by block.
// Only tokens held by 2 to limit records make a block.
type blocks struct {
	recs []uint32 // global record numbers, each block ascending (so a list's records are adjacent)
	ends []uint32 // ends[b] is the end of block b in recs

	withToken        int // records with a token
	distinct         int // distinct tokens
	shared           int // tokens held by 2 or more records
	maxFreq          int // records holding the most frequent token
	overLimit        int // tokens held by more than limit records
	overLimitRecords int // records holding them

	// token, when another key's contradiction check or the scored pass
	// needs it, identifies each record's token of this key: 0 none, 1 a
	// token no other record holds, 2+i the i-th shared token; freq[i] is
	// the number of records holding the i-th shared token.
	token []uint32
	freq  []uint32
}

func (b *blocks) len() int { return len(b.ends) }

func (b *blocks) start(i int) uint32 {
	if i == 0 {
		return 0
	}
	return b.ends[i-1]
}

func (b *blocks) block(i int) []uint32 {
	return b.recs[b.start(i):b.ends[i]]
}

func cmpPair(a, b pair) int {
	ah, bh := binary.BigEndian.Uint64(a.tok[:8]), binary.BigEndian.Uint64(b.tok[:8])
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := binary.BigEndian.Uint16(a.tok[8:]), binary.BigEndian.Uint16(b.tok[8:])
	if al != bl {
		if al < bl {
			return -1
		}
		return 1
	}
	if ar, br := a.rec(), b.rec(); ar != br {
		if ar < br {
			return -1
		}
		return 1
	}
	return 0
}

// blockAll groups every key's tokens, those of the exact keys and then
// those of the block keys, limit[k] being key k's frequency limit. It
// frees the lists' token pairs as it goes. Keys run in parallel; each
// worker keeps its scratch buffers.
func blockAll(ctx context.Context, in *input, limit []int, workers int, keepToken []bool) ([]blocks, error) {
	nk := len(limit)
	out := make([]blocks, nk)
	for k := range out {
		if keepToken[k] {
			out[k].token = make([]uint32, in.n)
		}
	}
	ne := len(in.keys)
	next := make(chan int, nk)
	for k := range nk {
		next <- k
	}
	close(next)
	var wg sync.WaitGroup
	for range min(workers, nk) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s sorter
			for k := range next {
				if ctx.Err() != nil {
					return
				}
				if k >= ne {
					blockInterned(in, k-ne, limit[k], &out[k])
					continue
				}
				s.blockKey(in, k, limit[k], &out[k])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// blockInterned makes the blocks of block key j from the lists' interned
// tokens: the distinct tokens of all lists sorted, so that blocks come in
// the order blockKey gives them and the ids do not depend on the order of
// the records. It frees the lists' ids.
func blockInterned(in *input, j, limit int, b *blocks) {
	set := map[[tokBytes]byte]struct{}{}
	for _, l := range in.lists {
		for _, t := range l.blockVals[j] {
			set[t] = struct{}{}
		}
	}
	toks := make([][tokBytes]byte, 0, len(set))
	for t := range set {
		toks = append(toks, t)
	}
	slices.SortFunc(toks, func(a, b [tokBytes]byte) int { return bytes.Compare(a[:], b[:]) })
	gid := make(map[[tokBytes]byte]uint32, len(toks))
	for i, t := range toks {
		gid[t] = uint32(i)
	}
	set = nil
	// Global token of every record (none: ^0), and counts per token.
	g := make([]uint32, in.n)
	count := make([]uint32, len(toks))
	for li, l := range in.lists {
		remap := make([]uint32, len(l.blockVals[j])+1)
		remap[0] = none
		for i, t := range l.blockVals[j] {
			remap[i+1] = gid[t]
		}
		off := in.offset[li]
		for r, id := range l.blockTok[j] {
			x := remap[id]
			g[int(off)+r] = x
			if x != none {
				count[x]++
			}
		}
		l.blockTok[j], l.blockMap[j], l.blockVals[j] = nil, nil, nil
	}
	gid = nil
	// Shared tokens get ids 2+i in token order; blocks start there.
	sid := make([]uint32, len(toks))
	start := make([]uint32, len(toks))
	pos := uint32(0)
	for t, c := range count {
		b.distinct++
		b.maxFreq = max(b.maxFreq, int(c))
		b.withToken += int(c)
		if c < 2 {
			continue
		}
		sid[t] = uint32(2 + b.shared)
		b.shared++
		if b.token != nil {
			b.freq = append(b.freq, c)
		}
		if int(c) > limit {
			b.overLimit++
			b.overLimitRecords += int(c)
			sid[t] |= 1 << 31 // over the limit: no block
			continue
		}
		start[t] = pos
		pos += c
		b.ends = append(b.ends, pos)
	}
	b.recs = make([]uint32, pos)
	fill := slices.Clone(start)
	for r, x := range g {
		if x == none {
			continue
		}
		if b.token != nil {
			if count[x] < 2 {
				b.token[r] = 1
			} else {
				b.token[r] = sid[x] &^ (1 << 31)
			}
		}
		if count[x] >= 2 && sid[x]&(1<<31) == 0 {
			b.recs[fill[x]] = uint32(r)
			fill[x]++
		}
	}
}

// sorter holds one worker's scratch space.
type sorter struct {
	buf, tmp, tmp3 []pair
	c2, c3         [257]int
}

// blockKey groups key k's pairs by token and extracts the blocks. Two
// most-significant-digit radix passes on the first two bytes (256-way
// scatters stay cache-friendly, where one 65536-way scatter does not) leave
// buckets of tokens sharing 16 bits; each is sorted by (token, record) and
// scanned for runs. Tokens are HMAC outputs, so buckets are small; the
// comparison sort keeps adversarial input correct, only slower.
func (s *sorter) blockKey(in *input, k, limit int, b *blocks) {
	n := 0
	for _, l := range in.lists {
		n += len(l.pairs[k])
	}
	if cap(s.buf) < n {
		s.buf = make([]pair, n)
	}
	buf := s.buf[:n]
	var counts [257]int
	for _, l := range in.lists {
		ps := l.pairs[k]
		for i := range ps {
			counts[int(ps[i].tok[0])+1]++
		}
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	pos := counts
	for li, l := range in.lists {
		off := in.offset[li]
		ps := l.pairs[k]
		for i := range ps {
			d := ps[i].tok[0]
			buf[pos[d]] = ps[i]
			buf[pos[d]].setRec(ps[i].rec() + off)
			pos[d]++
			if b.token != nil {
				b.token[ps[i].rec()+off] = 1
			}
		}
		l.pairs[k] = nil
	}
	// The lists' pairs of this key are garbage now; collecting them at
	// once, and giving their pages back to the system, keeps the heap and
	// the resident memory near the live size instead of letting them grow
	// to twice that (the pacer's default) on inputs of gigabytes.
	if n > 1<<20 {
		debug.FreeOSMemory()
	}
	b.withToken = n
	for d := range 256 {
		bucket := buf[counts[d]:counts[d+1]]
		if cap(s.tmp) < len(bucket) {
			s.tmp = make([]pair, len(bucket))
		}
		tmp := s.tmp[:len(bucket)]
		c2 := radixPass(bucket, tmp, 1, &s.c2)
		for d2 := range 256 {
			sub := tmp[c2[d2]:c2[d2+1]]
			if len(sub) <= 24 {
				insertionSort(sub)
				b.scan(sub, limit)
				continue
			}
			// A third pass on byte 2 leaves mostly single tokens.
			if cap(s.tmp3) < len(sub) {
				s.tmp3 = make([]pair, len(sub)*2)
			}
			t3 := s.tmp3[:len(sub)]
			c3 := radixPass(sub, t3, 2, &s.c3)
			for d3 := range 256 {
				sub3 := t3[c3[d3]:c3[d3+1]]
				insertionSort(sub3)
				b.scan(sub3, limit)
			}
		}
	}
}

// radixPass scatters src into dst by byte i of the token and returns the
// bucket boundaries.
func radixPass(src, dst []pair, i int, c *[257]int) *[257]int {
	clear(c[:])
	for j := range src {
		c[int(src[j].tok[i])+1]++
	}
	for j := 1; j < len(c); j++ {
		c[j] += c[j-1]
	}
	p := *c
	for j := range src {
		d := src[j].tok[i]
		dst[p[d]] = src[j]
		p[d]++
	}
	return c
}

// less orders pairs by token, then record.
func less(a, b *pair) bool {
	ah, bh := binary.BigEndian.Uint64(a.tok[:8]), binary.BigEndian.Uint64(b.tok[:8])
	if ah != bh {
		return ah < bh
	}
	al, bl := binary.BigEndian.Uint16(a.tok[8:]), binary.BigEndian.Uint16(b.tok[8:])
	if al != bl {
		return al < bl
	}
	return a.rec() < b.rec()
}

// insertionSort sorts a short run of pairs; long runs (only possible with
// tokens that are not HMAC outputs) go to the library sort.
func insertionSort(ps []pair) {
	if len(ps) > 48 {
		slices.SortFunc(ps, cmpPair)
		return
	}
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && less(&ps[j], &ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// scan appends the blocks of sorted pairs.
func (b *blocks) scan(ps []pair, limit int) {
	for i := 0; i < len(ps); {
		j := i + 1
		for j < len(ps) && ps[j].tok == ps[i].tok {
			j++
		}
		f := j - i
		b.distinct++
		b.maxFreq = max(b.maxFreq, f)
		if f >= 2 {
			if b.token != nil {
				for _, p := range ps[i:j] {
					b.token[p.rec()] = uint32(2 + b.shared)
				}
				b.freq = append(b.freq, uint32(f))
			}
			b.shared++
			if f > limit {
				b.overLimit++
				b.overLimitRecords += f
			} else {
				for _, p := range ps[i:j] {
					b.recs = append(b.recs, p.rec())
				}
				b.ends = append(b.ends, uint32(len(b.recs)))
			}
		}
		i = j
	}
}
