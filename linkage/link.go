package linkage

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

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
	// Assignments, when Options.Assignments is set, holds every record's
	// person under Options.Rule and its review candidates; see
	// WriteAssignments. It names records by their ids: it stays with the
	// linkage party.
	Assignments []Assignment
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
	// BloomKey names the Bloom encoding the scored pass compares, "" for
	// none; BlockKeys the keys whose blocks say which records it compares.
	// Neither is in MatchKeys, which lists the exact keys.
	BloomKey  string   `json:"bloom_key"`
	BlockKeys []string `json:"block_keys"`
	// Scoring describes the scored pass; absent when it did not run.
	Scoring *ScoringReport `json:"scoring,omitempty"`
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

// KeyReport describes one match key. The link counts are those of the
// default rule, which uses every key (strict uses a prefix of the same
// pass); RuleReport.LinksByKey gives each rule's.
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
	// RefinedBy names the stronger key with the full date of birth that
	// checks this key's blocks, if any. Contradicted counts the blocks
	// refused because their records carry different tokens of it;
	// ContradictedRecs the records in them.
	RefinedBy        string `json:"refined_by,omitempty"`
	Contradicted     int    `json:"contradicted"`
	ContradictedRecs int    `json:"contradicted_records"`
}

// RuleReport is the outcome under one rule.
type RuleReport struct {
	Rule string   `json:"rule"`
	Keys []string `json:"keys"` // the match keys the rule uses
	// ChecksDates tells whether blocks of year-of-birth keys were checked
	// against the full date (see KeyReport.RefinedBy).
	ChecksDates bool `json:"checks_dates"`
	// LinksByKey counts the person merges each key added under this rule.
	LinksByKey map[string]int `json:"links_by_key"`
	Persons    int            `json:"persons"`
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
	// Scored is the scored pass's outcome under this rule; absent for
	// strict and when the pass did not run.
	Scored *ScoredRuleReport `json:"scored,omitempty"`
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
	// Covariates are the row's covariate values ("" missing) when the
	// table was linked with covariates (LinkCovariates).
	Covariates []string `json:"covariates,omitempty"`
	Count      int      `json:"count"`
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
	var sc ScoringOptions
	if v.Scoring != nil {
		sc = *v.Scoring
	}
	if !sc.SetThresholds {
		sc.Upper, sc.Lower = DefaultUpper, DefaultLower
	}
	if math.IsNaN(sc.Upper) || math.IsInf(sc.Upper, 0) || math.IsNaN(sc.Lower) || math.IsInf(sc.Lower, 0) || sc.Lower > sc.Upper {
		return v, fmt.Errorf("%w: scoring thresholds must be finite with lower ≤ upper", ErrOptions)
	}
	switch {
	case sc.Margin == 0:
		sc.Margin = DefaultMargin
	case sc.Margin < 0 || math.IsNaN(sc.Margin) || math.IsInf(sc.Margin, 0):
		return v, fmt.Errorf("%w: scoring margin must be a non-negative number of bits", ErrOptions)
	}
	switch {
	case sc.MaxComparisons == 0:
		sc.MaxComparisons = DefaultMaxComparisons
	case sc.MaxComparisons < 0:
		return v, fmt.Errorf("%w: MaxComparisons must not be negative", ErrOptions)
	}
	switch {
	case sc.MinDice == 0:
		sc.MinDice = DefaultMinDice
	case !(sc.MinDice > 0 && sc.MinDice <= 1):
		return v, fmt.Errorf("%w: MinDice must lie in (0, 1]", ErrOptions)
	}
	v.Scoring = &sc
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
	return linkWith(ctx, srcs, opts, nil)
}

