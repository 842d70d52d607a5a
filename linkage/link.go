package linkage

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"

	"github.com/morketall/morketall/mse"
)

// Result is the outcome of Link.
type Result struct {
	// Table is the overlap table under Options.Rule, lists in the order of
	// the sources, rows ordered by stratum values and then by pattern.
	Table *mse.Table
	// Tables holds the table under each rule.
	Tables map[Rule]*mse.Table
	// Report is the linkage report: counts only.
	Report *Report
}

// ReportFormat names the JSON format of Report.
const ReportFormat = "morketall-linkage-report"

// Report is the linkage quality report. It holds counts, the names of
// lists, keys and covariates, and the key fingerprint and schema hash that
// identify the inputs; never a token, record id or covariate value of a
// record (stratum values appear only as table labels).
type Report struct {
	Format         string   `json:"format"`  // ReportFormat
	Version        int      `json:"version"` // 1
	Rule           string   `json:"rule"`    // the rule of Result.Table
	KeyFingerprint string   `json:"key_fingerprint"`
	SchemaHash     string   `json:"schema_hash"`
	MatchKeys      []string `json:"match_keys"` // hierarchy order
	Covariates     []string `json:"covariates"`
	Strata         []string `json:"strata"`
	// MaxTokenFrequency is the limit used: tokens held by more records
	// link nothing.
	MaxTokenFrequency int          `json:"max_token_frequency"`
	Records           int          `json:"records"`
	Lists             []ListReport `json:"lists"`
	Keys              []KeyReport  `json:"keys"`
	Rules             []RuleReport `json:"rules"` // strict, default, loose
}

// ListReport describes one input list.
type ListReport struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Records int    `json:"records"`
	// Duplicates are the records that within-list deduplication merged
	// into another record of the list, by rule.
	Duplicates map[string]int `json:"duplicates"`
	// MissingTokens counts records without a token, by match key.
	MissingTokens map[string]int `json:"missing_tokens"`
	// MissingCovariates counts records with a missing value, by covariate.
	MissingCovariates map[string]int `json:"missing_covariates"`
}

// KeyReport describes one match key. Its counts do not depend on the rule:
// a rule accepts the links of the keys it uses (Rules), and later keys
// build on them.
type KeyReport struct {
	Name  string   `json:"name"`
	Level int      `json:"level"` // 1 is the top of the hierarchy
	Rules []string `json:"rules"` // the rules that use this key
	// RecordsWithToken, DistinctTokens and SharedTokens (held by two or
	// more records) describe the key's tokens.
	RecordsWithToken int `json:"records_with_token"`
	DistinctTokens   int `json:"distinct_tokens"`
	SharedTokens     int `json:"shared_tokens"`
	// MaxTokenFrequency is the number of records holding the most common
	// token: the frequency-attack surface of the key.
	MaxTokenFrequency int `json:"max_token_frequency"`
	// TokensOverLimit are tokens held by more than the limit; they link
	// nothing. RecordsOverLimit are the records holding them.
	TokensOverLimit  int `json:"tokens_over_limit"`
	RecordsOverLimit int `json:"records_over_limit"`
	// Links are the person merges this key added (each lowers the number
	// of persons by one); WithinListLinks are the within-list duplicates
	// it found (list-persons merged).
	Links           int `json:"links"`
	WithinListLinks int `json:"within_list_links"`
	// Ambiguous counts the groups of candidate links refused because the
	// person they would make holds two list-persons of one list;
	// AmbiguousPersons the persons those groups would have joined.
	Ambiguous        int `json:"ambiguous"`
	AmbiguousPersons int `json:"ambiguous_persons"`
	// CovariateConflicts counts the accepted groups of links that join
	// persons with different known values of some covariate.
	CovariateConflicts int `json:"covariate_conflicts"`
}

