package mse

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLists is the largest number of lists a Table may have. Model
// selection over hierarchical models is limited further (see Model).
const MaxLists = 30

// Pattern is a capture pattern: bit i is set when the case is on list i
// (list 1 of the file is bit 0). This is MSE-R's encoding minus one.
type Pattern uint32

// Has reports whether list i (0-based) is in the pattern.
func (p Pattern) Has(i int) bool { return p&(1<<uint(i)) != 0 }

// Size is the number of lists in the pattern.
func (p Pattern) Size() int { return bits.OnesCount32(uint32(p)) }

// String writes the pattern as 0/1 digits in list order, e.g. "101".
func (p Pattern) String(k int) string {
	b := make([]byte, k)
	for i := range b {
		b[i] = '0'
		if p.Has(i) {
			b[i] = '1'
		}
	}
	return string(b)
}

// Row is one row of an overlap table: a capture pattern, its stratum (the
// values of the stratum columns, nil when there are none), its covariate
// values (nil when the table has no covariates; "" where the value is
// missing) and its count.
type Row struct {
	Pattern    Pattern
	Stratum    []string
	Covariates []string
	Count      int
}

// Complete reports whether none of the row's covariate values is missing.
func (r Row) Complete() bool { return !slices.Contains(r.Covariates, "") }

// Table is an overlap (capture-history) table. Rows keep the order they
// had in the file: SparseMSE's bootstrap and jackknife run over rows in that
// order, so it is part of the data. Patterns absent from Rows have count 0;
// the all-zero pattern is never present.
//
// Covariates are columns that describe the people of a row (sex, age
// group) for methods that model them (package mse/covariates); unlike
// strata they may be missing ("") and a row's values are kept as they
// are. Methods that do not model covariates refuse a table that has
// them: collapse it first (DropCovariates).
type Table struct {
	Lists      []string // list names in column order; at least 2
	Strata     []string // stratum column names; empty when unstratified
	Covariates []string // covariate column names; empty when there are none
	Rows       []Row
}

// Warning is a non-fatal finding while reading or tidying a table.
type Warning struct{ Msg string }

func (w Warning) String() string { return w.Msg }

// Errors returned by ReadTable, wrapped with a position.
var (
	ErrTableFormat = errors.New("mse: malformed overlap table")
	ErrTooFewLists = errors.New("mse: an overlap table needs at least 2 lists")
)

// ReadOptions control ReadTable. A nil *ReadOptions means the defaults.
type ReadOptions struct {
	// Strata names the stratum columns. Default none: every column but
	// count is a list.
	Strata []string
	// Covariates names the covariate columns. Default none. A covariate
	// value may be missing: an empty cell.
	Covariates []string
	// Delimiter is ',' or ';'. Default 0: detected from the header line.
	Delimiter rune
	// KeepNonInformative keeps lists that are empty, hold every observed
	// case, or duplicate an earlier list. Default false: they are dropped
	// with a warning, as MSE-R's tidy_lists(remove_noninformative = TRUE).
	KeepNonInformative bool
}

// ReadTable reads an overlap table in the CSV format of the README: a header
// row, one 0/1 column per list, optional declared stratum columns and a
// count column. Errors give the line and column, never a cell's value.
func ReadTable(r io.Reader, opts *ReadOptions) (*Table, []Warning, error) {
	var o ReadOptions
	if opts != nil {
		o = *opts
	}
	cr, err := newTableCSV(r, o.Delimiter)
	if err != nil {
		return nil, nil, err
	}
	cols, err := readHeader(cr, &o)
	if err != nil {
		return nil, nil, err
	}
	t := &Table{Strata: slices.Clone(o.Strata), Covariates: slices.Clone(o.Covariates)}
	for _, c := range cols.lists {
		t.Lists = append(t.Lists, cols.header[c])
	}
	if len(t.Lists) < 2 {
		return nil, nil, fmt.Errorf("%w (found %d)", ErrTooFewLists, len(t.Lists))
	}
	if len(t.Lists) > MaxLists {
		return nil, nil, fmt.Errorf("%w: %d lists, at most %d are supported", ErrTableFormat, len(t.Lists), MaxLists)
	}
	if t.Rows, err = cols.readRows(cr); err != nil {
		return nil, nil, err
	}
	var warns []Warning
	if !o.KeepNonInformative {
		var w []Warning
		t, w, err = t.Tidy()
		warns = append(warns, w...)
		if err != nil {
			return nil, warns, err
		}
	}
	return t, warns, nil
}

