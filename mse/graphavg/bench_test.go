package graphavg

import (
	"context"
	"testing"
)

// BenchmarkExact5 times the exact posterior of the 5-list tables on dga's
// grid (dga 2.0.2: 5.9 s on ukdat_5, 45 s and 1.6 GB on ned_5).
func BenchmarkExact5(b *testing.B) {
	for _, name := range []string{"ukdat_5", "ned_5", "western"} {
		b.Run(name, func(b *testing.B) {
			tab := readTable(b, name)
			k := tab.K()
			gs := decomposableGraphs(k)
			b.ReportAllocs()
			for b.Loop() {
				e, err := newEngine(k, tab.Cells(), 1/32.0, 30*tab.N(), inversePrior)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.average(context.Background(), gs, nil, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExact6 times the whole method on a 6-list table (18,154
// graphs; dga has no graphs for 6 lists).
func BenchmarkExact6(b *testing.B) {
	for _, name := range []string{"ukdat", "ned"} {
		b.Run(name, func(b *testing.B) {
			tab := readTable(b, name)
			for b.Loop() {
				if _, err := (Method{}).Fit(context.Background(), tab); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
