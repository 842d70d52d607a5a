package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/morketall/morketall/mse"
)

// LinkageFormat is the "format" value of a linkage report.
const LinkageFormat = "morketall-linkage-report"

// LinkageReport is the part of the linkage report JSON (morketall link
// --report, format "morketall-linkage-report" version 1) that the report
// shows. It holds counts only.
type LinkageReport struct {
	Format            string        `json:"format"`
	Version           int           `json:"version"`
	Rule              string        `json:"rule"`
	KeyFingerprint    string        `json:"key_fingerprint"`
	SchemaHash        string        `json:"schema_hash"`
	MatchKeys         []string      `json:"match_keys"`
	Strata            []string      `json:"strata"`
	MaxTokenFrequency int           `json:"max_token_frequency"`
	Records           int           `json:"records"`
	Lists             []LinkageList `json:"lists"`
	Keys              []LinkageKey  `json:"keys"`
	Rules             []LinkageRule `json:"rules"`
}

// LinkageList describes one input list of the linkage.
type LinkageList struct {
	Name       string         `json:"name"`
	Records    int            `json:"records"`
	Duplicates map[string]int `json:"duplicates"`
}

// LinkageKey describes one match key.
type LinkageKey struct {
	Name               string   `json:"name"`
	Level              int      `json:"level"`
	Rules              []string `json:"rules"`
	RecordsWithToken   int      `json:"records_with_token"`
	MaxTokenFrequency  int      `json:"max_token_frequency"`
	TokensOverLimit    int      `json:"tokens_over_limit"`
	RecordsOverLimit   int      `json:"records_over_limit"`
	Links              int      `json:"links"`
	WithinListLinks    int      `json:"within_list_links"`
	Ambiguous          int      `json:"ambiguous"`
	CovariateConflicts int      `json:"covariate_conflicts"`
}

// LinkageRule is the outcome of the linkage under one rule.
type LinkageRule struct {
	Rule           string         `json:"rule"`
	Keys           []string       `json:"keys"`
	Persons        int            `json:"persons"`
	ListsPerPerson []SizeCount    `json:"lists_per_person"`
	PairOverlaps   [][]int        `json:"pair_overlaps"`
	Table          []LinkageCell  `json:"table"`
	Conflicting    map[string]int `json:"conflicting_persons"`
}

// SizeCount is one bar of a distribution.
type SizeCount struct {
	Size    int `json:"size"`
	Persons int `json:"persons"`
}

// LinkageCell is one cell of a rule's overlap table.
type LinkageCell struct {
	Pattern string   `json:"pattern"`
	Stratum []string `json:"stratum,omitempty"`
	Count   int      `json:"count"`
}

// ReadLinkageReport parses a linkage report. Errors never quote the input.
func ReadLinkageReport(r io.Reader) (*LinkageReport, error) {
	var lr LinkageReport
	if err := json.NewDecoder(r).Decode(&lr); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("report: linkage report: invalid JSON at byte %d", se.Offset)
		}
		return nil, errors.New("report: linkage report: not a linkage report JSON")
	}
	if lr.Format != LinkageFormat {
		return nil, errors.New("report: linkage report: not a morketall linkage report")
	}
	if lr.Version != 1 {
		return nil, fmt.Errorf("report: linkage report: version %d not supported", lr.Version)
	}
	return &lr, nil
}

// listNames returns the list names in report order.
func (lr *LinkageReport) listNames() []string {
	out := make([]string, len(lr.Lists))
	for i, l := range lr.Lists {
		out[i] = l.Name
	}
	return out
}

// table returns a rule's overlap table summed over strata.
func (lr *LinkageReport) table(rule *LinkageRule) (*mse.Table, error) {
	lists := lr.listNames()
	counts := map[mse.Pattern]int{}
	for _, c := range rule.Table {
		if len(c.Pattern) != len(lists) {
			return nil, errors.New("report: linkage report: a pattern does not match the lists")
		}
		var p mse.Pattern
		for i := range c.Pattern {
			switch c.Pattern[i] {
			case '1':
				p |= 1 << uint(i)
			case '0':
			default:
				return nil, errors.New("report: linkage report: a pattern is not 0/1 digits")
			}
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
