package graphavg

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/refdata"
	"github.com/morketall/morketall/mse"
)

// dgaRef is the part of a dga_<data>.json reference file the tests read.
type dgaRef struct {
	K        int    `json:"K_lists"`
	Observed int    `json:"total_observed"`
	Skipped  string `json:"skipped"`
	Settings struct {
		Delta      float64 `json:"delta"`
		MaxMissing int     `json:"Nmissing_max"`
		NGraphs    int     `json:"n_graphs"`
	} `json:"settings"`
	Quantiles     map[string]float64 `json:"quantiles"`
	QuantilesFine map[string]float64 `json:"quantiles_fine"`
	Mean          float64            `json:"mean"`
	SD            float64            `json:"sd"`
	Mode          float64            `json:"mode"`
	TopModels     []struct {
		Cliques    string             `json:"cliques_idx"`
		Separators string             `json:"separators"`
		Weight     float64            `json:"weight"`
		CondQ      map[string]float64 `json:"conditional_quantiles"`
		CondMean   float64            `json:"conditional_mean"`
		CondMode   float64            `json:"conditional_mode"`
	} `json:"top_models"`
	Weights []struct {
		Cliques string  `json:"cliques_idx"`
		Weight  float64 `json:"weight"`
	} `json:"model_weights_all"`
	Truncation []struct {
		MaxMissing int                `json:"Nmissing_max"`
		Quantiles  map[string]float64 `json:"quantiles"`
		Mean       float64            `json:"mean"`
		SD         float64            `json:"sd"`
	} `json:"truncation_sensitivity"`
}

func readDGA(t *testing.T, name string) dgaRef {
	t.Helper()
	b, err := os.ReadFile(refdata.Reference(t, "dga_"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r dgaRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func readTable(t testing.TB, name string) *mse.Table {
	t.Helper()
	f, err := os.Open(refdata.Dataset(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, &mse.ReadOptions{KeepNonInformative: true})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// parseCliques reads dga's "[1,2,3][3,4]" into sorted bit sets.
func parseCliques(t *testing.T, s string) []uint16 {
	t.Helper()
	var out []uint16
	for _, part := range strings.Split(strings.Trim(s, "[]"), "][") {
		if part == "" {
			continue
		}
		var c uint16
		for _, x := range strings.Split(part, ",") {
			i, err := strconv.Atoi(x)
			if err != nil {
				t.Fatalf("cliques %q: %v", s, err)
			}
			c |= 1 << uint(i-1)
		}
		out = append(out, c)
	}
	return sortedTerms(out)
}

func cliqueKey(cl []uint16) string {
	var b strings.Builder
	for _, c := range sortedTerms(cl) {
		b.WriteString(strconv.Itoa(int(c)))
		b.WriteByte(',')
	}
	return b.String()
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// qkey turns dga's "2.5%" into 0.025.
func qkey(t *testing.T, s string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v / 100
}

var dgaSets = []string{"artificial_3", "hiv", "kosovo", "lesbian", "ned_5", "neworl_5", "ukdat_5", "western"}

// The engine reproduces bma.cr of dga 2.0.2 (R 4.2.2): bma.cr(Y,
// Nmissing = 0:(30n), delta = 2^−K, graphsK), prior ∝ 1/N, uniform over
// graphs. Tolerance: a relative 1e−6 on every weight (each is exact up to
// rounding), the mean and sd; quantiles and the mode are integers and
// must be equal.
func TestEngineMatchesDGA(t *testing.T) {
	for _, name := range dgaSets {
		t.Run(name, func(t *testing.T) {
			ref := readDGA(t, name)
			tab := readTable(t, name)
			if tab.K() != ref.K || tab.N() != ref.Observed {
				t.Fatalf("table K=%d n=%d, reference K=%d n=%d", tab.K(), tab.N(), ref.K, ref.Observed)
			}
			e, err := newEngine(tab.K(), tab.Cells(), ref.Settings.Delta, ref.Settings.MaxMissing, inversePrior)
			if err != nil {
				t.Fatal(err)
			}
			gs := decomposableGraphs(tab.K())
			if len(gs) != ref.Settings.NGraphs {
				t.Fatalf("%d graphs, dga has %d", len(gs), ref.Settings.NGraphs)
			}
			av, err := e.average(context.Background(), gs, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[string]float64{}
			for i := range gs {
				cl, _ := gs[i].decompose()
				byKey[cliqueKey(cl)] = av.weights[i]
			}
			worst := 0.0
			for _, w := range ref.Weights {
				got, ok := byKey[cliqueKey(parseCliques(t, w.Cliques))]
				if !ok {
					t.Fatalf("graph %s not enumerated", w.Cliques)
				}
				worst = max(worst, relErr(got, w.Weight))
				if relErr(got, w.Weight) > 1e-6 {
					t.Errorf("weight of %s: %.12g, dga %.12g", w.Cliques, got, w.Weight)
				}
			}
			t.Logf("worst relative weight error %.2g", worst)
			for k, v := range ref.QuantilesFine {
				if got := av.post.quantile(qkey(t, k)); float64(got) != v {
					t.Errorf("quantile %s: %d, dga %g", k, got, v)
				}
			}
			if got := av.post.mean(); relErr(got, ref.Mean) > 1e-6 {
				t.Errorf("mean %.10g, dga %.10g", got, ref.Mean)
			}
			if got := av.post.sd(); relErr(got, ref.SD) > 1e-6 {
				t.Errorf("sd %.10g, dga %.10g", got, ref.SD)
			}
			if got := av.post.mode(); float64(got) != ref.Mode {
				t.Errorf("mode %d, dga %g", got, ref.Mode)
			}
			// The posterior of N given each of the heaviest graphs.
			byCliques := map[string]graph{}
			for i := range gs {
				cl, _ := gs[i].decompose()
				byCliques[cliqueKey(cl)] = gs[i]
			}
			var top []graph
			for _, tm := range ref.TopModels {
				top = append(top, byCliques[cliqueKey(parseCliques(t, tm.Cliques))])
			}
			conds, err := e.conditional(context.Background(), top)
			if err != nil {
				t.Fatal(err)
			}
			for i, tm := range ref.TopModels {
				c := conds[i]
				// A mode on a plateau flatter than rounding can tell is
				// any point of it: dga's mode must hold our largest
				// probability to a relative 1e−8 (lgamma near 3e6 rounds at
				// 7e−10 in absolute terms).
				pm, pd := c.p[c.mode()-c.n], c.p[int(tm.CondMode)-c.n]
				if relErr(c.mean(), tm.CondMean) > 1e-6 || relErr(pd, pm) > 1e-8 {
					t.Errorf("given %s: mean %.10g mode %d, dga %.10g %g", tm.Cliques, c.mean(), c.mode(), tm.CondMean, tm.CondMode)
				}
				if float64(c.mode()) != tm.CondMode {
					t.Logf("given %s: mode %d, dga %g, probabilities differ by %.2g relative", tm.Cliques, c.mode(), tm.CondMode, relErr(pd, pm))
				}
				for k, v := range tm.CondQ {
					if got := c.quantile(qkey(t, k)); float64(got) != v {
						t.Errorf("given %s: quantile %s %d, dga %g", tm.Cliques, k, got, v)
					}
				}
			}
		})
	}
}