// linkWith is Link with a hook called with the persons formed under each
// rule; tests use it to see which records were linked.
func linkWith(ctx context.Context, srcs []Source, opts *Options, after func(r Rule, lk *linker)) (*Result, error) {
	o, err := opts.check(len(srcs))
	if err != nil {
		return nil, err
	}
	lists, err := openAll(srcs, o.Strata)
	if err != nil {
		return nil, err
	}
	in, err := readAll(ctx, lists, o.MissingValues, o.Workers, o.Assignments)
	if err != nil {
		return nil, err
	}
	finer, err := refinements(in.keys, o.DateRefinements)
	if err != nil {
		return nil, err
	}
	m := len(in.keys)
	first := m // the first key whose year of birth is checked against the full date
	for k := range m {
		if finer[k] >= 0 {
			first = k
			break
		}
	}
	scoring := !o.Scoring.Off && (first < m || in.bloomKey != "" && len(in.blockKeys) > 0)
	nb := len(in.blockKeys)
	keep := make([]bool, m+nb)
	limits := make([]int, m+nb)
	for k := range limits {
		limits[k] = o.MaxTokenFrequency
		if k >= m {
			limits[k] = math.MaxInt32 // block keys: the Bloom pass has its own budget
		}
		// The scorer reads the identity number's and the block keys'
		// token ids; the assignments every key's.
		keep[k] = o.Assignments || scoring && (k == 0 || k >= m)
	}
	for k, j := range finer {
		if j >= 0 {
			keep[j] = true
			keep[k] = keep[k] || scoring // the scorer checks year keys against their full-date keys
		}
	}
	bl, err := blockAll(ctx, in, limits, o.Workers, keep)
	if err != nil {
		return nil, err
	}
	if in.n > 1<<20 {
		// The token pairs are garbage now, and what the linking allocates
		// next would otherwise grow the heap to twice its live size
		// before the next collection; their pages go back to the system.
		// The big arrays hold no pointers, so a collection costs little.
		debug.FreeOSMemory()
	}
	strata := make([]int, len(o.Strata))
	for i, s := range o.Strata {
		strata[i] = slices.Index(in.covariates, s)
	}
	depths := map[Rule]int{}
	for _, r := range Rules {
		depths[r] = RuleKeys(r, m)
	}
	lr := &linkRun{in: in, o: o, bl: bl, finer: finer, strata: strata, depths: depths, after: after,
		levels: make([]levelStats, m), snaps: map[Rule]*snapshot{}, lks: map[Rule]*linker{},
		linksBy: map[Rule][]int{Strict: make([]int, m), Default: make([]int, m), Loose: make([]int, m)}}
	if scoring {
		err = lr.scored(ctx, first)
	} else {
		err = lr.exact(ctx, first)
	}
	if err != nil {
		return nil, err
	}
	res := assemble(in, o, bl[:m], lr.levels, lr.snaps, depths, finer, lr.linksBy)
	if lr.score != nil {
		res.Report.Scoring = lr.scoringReport()
		for i := range res.Report.Rules {
			rr := &res.Report.Rules[i]
			if st, ok := lr.stats[rr.Rule]; ok {
				rr.Scored = &st
			}
		}
	}
	res.Report.BloomKey, res.Report.BlockKeys = in.bloomKey, slices.Clone(in.blockKeys)
	if res.Report.BlockKeys == nil {
		res.Report.BlockKeys = []string{}
	}
	if o.Assignments {
		res.Assignments = lr.assignments(o.Rule)
	}
	return res, nil
}

// scoredHook, set by tests only, sees the scorer and the candidate pairs
// of the default rule's scored pass.
var scoredHook func(sc *scorer, cands []uint64)

// linkRun is the state of one Link call between the reading and the
// report.
type linkRun struct {
	in      *input
	o       Options
	bl      []blocks
	finer   []int
	strata  []int
	depths  map[Rule]int
	after   func(Rule, *linker)
	levels  []levelStats
	linksBy map[Rule][]int
	snaps   map[Rule]*snapshot
	lks     map[Rule]*linker // the persons of each rule, for the assignments

	// The scored pass.
	score   *scorer
	stats   map[string]ScoredRuleReport
	links   map[Rule][]scoredPair
	review  []scoredPair // the default rule's
	skipped [2]int       // Bloom blocks and records left out by the budget
	nBloom  int          // Bloom candidate pairs
	exactN  int          // keys the default rule applies as exact levels
}

func (lr *linkRun) take(r Rule, lk *linker, share bool) {
	if share {
		for _, o := range Rules {
			if o != r && lr.snaps[o] != nil && lr.depths[o] == lr.depths[r] && o.ChecksDates() == r.ChecksDates() {
				lr.snaps[r] = lr.snaps[o]
			}
		}
	}
	if lr.snaps[r] == nil {
		lr.snaps[r] = lk.snapshot(lr.strata)
	}
	if lr.o.Assignments && r == lr.o.Rule {
		lr.lks[r] = lk.clone()
	}
	if lr.after != nil {
		lr.after(r, lk)
	}
}

