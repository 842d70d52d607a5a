package latentclass

import (
	"context"
	"testing"

	"github.com/morketall/morketall/internal/seed"
)

// benchChain runs one chain of LCMCR's documented length (burn-in 10,000,
// then 1,000 draws thinned by 100: 110,000 iterations) per b.N.
func benchChain(b *testing.B, name string, gibbsOnly bool) {
	d := loadData(b, name)
	cfg := config{classes: 10, aAlpha: 0.25, bAlpha: 0.25, burnin: 10000, samples: 1000, thin: 100}
	b.ResetTimer()
	for i := range b.N {
		cfg.collapsed = !gibbsOnly
		ch := newChain(d, cfg, seed.Stream(1, uint64(i)))
		if _, err := ch.run(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChainKosovo(b *testing.B)      { benchChain(b, "kosovo", false) }
func BenchmarkChainUKdat5(b *testing.B)      { benchChain(b, "ukdat_5", false) }
func BenchmarkChainKosovoGibbs(b *testing.B) { benchChain(b, "kosovo", true) }
