package linkage

import (
	"fmt"
	"testing"
)

func TestTmpDiag(t *testing.T) {
	e := buildE2E(t, 20261127, 1200, realisticNoise)
	res, _, _, _, _ := e.link(t)
	sr := res.Report.Scoring
	t.Logf("matched %d bloom pairs %d skipped %d", sr.MatchedPairs, sr.BloomPairs, sr.BloomBlocksSkipped)
	for _, f := range sr.Features {
		t.Logf("%-22s m %v u %v w %.1f", f.Name, fmtF(f.M), fmtF(f.U), f.Weights)
	}
	for _, r := range res.Report.Rules {
		if r.Scored != nil {
			t.Logf("%s %+v", r.Rule, *r.Scored)
		}
	}
}

func fmtF(x []float64) []string {
	var s []string
	for _, v := range x {
		s = append(s, fmtG(v))
	}
	return s
}
func fmtG(v float64) string { return fmt.Sprintf("%.3f", v) }