// exact links with the exact keys alone: every key a level, the year keys
// checked against the full date under strict and default.
func (lr *linkRun) exact(ctx context.Context, first int) error {
	in, bl, finer, depths := lr.in, lr.bl, lr.finer, lr.depths
	m := len(in.keys)
	levels, linksBy := lr.levels, lr.linksBy
	// The first pass checks dates: it makes the strict and default
	// persons. The loose persons differ only from the first key with a
	// date check on, so the second pass starts from a copy of the state
	// before that key.
	lk := newLinker(in)
	var saved *linker
	for k := range m {
		if err := ctx.Err(); err != nil {
			return err
		}
		if k == first {
			saved = lk.clone()
		}
		var ft []uint32
		if finer[k] >= 0 {
			ft = bl[finer[k]].token
		}
		levels[k] = lk.level(&bl[k], ft)
		for _, r := range []Rule{Strict, Default} {
			if k < depths[r] {
				linksBy[r][k] = levels[k].links
			}
			if depths[r] == k+1 {
				lr.take(r, lk, true)
			}
		}
		if saved == nil {
			linksBy[Loose][k] = levels[k].links
			bl[k].recs, bl[k].ends = nil, nil // free as we go
		}
	}
	if saved == nil {
		lr.take(Loose, lk, true)
		return nil
	}
	// The second pass reuses the first one's scratch space.
	saved.ts, saved.tcovx, saved.ls, saved.ok, saved.size = lk.ts[:0], lk.tcovx[:0], lk.ls[:0], lk.ok, lk.size
	lk = saved
	for k := first; k < m; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		linksBy[Loose][k] = lk.level(&bl[k], nil).links
		bl[k].recs, bl[k].ends = nil, nil
	}
	lr.take(Loose, lk, true)
	return nil
}

// scored links as exact does, every exact key a level, and after the
// levels of the default rule and of the loose one it scores the pairs of
// the Bloom blocks that the levels left apart: the default rule links
// those of weight at least the upper threshold, with its checks, the loose
// rule those of at least the lower one.
func (lr *linkRun) scored(ctx context.Context, first int) error {
	in, bl, finer, depths := lr.in, lr.bl, lr.finer, lr.depths
	m := len(in.keys)
	so := lr.o.Scoring
	lr.exactN = m
	sexCol := slices.Index(in.covariates, "sex")
	var refine [][2]int
	for k, j := range finer {
		if j >= 0 {
			refine = append(refine, [2]int{k, j})
		}
	}
	if bf, err := refinements(in.blockKeys, nil); err == nil {
		for k, j := range bf {
			if j >= 0 {
				refine = append(refine, [2]int{m + k, m + j})
			}
		}
	}
	sc := newScorer(in, bl, sexCol, refine)
	lr.score = sc
	lr.stats = map[string]ScoredRuleReport{}
	lr.links = map[Rule][]scoredPair{}

	lk := newLinker(in)
	var saved *linker
	for k := range m {
		if err := ctx.Err(); err != nil {
			return err
		}
		if k == first {
			saved = lk.clone()
		}
		var ft []uint32
		if finer[k] >= 0 {
			ft = bl[finer[k]].token
		}
		lr.levels[k] = lk.level(&bl[k], ft)
		for _, r := range []Rule{Strict, Default} {
			if k < depths[r] {
				lr.linksBy[r][k] = lr.levels[k].links
			}
		}
		if saved == nil {
			lr.linksBy[Loose][k] = lr.levels[k].links
			if k >= 2 {
				// Neither the loose pass (which starts at first) nor the
				// scorer (keys 0 and 1) reads these blocks again.
				bl[k].recs, bl[k].ends = nil, nil
			}
		}
		if depths[Strict] == k+1 {
			lr.take(Strict, lk, false)
		}
	}
	if saved == nil {
		saved = lk.clone()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Candidate pairs: within the Bloom blocks, similar enough encodings.
	// The scorer's u counts the pairs the levels left apart, so that the
	// matches they found do not pass for chance agreements.
	var cands []uint64
	if sc.bloomF >= 0 {
		kept, sb, sr := bloomBudget(bl[m:], so.MaxComparisons)
		lr.skipped = [2]int{sb, sr}
		for i, b := range kept {
			cands = sc.blockPairs(cands, b, so.MinDice, m+i == sc.yearKey, lk)
		}
		cands = dedup(cands)
		lr.nBloom = len(cands)
	}
	sc.fit()
	sc.estimatePrior(lk, cands)
	if scoredHook != nil {
		scoredHook(sc, cands)
	}
	st, links, review := lk.scoredPass(sc, cands, so.Upper, so.Lower, so.Margin, true)
	lr.stats[Default.String()] = st.report()
	lr.links[Default], lr.review = links, review
	lr.take(Default, lk, false)

	// Loose: the keys from the first year key on as unchecked levels, then
	// the scored pass down to the lower threshold.
	saved.ts, saved.tcovx, saved.ls, saved.ok, saved.size = lk.ts[:0], lk.tcovx[:0], lk.ls[:0], lk.ok, lk.size
	lk = saved
	for k := first; k < m; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		lr.linksBy[Loose][k] = lk.level(&bl[k], nil).links
	}
	st, links, _ = lk.scoredPass(sc, cands, so.Lower, so.Lower, so.Margin, false)
	lr.stats[Loose.String()] = st.report()
	lr.links[Loose] = links
	lr.take(Loose, lk, false)
	return nil
}

