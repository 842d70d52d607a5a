// Package seed is the one place where seeds are derived: every random
// procedure of the module takes one seed, and its independent parts
// (bootstrap replicates, simulated tables, strata, procedures) draw from
// streams derived here, so results depend on the seed alone, never on the
// number of cores or the order of work.
package seed

import (
	"hash/fnv"
	"math/rand/v2"
)

// Mix derives an independent 64-bit seed from a seed and labels: the
// SplitMix64 finaliser over the seed xor an FNV-1a hash of the labels.
func Mix(seed uint64, labels ...string) uint64 {
	h := fnv.New64a()
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return SplitMix(seed ^ h.Sum64())
}

// SplitMix is SplitMix64's finaliser: it turns nearby integers into
// well-separated 64-bit values.
func SplitMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream is the random stream number i of a seed: a PCG generator whose
// state is (seed, i).
func Stream(seed, i uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, i)) }
