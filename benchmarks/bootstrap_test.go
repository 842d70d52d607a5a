package benchmarks

import (
	"context"
	"os"
	"testing"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

func readTable(b testing.TB, path string) *mse.Table {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	t, _, err := mse.ReadTable(f, nil)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkBootstrapStepwiseUK6 is SparseMSE's estimatepopulation on the
// 6-list UK table: stepwise selection re-run in 1000 bootstrap replicates
// plus the jackknife, BCa limits. R (SparseMSE 2.0.1) takes 178 s on this
// machine class (wall_s of that call in testdata/reference/sparsemse_ukdat.json).
func BenchmarkBootstrapStepwiseUK6(b *testing.B) {
	t := readTable(b, "../testdata/ukdat.csv")
	b.ReportAllocs()
	for b.Loop() {
		r, err := mse.Estimate(context.Background(), t, loglin.Stepwise{}, &mse.Options{NBoot: 1000})
		if err != nil || !r.Estimated() {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrapBICAllUK5 is the BIC bootstrap on the 5-list UK table
// at MSE-R's default maxorder 3, searching all 6212 models (6084 valid) in
// each of 1000 replicates and in the jackknife. MSE-R restricts each
// replicate to the best 100 models and takes 83–95 s for that.
func BenchmarkBootstrapBICAllUK5(b *testing.B) {
	t := readTable(b, "../testdata/ukdat_5.csv")
	b.ReportAllocs()
	for b.Loop() {
		r, err := mse.Estimate(context.Background(), t, loglin.Search{Criterion: loglin.BIC, NTop: loglin.NTopAll}, &mse.Options{NBoot: 1000})
		if err != nil || !r.Estimated() {
			b.Fatal(err)
		}
	}
}

// BenchmarkBootstrapBICTop100UK5 is MSE-R's own setting (ntopmodels 100).
func BenchmarkBootstrapBICTop100UK5(b *testing.B) {
	t := readTable(b, "../testdata/ukdat_5.csv")
	b.ReportAllocs()
	for b.Loop() {
		r, err := mse.Estimate(context.Background(), t, loglin.Search{Criterion: loglin.BIC, NTop: 100}, &mse.Options{NBoot: 1000})
		if err != nil || !r.Estimated() {
			b.Fatal(err)
		}
	}
}
