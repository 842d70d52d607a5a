package covariates

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/refdata"
	"github.com/morketall/morketall/mse"
)

// refTable reads a vendored reference table with the given covariates;
// keep, when not nil, selects rows (complete cases, say).
func refTable(t testing.TB, file string, covs []string, keep func(mse.Row) bool) *mse.Table {
	t.Helper()
	f, err := os.Open(refdata.Reference(t, "covariates/"+file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, &mse.ReadOptions{Covariates: covs, KeepNonInformative: true})
	if err != nil {
		t.Fatal(err)
	}
	if keep != nil {
		rows := tab.Rows[:0:0]
		for _, r := range tab.Rows {
			if keep(r) {
				rows = append(rows, r)
			}
		}
		tab.Rows = rows
	}
	return tab
}

func complete(r mse.Row) bool { return r.Complete() }

// refData is NewData of refTable.
func refData(t testing.TB, file string, covs []string, keep func(mse.Row) bool) *Data {
	t.Helper()
	d, err := NewData(refTable(t, file, covs, keep))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// readJSON decodes a vendored reference JSON.
func readJSON(t testing.TB, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(refdata.Reference(t, "covariates/"+file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// rModel reads an R formula as the packages write it ("Freq ~ A + B +
// sex + A:sex", "(A + B + C)^2 + (A + B + C) * (a + b)") into a Model.
func rModel(t testing.TB, formula string, d *Data) Model {
	t.Helper()
	rhs := formula
	if i := strings.Index(rhs, "~"); i >= 0 {
		rhs = rhs[i+1:]
	}
	terms, err := expandR(strings.ReplaceAll(rhs, " ", ""))
	if err != nil {
		t.Fatalf("formula %q: %v", formula, err)
	}
	var parts []string
	for _, tm := range terms {
		parts = append(parts, strings.Join(tm, ":"))
	}
	m, err := ParseModel(strings.Join(parts, "+"), d.lists, d.covs)
	if err != nil {
		t.Fatalf("formula %q: %v", formula, err)
	}
	return m
}

// expandR expands the right-hand side of an R formula with +, :, *,
// parentheses and ^2 into its terms (each a list of variable names).
func expandR(s string) ([][]string, error) {
	var out [][]string
	for _, sum := range splitTop(s, '+') {
		terms, err := expandProduct(sum)
		if err != nil {
			return nil, err
		}
		out = append(out, terms...)
	}
	return out, nil
}

// expandProduct expands a*b, a:b, (..)^2 and (..).
func expandProduct(s string) ([][]string, error) {
	if f := splitTop(s, '*'); len(f) > 1 {
		acc := [][]string{}
		for _, part := range f {
			terms, err := expandProduct(part)
			if err != nil {
				return nil, err
			}
			next := append([][]string{}, acc...)
			next = append(next, terms...)
			for _, a := range acc {
				for _, b := range terms {
					next = append(next, append(append([]string{}, a...), b...))
				}
			}
			acc = next
		}
		return acc, nil
	}
	if f := splitTop(s, ':'); len(f) > 1 {
		acc := [][]string{{}}
		for _, part := range f {
			terms, err := expandProduct(part)
			if err != nil {
				return nil, err
			}
			var next [][]string
			for _, a := range acc {
				for _, b := range terms {
					next = append(next, append(append([]string{}, a...), b...))
				}
			}
			acc = next
		}
		return acc, nil
	}
	if strings.HasSuffix(s, ")^2") && strings.HasPrefix(s, "(") {
		inner, err := expandR(s[1 : len(s)-3])
		if err != nil {
			return nil, err
		}
		out := append([][]string{}, inner...)
		for i := range inner {
			for j := i + 1; j < len(inner); j++ {
				out = append(out, append(append([]string{}, inner[i]...), inner[j]...))
			}
		}
		return out, nil
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		return expandR(s[1 : len(s)-1])
	}
	if s == "" || strings.ContainsAny(s, "()^") {
		return nil, errors.New("cannot read " + s)
	}
	return [][]string{{s}}, nil
}

// splitTop splits s at sep outside parentheses.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// relErr is |got − want| / |want| (absolute when want is 0).
func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func checkRel(t testing.TB, what string, got, want, tol float64) {
	t.Helper()
	if !(relErr(got, want) <= tol) {
		t.Errorf("%s = %.10g, want %.10g (relative error %.2g > %g)", what, got, want, relErr(got, want), tol)
	}
}

// byLevel is the common by_level block of the reference JSON: total,
// then per covariate and per pair ("sexxage", levels "F:0-17").
type levelEntry struct {
	Level string   `json:"level"`
	NObs  float64  `json:"n_obs"`
	Nhat  float64  `json:"Nhat"`
	N0hat float64  `json:"n0_hat"`
	SE    *float64 `json:"se_n0_delta"`
}

type byLevel map[string]json.RawMessage

// checkByLevel compares a fit's estimates by group with a by_level block:
// N̂ and the unobserved count of each level and pair of levels (relative
// tol), the observed complete-case count when the reference gives it.
func checkByLevel(t testing.TB, name string, f *ModelFit, ref byLevel, tol float64, completeCounts bool) {
	t.Helper()
	d := f.data
	var total levelEntry
	if err := json.Unmarshal(ref["total"], &total); err != nil {
		t.Fatal(err)
	}
	checkRel(t, name+": N̂", f.Estimate, total.Nhat, tol)
	_, unobs := f.ByCombination()
	var n0 float64
	for _, v := range unobs {
		n0 += v
	}
	checkRel(t, name+": n0", n0, total.N0hat, tol)
	gs := d.groups()
	est, un := f.groupEstimates(gs)
	seen := 0
	for key, raw := range ref {
		if key == "total" {
			continue
		}
		var entries []levelEntry
		if err := json.Unmarshal(raw, &entries); err != nil {
			t.Fatalf("%s: by_level %s: %v", name, key, err)
		}
		covs := []string{key}
		if !contains(d.covs, key) {
			for i := 1; i < len(key)-1; i++ {
				if key[i] == 'x' && contains(d.covs, key[:i]) && contains(d.covs, key[i+1:]) {
					covs = []string{key[:i], key[i+1:]}
				}
			}
		}
		for _, e := range entries {
			values := strings.Split(e.Level, ":")
			if len(values) != len(covs) {
				t.Fatalf("%s: level %q of %s", name, e.Level, key)
			}
			label := mse.GroupLabel(covs, values)
			i := -1
			for j, g := range gs {
				if g.label == label {
					i = j
				}
			}
			if i < 0 {
				t.Errorf("%s: no group %s", name, label)
				continue
			}
			seen++
			checkRel(t, name+": N̂ "+label, est[i], e.Nhat, tol)
			checkRel(t, name+": n0 "+label, un[i], e.N0hat, tol)
			if completeCounts && e.NObs > 0 {
				if got := completeObserved(d, gs[i]); got != int(e.NObs) {
					t.Errorf("%s: complete-case observed %s = %d, want %v", name, label, got, e.NObs)
				}
			}
		}
	}
	if seen == 0 {
		t.Errorf("%s: no level compared", name)
	}
}

// completeObserved counts the observed people of a group whose every
// covariate is recorded (the references' n_obs).
func completeObserved(d *Data, g group) int {
	var n float64
	for cell, v := range d.y {
		if _, combo := d.cellPattern(cell); d.has(g, combo) {
			n += v
		}
	}
	return int(n + 0.5)
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