// RuleReport is the outcome under one rule.
type RuleReport struct {
	Rule    string   `json:"rule"`
	Keys    []string `json:"keys"` // the match keys the rule uses
	Persons int      `json:"persons"`
	// RecordsPerPerson and ListsPerPerson are the distributions of the
	// person groups' sizes.
	RecordsPerPerson []SizeCount `json:"records_per_person"`
	ListsPerPerson   []SizeCount `json:"lists_per_person"`
	// PairOverlaps[i][j] is the number of persons on both list i and
	// list j; the diagonal holds the persons on each list.
	PairOverlaps [][]int `json:"pair_overlaps"`
	// ConflictingPersons counts, by covariate, the persons whose records
	// hold different known values (resolved by the vote for strata).
	ConflictingPersons map[string]int `json:"conflicting_persons"`
	Table              []TableRow     `json:"table"`
}

// SizeCount is one bar of a distribution.
type SizeCount struct {
	Size    int `json:"size"`
	Persons int `json:"persons"`
}

// TableRow is one cell of an overlap table: the capture pattern as 0/1
// digits in list order.
type TableRow struct {
	Pattern string   `json:"pattern"`
	Stratum []string `json:"stratum,omitempty"`
	Count   int      `json:"count"`
}

func (o *Options) check(k int) (Options, error) {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Rule != Strict && v.Rule != Default && v.Rule != Loose {
		return v, fmt.Errorf("%w: unknown rule %d", ErrOptions, int(v.Rule))
	}
	if len(v.Strata) > MaxStrata {
		return v, fmt.Errorf("%w: %d stratum columns, at most %d", ErrOptions, len(v.Strata), MaxStrata)
	}
	for i, s := range v.Strata {
		if slices.Contains(v.Strata[:i], s) {
			return v, fmt.Errorf("%w: stratum column %q given twice", ErrOptions, s)
		}
	}
	switch {
	case v.MaxTokenFrequency == 0:
		v.MaxTokenFrequency = 2 * k
	case v.MaxTokenFrequency < 2:
		return v, fmt.Errorf("%w: MaxTokenFrequency must be at least 2", ErrOptions)
	}
	if v.MissingValues == nil {
		v.MissingValues = []string{"", Unknown}
	}
	if v.Workers <= 0 {
		v.Workers = runtime.GOMAXPROCS(0)
	}
	return v, nil
}

// LinkFiles opens the files and links them; see Link.
func LinkFiles(ctx context.Context, paths []string, opts *Options) (*Result, error) {
	srcs := make([]Source, len(paths))
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			for _, s := range srcs[:i] {
				s.R.(*os.File).Close()
			}
			return nil, err
		}
		srcs[i] = Source{Name: p, R: f}
	}
	defer func() {
		for _, s := range srcs {
			s.R.(*os.File).Close()
		}
	}()
	return Link(ctx, srcs, opts)
}

// Link reads the pseudonymised list files, checks that they agree, and
// links their records into persons as the package documentation describes.
// The table's lists are the sources in order: list 1 is the first source.
func Link(ctx context.Context, srcs []Source, opts *Options) (*Result, error) {
	o, err := opts.check(len(srcs))
	if err != nil {
		return nil, err
	}
	lists, err := openAll(srcs, o.Strata)
	if err != nil {
		return nil, err
	}
	in, err := readAll(ctx, lists, o.MissingValues, o.Workers)
	if err != nil {
		return nil, err
	}
	bl, err := blockAll(ctx, in, o.MaxTokenFrequency, o.Workers)
	if err != nil {
		return nil, err
	}
	strata := make([]int, len(o.Strata))
	for i, s := range o.Strata {
		strata[i] = slices.Index(in.covariates, s)
	}

	m := len(in.keys)
	lk := newLinker(in)
	levels := make([]levelStats, m)
	snaps := map[int]*snapshot{}
	depths := map[Rule]int{}
	for _, r := range Rules {
		depths[r] = RuleKeys(r, m)
	}
	for k := range m {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		levels[k] = lk.level(&bl[k])
		bl[k].recs, bl[k].ends = nil, nil // free as we go
		for _, r := range Rules {
			if depths[r] == k+1 && snaps[k+1] == nil {
				snaps[k+1] = lk.snapshot(strata)
			}
		}
	}
	return assemble(in, o, bl, levels, snaps, depths), nil
}

