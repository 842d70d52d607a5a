package benchmarks

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/linkage"
)

// The linkage benchmark: 8 agency lists of pseudonymised records, built
// from a seeded synthetic population. Each person is on each list
// independently with the probabilities below (persons on no list are never
// seen and never generated); 3% of records are registered twice by the same
// agency. Tokens are random 128-bit values per person and key; a record
// misses a key with the key's missing rate and carries a different token
// ("a typo") with the key's noise rate, so the linker meets missing keys,
// disagreeing keys and within-list duplicates at realistic rates. The
// eleven keys of the pseudonym package's default schema, so that year keys
// are checked against full-date keys and loose takes its second pass, its
// Bloom key and its three block keys (#bloom_keys, #block_keys), so that
// the scored pass runs, and its four covariates. Block tokens follow a
// person's date of birth (one of 33 × 365 days), year and sex, as the real
// ones do; a Bloom encoding is a person's random 256-bit filter of about
// half its bits set, a record's with a few bits flipped.
//
// Run the 10-million-record case alone (it writes about 3.3 GB of files,
// generated once before the timed loop):
//
//	go test -run '^$' -bench 'Link/records=10000000' -benchtime 1x -benchmem ./benchmarks
//
// Set MORKETALL_BENCH_DIR to keep the generated files between runs.

var (
	benchListProb     = []float64{0.35, 0.30, 0.25, 0.20, 0.15, 0.10, 0.08, 0.05}
	benchKeys         = []string{"nid", "name_dob_sex", "skeleton_dob", "first_last_dob", "first_first_dob", "first_last_lo_dob_sex", "first_last_hi_dob_sex", "skeleton_year_sex", "first_last_year_sex", "skeleton_dm_even_sex", "skeleton_dm_odd_sex"}
	benchMissing      = []float64{0.80, 0.10, 0.08, 0.10, 0.10, 0.10, 0.10, 0.05, 0.04, 0.10, 0.10}
	benchNoise        = []float64{0.00, 0.05, 0.03, 0.03, 0.03, 0.02, 0.02, 0.01, 0.01, 0.02, 0.02}
	benchCovs         = []string{"sex", "exploitation", "region", "age_band"}
	benchBloom        = "name_bloom"
	benchBlocks       = []string{"block_dob", "block_year_sex", "block_year"}
	benchBlockMissing = []float64{0.08, 0.05, 0.02}
	benchVocab        = [][]string{
		{"F", "M", "X", "unknown"},
		{"sexual", "labour", "both", "other", "unknown"},
		{"eastern_europe", "africa", "asia", "western_europe", "south_america", "middle_east", "unknown"},
		{"adult", "minor", "unknown"},
	}
)

const benchDupRate = 0.03

// benchPersons returns the population size giving about n records.
func benchPersons(n int) int {
	var s float64
	for _, p := range benchListProb {
		s += p
	}
	return int(float64(n) / (s * (1 + benchDupRate)))
}

func benchHex(rng *rand.Rand) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rng.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rng.Uint64())
	return hex.EncodeToString(b[:])
}

