package covariates

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/morketall/morketall/mse"
)

// Limits on the tables this package fits. A model has at least one
// parameter per combination of covariate levels (their joint distribution
// is saturated), so the combinations must be few next to the people who
// inform them.
const (
	// MaxLists is the largest number of lists.
	MaxLists = 12
	// MaxLevels is the largest number of levels of one covariate.
	MaxLevels = 50
	// MinPerCombination is the smallest number of observed people with
	// every covariate recorded per combination of covariate levels: a
	// table with more combinations than a fifth of those people is
	// refused (merge levels or leave a covariate out).
	MinPerCombination = 5
	// MaxCells bounds the cells of the complete table, (2^K − 1) times
	// the number of level combinations.
	MaxCells = 1 << 18
)

// Data is an overlap table with covariates laid out for fitting: the
// complete cells (every observable capture pattern at every combination
// of covariate levels, zero counts included, as mse and MSEincomplete
// build them), the partially classified rows (some covariate missing) and
// the levels. Build it with NewData; it is immutable and safe for
// concurrent use.
type Data struct {
	lists  []string
	covs   []string
	levels [][]string
	k      int
	nlev   []int
	ncomb  int // number of level combinations
	npat   int // observable patterns, 2^K − 1
	// y holds the complete counts by cell: cell c = combo·npat + (pattern − 1).
	y       []float64
	partial []partialRow
	n       int // observed people
	nComp   int // observed people with every covariate recorded
	missing []int
	// rows maps each row of the table to its cell (complete rows) or to
	// −1−i for partial row i; −(1<<30) for rows with count 0 and no place.
	rows []int

	mu       sync.Mutex // guards colCache
	colCache map[Term]*termColumns
}

// partialRow is a row with some covariate missing.
type partialRow struct {
	pattern mse.Pattern
	known   []int // level index per covariate, −1 where missing
	count   float64
	cells   []int // the complete cells it is compatible with
	group   int   // bit set of the known covariates (MSEincomplete's missing-data groups)
}