// newTableCSV skips a byte-order mark and returns a CSV reader with the
// delimiter given or detected from the header line (';' when it has more
// semicolons than commas).
func newTableCSV(r io.Reader, delim rune) (*csv.Reader, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	if delim == 0 {
		first, err := br.Peek(4096)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if i := bytes.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		delim = ','
		if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
			delim = ';'
		}
	}
	if delim != ',' && delim != ';' {
		return nil, fmt.Errorf("%w: delimiter must be ',' or ';'", ErrTableFormat)
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return cr, nil
}

// tableColumns says which column of a table file holds what.
type tableColumns struct {
	header []string
	count  int
	strata []int // by declared stratum
	covs   []int // by declared covariate
	lists  []int // the other columns, in order
}

// readHeader reads the header line and finds the declared columns.
func readHeader(cr *csv.Reader, o *ReadOptions) (*tableColumns, error) {
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: empty file", ErrTableFormat)
		}
		return nil, positionOnly(err)
	}
	for i, c := range o.Covariates {
		if slices.Contains(o.Covariates[:i], c) {
			return nil, fmt.Errorf("%w: covariate column %q declared twice", ErrTableFormat, c)
		}
		if slices.Contains(o.Strata, c) {
			return nil, fmt.Errorf("%w: column %q declared both as a stratum and as a covariate", ErrTableFormat, c)
		}
	}
	cols := &tableColumns{header: header, count: -1}
	seen := map[string]int{}
	for i := range header {
		h := strings.TrimSpace(header[i])
		header[i] = h
		switch {
		case !utf8.ValidString(h):
			return nil, fmt.Errorf("%w: line 1, column %d: header is not valid UTF-8", ErrTableFormat, i+1)
		case h == "":
			return nil, fmt.Errorf("%w: line 1, column %d: empty column name", ErrTableFormat, i+1)
		}
		if j, dup := seen[h]; dup {
			return nil, fmt.Errorf("%w: line 1: columns %d and %d have the same name %q", ErrTableFormat, j+1, i+1, h)
		}
		seen[h] = i
		if strings.EqualFold(h, "count") {
			cols.count = i
		}
	}
	if cols.count < 0 {
		return nil, fmt.Errorf("%w: line 1: no \"count\" column", ErrTableFormat)
	}
	find := func(names []string, what string) ([]int, error) {
		out := make([]int, len(names))
		for k, name := range names {
			c, ok := seen[name]
			switch {
			case !ok:
				return nil, fmt.Errorf("%w: line 1: declared %s column %q not found", ErrTableFormat, what, name)
			case c == cols.count:
				return nil, fmt.Errorf("%w: line 1: the count column cannot be a %s", ErrTableFormat, what)
			}
			out[k] = c
		}
		return out, nil
	}
	if cols.strata, err = find(o.Strata, "stratum"); err != nil {
		return nil, err
	}
	if cols.covs, err = find(o.Covariates, "covariate"); err != nil {
		return nil, err
	}
	for i := range header {
		if i != cols.count && !slices.Contains(cols.strata, i) && !slices.Contains(cols.covs, i) {
			cols.lists = append(cols.lists, i)
		}
	}
	return cols, nil
}

// readRows reads the rows after the header, refusing a repeated pattern
// (with the same stratum and covariate values).
func (cols *tableColumns) readRows(cr *csv.Reader) ([]Row, error) {
	type key struct {
		p Pattern
		s string
	}
	firstLine := map[key]int{}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, positionOnly(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		row, err := cols.parseRow(rec, line)
		if err != nil {
			return nil, err
		}
		k := key{row.Pattern, strings.Join(row.Stratum, "\x00") + "\x01" + strings.Join(row.Covariates, "\x00")}
		if prev, dup := firstLine[k]; dup {
			what := "capture pattern repeats"
			if len(row.Covariates) > 0 {
				what = "capture pattern and covariate values repeat"
			}
			return nil, fmt.Errorf("%w: line %d: %s line %d", ErrTableFormat, line, what, prev)
		}
		firstLine[k] = line
		rows = append(rows, row)
	}
}

