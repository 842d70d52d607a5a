package covariates

import (
	"slices"

	"github.com/morketall/morketall/loglinear"
)

// design is a model's design over the complete cells of some data: R's
// model.matrix with treatment contrasts (a list is a factor with levels
// 0 and 1; a covariate's first level is the reference), one column per
// combination of non-reference levels of each term.
type design struct {
	data  *Data
	model Model
	names []string
	terms []Term // the term of each column
	x     *loglinear.Design
	cells [][]int32 // the cells at which each column is 1
	// x0[combo] lists the columns that are 1 in the all-lists-0 cell of a
	// level combination.
	x0 [][]int
}

// termColumns are the design columns of one term over some data: their
// names, the complete cells at which each is 1, and the level
// combinations whose all-lists-0 cell it is 1 in.
type termColumns struct {
	names []string
	cells [][]int32
	x0    [][]int
}

// columns returns (and caches) the columns of term t.
func (d *Data) columns(t Term) *termColumns {
	d.mu.Lock()
	defer d.mu.Unlock()
	if tc, ok := d.colCache[t]; ok {
		return tc
	}
	if d.colCache == nil {
		d.colCache = map[Term]*termColumns{}
	}
	k := d.k
	lists := t & (Term(1)<<uint(k) - 1)
	var covs []int
	for _, f := range t.Factors() {
		if f >= k {
			covs = append(covs, f-k)
		}
	}
	tc := &termColumns{}
	// Every combination of non-reference levels, the first covariate
	// varying fastest (R's column order).
	levels := make([]int, len(covs))
	for i := range levels {
		levels[i] = 1
	}
	for {
		name := ""
		ci := 0
		for _, f := range t.Factors() {
			if name != "" {
				name += ":"
			}
			if f < k {
				name += d.lists[f] + "1"
				continue
			}
			name += d.covs[f-k] + d.levels[f-k][levels[ci]]
			ci++
		}
		if name == "" {
			name = "(Intercept)"
		}
		tc.names = append(tc.names, name)
		var cells []int32
		var x0 []int
		for combo := range d.ncomb {
			match := true
			for i, cv := range covs {
				if d.levelOf(combo, cv) != levels[i] {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			if lists == 0 {
				x0 = append(x0, combo)
			}
			for p := 1; p <= d.npat; p++ {
				if lists&^Term(p) == 0 {
					cells = append(cells, int32(combo*d.npat+p-1))
				}
			}
		}
		slices.Sort(cells)
		tc.cells = append(tc.cells, cells)
		tc.x0 = append(tc.x0, x0)
		i := 0
		for ; i < len(covs); i++ {
			levels[i]++
			if levels[i] < d.nlev[covs[i]] {
				break
			}
			levels[i] = 1
		}
		if i == len(covs) {
			break
		}
	}
	d.colCache[t] = tc
	return tc
}

func newDesign(d *Data, m Model) *design {
	ds := &design{data: d, model: m, x0: make([][]int, d.ncomb)}
	var cols [][]int32
	for _, t := range m.terms {
		tc := d.columns(t)
		for i := range tc.names {
			j := len(cols)
			ds.terms = append(ds.terms, t)
			ds.names = append(ds.names, tc.names[i])
			cols = append(cols, tc.cells[i])
			for _, combo := range tc.x0[i] {
				ds.x0[combo] = append(ds.x0[combo], j)
			}
		}
	}
	ds.x = loglinear.NewIndicatorDesign(d.ncomb*d.npat, cols, nil)
	ds.cells = cols
	return ds
}

// fittedAt returns the fitted complete cells exp(Xβ) at coefficients coef.
func (ds *design) fittedAt(coef []float64) []float64 {
	eta := make([]float64, ds.data.ncomb*ds.data.npat)
	for j, cells := range ds.cells {
		for _, c := range cells {
			eta[c] += coef[j]
		}
	}
	for i, e := range eta {
		eta[i] = exp(e)
	}
	return eta
}

// cols is the number of parameters.
func (ds *design) cols() int { _, c := ds.x.Dims(); return c }

// unobserved returns the fitted all-lists-0 cell of each combination.
func (ds *design) unobserved(coef []float64) []float64 {
	out := make([]float64, len(ds.x0))
	for combo, cols := range ds.x0 {
		var eta float64
		for _, j := range cols {
			eta += coef[j]
		}
		out[combo] = exp(eta)
	}
	return out
}
