package benchmarks

import (
	"context"
	"fmt"
	"testing"

	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// scaled returns the UK 5-list table with every count multiplied so that
// the total is about n.
func scaled(tb testing.TB, n float64) *mse.Table {
	t := readTable(tb, "../testdata/ukdat_5.csv")
	f := n / float64(t.N())
	var pats []mse.Pattern
	var counts []int
	for _, r := range t.Rows {
		pats = append(pats, r.Pattern)
		counts = append(counts, max(1, int(float64(r.Count)*f)))
	}
	s, err := mse.NewTable(t.Lists, pats, counts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkEstimateCounts is the stepwise BCa bootstrap (1000 replicates)
// of the UK table scaled to about 1e3 and 1e9 cases: the bootstrap draws
// each replicate as a multinomial over the table's rows, so its memory
// (B/op) and time are the same at both sizes.
func BenchmarkEstimateCounts(b *testing.B) {
	for _, n := range []float64{1e3, 1e9} {
		t := scaled(b, n)
		b.Run(fmt.Sprintf("N=%.0e", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := mse.Estimate(context.Background(), t, loglin.Stepwise{}, &mse.Options{NBoot: 1000})
				if err != nil || !r.Estimated() {
					b.Fatal(err, r.Reason)
				}
			}
		})
	}
}

// TestEstimateBillionCases: a table of a billion cases is estimated with
// its bootstrap like any other (it used to need one int32 per case).
func TestEstimateBillionCases(t *testing.T) {
	tab := scaled(t, 1e9)
	r, err := mse.Estimate(context.Background(), tab, loglin.Stepwise{}, &mse.Options{NBoot: 50})
	if err != nil || !r.Estimated() || r.Bootstrap == nil || len(r.Bootstrap.Replicates) != 50 {
		t.Fatalf("%v %+v", err, r)
	}
	p, ok := r.Intervals.Level(0.95)
	if !ok || !p.Covers(*r.Estimate) {
		t.Fatalf("interval %+v around %v", p, *r.Estimate)
	}
}
