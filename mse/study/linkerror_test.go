package study

import (
	"context"
	"errors"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
)

// lincolnPetersen is the two-list estimator n1·n2/m.
func lincolnPetersen(_ context.Context, t *mse.Table) (float64, error) {
	if t.K() != 2 {
		return 0, errors.New("two lists only")
	}
	c := t.Cells()
	m := c[3]
	if m == 0 {
		return 0, errors.New("no overlap")
	}
	return float64((c[1]+c[3])*(c[2]+c[3])) / float64(m), nil
}

// privacyExample is PRIVACY.md's: two lists of 200 and 150 with 20 true
// matches.
func privacyExample(t *testing.T) *mse.Table {
	tb, err := mse.NewTable([]string{"A", "B"}, []mse.Pattern{1, 2, 3}, []int{180, 130, 20})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// recorder is an estimator that keeps the tables it sees.
type recorder struct {
	mu     sync.Mutex
	tables []*mse.Table
}

func (r *recorder) estimate(_ context.Context, t *mse.Table) (float64, error) {
	r.mu.Lock()
	r.tables = append(r.tables, t)
	r.mu.Unlock()
	return float64(t.N()), nil
}

func TestLinkageErrorNoErrorsReproducesTheTable(t *testing.T) {
	tb := privacyExample(t)
	var rec recorder
	res, err := LinkageError(context.Background(), tb, rec.estimate, &LinkageErrorOptions{Replicates: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.tables) != 21 { // the table itself, then 20 replicates
		t.Fatalf("%d calls", len(rec.tables))
	}
	for _, got := range rec.tables {
		if diff := cmp.Diff(tb, got); diff != "" {
			t.Fatalf("replicate differs from the input (-want +got):\n%s", diff)
		}
	}
	if res.RelativeChange != 0 || res.SD != 0 || res.Replicates != 20 || res.Estimate != 330 {
		t.Errorf("%+v", res)
	}
}

// TestLinkageErrorPrivacyExample checks PRIVACY.md's figures: with 20
// true matches, 2 missed links raise the Lincoln–Petersen estimate by
// 11.1% (200·150/18 against 200·150/20) and 2 false links lower it by
// 9.1% (200·150/22). With rates 0.1 the number of errors is Binomial(20,
// 0.1), whose median is 2; the median of 1001 replicates is the estimate
// at 2 errors unless the share of draws ≤ 1 exceeds 1/2 or the share ≤ 2
// falls below it (expected 0.39 and 0.68, 7 and 11 standard deviations
// away): the false-failure rate is below 1e-11.
func TestLinkageErrorPrivacyExample(t *testing.T) {
	tb := privacyExample(t)
	miss, err := LinkageError(context.Background(), tb, lincolnPetersen, &LinkageErrorOptions{Missed: 0.1, Replicates: 1001, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := 20.0/18 - 1; math.Abs(miss.RelativeChange-want) > 1e-12 {
		t.Errorf("missed: relative change %.6f, want %.6f", miss.RelativeChange, want)
	}
	fal, err := LinkageError(context.Background(), tb, lincolnPetersen, &LinkageErrorOptions{False: 0.1, Replicates: 1001, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := 20.0/22 - 1; math.Abs(fal.RelativeChange-want) > 1e-12 {
		t.Errorf("false: relative change %.6f, want %.6f", fal.RelativeChange, want)
	}
	// Binomial(20, 0.1) has mean 2: the averages of 1001 draws lie within
	// 0.3 of it (SD 0.042; 7 SD).
	if math.Abs(miss.MeanMissed-2) > 0.3 || math.Abs(fal.MeanFalse-2) > 0.3 || fal.MeanUnmatched != 0 {
		t.Errorf("mean errors per replicate: missed %.3f, false %.3f, unmatched %.3f", miss.MeanMissed, fal.MeanFalse, fal.MeanUnmatched)
	}
}

// TestLinkageErrorInvariants: splits and merges leave every list's number
// of persons alone; with rate 1 every linked person is split, or every
// declared link gets a false partner.
func TestLinkageErrorInvariants(t *testing.T) {
	tb := &mse.Table{
		Lists:  []string{"A", "B", "C"},
		Strata: []string{"sex"},
		Rows: []mse.Row{
			{Pattern: 1, Stratum: []string{"F"}, Count: 40},
			{Pattern: 2, Stratum: []string{"F"}, Count: 30},
			{Pattern: 4, Stratum: []string{"F"}, Count: 25},
			{Pattern: 3, Stratum: []string{"F"}, Count: 8},
			{Pattern: 7, Stratum: []string{"F"}, Count: 3},
			{Pattern: 1, Stratum: []string{"M"}, Count: 12},
			{Pattern: 6, Stratum: []string{"M"}, Count: 5},
			{Pattern: 4, Stratum: []string{"M"}, Count: 9},
		},
	}
	totals := func(t *mse.Table, s string) []int { return t.Stratum([]string{s}).ListTotals() }
	check := func(name string, o LinkageErrorOptions, wantN map[string]int) {
		var rec recorder
		o.Replicates, o.Seed = 50, 3
		if _, err := LinkageError(context.Background(), tb, rec.estimate, &o); err != nil {
			t.Fatal(err)
		}
		for _, got := range rec.tables[1:] {
			for _, s := range []string{"F", "M"} {
				if diff := cmp.Diff(totals(tb, s), totals(got, s)); diff != "" {
					t.Fatalf("%s: list totals of stratum %s changed (-want +got):\n%s", name, s, diff)
				}
				if wantN != nil && got.Stratum([]string{s}).N() != wantN[s] {
					t.Fatalf("%s: stratum %s has %d persons, want %d", name, s, got.Stratum([]string{s}).N(), wantN[s])
				}
			}
			for _, r := range got.Rows {
				if r.Count <= 0 || r.Pattern == 0 {
					t.Fatalf("%s: row %+v", name, r)
				}
			}
		}
	}
	// F: 40+30+25+8+3 = 106 persons, 8+3 = 11 on two or more lists;
	// M: 12+5+9 = 26 persons, 5.
	check("missed=1", LinkageErrorOptions{Missed: 1}, map[string]int{"F": 106 + 11, "M": 26 + 5})
	check("mixed", LinkageErrorOptions{Missed: 0.3, False: 0.2}, nil)
	// False=1 draws 11 merges in F and 5 in M; every one finds a partner.
	check("false=1", LinkageErrorOptions{False: 1}, map[string]int{"F": 106 - 11, "M": 26 - 5})
}

func TestLinkageErrorDeterministic(t *testing.T) {
	tb := privacyExample(t)
	run := func(seed uint64, workers int) []float64 {
		res, err := LinkageError(context.Background(), tb, lincolnPetersen, &LinkageErrorOptions{Missed: 0.05, False: 0.02, Replicates: 200, Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return res.Estimates
	}
	a := run(11, 1)
	if diff := cmp.Diff(a, run(11, 4)); diff != "" {
		t.Errorf("result depends on the number of workers:\n%s", diff)
	}
	if cmp.Equal(a, run(12, 1)) {
		t.Error("another seed gave the same replicates")
	}
}

// TestLinkageErrorDirection on UKdat_5 with the independence model:
// missed links raise the estimate, false links lower it.
func TestLinkageErrorDirection(t *testing.T) {
	f, err := os.Open("../../testdata/ukdat_5.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, _, err := mse.ReadTable(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	est := func(ctx context.Context, t *mse.Table) (float64, error) {
		r, err := mse.Estimate(ctx, t, loglin.Main{}, &mse.Options{Interval: mse.IntervalNone})
		if err != nil {
			return 0, err
		}
		if !r.Estimated() {
			return 0, errors.New(r.Reason)
		}
		return *r.Estimate, nil
	}
	up, err := LinkageError(context.Background(), tb, est, &LinkageErrorOptions{Missed: 0.05, Replicates: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	down, err := LinkageError(context.Background(), tb, est, &LinkageErrorOptions{False: 0.05, Replicates: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("UKdat_5, main effects: N̂ %.1f; missed 5%%: %+.2f%%; false 5%%: %+.2f%%", up.Estimate, 100*up.RelativeChange, 100*down.RelativeChange)
	if !(up.RelativeChange > 0 && down.RelativeChange < 0) {
		t.Errorf("missed %+.4f, false %+.4f", up.RelativeChange, down.RelativeChange)
	}
}

func TestLinkageErrorOptionErrors(t *testing.T) {
	tb := privacyExample(t)
	for _, o := range []*LinkageErrorOptions{
		{Missed: -0.1}, {Missed: 1.5}, {Missed: math.NaN()}, {False: math.Inf(1)},
		{Replicates: -1}, {Replicates: 2e6}, {Quantiles: []float64{0}}, {Quantiles: []float64{1.2}},
	} {
		if _, err := LinkageError(context.Background(), tb, lincolnPetersen, o); !errors.Is(err, ErrLinkageError) {
			t.Errorf("%+v: got %v", o, err)
		}
	}
	if _, err := LinkageError(context.Background(), tb, nil, nil); !errors.Is(err, ErrLinkageError) {
		t.Errorf("nil estimator: %v", err)
	}
	if _, err := LinkageError(context.Background(), nil, lincolnPetersen, nil); !errors.Is(err, ErrLinkageError) {
		t.Errorf("nil table: %v", err)
	}
	// Every replicate failing is an error, not a silent result.
	bad, _ := mse.NewTable([]string{"A", "B"}, []mse.Pattern{1, 2, 3}, []int{5, 5, 1})
	if _, err := LinkageError(context.Background(), bad, lincolnPetersen, &LinkageErrorOptions{Missed: 1, Replicates: 5}); err == nil {
		t.Error("no error when no replicate is estimable")
	}
}

// TestBinomial checks the sampler's mean and variance. With 20000 draws
// the sample mean lies within 5 standard errors of n·p and the variance
// within 10% of n·p·(1−p) (its relative SE is about 1%): the
// false-failure rate is below 1e-6.
