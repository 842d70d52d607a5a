package loglin

import (
	"fmt"
	"testing"

	"github.com/morketall/morketall/loglinear"
	"github.com/morketall/morketall/mse"
)

// BenchmarkFitModel fits one model of each size on the 5-list UK table
// (R: about 1.7 ms per model for glm.fit plus the LP, METHODS.md).
func BenchmarkFitModel(b *testing.B) {
	tab := readTestTable(b, "../../testdata/ukdat_5.csv")
	y, _ := cellCounts(tab)
	for _, spec := range []string{"main", "[12,25,35,45]", "[12,13,24,25,35,45]", "[123,25,34]", "[123,124,134,234,5]"} {
		m, err := mse.ParseModel(spec, tab.Lists)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("P=%d/checked", m.NumParams()), func(b *testing.B) {
			f := newFitter(5)
			f.use(y, tab.N())
			b.ReportAllocs()
			for b.Loop() {
				if r := f.fitLight(m, checkAlways, [2]uint64{}, nil); !r.ok {
					b.Fatal(r.reason)
				}
			}
		})
		b.Run(fmt.Sprintf("P=%d/fit-only", m.NumParams()), func(b *testing.B) {
			ch, _ := loglinear.CheckModel(5, m.Terms(), y)
			d := loglinear.HierarchicalDesign(ch.KeptCells, ch.KeptTerms)
			yk := make([]float64, len(ch.KeptCells))
			for i, c := range ch.KeptCells {
				yk[i] = y[c]
			}
			ws := loglinear.NewWorkspace(d)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ws.Run(yk, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSelectBIC is MSE-R's BIC search over the 6212 models up to
// order 3 on the 5-list UK table (R: 9.6–11.1 s on this machine class).
func BenchmarkSelectBIC(b *testing.B) {
	tab := readTestTable(b, "../../testdata/ukdat_5.csv")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SelectByCriterion(tab, BIC, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStepwise is SparseMSE's stepwise search on the 6-list UK table
// (R: about 0.2 s for estimatepopulation.0).
func BenchmarkStepwise(b *testing.B) {
	tab := readTestTable(b, "../../testdata/ukdat.csv")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SelectStepwise(tab, DefaultPThresh); err != nil {
			b.Fatal(err)
		}
	}
}