// NewData lays out an unstratified table with covariates. It refuses, with
// a usage error (mse.ErrOptions) that names the covariate and never a
// value: a table without covariates or with strata, a covariate with one
// level, a level whose rows all have count 0 (no list records it), and a
// table with more level combinations than MinPerCombination allows.
func NewData(t *mse.Table) (*Data, error) {
	if t == nil {
		return nil, mse.UsageError("covariates: no table")
	}
	if len(t.Covariates) == 0 {
		return nil, mse.UsageError("covariates: the table has no covariates (declare them, e.g. --covariates sex,age)")
	}
	if len(t.Strata) > 0 {
		return nil, mse.UsageError("covariates: a stratified table: estimate it stratum by stratum (mse.Estimate does)")
	}
	k := t.K()
	if k < 2 || k > MaxLists {
		return nil, mse.UsageError(fmt.Sprintf("covariates: %d lists; models with covariates take 2 to %d", k, MaxLists))
	}
	for i, c := range t.Covariates {
		if err := checkName(c); err != nil {
			return nil, mse.UsageError(fmt.Sprintf("covariates: covariate %d: %v", i+1, err))
		}
	}
	d := &Data{lists: slices.Clone(t.Lists), covs: slices.Clone(t.Covariates), k: k, npat: 1<<uint(k) - 1}
	nc := len(t.Covariates)
	// Levels: every value that appears, in R's factor order.
	d.levels = make([][]string, nc)
	firstRow := make([]map[string]int, nc)
	cases := make([]map[string]int, nc)
	for c := range nc {
		firstRow[c], cases[c] = map[string]int{}, map[string]int{}
	}
	for i, r := range t.Rows {
		if len(r.Covariates) != nc {
			return nil, mse.UsageError(fmt.Sprintf("covariates: table row %d has %d covariate values for %d covariates", i+1, len(r.Covariates), nc))
		}
		for c, v := range r.Covariates {
			if v == "" {
				continue
			}
			if _, ok := firstRow[c][v]; !ok {
				firstRow[c][v] = i + 1
				d.levels[c] = append(d.levels[c], v)
			}
			cases[c][v] += r.Count
		}
	}
	d.nlev = make([]int, nc)
	d.ncomb = 1
	for c, lv := range d.levels {
		sortLevels(lv)
		for _, v := range lv {
			if cases[c][v] == 0 {
				return nil, mse.UsageError(fmt.Sprintf("covariates: covariate %q: the level of table row %d has no case on any list (its rows all have count 0): drop those rows or merge the level with another", t.Covariates[c], firstRow[c][v]))
			}
		}
		switch {
		case len(lv) < 2:
			return nil, mse.UsageError(fmt.Sprintf("covariates: covariate %q has %d level among the recorded values: it cannot explain anything; leave it out", t.Covariates[c], len(lv)))
		case len(lv) > MaxLevels:
			return nil, mse.UsageError(fmt.Sprintf("covariates: covariate %q has %d levels, more than the %d allowed: merge levels", t.Covariates[c], len(lv), MaxLevels))
		}
		d.nlev[c] = len(lv)
		d.ncomb *= len(lv)
	}
	if d.ncomb*d.npat > MaxCells {
		return nil, mse.UsageError(fmt.Sprintf("covariates: %d lists and %d level combinations make %d cells, more than %d: merge levels or leave a covariate out", k, d.ncomb, d.ncomb*d.npat, MaxCells))
	}
	index := make([]map[string]int, nc)
	for c, lv := range d.levels {
		index[c] = map[string]int{}
		for j, v := range lv {
			index[c][v] = j
		}
	}
	d.y = make([]float64, d.ncomb*d.npat)
	d.missing = make([]int, nc)
	d.rows = make([]int, len(t.Rows))
	partialAt := map[string]int{}
	for i, r := range t.Rows {
		d.n += r.Count
		known := make([]int, nc)
		complete := true
		for c, v := range r.Covariates {
			if v == "" {
				known[c] = -1
				complete = false
				d.missing[c] += r.Count
				continue
			}
			known[c] = index[c][v]
		}
		if complete {
			cell := d.cell(r.Pattern, d.combo(known))
			d.y[cell] += float64(r.Count)
			d.nComp += r.Count
			d.rows[i] = cell
			continue
		}
		key := strconv.Itoa(int(r.Pattern)) + ":" + fmt.Sprint(known)
		j, ok := partialAt[key]
		if !ok {
			j = len(d.partial)
			partialAt[key] = j
			d.partial = append(d.partial, partialRow{pattern: r.Pattern, known: known})
		}
		d.partial[j].count += float64(r.Count)
		d.rows[i] = -1 - j
	}
	// MSEincomplete drops partially classified rows with count 0.
	kept := d.partial[:0]
	remap := make([]int, len(d.partial))
	for j, p := range d.partial {
		remap[j] = -1
		if p.count > 0 {
			remap[j] = len(kept)
			kept = append(kept, p)
		}
	}
	d.partial = kept
	for i, v := range d.rows {
		if v < 0 {
			if j := remap[-1-v]; j >= 0 {
				d.rows[i] = -1 - j
			} else {
				d.rows[i] = -(1 << 30)
			}
		}
	}
	for j := range d.partial {
		p := &d.partial[j]
		for c, l := range p.known {
			if l >= 0 {
				p.group |= 1 << uint(c)
			}
		}
		for combo := range d.ncomb {
			if d.compatible(combo, p.known) {
				p.cells = append(p.cells, d.cell(p.pattern, combo))
			}
		}
	}
	if d.nComp == 0 {
		return nil, mse.UsageError("covariates: no observed person has every covariate recorded")
	}
	if d.ncomb*MinPerCombination > d.nComp {
		return nil, mse.UsageError(fmt.Sprintf("covariates: %s have %d level combinations but only %d observed people have every covariate recorded: at most one combination per %d such people (%d here); merge levels or leave a covariate out",
			strings.Join(d.covs, ", "), d.ncomb, d.nComp, MinPerCombination, d.nComp/MinPerCombination))
	}
	return d, nil
}

