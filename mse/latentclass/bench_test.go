package latentclass

import (
	"context"
	"runtime"
	"syscall"
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
				// The chain's CPU time too: on a shared machine the wall
				// time measures the other tenants as well.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ResetTimer()
				t0, c0 := time.Now(), threadCPU()
				for i := range b.N {
					ch := newChain(d, cfg, seed.Stream(1, uint64(i)))
					if _, err := ch.run(context.Background(), cfg); err != nil {
						b.Fatal(err)
					}
				}
				per := time.Since(t0).Seconds() / float64(b.N)
				cpu := (threadCPU() - c0) / float64(b.N)
				b.ReportMetric(per, "s/chain")
				b.ReportMetric(cpu, "cpu_s/chain")
				b.ReportMetric(ref.Chain1.WallS/per, "x_lcmcr_wall")
				b.ReportMetric(ref.Chain1.UserS/cpu, "x_lcmcr_cpu")
			})
		}
	}
}

// threadCPU is the CPU time of the calling OS thread, in seconds (0 where
// the system cannot tell).
func threadCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