// writeBenchList writes list l of a population of persons: every list is
// generated independently from per-person and per-record PCG streams.
func writeBenchList(path string, seed uint64, persons, l int) (int, error) {
	var recs []mktfile.Record
	ptok := make([][16]byte, len(benchKeys))
	for p := range persons {
		prng := rand.New(rand.NewPCG(seed, uint64(p)))
		var on uint32
		for i, pr := range benchListProb {
			if prng.Float64() < pr {
				on |= 1 << i
			}
		}
		if on&(1<<l) == 0 {
			continue
		}
		for k := range benchKeys {
			binary.LittleEndian.PutUint64(ptok[k][:8], prng.Uint64())
			binary.LittleEndian.PutUint64(ptok[k][8:], prng.Uint64())
		}
		var pcov [4]int
		for c := range benchCovs {
			pcov[c] = prng.IntN(len(benchVocab[c]) - 1)
		}
		day := prng.IntN(33 * 365)
		var bloom [4]uint64
		for w := range bloom {
			bloom[w] = prng.Uint64()
		}
		blockVals := [3]uint64{uint64(day), uint64(day/365)<<2 | uint64(pcov[0]), uint64(day / 365)}
		rrng := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(p)<<5|uint64(l)))
		copies := 1
		if rrng.Float64() < benchDupRate {
			copies = 2
		}
		for range copies {
			r := mktfile.Record{ID: benchHex(rrng)[:16], Tokens: make([]string, len(benchKeys), len(benchKeys)+1+len(benchBlocks)), Covariates: make([]string, len(benchCovs))}
			for k := range benchKeys {
				switch u := rrng.Float64(); {
				case u < benchMissing[k]:
				case u < benchMissing[k]+benchNoise[k]:
					r.Tokens[k] = benchHex(rrng)
				default:
					r.Tokens[k] = hex.EncodeToString(ptok[k][:])
				}
			}
			for c := range benchCovs {
				v := pcov[c]
				if rrng.Float64() < 0.05 {
					v = len(benchVocab[c]) - 1 // unknown
				}
				r.Covariates[c] = benchVocab[c][v]
			}
			f := bloom
			for range 8 {
				bit := rrng.IntN(256)
				f[bit/64] ^= 1 << (bit % 64)
			}
			r.Tokens = append(r.Tokens, benchBloomText(f))
			for j := range benchBlocks {
				t := ""
				if rrng.Float64() >= benchBlockMissing[j] {
					t = benchBlockToken(j, blockVals[j])
				}
				r.Tokens = append(r.Tokens, t)
			}
			recs = append(recs, r)
		}
	}
	rand.New(rand.NewPCG(seed, uint64(l))).Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	h := &mktfile.Header{
		List:           fmt.Sprintf("L%d", l+1),
		KeyFingerprint: "mkfp1-00000000bench000",
		SchemaHash:     "sha256:bench",
		Created:        time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		MatchKeys:      append(append(slices.Clone(benchKeys), benchBloom), benchBlocks...),
		Covariates:     benchCovs,
		Extra:          [][2]string{{"bloom_keys", benchBloom}, {"block_keys", strings.Join(benchBlocks, ",")}},
	}
	err := atomicfile.Write(path, &atomicfile.Options{Force: true}, func(w io.Writer) error {
		return mktfile.Write(w, h, recs)
	})
	return len(recs), err
}

// benchBloomText writes a Bloom filter as list files do (base64url of
// the four words, big-endian).
func benchBloomText(f [4]uint64) string {
	var b [32]byte
	for w := range f {
		binary.BigEndian.PutUint64(b[8*w:], f[w])
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// benchBlockToken is the token of block key j for value v: 128 bits from
// a PCG stream of (j, v), the same for every record with that value.
func benchBlockToken(j int, v uint64) string {
	r := rand.New(rand.NewPCG(uint64(j)+0xb10c, v))
	return benchHex(r)
}

// benchFiles generates (or finds, under MORKETALL_BENCH_DIR) the 8 files of
// about n records and returns their paths and the number of records.
func benchFiles(b *testing.B, n int) ([]string, int) {
	dir := os.Getenv("MORKETALL_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	dir = filepath.Join(dir, fmt.Sprintf("link2-%d", n)) // link2: with the Bloom and block columns
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	persons := benchPersons(n)
	total := 0
	var paths []string
	for l := range benchListProb {
		path := filepath.Join(dir, fmt.Sprintf("l%d.mkt", l+1))
		paths = append(paths, path)
		if f, err := os.Open(path); err == nil {
			rd, err := mktfile.NewReader(f)
			f.Close()
			if err == nil {
				total += rd.Header.Rows
				continue
			}
		}
		rows, err := writeBenchList(path, 20261127, persons, l)
		if err != nil {
			b.Fatal(err)
		}
		total += rows
	}
	return paths, total
}

func BenchmarkLink(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			paths, total := benchFiles(b, n)
			b.ReportAllocs()
			var res *linkage.Result
			for b.Loop() {
				var err error
				res, err = linkage.LinkFiles(context.Background(), paths, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total), "records")
			b.ReportMetric(float64(res.Report.Rules[1].Persons), "persons")
			b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
