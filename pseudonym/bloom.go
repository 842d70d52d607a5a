package pseudonym

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"math/bits"
)

// The Bloom-filter name encoding (kind "bloom"): a cryptographic long-term
// key in the sense of Schnell, Bachteler and Reiher (2009), hardened as
// the package documentation describes (section "Similarity encoding").
// Its parameters are part of the rules version; another implementation
// must use exactly these:
const (
	// BloomBits is the length of the filter before folding.
	BloomBits = 512
	// BloomHashes is the number of bit positions set per bigram.
	BloomHashes = 10
	// BloomFolded is the length written: the filter XOR-folded once.
	BloomFolded = BloomBits / 2
)

// bloomWords is the folded filter in 64-bit words.
const bloomWords = BloomFolded / 64

// bigram alphabet: the characters a normalised name can hold, the space
// that pads each token, and "?" for a letter lost in a lossy export.
const bigramAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ?"

var bigramCode = func() (t [256]uint8) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(bigramAlphabet); i++ {
		t[bigramAlphabet[i]] = uint8(i)
	}
	return t
}()

const (
	nAlpha    = len(bigramAlphabet)
	codeSpace = uint8(nAlpha - 2)
	codeQMark = uint8(nAlpha - 1)
)

// bloomEncoder makes the Bloom encodings of one key. The bit positions of
// a bigram under a salt come from one HMAC-SHA256 output (BloomHashes
// 16-bit words of it, each taken modulo BloomBits), so a record costs one
// HMAC per bigram it has not seen under that salt before; there are few
// distinct bigrams and salts, and the positions are cached.
type bloomEncoder struct {
	mac      hash.Hash
	salts    map[string]*bloomSalt
	last     *bloomSalt // the salt of the previous record, often the same
	lastSalt []byte
	buf      []byte
	sum      []byte
}

// bloomSalt caches the unfolded filter of every bigram under one salt.
type bloomSalt struct {
	done [nAlpha * nAlpha]bool
	mask [nAlpha * nAlpha][BloomBits / 64]uint64
}

func newBloomEncoder(subkey []byte) *bloomEncoder {
	return &bloomEncoder{mac: hmac.New(sha256.New, subkey), salts: map[string]*bloomSalt{}}
}

// positions returns the unfolded filter of bigram (a, b) under salt s.
func (e *bloomEncoder) positions(s *bloomSalt, salt []byte, a, b uint8) *[BloomBits / 64]uint64 {
	code := int(a)*nAlpha + int(b)
	if !s.done[code] {
		// Message: the salt, U+001F, and the two characters.
		e.buf = append(append(append(e.buf[:0], salt...), 0x1f), bigramAlphabet[a], bigramAlphabet[b])
		e.mac.Reset()
		e.mac.Write(e.buf)
		e.sum = e.mac.Sum(e.sum[:0])
		m := &s.mask[code]
		for i := range BloomHashes {
			p := int(binary.BigEndian.Uint16(e.sum[2*i:])) % BloomBits
			m[p/64] |= 1 << (p % 64)
		}
		s.done[code] = true
	}
	return &s.mask[code]
}

// encode returns the folded filter of the name tokens under salt, and
// false when no bigram could be formed. Each token is padded with a space
// on both sides ("anna" gives " a", "an", "nn", "na", "a "); a bigram
// holding "?" (a lost letter) is skipped, so a lost letter costs the two
// bigrams it is in, not the record. The tokens' order does not matter.
func (e *bloomEncoder) encode(toks []string, salt []byte) ([bloomWords]uint64, bool) {
	var f [BloomBits / 64]uint64
	var out [bloomWords]uint64
	s := e.last
	if s == nil || !bytes.Equal(salt, e.lastSalt) {
		s = e.salts[string(salt)]
		if s == nil {
			s = &bloomSalt{}
			e.salts[string(salt)] = s
		}
		e.last, e.lastSalt = s, append(e.lastSalt[:0], salt...)
	}
	any := false
	for _, t := range toks {
		prev := codeSpace
		for i := 0; i <= len(t); i++ {
			c := codeSpace
			if i < len(t) {
				c = bigramCode[t[i]]
				if c == 0xff {
					c = codeQMark // cannot happen for normalised names
				}
			}
			if prev != codeQMark && c != codeQMark {
				m := e.positions(s, salt, prev, c)
				for w := range f {
					f[w] |= m[w]
				}
				any = true
			}
			prev = c
		}
	}
	for w := range out {
		out[w] = f[w] ^ f[w+bloomWords]
	}
	return out, any
}

// appendBloom appends the base64url encoding (no padding, 43 characters)
// of the folded filter, bytes in big-endian word order.
func appendBloom(dst []byte, f [bloomWords]uint64) []byte {
	var b [BloomFolded / 8]byte
	for w := range f {
		binary.BigEndian.PutUint64(b[8*w:], f[w])
	}
	return base64.RawURLEncoding.AppendEncode(dst, b[:])
}

// DecodeBloom decodes a Bloom encoding as written in a list file. It is
// for package linkage and for tests.
func DecodeBloom(s []byte) (f [bloomWords]uint64, ok bool) {
	var b [BloomFolded / 8]byte
	if base64.RawURLEncoding.EncodedLen(len(b)) != len(s) {
		return f, false
	}
	n, err := base64.RawURLEncoding.Decode(b[:], s)
	if err != nil || n != len(b) {
		return f, false
	}
	for w := range f {
		f[w] = binary.BigEndian.Uint64(b[8*w:])
	}
	return f, true
}

// Dice returns the Dice coefficient 2|a∧b| / (|a| + |b|) of two filters,
// 0 when both are empty.
func Dice(a, b *[bloomWords]uint64) float64 {
	var and, na, nb int
	for w := range a {
		and += bits.OnesCount64(a[w] & b[w])
		na += bits.OnesCount64(a[w])
		nb += bits.OnesCount64(b[w])
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(and) / float64(na+nb)
}

// bloomLen is the length of a written Bloom encoding; tokSlot the room one
// key's value takes in a record's buffer (a token is 32 hex digits).
const (
	bloomLen = (BloomFolded/8*8 + 5) / 6
	tokSlot  = 48
)
