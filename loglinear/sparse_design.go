package loglinear

import "slices"

// NewIndicatorDesign builds a design of 0/1 columns from the rows at which
// each column is 1 (column j is 1 exactly in rows cols[j], which must be
// distinct and within [0, rows)). It is NewDesign without the dense matrix:
// the fitting code works on the non-zeros, and the dense form is built only
// if At or Matrix is called. names may be nil.
func NewIndicatorDesign(rows int, cols [][]int32, names []string) *Design {
	if names != nil && len(names) != len(cols) {
		panic("loglinear: NewIndicatorDesign: len(names) != number of columns")
	}
	d := &Design{rows: rows, cols: len(cols), names: slices.Clone(names)}
	count := make([]int32, rows+1)
	for _, c := range cols {
		for _, i := range c {
			count[i+1]++
		}
	}
	for i := 1; i <= rows; i++ {
		count[i] += count[i-1]
	}
	d.nzStart = make([]int32, rows+1)
	copy(d.nzStart, count)
	d.nzCol = make([]int32, count[rows])
	d.nzVal = make([]float64, count[rows])
	next := count[:rows]
	for j, c := range cols {
		for _, i := range c {
			d.nzCol[next[i]] = int32(j)
			d.nzVal[next[i]] = 1
			next[i]++
		}
	}
	return d
}
