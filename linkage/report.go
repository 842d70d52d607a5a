package linkage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/morketall/morketall/mse"
)

// ErrReport is wrapped by errors of ReadReport and Report.RuleTable.
var ErrReport = errors.New("linkage: invalid linkage report")

// ReadReport parses a linkage report (link --report). Errors never quote
// the input.
func ReadReport(r io.Reader) (*Report, error) {
	var lr Report
	if err := json.NewDecoder(r).Decode(&lr); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: invalid JSON at byte %d", ErrReport, se.Offset)
		}
		return nil, fmt.Errorf("%w: not a linkage report JSON", ErrReport)
	}
	if lr.Format != ReportFormat {
		return nil, fmt.Errorf("%w: not a morketall linkage report", ErrReport)
	}
	if lr.Version != 1 {
		return nil, fmt.Errorf("%w: version %d not supported", ErrReport, lr.Version)
	}
	for _, rule := range lr.Rules {
		if rule.PairOverlaps != nil && len(rule.PairOverlaps) != len(lr.Lists) {
			return nil, fmt.Errorf("%w: rule %s: pair overlaps do not match the lists", ErrReport, rule.Rule)
		}
	}
	return &lr, nil
}

// ListNames returns the list names in report order.
func (lr *Report) ListNames() []string {
	out := make([]string, len(lr.Lists))
	for i, l := range lr.Lists {
		out[i] = l.Name
	}
	return out
}

// RuleReport returns the report of the named rule, or nil.
func (lr *Report) RuleReport(rule string) *RuleReport {
	for i := range lr.Rules {
		if lr.Rules[i].Rule == rule {
			return &lr.Rules[i]
		}
	}
	return nil
}

// RuleTable returns the overlap table under the named rule, summed over
// strata.
func (lr *Report) RuleTable(rule string) (*mse.Table, error) {
	rr := lr.RuleReport(rule)
	if rr == nil {
		return nil, fmt.Errorf("%w: no rule %s", ErrReport, rule)
	}
	lists := lr.ListNames()
	counts := map[mse.Pattern]int{}
	for _, c := range rr.Table {
		if len(c.Pattern) != len(lists) {
			return nil, fmt.Errorf("%w: a pattern does not match the lists", ErrReport)
		}
		var p mse.Pattern
		for i := range c.Pattern {
			switch c.Pattern[i] {
			case '1':
				p |= 1 << uint(i)
			case '0':
			default:
				return nil, fmt.Errorf("%w: a pattern is not 0/1 digits", ErrReport)
			}
		}
		if c.Count < 0 {
			return nil, fmt.Errorf("%w: a negative count", ErrReport)
		}
		counts[p] += c.Count
	}
	pats := make([]mse.Pattern, 0, len(counts))
	for p, n := range counts {
		if n > 0 {
			pats = append(pats, p)
		}
	}
	sort.Slice(pats, func(i, j int) bool { return pats[i] < pats[j] })
	cs := make([]int, len(pats))
	for i, p := range pats {
		cs[i] = counts[p]
	}
	return mse.NewTable(lists, pats, cs)
}