// refinements returns, for each key, the index of the stronger key that
// refines its year of birth to the full date, or -1. explicit, when not
// nil, names the pairs; otherwise they follow from the key names: a key
// whose name has the part "year" (names split at "_") is refined by the
// nearest stronger key whose name is the same with "dob" for "year", a
// part "sex" being ignored on both sides. With the default schema,
// skeleton_year_sex is refined by skeleton_dob and first_last_year_sex by
// first_last_dob.
func refinements(keys []string, explicit map[string]string) ([]int, error) {
	finer := make([]int, len(keys))
	for i := range finer {
		finer[i] = -1
	}
	if explicit != nil {
		for k, j := range explicit {
			ki, ji := slices.Index(keys, k), slices.Index(keys, j)
			if ki < 0 || ji < 0 {
				return nil, fmt.Errorf("%w: DateRefinements names a key the files do not have", ErrOptions)
			}
			if ji >= ki {
				return nil, fmt.Errorf("%w: DateRefinements: %q must come before %q in the hierarchy", ErrOptions, j, k)
			}
			finer[ki] = ji
		}
		return finer, nil
	}
	norm := func(name string) (string, bool, bool) {
		var parts []string
		year, dob := false, false
		for _, p := range strings.Split(name, "_") {
			switch p {
			case "sex":
				continue
			case "year":
				year = true
				p = "dob"
			case "dob":
				dob = true
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "_"), year, dob
	}
	for k, name := range keys {
		nk, year, _ := norm(name)
		if !year {
			continue
		}
		for j := k - 1; j >= 0; j-- {
			if nj, _, dob := norm(keys[j]); dob && nj == nk {
				finer[k] = j
				break
			}
		}
	}
	return finer, nil
}

func assemble(in *input, o Options, bl []blocks, levels []levelStats, snaps map[Rule]*snapshot, depths map[Rule]int, finer []int, linksBy map[Rule][]int) *Result {
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
			lr.Duplicates[r.String()] = l.rows - snaps[r].listPersons[li]
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
			Contradicted:       levels[k].contradicted,
			ContradictedRecs:   levels[k].contradictedRecs,
		}
		if finer[k] >= 0 {
			kr.RefinedBy = in.keys[finer[k]]
		}
		for _, r := range Rules {
			if k < depths[r] {
				kr.Rules = append(kr.Rules, r.String())
			}
		}
		rep.Keys = append(rep.Keys, kr)
	}
	for _, r := range Rules {
		sn := snaps[r]
		res.Tables[r] = sn.table
		rr := RuleReport{
			Rule:               r.String(),
			Keys:               slices.Clone(in.keys[:depths[r]]),
			Persons:            sn.persons,
			RecordsPerPerson:   distribution(sn.recordsPerPerson),
			ListsPerPerson:     distribution(sn.listsPerPerson),
			PairOverlaps:       sn.table.PairOverlaps(),
			ConflictingPersons: map[string]int{},
			LinksByKey:         map[string]int{},
			ChecksDates:        r.ChecksDates(),
		}
		for k, name := range in.keys[:depths[r]] {
			rr.LinksByKey[name] = linksBy[r][k]
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
