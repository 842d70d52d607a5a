package linkage

import (
	"context"
	"encoding/binary"
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
}

func (b *blocks) len() int { return len(b.ends) }

func (b *blocks) block(i int) []uint32 {
	start := uint32(0)
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.recs[start:b.ends[i]]
}

const radixBits = 16

func bucketOf(p *pair) int { return int(p.tok[0])<<8 | int(p.tok[1]) }

func cmpPair(a, b pair) int {
	ah, bh := binary.BigEndian.Uint64(a.tok[:8]), binary.BigEndian.Uint64(b.tok[:8])
	if ah != bh {
		if ah < bh {
			return -1
		}
		return 1
	}
	al, bl := binary.BigEndian.Uint64(a.tok[8:]), binary.BigEndian.Uint64(b.tok[8:])
	if al != bl {
		if al < bl {
			return -1
		}
		return 1
	}
	if a.rec != b.rec {
		if a.rec < b.rec {
			return -1
		}
		return 1
	}
	return 0
}

// blockAll groups every key's tokens. It frees the lists' token pairs as
// it goes. Keys run in parallel; each worker keeps one scratch buffer.
func blockAll(ctx context.Context, in *input, limit, workers int) ([]blocks, error) {
	nk := len(in.keys)
	out := make([]blocks, nk)
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
			var buf []pair
			counts := make([]uint32, 1<<radixBits+1)
			for k := range next {
				if ctx.Err() != nil {
					return
				}
				buf = blockKey(in, k, limit, buf, counts, &out[k])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// blockKey sorts key k's pairs by token (a radix pass on the first 16 bits
// into buf, then a comparison sort within each bucket: tokens are HMAC
// outputs, so buckets are small) and extracts the blocks.
func blockKey(in *input, k, limit int, buf []pair, counts []uint32, b *blocks) []pair {
	n := 0
	for _, l := range in.lists {
		n += len(l.pairs[k])
	}
	if cap(buf) < n {
		buf = make([]pair, n)
	}
	buf = buf[:n]
	clear(counts)
	for _, l := range in.lists {
		ps := l.pairs[k]
		for i := range ps {
			counts[bucketOf(&ps[i])+1]++
		}
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	pos := counts[:1<<radixBits] // pos[bkt] is the next free slot of bucket bkt
	starts := slices.Clone(pos)
	for li, l := range in.lists {
		off := in.offset[li]
		for _, p := range l.pairs[k] {
			bkt := bucketOf(&p)
			p.rec += off
			buf[pos[bkt]] = p
			pos[bkt]++
		}
		l.pairs[k] = nil
	}
	b.withToken = n
	for bkt := range 1 << radixBits {
		s, e := starts[bkt], pos[bkt]
		if e-s > 1 {
			slices.SortFunc(buf[s:e], cmpPair)
		}
	}
	for i := 0; i < n; {
		j := i + 1
		for j < n && buf[j].tok == buf[i].tok {
			j++
		}
		f := j - i
		b.distinct++
		b.maxFreq = max(b.maxFreq, f)
		if f >= 2 {
			b.shared++
			if f > limit {
				b.overLimit++
				b.overLimitRecords += f
			} else {
				for _, p := range buf[i:j] {
					b.recs = append(b.recs, p.rec)
				}
				b.ends = append(b.ends, uint32(len(b.recs)))
			}
		}
		i = j
	}
	return buf
}
