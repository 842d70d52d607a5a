package latentclass

import (
	"context"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/seed"
)

// BenchmarkLCMCRLength runs one chain of LCMCR's documented length
// (burn-in 10,000, then 1,000 draws thinned by 100: 110,000 sweeps) per
// iteration, with the default sampler and with LCMCR's plain Gibbs
// sampler (GibbsOnly), and reports the seconds per chain and the speed-up
// over LCMCR 0.4.14's first reference chain on the same table (its wall
// time and its CPU time, both measured on the reference machine; ours are
// wall times of one chain on one core).
//
//	go test ./mse/latentclass -run XXX -bench LCMCRLength -benchtime 3x
func BenchmarkLCMCRLength(b *testing.B) {
	for _, name := range []string{"kosovo", "ukdat_5", "ned", "neworl"} {
		for _, gibbsOnly := range []bool{false, true} {
			label := name + "/default"
			if gibbsOnly {
				label = name + "/gibbs-only"
			}
			b.Run(label, func(b *testing.B) {
				ref := readLCMCR(b, name)
				d := loadData(b, name)
				cfg := config{classes: ref.Settings.K, aAlpha: ref.Settings.AAlpha, bAlpha: ref.Settings.BAlpha,
					burnin: ref.Settings.Burnin, samples: ref.Settings.Samples, thin: ref.Settings.Thin, collapsed: !gibbsOnly}
				b.ResetTimer()
				t0 := time.Now()
				for i := range b.N {
					ch := newChain(d, cfg, seed.Stream(1, uint64(i)))
					if _, err := ch.run(context.Background(), cfg); err != nil {
						b.Fatal(err)
					}
				}
				per := time.Since(t0).Seconds() / float64(b.N)
				b.ReportMetric(per, "s/chain")
				b.ReportMetric(ref.Chain1.WallS/per, "x_lcmcr_wall")
				b.ReportMetric(ref.Chain1.UserS/per, "x_lcmcr_cpu")
			})
		}
	}
}