// parseRow reads one row. Errors give the line and column, never a value.
func (cols *tableColumns) parseRow(rec []string, line int) (Row, error) {
	header := cols.header
	if len(rec) != len(header) {
		return Row{}, fmt.Errorf("%w: line %d: %d fields, the header has %d", ErrTableFormat, line, len(rec), len(header))
	}
	var row Row
	for li, c := range cols.lists {
		switch strings.TrimSpace(rec[c]) {
		case "0":
		case "1":
			row.Pattern |= 1 << uint(li)
		default:
			return Row{}, fmt.Errorf("%w: line %d, column %q: list value must be 0 or 1", ErrTableFormat, line, header[c])
		}
	}
	cnt, err := parseCount(rec[cols.count])
	if err != nil {
		return Row{}, fmt.Errorf("%w: line %d, column %q: %v", ErrTableFormat, line, header[cols.count], err)
	}
	row.Count = cnt
	if row.Pattern == 0 {
		return Row{}, fmt.Errorf("%w: line %d: the all-zero pattern (cases on no list) cannot be observed", ErrTableFormat, line)
	}
	if len(cols.strata) > 0 {
		row.Stratum = make([]string, len(cols.strata))
		for s, c := range cols.strata {
			row.Stratum[s] = strings.TrimSpace(rec[c])
			if row.Stratum[s] == "" {
				return Row{}, fmt.Errorf("%w: line %d, column %q: empty stratum value", ErrTableFormat, line, header[c])
			}
		}
	}
	if len(cols.covs) > 0 {
		row.Covariates = make([]string, len(cols.covs))
		for c, col := range cols.covs {
			row.Covariates[c] = strings.TrimSpace(rec[col])
			if !utf8.ValidString(row.Covariates[c]) {
				return Row{}, fmt.Errorf("%w: line %d, column %q: covariate value is not valid UTF-8", ErrTableFormat, line, header[col])
			}
		}
	}
	return row, nil
}

func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		if n < 0 {
			return 0, errors.New("count must not be negative")
		}
		if n > 1<<40 {
			return 0, errors.New("count is implausibly large")
		}
		return int(n), nil
	}
	// Accept integral floats such as "12.0" written by spreadsheets.
	f, ferr := strconv.ParseFloat(s, 64)
	if ferr == nil && f == float64(int64(f)) && f >= 0 && f <= 1<<40 {
		return int(f), nil
	}
	if ferr == nil && f < 0 {
		return 0, errors.New("count must not be negative")
	}
	return 0, errors.New("count must be a non-negative integer")
}

// positionOnly strips the offending text from csv errors, keeping the
// position: csv.ParseError's message does not quote the field, but be
// explicit about it.
func positionOnly(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: line %d, column %d: %v", ErrTableFormat, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%w: %v", ErrTableFormat, err)
}

// K is the number of lists.
func (t *Table) K() int { return len(t.Lists) }

// N is the total number of observed cases.
func (t *Table) N() int {
	n := 0
	for _, r := range t.Rows {
		n += r.Count
	}
	return n
}

// ListTotals returns the number of cases on each list.
func (t *Table) ListTotals() []int {
	tot := make([]int, t.K())
	for _, r := range t.Rows {
		for i := range tot {
			if r.Pattern.Has(i) {
				tot[i] += r.Count
			}
		}
	}
	return tot
}

// Cells returns the counts of all 2^K cells indexed by Pattern (cell 0,
// the unobserved one, is 0), summed over strata. It panics for K > 24.
func (t *Table) Cells() []int {
	if t.K() > 24 {
		panic("mse: Cells on a table with more than 24 lists")
	}
	c := make([]int, 1<<uint(t.K()))
	for _, r := range t.Rows {
		c[r.Pattern] += r.Count
	}
	return c
}

// PairOverlaps returns N*_ij, the number of cases on both list i and list
// j, as a K×K symmetric matrix (the diagonal holds the list totals).
func (t *Table) PairOverlaps() [][]int {
	k := t.K()
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for _, r := range t.Rows {
		for i := 0; i < k; i++ {
			if !r.Pattern.Has(i) {
				continue
			}
			for j := i; j < k; j++ {
				if r.Pattern.Has(j) {
					m[i][j] += r.Count
				}
			}
		}
	}
	for i := 0; i < k; i++ {
		for j := 0; j < i; j++ {
			m[i][j] = m[j][i]
		}
	}
	return m
}

