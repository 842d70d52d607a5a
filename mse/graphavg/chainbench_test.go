package graphavg

import (
	"context"
	"testing"
)

// BenchmarkChain8 times the default chains on the 8-list New Orleans
// table (its lists fall into two groups, so AllowDisconnected).
func BenchmarkChain8(b *testing.B) {
	tab := readTable(b, "neworl")
	for b.Loop() {
		if _, err := (Method{AllowDisconnected: true}).Fit(context.Background(), tab); err != nil {
			b.Fatal(err)
		}
	}
}