func assemble(in *input, o Options, bl []blocks, levels []levelStats, snaps map[int]*snapshot, depths map[Rule]int) *Result {
	res := &Result{Tables: map[Rule]*mse.Table{}}
	rep := &Report{
		Format:            ReportFormat,
		Version:           1,
		Rule:              o.Rule.String(),
		KeyFingerprint:    in.header.KeyFingerprint,
		SchemaHash:        in.header.SchemaHash,
		MatchKeys:         slices.Clone(in.keys),
		Covariates:        slices.Clone(in.covariates),
		Strata:            slices.Clone(o.Strata),
		MaxTokenFrequency: o.MaxTokenFrequency,
		Records:           in.n,
	}
	if rep.Covariates == nil {
		rep.Covariates = []string{}
	}
	if rep.Strata == nil {
		rep.Strata = []string{}
	}
	for li, l := range in.lists {
		lr := ListReport{
			Name:              l.hdr.List,
			File:              l.src.Name,
			Records:           l.rows,
			Duplicates:        map[string]int{},
			MissingTokens:     map[string]int{},
			MissingCovariates: map[string]int{},
		}
		for _, r := range Rules {
			lr.Duplicates[r.String()] = l.rows - snaps[depths[r]].listPersons[li]
		}
		for k, name := range in.keys {
			lr.MissingTokens[name] = l.missing[k]
		}
		for c, name := range in.covariates {
			lr.MissingCovariates[name] = in.missingCov[li][c]
		}
		rep.Lists = append(rep.Lists, lr)
	}
	for k, name := range in.keys {
		kr := KeyReport{
			Name:               name,
			Level:              k + 1,
			Rules:              []string{},
			RecordsWithToken:   bl[k].withToken,
			DistinctTokens:     bl[k].distinct,
			SharedTokens:       bl[k].shared,
			MaxTokenFrequency:  bl[k].maxFreq,
			TokensOverLimit:    bl[k].overLimit,
			RecordsOverLimit:   bl[k].overLimitRecords,
			Links:              levels[k].links,
			WithinListLinks:    levels[k].duplicates,
			Ambiguous:          levels[k].ambiguous,
			AmbiguousPersons:   levels[k].ambiguousPersons,
			CovariateConflicts: levels[k].covariateConflicts,
		}
		for _, r := range Rules {
			if k < depths[r] {
				kr.Rules = append(kr.Rules, r.String())
			}
		}
		rep.Keys = append(rep.Keys, kr)
	}
	for _, r := range Rules {
		sn := snaps[depths[r]]
		res.Tables[r] = sn.table
		rr := RuleReport{
			Rule:               r.String(),
			Keys:               slices.Clone(in.keys[:depths[r]]),
			Persons:            sn.persons,
			RecordsPerPerson:   distribution(sn.recordsPerPerson),
			ListsPerPerson:     distribution(sn.listsPerPerson),
			PairOverlaps:       sn.table.PairOverlaps(),
			ConflictingPersons: map[string]int{},
		}
		for c, name := range in.covariates {
			rr.ConflictingPersons[name] = sn.conflicting[c]
		}
		k := sn.table.K()
		for _, row := range sn.table.Rows {
			rr.Table = append(rr.Table, TableRow{Pattern: row.Pattern.String(k), Stratum: row.Stratum, Count: row.Count})
		}
		rep.Rules = append(rep.Rules, rr)
	}
	res.Table = res.Tables[o.Rule]
	res.Report = rep
	return res
}

func distribution(m map[int]int) []SizeCount {
	out := make([]SizeCount, 0, len(m))
	for s, n := range m {
		out = append(out, SizeCount{s, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Size < out[j].Size })
	return out
}