// Tidy drops lists that cannot inform an estimate, as MSE-R's
// tidy_lists(remove_noninformative = TRUE): a list identical to an earlier
// one (the first copy is kept), an empty list, and a list that holds every
// observed case. Rows that become identical are summed, keeping the first
// one's position. It returns an error when fewer than two lists remain.
func (t *Table) Tidy() (*Table, []Warning, error) {
	k := t.K()
	keep := make([]bool, k)
	var warns []Warning
	col := func(i int) string {
		var b strings.Builder
		for _, r := range t.Rows {
			if r.Count == 0 {
				continue
			}
			if r.Pattern.Has(i) {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		return b.String()
	}
	tot := t.ListTotals()
	n := t.N()
	cols := make([]string, k)
	for i := 0; i < k; i++ {
		cols[i] = col(i)
	}
	for i := 0; i < k; i++ {
		keep[i] = true
		for j := 0; j < i; j++ {
			if keep[j] && cols[j] == cols[i] {
				keep[i] = false
				warns = append(warns, Warning{fmt.Sprintf("list %q holds exactly the cases of list %q: dropped", t.Lists[i], t.Lists[j])})
				break
			}
		}
		if !keep[i] {
			continue
		}
		switch {
		case tot[i] == 0:
			keep[i] = false
			warns = append(warns, Warning{fmt.Sprintf("list %q has no cases: dropped", t.Lists[i])})
		case tot[i] == n:
			keep[i] = false
			warns = append(warns, Warning{fmt.Sprintf("list %q holds every observed case, so it says nothing about the unobserved: dropped", t.Lists[i])})
		}
	}
	if !slices.Contains(keep, false) {
		return t, nil, nil
	}
	var idx []int
	for i, ok := range keep {
		if ok {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return nil, warns, fmt.Errorf("%w: %d informative list(s) remain after dropping empty, universal and duplicate lists", ErrTooFewLists, len(idx))
	}
	return t.SelectLists(idx), warns, nil
}

// SelectLists returns the table restricted to the lists idx (0-based, in
// the order given), merging rows that become identical (the first keeps
// its position) and dropping rows whose pattern becomes empty.
func (t *Table) SelectLists(idx []int) *Table {
	var lists []string
	for _, i := range idx {
		lists = append(lists, t.Lists[i])
	}
	return t.remap(lists, func(p Pattern) Pattern {
		var q Pattern
		for ni, i := range idx {
			if p.Has(i) {
				q |= 1 << uint(ni)
			}
		}
		return q
	})
}

// MergeLists returns the table with the lists idx merged into one list
// named name, placed where the first of them was: a case is on the merged
// list when it is on any of them.
func (t *Table) MergeLists(idx []int, name string) *Table {
	in := map[int]bool{}
	for _, i := range idx {
		in[i] = true
	}
	first := slices.Min(idx)
	var lists []string
	newIndex := make([]int, t.K())
	for i := range t.Lists {
		switch {
		case i == first:
			newIndex[i] = len(lists)
			lists = append(lists, name)
		case !in[i]:
			newIndex[i] = len(lists)
			lists = append(lists, t.Lists[i])
		}
	}
	for i := range t.Lists {
		if in[i] {
			newIndex[i] = newIndex[first]
		}
	}
	return t.remap(lists, func(p Pattern) Pattern {
		var q Pattern
		for i := range t.Lists {
			if p.Has(i) {
				q |= 1 << uint(newIndex[i])
			}
		}
		return q
	})
}

// remap returns a table over the given lists whose rows are t's with each
// pattern mapped by f: rows that map to the same pattern, stratum and
// covariate values are summed (the first keeps its position), and rows
// that map to the empty pattern are dropped.
func (t *Table) remap(lists []string, f func(Pattern) Pattern) *Table {
	nt := &Table{Lists: lists, Strata: slices.Clone(t.Strata), Covariates: slices.Clone(t.Covariates)}
	pos := map[string]int{}
	for _, r := range t.Rows {
		p := f(r.Pattern)
		if p == 0 {
			continue
		}
		key := rowKey(p, r.Stratum, r.Covariates)
		if j, ok := pos[key]; ok {
			nt.Rows[j].Count += r.Count
			continue
		}
		pos[key] = len(nt.Rows)
		nt.Rows = append(nt.Rows, Row{Pattern: p, Stratum: slices.Clone(r.Stratum), Covariates: slices.Clone(r.Covariates), Count: r.Count})
	}
	return nt
}

// rowKey identifies a row by its pattern, stratum and covariate values.
func rowKey(p Pattern, stratum, covariates []string) string {
	return strconv.Itoa(int(p)) + "\x00" + strings.Join(stratum, "\x00") + "\x01" + strings.Join(covariates, "\x00")
}

// StratumValues returns the distinct strata in order of first appearance.
func (t *Table) StratumValues() [][]string {
	var out [][]string
	seen := map[string]bool{}
	for _, r := range t.Rows {
		k := strings.Join(r.Stratum, "\x00")
		if !seen[k] {
			seen[k] = true
			out = append(out, r.Stratum)
		}
	}
	return out
}

// Stratum returns the unstratified table of one stratum, with the
// covariates of its rows.
func (t *Table) Stratum(values []string) *Table {
	nt := &Table{Lists: slices.Clone(t.Lists), Covariates: slices.Clone(t.Covariates)}
	for _, r := range t.Rows {
		if slices.Equal(r.Stratum, values) {
			nt.Rows = append(nt.Rows, Row{Pattern: r.Pattern, Covariates: slices.Clone(r.Covariates), Count: r.Count})
		}
	}
	return nt
}

// Collapse sums over strata, keeping the order of first appearance and
// the covariates (rows that differ only by stratum are summed).
func (t *Table) Collapse() *Table {
	if len(t.Strata) == 0 {
		return t
	}
	return t.collapse(true)
}

// DropCovariates sums over the covariates: the table of capture patterns
// (and strata) that a method without covariates estimates from. Rows keep
// the order of their first appearance.
func (t *Table) DropCovariates() *Table {
	if len(t.Covariates) == 0 {
		return t
	}
	return t.collapse(false)
}

// KeepCovariates sums over the covariates not named (names must be
// covariates of the table): the table a model over those covariates
// alone is fitted to. A row whose kept values are all recorded becomes
// complete even if a dropped covariate was missing. Rows keep the order
// of their first appearance.
func (t *Table) KeepCovariates(names []string) *Table {
	idx := make([]int, 0, len(names))
	for _, n := range names {
		if i := slices.Index(t.Covariates, n); i >= 0 {
			idx = append(idx, i)
		}
	}
	nt := &Table{Lists: slices.Clone(t.Lists), Strata: slices.Clone(t.Strata)}
	for _, i := range idx {
		nt.Covariates = append(nt.Covariates, t.Covariates[i])
	}
	pos := map[string]int{}
	for _, r := range t.Rows {
		row := Row{Pattern: r.Pattern, Stratum: slices.Clone(r.Stratum), Count: r.Count}
		if len(idx) > 0 {
			row.Covariates = make([]string, len(idx))
			for j, i := range idx {
				row.Covariates[j] = r.Covariates[i]
			}
		}
		key := rowKey(row.Pattern, row.Stratum, row.Covariates)
		if j, ok := pos[key]; ok {
			nt.Rows[j].Count += r.Count
			continue
		}
		pos[key] = len(nt.Rows)
		nt.Rows = append(nt.Rows, row)
	}
	return nt
}

// collapse sums rows that agree on the pattern and, when keepCovariates,
// on the covariates, or else on the stratum.
func (t *Table) collapse(keepCovariates bool) *Table {
	nt := &Table{Lists: slices.Clone(t.Lists)}
	if keepCovariates {
		nt.Covariates = slices.Clone(t.Covariates)
	} else {
		nt.Strata = slices.Clone(t.Strata)
	}
	pos := map[string]int{}
	for _, r := range t.Rows {
		row := Row{Pattern: r.Pattern, Count: r.Count}
		if keepCovariates {
			row.Covariates = slices.Clone(r.Covariates)
		} else {
			row.Stratum = slices.Clone(r.Stratum)
		}
		key := rowKey(row.Pattern, row.Stratum, row.Covariates)
		if j, ok := pos[key]; ok {
			nt.Rows[j].Count += r.Count
			continue
		}
		pos[key] = len(nt.Rows)
		nt.Rows = append(nt.Rows, row)
	}
	return nt
}

// WithCounts returns the table with the same lists, strata, covariates
// and rows but row i's count replaced by counts[i] (rows whose new count
// is 0 are left out). The bootstrap uses it to build a replicate's table.
func (t *Table) WithCounts(counts []int) *Table {
	nt := &Table{Lists: t.Lists, Strata: t.Strata, Covariates: t.Covariates, Rows: make([]Row, 0, len(t.Rows))}
	for i, r := range t.Rows {
		if counts[i] > 0 {
			r.Count = counts[i]
			nt.Rows = append(nt.Rows, r)
		}
	}
	return nt
}

// NewTable builds an unstratified table from patterns and counts. It
// checks what ReadTable checks except list tidying.
func NewTable(lists []string, patterns []Pattern, counts []int) (*Table, error) {
	if len(lists) < 2 {
		return nil, ErrTooFewLists
	}
	if len(lists) > MaxLists {
		return nil, fmt.Errorf("%w: %d lists, at most %d are supported", ErrTableFormat, len(lists), MaxLists)
	}
	if len(patterns) != len(counts) {
		return nil, fmt.Errorf("%w: %d patterns but %d counts", ErrTableFormat, len(patterns), len(counts))
	}
	t := &Table{Lists: slices.Clone(lists)}
	seen := map[Pattern]int{}
	for i, p := range patterns {
		if p == 0 {
			return nil, fmt.Errorf("%w: row %d: the all-zero pattern cannot be observed", ErrTableFormat, i+1)
		}
		if p>>uint(len(lists)) != 0 {
			return nil, fmt.Errorf("%w: row %d: pattern names a list beyond the %d given", ErrTableFormat, i+1, len(lists))
		}
		if counts[i] < 0 {
			return nil, fmt.Errorf("%w: row %d: count must not be negative", ErrTableFormat, i+1)
		}
		if j, dup := seen[p]; dup {
			return nil, fmt.Errorf("%w: row %d: capture pattern repeats row %d", ErrTableFormat, i+1, j+1)
		}
		seen[p] = i + 1
		t.Rows = append(t.Rows, Row{Pattern: p, Count: counts[i]})
	}
	return t, nil
}

// WriteCSV writes the table in the CSV format of the README, rows in
// order: the lists, the strata, the covariates (a missing value as an
// empty cell) and the count.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append(append(append(slices.Clone(t.Lists), t.Strata...), t.Covariates...), "count")
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, r := range t.Rows {
		for i := range t.Lists {
			rec[i] = "0"
			if r.Pattern.Has(i) {
				rec[i] = "1"
			}
		}
		copy(rec[len(t.Lists):], r.Stratum)
		copy(rec[len(t.Lists)+len(t.Strata):], r.Covariates)
		rec[len(rec)-1] = strconv.Itoa(r.Count)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SubTable returns the table of the cases on list target, over the other
// lists: the pattern of each case without the target, dropping the cases
// on the target alone (they become the unobserved cell). Its population
// size is known: t.ListTotals()[target].
func (t *Table) SubTable(target int) *Table {
	sub := &Table{Lists: t.Lists, Strata: t.Strata, Covariates: t.Covariates}
	for _, r := range t.Rows {
		if r.Pattern.Has(target) {
			sub.Rows = append(sub.Rows, r)
		}
	}
	idx := make([]int, 0, t.K()-1)
	for i := range t.K() {
		if i != target {
			idx = append(idx, i)
		}
	}
	return sub.SelectLists(idx)
}

// ListGroups returns the lists in groups that share cases: lists i and j
// are in one group when some case is on both, or on lists that connect
// them. A table whose lists form one group returns one group.
func (t *Table) ListGroups() [][]int {
	k := t.K()
	parent := make([]int, k)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, r := range t.Rows {
		if r.Count <= 0 || r.Pattern.Size() < 2 {
			continue
		}
		first := -1
		for i := range k {
			if r.Pattern.Has(i) {
				if first < 0 {
					first = i
				} else {
					parent[find(i)] = find(first)
				}
			}
		}
	}
	var groups [][]int
	index := map[int]int{}
	for i := range k {
		root := find(i)
		g, ok := index[root]
		if !ok {
			g = len(groups)
			index[root] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// overlapWarnings says when lists share no case with the others: the
// estimate then rests on what the method assumes about lists it cannot
// compare.
func (t *Table) overlapWarnings() []string {
	groups := t.ListGroups()
	if len(groups) < 2 {
		return nil
	}
	var out []string
	var parts []string
	for _, g := range groups {
		names := make([]string, len(g))
		for i, l := range g {
			names[i] = t.Lists[l]
		}
		if len(g) == 1 {
			out = append(out, fmt.Sprintf("list %s shares no case with any other list: the data say nothing about how it relates to them", names[0]))
		}
		parts = append(parts, "{"+strings.Join(names, ", ")+"}")
	}
	out = append(out, fmt.Sprintf("the lists fall into %d groups that share no case (%s): the estimate rests on the method's assumption about how the groups relate, not on the data", len(groups), strings.Join(parts, " and ")))
	return out
}
