package disclosure

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRound(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 0, 2: 3, 3: 3, 4: 3, 5: 6, 6: 6, 254: 255, 100: 99} {
		if got := Round(n); got != want {
			t.Errorf("Round(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestSmall(t *testing.T) {
	for n, want := range map[int]bool{0: false, 1: true, 2: true, 3: false, 40: false} {
		if got := Small(n); got != want {
			t.Errorf("Small(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestControlledRoundExample(t *testing.T) {
	// 1+2+2+4+5 = 14 → total 15; floors 0+0+0+3+3 = 6, so three cells go up:
	// the remainders 2 (positions 1, 2 and 4) before the remainders 1.
	got, total := ControlledRound([]int{1, 2, 2, 4, 5})
	want := []int{0, 3, 3, 3, 6}
	if total != 15 {
		t.Errorf("total = %d, want 15", total)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ControlledRound = %v, want %v", got, want)
		}
	}
}

// TestControlledRoundProperties checks the guarantees of ControlledRound on
// many random tables, including the extreme ones (all remainders 1, all 2).
func TestControlledRoundProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(cells []int) {
		t.Helper()
		r, total := ControlledRound(cells)
		sum, rsum := 0, 0
		for i, c := range cells {
			sum += c
			rsum += r[i]
			if r[i]%Base != 0 {
				t.Fatalf("%v: cell %d rounded to %d, not a multiple of %d", cells, i, r[i], Base)
			}
			if d := r[i] - c; d <= -Base || d >= Base {
				t.Fatalf("%v: cell %d = %d rounded to %d, not a neighbouring multiple", cells, i, c, r[i])
			}
			if r[i] == 1 || r[i] == 2 {
				t.Fatalf("%v: a published cell is %d", cells, r[i])
			}
		}
		if total != Round(sum) {
			t.Fatalf("%v: total %d, want Round(%d) = %d", cells, total, sum, Round(sum))
		}
		if rsum != total {
			t.Fatalf("%v: rounded cells add up to %d, total is %d", cells, rsum, total)
		}
	}
	check(nil)
	check([]int{0})
	for m := 1; m <= 10; m++ {
		ones, twos := make([]int, m), make([]int, m)
		for i := range ones {
			ones[i], twos[i] = 1, 3*i+2
		}
		check(ones)
		check(twos)
	}
	for range 5000 {
		cells := make([]int, 1+rng.IntN(12))
		for i := range cells {
			if rng.IntN(3) == 0 {
				cells[i] = rng.IntN(3)
			} else {
				cells[i] = rng.IntN(500)
			}
		}
		check(cells)
	}
}

func TestRoundEstimate(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{254.3, 250}, {255, 260}, {9257.1, 9260}, {11313, 11300}, {13849, 13800}, {4.9, 0}, {123456, 123000},
	} {
		if got := RoundEstimate(c.x); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("RoundEstimate(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if !math.IsNaN(RoundEstimate(math.NaN())) || !math.IsInf(RoundEstimate(math.Inf(1)), 1) {
		t.Error("RoundEstimate changed a non-finite value")
	}
}

func TestNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic on a negative count")
		}
	}()
	ControlledRound([]int{3, -1})
}
