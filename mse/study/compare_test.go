package study

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/morketall/morketall/mse"
)

// TestCompareKosovo: on the Kosovo killings (4 lists; the truth is about
// 10,400), the methods disagree and both signs of heterogeneity fire:
// Rcapture's heterogeneity models fit far better than Mt (R 4.2.2,
// Rcapture 1.4-4 closedp.t, testdata/reference/rcapture_kosovo.json: AIC
// Mt 357.362741143606, Mth-Chao 218.92079921846), and Mh-Darroch's lower
// profile limit lies above the BIC model's estimate.
func TestCompareKosovo(t *testing.T) {
	tab := readTestTable(t, "../../testdata/kosovo.csv")
	procs := mustProcs(t, "auto/profile", "Mt/profile", "Mh-Darroch/profile", "Mth-Chao/profile")
	c, err := Compare(context.Background(), tab, procs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rows) != 4 || c.Rows[0].Estimate == nil || c.Rows[1].AIC == nil || c.Rows[3].AIC == nil {
		t.Fatalf("rows %+v", c.Rows)
	}
	for i, want := range map[int]float64{1: 357.362741143606, 3: 218.92079921846} {
		if got := *c.Rows[i].AIC; math.Abs(got-want) > 1e-6*want {
			t.Errorf("%s: AIC %.10g, Rcapture %.10g", c.Rows[i].Procedure, got, want)
		}
	}
	if len(c.Heterogeneity) != 2 || !strings.Contains(c.Heterogeneity[0], "fits much better than Mt") || !strings.Contains(c.Heterogeneity[1], "Mh-Darroch's lower 95% limit") {
		t.Fatalf("heterogeneity signs %q", c.Heterogeneity)
	}
	joined := strings.Join(c.Warnings, "\n")
	if !strings.Contains(joined, "disagree beyond their 95% intervals") || !strings.Contains(joined, "much harder to find than others") {
		t.Fatalf("warnings %q", c.Warnings)
	}
}

// TestCompareIndependence: on a table drawn from the independence model
// the methods agree and no sign of heterogeneity fires.
func TestCompareIndependence(t *testing.T) {
	pop, err := NewScenario("independence-4", nil)
	if err != nil {
		t.Fatal(err)
	}
	tab, _, err := pop.Sample(rand.NewPCG(7, 1), SchemeMultinomial)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compare(context.Background(), tab, mustProcs(t, "main/profile", "Mt/profile", "Mh-Darroch/profile", "Mth-Chao/profile"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Heterogeneity) != 0 || len(c.Warnings) != 0 {
		t.Fatalf("independent lists: signs %q, warnings %q", c.Heterogeneity, c.Warnings)
	}
	if _, err := Compare(context.Background(), tab, nil, nil); err == nil {
		t.Fatal("no procedures accepted")
	}
	// A procedure that cannot take the table is a row with its reason.
	c, err = Compare(context.Background(), tab, mustProcs(t, "main/profile", "bic/posterior"), nil)
	if err != nil || c.Rows[1].Status != mse.StatusNotEstimable || c.Rows[1].Reason == "" {
		t.Fatalf("%v %+v", err, c.Rows)
	}
}

// TestAssumptions: a log-linear result is refitted with the K-way
// interaction fixed (k = 1 is the estimate itself); any other result has
// its dark figure scaled by k.
func TestAssumptions(t *testing.T) {
	tab := readTestTable(t, "../../testdata/ukdat_5.csv")
	for _, proc := range []string{"stepwise/conditional", "Mth-Chao/profile"} {
		p := mustProcs(t, proc)[0]
		r, err := mse.Estimate(context.Background(), tab, p.Method, &mse.Options{Interval: p.Interval})
		if err != nil {
			t.Fatal(err)
		}
		a, err := Assumptions(tab, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		loglinear := proc == "stepwise/conditional"
		if (a.Model != "") != loglinear || len(a.Points) != len(DefaultHarder) || !strings.Contains(a.Sentence, "half as likely") {
			t.Fatalf("%s: %+v", proc, a)
		}
		n := float64(r.Observed)
		for _, pt := range a.Points {
			if want := n + pt.Harder*(*r.Estimate-n); math.Abs(pt.Estimate-want) > 1e-9*want {
				t.Errorf("%s: k = %g gives %.4f, want %.4f", proc, pt.Harder, pt.Estimate, want)
			}
			if (pt.KWay != nil) != loglinear {
				t.Errorf("%s: K-way refit %v", proc, pt.KWay)
			}
			if pt.KWay != nil && pt.Harder == 1 && math.Abs(pt.KWay.Estimate-*r.Estimate) > 1e-6**r.Estimate {
				t.Errorf("%s: the K-way refit at k = 1 gives %.4f, the estimate is %.4f", proc, pt.KWay.Estimate, *r.Estimate)
			}
		}
	}
}
