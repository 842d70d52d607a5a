package loglin

// Bootstrap comparisons with the R reference (MultipleSystemsEstimation
// 1.2.0, nboot = 1000, iseed = 1234; testdata/reference/mser_*.json).
// R's random numbers cannot be reproduced, so:
//
//   - the jackknife and the acceleration â are deterministic and must
//     agree to a relative 1e-6;
//   - the 1000 replicates are compared with R's 1000 by a two-sample
//     Kolmogorov–Smirnov test at level 0.001 per data set and variant;
//   - each BCa limit is compared with the mean of our limits over S
//     independent seeds: under the hypothesis that both come from the same
//     procedure, R's limit minus our mean is about N(0, s²(1 + 1/S)) with s
//     the standard deviation of one run, so we require
//     |d| ≤ t · s √(1+1/S), s estimated from the S runs and t the
//     two-sided 1e-4 quantile of Student's t with S − 1 df (S = 20, or 12
//     for the slower data sets with six or more lists).
//
// With about 20 data set × variant pairs and four limits each, the chance
// that an honest implementation fails somewhere is about 2% (KS) + 0.8%
// (limits). The seeds are fixed, so a given build passes or fails
// deterministically.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/morketall/morketall/internal/refdata"
	"github.com/morketall/morketall/internal/testflags"
	"github.com/morketall/morketall/mse"
)

// ksStatistic is the two-sample Kolmogorov–Smirnov distance.
func ksStatistic(a, b []float64) float64 {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Float64s(x)
	sort.Float64s(y)
	var i, j int
	var d float64
	for i < len(x) && j < len(y) {
		v := math.Min(x[i], y[j])
		for i < len(x) && x[i] <= v {
			i++
		}
		for j < len(y) && y[j] <= v {
			j++
		}
		d = math.Max(d, math.Abs(float64(i)/float64(len(x))-float64(j)/float64(len(y))))
	}
	return d
}

// ksCritical is the asymptotic critical value at level 0.001.
func ksCritical(n, m int) float64 {
	return 1.949 * math.Sqrt(float64(n+m)/float64(n*m))
}

func floats(v any) []float64 {
	var out []float64
	for _, x := range arr(v) {
		if x == nil {
			continue
		}
		out = append(out, num(x))
	}
	return out
}

func TestReferenceBootstrap(t *testing.T) {
	for _, ds := range refdata.Datasets {
		runs := obj(loadRef(t, "mser_"+ds+".json")["runs"])
		for _, variant := range []string{"stepwise", "bic"} {
			ref := obj(runs[variant+"_nboot1000"])
			if ref == nil || ref["error"] != nil && ref["error"] != "" || ref["bootstrap"] == nil {
				continue
			}
			t.Run(ds+"/"+variant, func(t *testing.T) {
				tab := loadDataset(t, ds)
				boot := obj(ref["bootstrap"])
				var meth mse.Method = Stepwise{}
				if variant == "bic" {
					s := Search{Criterion: BIC, NTop: mserNTop(tab.K())}
					if nt := int(num(ref["ntopmodels_used"])); nt != s.NTop && nt < len(mse.HierarchicalModels(tab.K(), DefaultMaxOrder(tab.K()))) {
						s.NTop = nt
					}
					meth = s
				}
				opts := &mse.Options{}
				res, err := mse.Estimate(context.Background(), tab, meth, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !res.Estimated() {
					t.Fatalf("not estimable: %s", res.Reason)
				}
				b := res.Bootstrap
				// Deterministic: the acceleration from the jackknife.
				if want := num(boot["ahat"]); !closeRel(b.Acceleration, want, refTol) {
					t.Errorf("â = %.10g, R %.10g", b.Acceleration, want)
				}
				if jk := obj(boot["jackknife"]); jk != nil {
					checkJackknife(t, tab, b, jk)
				}
				// The replicate distributions.
				rreps := floats(boot["bootreps"])
				d := ksStatistic(b.Replicates, rreps)
				if crit := ksCritical(len(b.Replicates), len(rreps)); d > crit {
					t.Errorf("KS distance %.4f to R's replicates exceeds %.4f (level 0.001)", d, crit)
				}
				// BCa limits within Monte Carlo error: a long check.
				if !testflags.Long() {
					return
				}
				seeds := 20
				if tab.K() >= 6 {
					seeds = 12
				}
				tcrit := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(seeds - 1)}.Quantile(1 - 0.5e-4)
				limits := make([][]float64, 4)
				qs := []float64{0.025, 0.1, 0.9, 0.975}
				for s := 0; s < seeds; s++ {
					seed := uint64(1000 + s)
					o := *opts
					o.Seed = &seed
					rs, err := mse.Estimate(context.Background(), tab, meth, &o)
					if err != nil || !rs.Estimated() || len(rs.Intervals) != 4 || rs.Intervals[0].Method != "bca" {
						t.Fatalf("seed %d: %v %v", seed, err, rs.Warnings)
					}
					for i := range qs {
						limits[i] = append(limits[i], *rs.Intervals[i].Value)
					}
				}
				rint := obj(ref["interval"])
				for i, q := range qs {
					mean, sd := meanSD(limits[i])
					want := num(rint[fmt.Sprint(q)])
					tol := tcrit * sd * math.Sqrt(1+1.0/float64(seeds))
					t.Logf("q=%g: R %.1f, ours %.1f ± %.1f (seed 1234: %.1f)", q, want, mean, sd, *res.Intervals[i].Value)
					if math.Abs(want-mean) > tol {
						t.Errorf("BCa %g limit: R %.2f, our mean over %d seeds %.2f (sd %.2f): outside Monte Carlo error", q, want, seeds, mean, sd)
					}
				}
			})
		}
	}
}

func checkJackknife(t *testing.T, tab *mse.Table, b *mse.BootstrapInfo, jk jsonObj) {
	t.Helper()
	// R lists every cell in tidy order with its count and delete-one
	// estimate; ours are the table's positive rows in row order.
	want := map[mse.Pattern]float64{}
	cells, ests := strs(jk["cells"]), arr(jk["estimates"])
	for i, c := range cells {
		var p mse.Pattern
		for j, ch := range c {
			if ch == '1' {
				p |= 1 << uint(j)
			}
		}
		if ests[i] != nil {
			want[p] = num(ests[i])
		}
	}
	j := 0
	for _, row := range tab.Rows {
		if row.Count == 0 {
			continue
		}
		w, ok := want[row.Pattern]
		if !ok {
			t.Errorf("jackknife for %s missing in R", row.Pattern.String(tab.K()))
		} else if !closeRel(b.Jackknife[j], w, refTol) {
			t.Errorf("jackknife %s: %.10g, R %.10g", row.Pattern.String(tab.K()), b.Jackknife[j], w)
		}
		j++
	}
}

func meanSD(x []float64) (float64, float64) {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)-1))
}
