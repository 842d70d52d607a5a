package loglin

import (
	"context"
	"strings"
	"testing"

	"github.com/morketall/morketall/mse"
)

// A replicate in which the lists no longer overlap has no finite
// estimate: the bootstrap must count it as unbounded, not drop it (which
// would pull the interval down), and an upper limit among such replicates
// is open rather than a number.
func TestBootstrapUnboundedReplicates(t *testing.T) {
	// Two overlapping cases only: about a seventh of the resamples lose both.
	tab, err := mse.NewTable([]string{"A", "B", "C"}, []mse.Pattern{0b001, 0b010, 0b100, 0b011, 0b110}, []int{30, 20, 10, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := mse.Estimate(context.Background(), tab, Main{}, nil)
	if err != nil || !r.Estimated() {
		t.Fatalf("%v %v", err, r)
	}
	b := r.Bootstrap
	// P(both overlap cases missed) = (1 − 2/62)^62 ≈ 0.13; with 1000
	// replicates the count is 130 ± 11, so 80..180 fails with probability
	// below 1e-5.
	if b.Unbounded < 80 || b.Unbounded > 180 || b.NotEstimable != 0 {
		t.Errorf("unbounded %d, not estimable %d", b.Unbounded, b.NotEstimable)
	}
	if len(b.Replicates)+b.Unbounded != 1000 {
		t.Errorf("%d finite + %d unbounded replicates", len(b.Replicates), b.Unbounded)
	}
	last := r.Intervals[len(r.Intervals)-1]
	if last.Quantile != 0.975 || last.Value != nil || !strings.HasPrefix(last.Note, "open") {
		t.Errorf("97.5%% limit %+v, want open", last)
	}
	if r.Intervals[0].Value == nil {
		t.Errorf("lower limit missing")
	}
}
