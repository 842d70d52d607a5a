package graphavg

import (
	"context"
	"testing"
)

// massAndMean is pass for one graph: the same mass and conditional mean.
func TestMassAndMeanIsPass(t *testing.T) {
	tab := readTable(t, "western")
	e, err := newEngine(tab.K(), tab.Cells(), 1/32.0, 30*tab.N(), inversePrior)
	if err != nil {
		t.Fatal(err)
	}
	gs := decomposableGraphs(5)
	av, err := e.average(context.Background(), gs, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	conds, err := e.conditional(context.Background(), gs[:50])
	if err != nil {
		t.Fatal(err)
	}
	sc := e.newScratch()
	check := func() {
		for i := range conds {
			md := e.model(&gs[i], 0)
			lm, mean, ok := e.massAndMean(&md, sc)
			if !ok {
				t.Fatal("underflow")
			}
			if d := lm - av.logMass[i]; d > 1e-9 || d < -1e-9 {
				t.Errorf("graph %d: log mass %.12g, pass %.12g", i, lm, av.logMass[i])
			}
			if relErr(mean, conds[i].mean()) > 1e-9 {
				t.Errorf("graph %d: mean %.12g, pass %.12g", i, mean, conds[i].mean())
			}
		}
	}
	check()
	// And with the cached prefix products and common ratios.
	e.preparePrefixes()
	e.commonRatios()
	if e.pre == nil {
		t.Fatal("no cache")
	}
	check()
}