// checkName refuses covariate names that the model notation cannot write.
func checkName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty name")
	case strings.ContainsAny(s, ":,+[]() \t"):
		return fmt.Errorf("a covariate name cannot hold ':', ',', '+', brackets or spaces")
	case isDigits(s):
		return fmt.Errorf("a covariate name cannot be a number (the model notation numbers the lists)")
	case strings.EqualFold(s, "main"):
		return fmt.Errorf("a covariate cannot be named main")
	}
	return nil
}

// sortLevels orders levels as R's factor(): numerically when every level
// is a number, else by the text.
func sortLevels(lv []string) {
	numeric := true
	for _, v := range lv {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			numeric = false
			break
		}
	}
	if numeric {
		slices.SortStableFunc(lv, func(a, b string) int {
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return strings.Compare(a, b)
		})
		return
	}
	slices.Sort(lv)
}

// combo returns the index of a combination of level indices (the first
// covariate varies fastest, as R's table()).
func (d *Data) combo(levels []int) int {
	idx, mult := 0, 1
	for c, l := range levels {
		idx += l * mult
		mult *= d.nlev[c]
	}
	return idx
}

// levelOf returns covariate c's level index in a combination.
func (d *Data) levelOf(combo, c int) int {
	for j := 0; j < c; j++ {
		combo /= d.nlev[j]
	}
	return combo % d.nlev[c]
}

// compatible reports whether a combination agrees with the known levels.
func (d *Data) compatible(combo int, known []int) bool {
	for c, l := range known {
		if l >= 0 && d.levelOf(combo, c) != l {
			return false
		}
	}
	return true
}

// cell returns the complete cell of an observable pattern and a
// combination.
func (d *Data) cell(p mse.Pattern, combo int) int { return combo*d.npat + int(p) - 1 }

// cellPattern returns the pattern and combination of a complete cell.
func (d *Data) cellPattern(cell int) (mse.Pattern, int) {
	return mse.Pattern(cell%d.npat + 1), cell / d.npat
}

// Lists returns the list names; Covariates the covariate names; Levels
// the levels of each covariate in model order (the first is the
// reference level of the treatment contrasts).
func (d *Data) Lists() []string      { return slices.Clone(d.lists) }
func (d *Data) Covariates() []string { return slices.Clone(d.covs) }
func (d *Data) Levels() [][]string {
	out := make([][]string, len(d.levels))
	for i := range d.levels {
		out[i] = slices.Clone(d.levels[i])
	}
	return out
}

// N is the number of observed people; Complete those with every covariate
// recorded.
func (d *Data) N() int        { return d.n }
func (d *Data) Complete() int { return d.nComp }

// HasMissing reports whether some observed person misses a covariate.
func (d *Data) HasMissing() bool { return len(d.partial) > 0 }

// withCounts returns the data with complete counts y and partial counts z
// (the same cells and rows): the table of a bootstrap replicate.
func (d *Data) withCounts(y, z []float64) *Data {
	nd := &Data{lists: d.lists, covs: d.covs, levels: d.levels, k: d.k, nlev: d.nlev, ncomb: d.ncomb, npat: d.npat, missing: d.missing, rows: d.rows}
	nd.y = y
	nd.partial = slices.Clone(d.partial)
	nd.n, nd.nComp = 0, 0
	for _, v := range y {
		nd.nComp += int(math.Round(v))
	}
	nd.n = nd.nComp
	for j := range nd.partial {
		nd.partial[j].count = z[j]
		nd.n += int(math.Round(z[j]))
	}
	return nd
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
