package linkage

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/mse"
	"github.com/morketall/morketall/mse/loglin"
	"github.com/morketall/morketall/pseudonym"
)

// e2e is one run of the whole pipeline on the synthetic population.
type e2e struct {
	people []*person
	lists  []string
	// Files made record by record with Pseudonymiser.Tokens, rows in a
	// known order, so that truth[l][i] is the person of row i of list l.
	byRecord [][]byte
	truth    [][]int
	fields   [][]map[string]string // the extract row of each record
	tags     [][]int               // the noise of each record
	// Files made by Pseudonymiser.Pseudonymise and List.Write, as an
	// agency makes them: shuffled, random record ids.
	byList [][]byte
}

var extractColumns = []string{"given_name", "family_name", "full_name", "birth_date", "sex", "national_id", "exploitation", "nationality"}

func buildE2E(t testing.TB, seed uint64, n int, nz noise) *e2e {
	t.Helper()
	people, rows := population(seed, n, nz)
	var names []string
	for _, a := range agencies {
		names = append(names, a.name)
	}
	return pseudonymiseAll(t, people, names, rows)
}

// pseudonymiseAll pseudonymises each agency's extract rows twice: record
// by record, keeping the truth, and as a whole, as an agency would.
func pseudonymiseAll(t testing.TB, people []*person, names []string, rows [][]extractRow) *e2e {
	t.Helper()
	key, err := pseudonym.NewKey(bytes.Repeat([]byte{0x5a}, pseudonym.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ps, err := pseudonym.New(key, nil, &pseudonym.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var covNames []string
	for _, c := range pseudonym.DefaultSchema().Covariates {
		covNames = append(covNames, c.Name)
	}
	e := &e2e{people: people}
	for ai, name := range names {
		e.lists = append(e.lists, name)
		var recs []mktfile.Record
		var who []int
		var kept []map[string]string
		var tags []int
		var keyNames []string
		table := make([][]string, 0, len(rows[ai]))
		for i, r := range rows[ai] {
			toks, covs, err := ps.Tokens(r.fields)
			if err != nil {
				t.Fatalf("%s row %d: %v", name, i, err)
			}
			mr := mktfile.Record{ID: fmt.Sprintf("r%d", i), Covariates: covs}
			keyNames = keyNames[:0]
			any := false
			for _, tk := range toks {
				keyNames = append(keyNames, tk.Key)
				mr.Tokens = append(mr.Tokens, tk.Value)
				any = any || tk.Value != ""
			}
			row := make([]string, len(extractColumns))
			for j, c := range extractColumns {
				row[j] = r.fields[c]
			}
			table = append(table, row)
			if !any {
				continue // Pseudonymise rejects a record without a token
			}
			recs = append(recs, mr)
			who = append(who, r.person)
			kept = append(kept, r.fields)
			tags = append(tags, r.tags)
		}
		h := &mktfile.Header{List: name, KeyFingerprint: key.Fingerprint(), SchemaHash: ps.SchemaHash(), Created: now, MatchKeys: keyNames, Covariates: covNames, Extra: kindHeaders()}
		var buf bytes.Buffer
		if err := mktfile.Write(&buf, h, recs); err != nil {
			t.Fatal(err)
		}
		e.byRecord = append(e.byRecord, buf.Bytes())
		e.truth = append(e.truth, who)
		e.fields = append(e.fields, kept)
		e.tags = append(e.tags, tags)

		list, err := ps.Pseudonymise(name, pseudonym.NewSliceSource(extractColumns, table))
		if err != nil {
			t.Fatal(err)
		}
		buf = bytes.Buffer{}
		if err := list.Write(&buf); err != nil {
			t.Fatal(err)
		}
		e.byList = append(e.byList, buf.Bytes())
	}
	return e
}

func (e *e2e) sources(files [][]byte) []Source {
	var s []Source
	for i, f := range files {
		s = append(s, Source{Name: e.lists[i] + ".mkt", R: bytes.NewReader(f)})
	}
	return s
}

// truthTable is the overlap table of the true persons: a person is on a
// list when at least one of its records there reached the file.
func (e *e2e) truthTable(t testing.TB) *mse.Table {
	pat := map[int]mse.Pattern{}
	for l, who := range e.truth {
		for _, p := range who {
			pat[p] |= 1 << l
		}
	}
	counts := map[mse.Pattern]int{}
	for _, p := range pat {
		counts[p]++
	}
	var ps []mse.Pattern
	var cs []int
	for p := mse.Pattern(1); p < 1<<len(e.lists); p++ {
		if counts[p] > 0 {
			ps = append(ps, p)
			cs = append(cs, counts[p])
		}
	}
	tb, err := mse.NewTable(e.lists, ps, cs)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// pairStats compares the linked grouping of records with the truth over
// all pairs of records, and over pairs on different lists only.
type pairStats struct {
	truePairs, linkedPairs, correct                int
	crossTrue, crossLinked, crossCorrect           int
	precision, recall, crossPrecision, crossRecall float64
}

func choose2(n int) int { return n * (n - 1) / 2 }

func comparePairs(group, person, list []int) pairStats {
	type gp struct{ g, p int }
	type gl struct{ g, l int }
	type gpl struct{ g, p, l int }
	type pl struct{ p, l int }
	ng, np, ngp := map[int]int{}, map[int]int{}, map[gp]int{}
	ngl, npl, ngpl := map[gl]int{}, map[pl]int{}, map[gpl]int{}
	for i := range group {
		g, p, l := group[i], person[i], list[i]
		ng[g]++
		np[p]++
		ngp[gp{g, p}]++
		ngl[gl{g, l}]++
		npl[pl{p, l}]++
		ngpl[gpl{g, p, l}]++
	}
	var s pairStats
	for _, n := range ng {
		s.linkedPairs += choose2(n)
	}
	for _, n := range np {
		s.truePairs += choose2(n)
	}
	for _, n := range ngp {
		s.correct += choose2(n)
	}
	s.crossLinked, s.crossTrue, s.crossCorrect = s.linkedPairs, s.truePairs, s.correct
	for _, n := range ngl {
		s.crossLinked -= choose2(n)
	}
	for _, n := range npl {
		s.crossTrue -= choose2(n)
	}
	for _, n := range ngpl {
		s.crossCorrect -= choose2(n)
	}
	s.precision = float64(s.correct) / float64(s.linkedPairs)
	s.recall = float64(s.correct) / float64(s.truePairs)
	s.crossPrecision = float64(s.crossCorrect) / float64(s.crossLinked)
	s.crossRecall = float64(s.crossCorrect) / float64(s.crossTrue)
	return s
}

// scenario is one end-to-end configuration with the floors its figures
// must reach. The data are fixed by the seed, so the figures are too: the
// floors sit a little under the figures measured when the test was
// written (all logged with -v) and fail when linkage quality regresses.
type scenario struct {
	population int
	noise      noise
	floors     map[Rule][2]float64 // precision, recall
	maxBias    float64             // |estimate from the linked table / from the true one − 1| under the default rule
}

// The scenarios use 1200 people, of whom about 890 are seen: a few
// years of Norwegian data at the scale of SCENARIO.md (254 adults assisted
// in 2020). TestEndToEndLarger uses 3000, where namesakes (same name,
// birth year and sex) are more frequent.

// TestEndToEndBridgeable: only the noise in how names are written and
// structured, placeholder dates, missing sex, D-number against
// fødselsnummer and within-list duplicates (see bridgeableNoise), which a
// key of the default schema absorbs in every record. It isolates the
// linkage from the record-level noise of the realistic scenario.
// Measured: default precision 1.000, recall 1.000, estimate +0.0%.
func TestEndToEndBridgeable(t *testing.T) {
	runE2E(t, scenario{
		population: 1200,
		noise:      bridgeableNoise,
		floors: map[Rule][2]float64{
			Strict:  {0.99, 0.60},
			Default: {0.99, 0.99},
			Loose:   {0.94, 0.99},
		},
		maxBias: 0.02,
	})
}

// TestEndToEndRealistic adds typos in names, missing and wrong dates of
// birth (day and month swapped, a year off by one) and names written in
// Cyrillic by one agency and in the passport's Latin spelling by another.
// The default schema has a key for each of these on its own (package
// pseudonym, "The built-in match keys"); a missing date, or two kinds of
// noise in one record (a typo and a placeholder date), still leave a
// record with no token in common with the person's other records unless
// both carry the identity number, and a placeholder date among namesakes
// born the same year is refused (package documentation, "Contradicted
// blocks"). The test logs the missed pairs by cause; missed links inflate
// the estimate. Since issue 11 the realistic noise also holds the
// agencies' export habits (code pages that turn letters into "?", dates
// only in the identity number, spreadsheet-stripped zeros, a seventh
// agency, HEALTH, that records sex only sometimes), which the date taken
// from the identity number and the scored Bloom pass are for. The floors:
// precision and recall of at least 0.98 under the default rule, estimate
// within 2% of the true table's. Measured: precision 0.999, recall 0.997,
// estimate +0.5% (TestRecallTargets measures five seeds at three sizes).
func TestEndToEndRealistic(t *testing.T) {
	runE2E(t, scenario{
		population: 1200,
		noise:      realisticNoise,
		floors: map[Rule][2]float64{
			Strict:  {0.99, 0.50},
			Default: {0.99, 0.98},
			Loose:   {0.95, 0.98},
		},
		maxBias: 0.02,
	})
}

// TestEndToEndLarger is the realistic scenario with 3000 people, where
// namesakes born the same year are commoner. Measured: default precision
// 0.993, recall 0.997, estimate −0.0%.
func TestEndToEndLarger(t *testing.T) {
	runE2E(t, scenario{
		population: 3000,
		noise:      realisticNoise,
		floors: map[Rule][2]float64{
			Strict:  {0.99, 0.53},
			Default: {0.985, 0.98},
			Loose:   {0.87, 0.98},
		},
		maxBias: 0.02,
	})
}

func runE2E(t *testing.T, sc scenario) {
	e := buildE2E(t, 20261127, sc.population, sc.noise)
	ctx := context.Background()
	nk := len(res0keys())
	res, groups, person, list, tags := e.link(t)

	// The agencies' own files, shuffled with random ids, give the same
	// tables: Pseudonymise and Tokens agree, and row order does not matter.
	resList, err := Link(ctx, e.sources(e.byList), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules {
		if diff := cmp.Diff(res.Tables[r], resList.Tables[r]); diff != "" {
			t.Errorf("%v: tables from Tokens and from Pseudonymise differ (-tokens +lists):\n%s", r, diff)
		}
	}

	truth := e.truthTable(t)
	t.Logf("population %d; seen %d persons in %d records on %d lists", len(e.people), truth.N(), len(person), len(e.lists))
	for _, r := range Rules {
		s := comparePairs(groups[r], person, list)
		tb := res.Tables[r]
		t.Logf("%-7s keys %d: persons %d (truth %d); pairs linked %d, true %d, correct %d: precision %.4f recall %.4f; across lists: precision %.4f recall %.4f",
			r, RuleKeys(r, nk), tb.N(), truth.N(), s.linkedPairs, s.truePairs, s.correct, s.precision, s.recall, s.crossPrecision, s.crossRecall)
		if f := sc.floors[r]; s.precision < f[0] || s.recall < f[1] {
			t.Errorf("%v: precision %.4f recall %.4f, floors %.2f and %.2f", r, s.precision, s.recall, f[0], f[1])
		}
	}
	for _, k := range res.Report.Keys {
		t.Logf("key %-20s links %4d within-list %3d ambiguous %2d contradicted %2d cov.conflicts %2d max freq %2d over limit %d",
			k.Name, k.Links, k.WithinListLinks, k.Ambiguous, k.Contradicted, k.CovariateConflicts, k.MaxTokenFrequency, k.TokensOverLimit)
	}

	// The true pairs the default rule missed, by the noise of the two
	// records.
	def := groups[Default]
	byPerson := map[int][]int{}
	for i, p := range person {
		byPerson[p] = append(byPerson[p], i)
	}
	var missed, missedUnbridgeable int
	byTag := make([]int, nTags)
	for _, recs := range byPerson {
		for x := range recs {
			for y := x + 1; y < len(recs); y++ {
				i, j := recs[x], recs[y]
				if def[i] == def[j] {
					continue
				}
				missed++
				tg := tags[i] | tags[j]
				if tg&unbridgeable != 0 {
					missedUnbridgeable++
				}
				for b := range nTags {
					if tg&(1<<b) != 0 {
						byTag[b]++
					}
				}
			}
		}
	}
	t.Logf("default rule: %d true pairs missed, %d of them with noise no key bridges; by noise of either record:", missed, missedUnbridgeable)
	for b, n := range byTag {
		if n > 0 {
			t.Logf("  %-24s %d", tagNames[b], n)
		}
	}

	// The estimate from the linked table against the estimate from the
	// true table, with the default method (auto).
	est := func(tb *mse.Table) float64 {
		r, err := mse.Estimate(context.Background(), tb, loglin.Auto{}, &mse.Options{Interval: mse.IntervalNone})
		if err != nil || !r.Estimated() {
			t.Fatalf("estimate: %v %+v", err, r)
		}
		t.Logf("  %s model %s: N̂ = %.1f (observed %d)", r.Method, r.Model.Notation, *r.Estimate, r.Observed)
		return *r.Estimate
	}
	t.Log("truth:")
	nTrue := est(truth)
	for _, r := range Rules {
		t.Logf("%v:", r)
		n := est(res.Tables[r])
		rel := n/nTrue - 1
		t.Logf("  relative to the truth: %+.2f%%", 100*rel)
		if r == Default && math.Abs(rel) > sc.maxBias {
			t.Errorf("default rule: estimate %.1f is %+.2f%% off the truth's %.1f (allowed %.0f%%)", n, 100*rel, nTrue, 100*sc.maxBias)
		}
	}
}

// link links the record-by-record files and returns the result, each
// record's person group under each rule, and each record's true person,
// list and noise tags.
func (e *e2e) link(t testing.TB) (*Result, map[Rule][]int, []int, []int, []int) {
	t.Helper()
	groups := map[Rule][]int{}
	var offsets []uint32
	res, err := linkWith(context.Background(), e.sources(e.byRecord), nil, func(r Rule, lk *linker) {
		offsets = lk.in.offset
		g := make([]int, lk.in.n)
		for i := range g {
			g[i] = int(lk.find(uint32(i)))
		}
		groups[r] = g
	})
	if err != nil {
		t.Fatal(err)
	}
	var person, list, tags []int
	for l, who := range e.truth {
		if int(offsets[l+1]-offsets[l]) != len(who) {
			t.Fatalf("list %d: %d records linked, %d written", l, offsets[l+1]-offsets[l], len(who))
		}
		for i, p := range who {
			person = append(person, p)
			list = append(list, l)
			tags = append(tags, e.tags[l][i])
		}
	}
	return res, groups, person, list, tags
}

// TestDNumberAgainstFødselsnummer: a person may carry a D-number on one
// list and a fødselsnummer on another (PRIVACY.md); the name and date
// keys must join them. Every person here holds both numbers, the UDI list
// records the D-number and the HTSO list the fødselsnummer, so the
// identity-number key never links them. The figure measured when the test
// was written is logged; the floors sit under it.
func TestDNumberAgainstFødselsnummer(t *testing.T) {
	for _, c := range []struct {
		name  string
		nz    noise
		floor float64
	}{
		{"bridgeable", bridgeableNoise, 0.99},
		{"realistic", realisticNoise, 0.95},
	} {
		rng := rand.New(rand.NewPCG(31, 7))
		people, _ := population(20261127, 300, c.nz)
		udi, htso := agencies[1], agencies[3]
		udi.idRecorded, htso.idRecorded = 1, 1
		udi.duplicates, htso.duplicates = 0, 0
		rows := make([][]extractRow, 2)
		for _, p := range people {
			p.dnr = nationalID(rng, p.dob, true)
			p.fnr = nationalID(rng, p.dob, false)
			rows[0] = append(rows[0], udi.record(rng, p, c.nz))
			rows[1] = append(rows[1], htso.record(rng, p, c.nz))
		}
		e := pseudonymiseAll(t, people, []string{"UDI", "HTSO"}, rows)
		_, groups, person, _, _ := e.link(t)
		if len(person) != 2*len(people) {
			t.Fatalf("%s: %d records for %d people", c.name, len(person), len(people))
		}
		joined := 0
		first := map[int]int{}
		for i, p := range person {
			if j, ok := first[p]; ok {
				if groups[Default][i] == groups[Default][j] {
					joined++
				}
			} else {
				first[p] = i
			}
		}
		share := float64(joined) / float64(len(people))
		t.Logf("%s noise: %d of %d persons with a D-number on UDI's list and a fødselsnummer on HTSO's joined under the default rule (%.3f)", c.name, joined, len(people), share)
		if share < c.floor {
			t.Errorf("%s: %.3f joined, floor %.2f", c.name, share, c.floor)
		}
	}
}

// kindHeaders are the header lines that name the default schema's Bloom
// and block keys, as Pseudonymise writes them.
func kindHeaders() [][2]string {
	var bloom, block []string
	for _, k := range pseudonym.DefaultSchema().MatchKeys {
		switch k.Kind {
		case pseudonym.KindBloom:
			bloom = append(bloom, k.Name)
		case pseudonym.KindBlock:
			block = append(block, k.Name)
		}
	}
	return [][2]string{{"bloom_keys", strings.Join(bloom, ",")}, {"block_keys", strings.Join(block, ",")}}
}

// res0keys are the default schema's exact keys.
func res0keys() []string {
	var keys []string
	for _, k := range pseudonym.DefaultSchema().MatchKeys {
		if k.Kind == pseudonym.KindToken {
			keys = append(keys, k.Name)
		}
	}
	return keys
}
