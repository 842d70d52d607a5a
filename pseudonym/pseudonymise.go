package pseudonym

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/morketall/morketall/internal/mktfile"
)

// Source is a table of extract rows, as internal/extract reads them from
// CSV and XLSX files.
type Source interface {
	// Columns returns the header.
	Columns() []string
	// Next returns the next row, or io.EOF at the end. The slice may be
	// reused by the following call.
	Next() ([]string, error)
	// Line returns the line (for a spreadsheet, the row) on which the row
	// last returned starts; it is used in error messages.
	Line() int
}

// NewSliceSource returns a Source over rows held in memory; row i is
// reported as line i+2 (the header being line 1).
func NewSliceSource(columns []string, rows [][]string) Source {
	return &sliceSource{cols: columns, rows: rows}
}

type sliceSource struct {
	cols []string
	rows [][]string
	i    int
}

func (s *sliceSource) Columns() []string { return s.cols }
func (s *sliceSource) Line() int         { return s.i + 1 }
func (s *sliceSource) Next() ([]string, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.i++
	return s.rows[s.i-1], nil
}

// FieldError locates a problem in the extract by line and column. It never
// holds the offending value.
type FieldError struct {
	Line   int    // 1-based line (or spreadsheet row); 0 when unknown
	Column string // the column header; "" for a problem with the whole row
	Err    error
}

func (e *FieldError) Error() string {
	switch {
	case e.Line > 0 && e.Column != "":
		return fmt.Sprintf("line %d, column %q: %v", e.Line, e.Column, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	case e.Column != "":
		return fmt.Sprintf("column %q: %v", e.Column, e.Err)
	}
	return e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Errors about the extract as a whole.
var (
	ErrMissingColumn   = errors.New("column named in the schema's columns is missing from the extract")
	ErrNoIdentifiers   = errors.New("the extract has no column that any match key reads")
	ErrDuplicateColumn = errors.New("column name appears twice in the header")
	ErrRowLength       = errors.New("row has a different number of cells than the header")
	ErrListName        = errors.New("pseudonym: list name must be non-empty [A-Za-z0-9_.:+-]")
)

// Options control a Pseudonymiser. A nil *Options means the defaults.
type Options struct {
	// Strict makes the first invalid date of birth or identity number an
	// error (a *FieldError). Default false: the field is treated as
	// missing, counted in the report, and passed to Warn.
	Strict bool
	// Warn, if set, is called with each field problem found in lenient
	// mode. It receives positions only. Default: none.
	Warn func(*FieldError)
	// Now is the creation time written to the file, the last date of
	// birth accepted, and (its 1 January) the default reference date of
	// age bands. Default: time.Now().
	Now time.Time
	// Context stops Pseudonymise and List.Write when it is cancelled
	// (Ctrl-C); they return its error and leave no temporary file.
	// Default: context.Background().
	Context context.Context
	// TempDir is where rows are spilled for the shuffle when they do not
	// fit in memory (files of mode 0600 in a private directory, removed by
	// List.Close). Default: os.TempDir().
	TempDir string
	// Workers is the number of goroutines that pseudonymise rows. Default:
	// runtime.GOMAXPROCS(0). The output does not depend on it.
	Workers int
	// Random supplies the 32-byte seed of the record ids and the row
	// order. Default: crypto/rand. A fixed source gives the same file
	// twice (for tests); never use one in production.
	Random io.Reader
}

// Pseudonymiser turns extract rows into match-key tokens and covariates
// under one key and schema. It is not safe for concurrent use; make one per
// goroutine.
type Pseudonymiser struct {
	key          *Key
	schema       *Schema
	hash         string
	opts         Options
	keys         []compiledKey
	need         [numElements]bool
	particles    map[string]bool
	placeholders []int
	covs         []compiledCov
	sexCov       int // index in covs of the covariate read from sex, or -1
	sumBuf       []byte
	msgBuf       []byte
	hexBuf       []byte   // the hex of one record's tokens, reused
	toksBuf      []string // one record's name tokens, reused
	// raw makes row leave the record's values in rawTok (16 bytes per
	// key), rawBloom and rawHave instead of strings (the driver's
	// workers); covBuf holds its covariates then.
	raw       bool
	rawTok    []byte
	rawBloom  [][bloomWords]uint64
	rawHave   []bool
	covBuf    []string
	needBloom bool // some key is of kind bloom
}

type compiledKey struct {
	name  string
	kind  string
	elems []element
	mac   hash.Hash
	bloom *bloomEncoder // kind bloom
}

type compiledCov struct {
	Covariate
	ref    Date // reference date of an age band
	labels []string
}

type element int

const (
	elNationalID element = iota
	elGivenName
	elFamilyName
	elName
	elNameSorted
	elNameSortedNP
	elFirstLast
	elFirstFirst
	elFirstLastLo
	elFirstLastHi
	elNameSkeleton
	elBirthDate
	elBirthYM
	elBirthYear
	elBirthDM
	elBirthYearEven
	elBirthYearOdd
	elSex
	elNationality
	numElements
)

// New returns a Pseudonymiser for key and schema (nil for DefaultSchema).
func New(key *Key, schema *Schema, opts *Options) (*Pseudonymiser, error) {
	if key == nil || key.s == nil {
		return nil, errors.New("pseudonym: nil key")
	}
	if schema == nil {
		schema = DefaultSchema()
	}
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	p := &Pseudonymiser{key: key, schema: schema, hash: schema.Hash(), sexCov: -1, particles: map[string]bool{}}
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.Now.IsZero() {
		p.opts.Now = time.Now()
	}
	ph := schema.PlaceholderDates
	if ph == nil {
		ph = defaultPlaceholders
	}
	p.placeholders, _ = placeholderCodes(ph) // validated
	for _, t := range schema.Particles {
		p.particles[t] = true
	}
	for _, mk := range schema.MatchKeys {
		ck := compiledKey{name: mk.Name, kind: mk.Kind}
		if mk.Kind == KindBloom {
			ck.bloom = newBloomEncoder(key.subkey(mk.Name))
			p.needBloom = true
		} else {
			ck.mac = hmac.New(sha256.New, key.subkey(mk.Name))
		}
		for _, f := range mk.Fields {
			e := element(slices.Index(elementNames, f))
			ck.elems = append(ck.elems, e)
			p.need[e] = true
		}
		p.keys = append(p.keys, ck)
	}
	for i, c := range schema.Covariates {
		cc := compiledCov{Covariate: c}
		if c.Kind == KindAgeBand {
			if c.ReferenceDate != "" {
				cc.ref, _ = parseYMDStrict(c.ReferenceDate)
			} else {
				cc.ref = Date{Year: p.opts.Now.Year(), Month: 1, Day: 1, Precision: PrecisionFull}
			}
			lo := 0
			for _, b := range c.Bands {
				cc.labels = append(cc.labels, fmt.Sprintf("%d-%d", lo, b-1))
				lo = b
			}
			cc.labels = append(cc.labels, fmt.Sprintf("%d+", lo))
		}
		if c.From == FieldSex && c.Kind == KindValues && p.sexCov < 0 {
			p.sexCov = i
		}
		p.covs = append(p.covs, cc)
	}
	return p, nil
}

// SchemaHash returns the hash of the schema in use.
func (p *Pseudonymiser) SchemaHash() string { return p.hash }

// layout maps the schema's fields to column indices of one extract.
type layout struct {
	ncol    int
	present []fieldCol     // fields with a column, in schema order
	idx     map[string]int // field → column index
	cols    map[string]string
}

func (p *Pseudonymiser) layout(header []string) (*layout, error) {
	lo := &layout{ncol: len(header), idx: map[string]int{}, cols: map[string]string{}}
	pos := map[string]int{}
	dup := map[string]bool{}
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if _, ok := pos[k]; ok {
			dup[k] = true
			continue
		}
		pos[k] = i
	}
	for _, f := range p.schema.fields() {
		col, explicit := p.schema.column(f)
		k := strings.ToLower(col)
		i, ok := pos[k]
		if !ok {
			if explicit {
				return nil, &FieldError{Column: col, Err: ErrMissingColumn}
			}
			continue
		}
		if dup[k] {
			return nil, &FieldError{Column: col, Err: ErrDuplicateColumn}
		}
		lo.idx[f] = i
		lo.cols[f] = strings.TrimSpace(header[i])
		lo.present = append(lo.present, fieldCol{f, i})
	}
	any := false
	for _, mk := range p.keys {
		for _, e := range mk.elems {
			if e == elSex || e == elNationality {
				continue // not identifying on their own
			}
			for _, f := range elementFields(e) {
				if _, ok := lo.idx[f]; ok {
					any = true
				}
			}
		}
	}
	if !any {
		return nil, &FieldError{Err: ErrNoIdentifiers}
	}
	return lo, nil
}

type fieldCol struct {
	f string
	i int
}

// elementFields are the input fields an element is made from.
func elementFields(e element) []string {
	switch e {
	case elNationalID:
		return []string{FieldNationalID}
	case elGivenName:
		return []string{FieldGivenName}
	case elFamilyName:
		return []string{FieldFamilyName}
	case elName, elNameSorted, elNameSortedNP, elFirstLast, elFirstFirst, elFirstLastLo, elFirstLastHi, elNameSkeleton:
		return []string{FieldGivenName, FieldFamilyName, FieldFullName}
	case elBirthDate, elBirthYM, elBirthYear, elBirthDM, elBirthYearEven, elBirthYearOdd:
		return []string{FieldBirthDate}
	case elSex:
		return []string{FieldSex}
	case elNationality:
		return []string{FieldNationality}
	}
	return nil
}

// Token is the detail of one match key for one record, for test vectors
// and for checking another implementation. Message is the HMAC input: the
// normalised elements joined by U+001F. It is personal data; never write
// it out.
type Token struct {
	Key     string
	Message string
	Value   string // 32 lowercase hex digits, or "" when an element is missing
}

// Tokens computes the tokens and covariates of a single record given as a
// map from field name to value. Invalid dates and identity numbers are
// errors, as with Options.Strict; a name damaged by a lossy export is
// encoded, as without it. The second result holds one value per
// covariate of the schema.
func (p *Pseudonymiser) Tokens(fields map[string]string) ([]Token, []string, error) {
	header := p.schema.fields()
	row := make([]string, len(header))
	for i, f := range header {
		row[i] = fields[f]
	}
	for f := range fields {
		if !slices.Contains(header, f) {
			return nil, nil, fmt.Errorf("pseudonym: unknown field %q", f)
		}
	}
	lo := &layout{ncol: len(header), idx: map[string]int{}, cols: map[string]string{}}
	for i, f := range header {
		lo.idx[f] = i
		lo.cols[f] = f
		lo.present = append(lo.present, fieldCol{f, i})
	}
	strict := p.opts.Strict
	p.opts.Strict = true
	defer func() { p.opts.Strict = strict }()
	acc := p.newAcc("x", lo)
	var msgs []string
	acc.messages = &msgs
	rec, _, err := p.row(row, lo, 0, acc)
	if err != nil {
		return nil, nil, err
	}
	for len(msgs) < len(p.keys) {
		msgs = append(msgs, "") // an empty row
	}
	toks := make([]Token, len(p.keys))
	for i, k := range p.keys {
		toks[i] = Token{Key: k.name, Message: msgs[i]}
		if rec.Tokens != nil {
			toks[i].Value = rec.Tokens[i]
		}
	}
	return toks, rec.Covariates, nil
}

// acc accumulates the report while rows are read.
type acc struct {
	rep      *Report
	freq     [][]uint64 // per key, the first 64 bits of each token
	messages *[]string  // Tokens only
	dateOK   int
}

func (p *Pseudonymiser) newAcc(list string, lo *layout) *acc {
	rep := &Report{
		List: list, KeyFingerprint: p.key.Fingerprint(), SchemaHash: p.hash,
		Rejected: map[string]int{"empty_row": 0, "no_match_key": 0},
		Missing:  map[string]int{}, NamesEmptied: map[string]int{}, Scripts: map[string]int{},
		EncodingDamage: DamageStats{ByField: map[string]int{}},
		Covariates:     map[string]map[string]int{}, OutsideVocabulary: map[string]int{},
		AbsentFields: []string{},
	}
	for _, f := range p.schema.fields() {
		if _, ok := lo.idx[f]; ok {
			rep.Missing[f] = 0
		} else {
			rep.AbsentFields = append(rep.AbsentFields, f)
		}
	}
	for _, c := range p.covs {
		rep.Covariates[c.Name] = map[string]int{}
		if c.Kind != KindAgeBand {
			rep.OutsideVocabulary[c.Name] = 0
		}
	}
	a := &acc{rep: rep}
	for _, k := range p.keys {
		rep.MatchKeys = append(rep.MatchKeys, KeyStats{Name: k.name})
	}
	for range p.keys {
		a.freq = append(a.freq, nil)
	}
	return a
}

func (a *acc) finish(out int) *Report {
	r := a.rep
	r.RecordsOut = out
	if a.dateOK > 0 {
		r.BirthDate.PlaceholderShare = float64(r.BirthDate.Placeholder) / float64(a.dateOK)
	}
	for i, toks := range a.freq {
		ks := &r.MatchKeys[i]
		slices.Sort(toks)
		for j := 0; j < len(toks); {
			k := j + 1
			for k < len(toks) && toks[k] == toks[j] {
				k++
			}
			ks.Distinct++
			ks.MaxFrequency = max(ks.MaxFrequency, k-j)
			j = k
		}
	}
	return r
}

// problem handles an invalid field: an error in strict mode, otherwise a
// warning and a missing field.
func (p *Pseudonymiser) problem(line int, col string, err error) error {
	fe := &FieldError{Line: line, Column: col, Err: err}
	if p.opts.Strict {
		return fe
	}
	if p.opts.Warn != nil {
		p.opts.Warn(fe)
	}
	return nil
}

// row pseudonymises one row. reject is non-empty for a rejected row.
func (p *Pseudonymiser) row(row []string, lo *layout, line int, a *acc) (rec mktfile.Record, reject string, err error) {
	blank := true
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return rec, "empty_row", nil
	}
	for _, fc := range lo.present {
		if strings.TrimSpace(row[fc.i]) == "" {
			a.rep.Missing[fc.f]++
		}
	}
	get := func(f string) (string, bool) { return rawField(row, lo, f) }
	var el [numElements]string

	// Encoding damage and scripts, seen where the plaintext is.
	var dmg [3]damage
	for i, f := range nameFields {
		if v, ok := get(f); ok {
			d := scanName(v)
			dmg[i] = d
			a.countScripts(d)
			if d.damaged() {
				a.rep.EncodingDamage.add(f, d)
				if p.opts.Strict && a.messages == nil { // Tokens encodes damaged names
					return rec, "", &FieldError{Line: line, Column: lo.cols[f], Err: ErrEncodingDamage}
				}
			}
		}
	}

	// Names.
	name := func(f string) []string {
		v, ok := get(f)
		if !ok {
			return nil
		}
		n := NormaliseName(v)
		if n == "" {
			a.rep.NamesEmptied[f]++
			return nil
		}
		return strings.Split(n, " ")
	}
	given, family, full := name(FieldGivenName), name(FieldFamilyName), name(FieldFullName)
	// Given and family names when both are there; else the full name
	// when it is there; else whichever part there is.
	var toks []string
	parts := len(given) > 0 && len(family) > 0
	if parts || len(full) == 0 {
		toks = append(append(p.toksBuf[:0], given...), family...)
		p.toksBuf = toks
	} else {
		toks = full
	}
	if len(toks) > 0 {
		if p.need[elGivenName] {
			el[elGivenName] = strings.Join(given, " ")
		}
		if p.need[elFamilyName] {
			el[elFamilyName] = strings.Join(family, " ")
		}
		if p.need[elName] {
			el[elName] = strings.Join(toks, " ")
		}
		if p.need[elNameSorted] {
			s := slices.Clone(toks)
			slices.Sort(s)
			el[elNameSorted] = strings.Join(s, " ")
		}
		if p.need[elNameSortedNP] {
			s := p.noParticles(toks)
			slices.Sort(s)
			el[elNameSortedNP] = strings.Join(s, " ")
		}
		if p.need[elNameSkeleton] {
			s := p.noParticles(toks)
			for i, t := range s {
				s[i] = Skeleton(t)
			}
			slices.Sort(s)
			el[elNameSkeleton] = strings.Join(s, " ")
		}
		if p.need[elFirstFirst] {
			// The first token of each part, or the first two of a full
			// name, particles removed.
			var a, b string
			if parts {
				if g, f := p.noParticles(given), p.noParticles(family); len(g) > 0 && len(f) > 0 {
					a, b = g[0], f[0]
				}
			} else if t := p.noParticles(toks); len(t) >= 2 {
				a, b = t[0], t[1]
			}
			if a != "" {
				el[elFirstFirst] = sortedPair(a, b)
			}
		}
		// The first given and the last family token, particles removed
		// (a Vietnamese middle name Thị or Văn is no first name).
		var first, last string
		switch {
		case parts:
			if g, f := p.noParticles(given), p.noParticles(family); len(g) > 0 && len(f) > 0 {
				first, last = g[0], f[len(f)-1]
			}
		default:
			if t := p.noParticles(toks); len(t) >= 2 {
				first, last = t[0], t[len(t)-1]
			}
		}
		if first != "" {
			if last < first {
				first, last = last, first
			}
			el[elFirstLast] = first + " " + last
			// Each name of the pair with the other's initial.
			el[elFirstLastLo] = first + " " + last[:1]
			el[elFirstLastHi] = last + " " + first[:1]
		}
	}

	var bloomToks []string
	if p.needBloom && len(toks) > 0 {
		bloomToks = p.bloomTokens(row, lo, dmg, toks, parts)
	}

	// Date of birth.
	var dob Date
	haveDOB := false
	if v, ok := get(FieldBirthDate); ok {
		a.rep.BirthDate.Present++
		d, derr := parseDate(v, p.opts.Now.Year(), int(p.opts.Now.Month()), p.opts.Now.Day(), p.placeholders)
		if derr != nil {
			a.rep.BirthDate.Invalid++
			if err := p.problem(line, lo.cols[FieldBirthDate], derr); err != nil {
				return rec, "", err
			}
		} else {
			dob, haveDOB = d, true
			a.dateOK++
			switch d.Precision {
			case PrecisionFull:
				a.rep.BirthDate.Full++
			case PrecisionYearMonth:
				a.rep.BirthDate.YearMonth++
			case PrecisionYear:
				a.rep.BirthDate.Year++
			}
			if d.Placeholder {
				a.rep.BirthDate.Placeholder++
			}
			if d.ExcelSerial {
				a.rep.BirthDate.ExcelSerial++
			}
		}
	}

	// Identity number.
	if v, ok := get(FieldNationalID); ok {
		st := &a.rep.NationalID
		st.Present++
		id, ierr := ParseNationalID(v)
		if ierr != nil {
			switch ierr {
			case ErrIDChecksum:
				st.BadChecksum++
			case ErrIDDate:
				st.BadDate++
			default:
				st.BadFormat++
			}
			if err := p.problem(line, lo.cols[FieldNationalID], ierr); err != nil {
				return rec, "", err
			}
		} else {
			st.Valid++
			switch id.Kind {
			case IDFødselsnummer:
				st.Fødselsnummer++
			case IDDNumber:
				st.DNumber++
			case IDHNumber:
				st.HNumber++
			case IDSynthetic:
				st.Synthetic++
			}
			if id.Rule2032 {
				st.Rule2032++
			}
			if id.Repaired {
				st.Repaired++
			}
			el[elNationalID] = id.Number
			dob, haveDOB = p.dateFromID(id, dob, haveDOB, &a.rep.BirthDate)
		}
	}
	if haveDOB {
		dateElements(&el, dob)
	}

	// Covariates (the sex element comes from the sex covariate).
	var covs []string
	if p.raw {
		if p.covBuf == nil {
			p.covBuf = make([]string, len(p.covs))
		}
		covs = p.covBuf
	} else {
		covs = make([]string, len(p.covs))
	}
	for i := range p.covs {
		c := &p.covs[i]
		code := Unknown
		switch c.Kind {
		case KindValues, KindRegion:
			if v, ok := rawField(row, lo, c.From); ok {
				key := NormaliseText(v)
				var found bool
				if c.Kind == KindValues {
					code, found = c.Values[key]
				} else {
					code, found = regions[key]
				}
				if !found {
					code = Unknown
					a.rep.OutsideVocabulary[c.Name]++
				}
			}
		case KindAgeBand:
			d, ok := dob, haveDOB
			if c.From != FieldBirthDate {
				ok = false
				if v, have := rawField(row, lo, c.From); have {
					if dd, err := parseDate(v, p.opts.Now.Year(), int(p.opts.Now.Month()), p.opts.Now.Day(), p.placeholders); err == nil {
						d, ok = dd, true
					}
				}
			}
			if ok {
				code = c.band(d)
			}
		}
		covs[i] = code
	}
	if p.sexCov >= 0 && covs[p.sexCov] != Unknown {
		el[elSex] = covs[p.sexCov]
	}
	if p.need[elNationality] {
		if v, ok := rawField(row, lo, FieldNationality); ok {
			el[elNationality] = alpha2[NormaliseText(v)]
		}
	}

	// Tokens: the hex of all keys goes into one buffer, converted to one
	// string that the tokens slice (raw: the bytes stay in rawTok).
	nk := len(p.keys)
	if cap(p.hexBuf) < tokSlot*nk {
		p.hexBuf = make([]byte, tokSlot*nk)
	}
	hexBuf := p.hexBuf[:tokSlot*nk]
	if p.raw && p.rawTok == nil {
		p.rawTok = make([]byte, 16*nk)
		p.rawBloom = make([][bloomWords]uint64, nk)
		p.rawHave = make([]bool, nk)
	}
	var have [64]bool
	any := false
	for i := range p.keys {
		k := &p.keys[i]
		if k.kind == KindBloom {
			have[i] = p.bloomValue(k, &el, bloomToks, hexBuf, i, a)
			if a.messages != nil {
				*a.messages = append(*a.messages, bloomMessage(have[i], bloomToks, p.msgBuf))
			}
			continue
		}
		msg := p.msgBuf[:0]
		complete := true
		for j, e := range k.elems {
			if el[e] == "" {
				complete = false
				break
			}
			if j > 0 {
				msg = append(msg, 0x1f)
			}
			msg = append(msg, el[e]...)
		}
		p.msgBuf = msg
		if a.messages != nil {
			if complete {
				*a.messages = append(*a.messages, string(msg))
			} else {
				*a.messages = append(*a.messages, "")
			}
		}
		if !complete {
			continue
		}
		k.mac.Reset()
		k.mac.Write(msg)
		p.sumBuf = k.mac.Sum(p.sumBuf[:0])
		var t [16]byte
		copy(t[:], p.sumBuf)
		if p.raw {
			copy(p.rawTok[16*i:], t[:])
		} else {
			hex.Encode(hexBuf[tokSlot*i:], t[:])
		}
		have[i] = true
		any = any || k.kind == KindToken
		a.rep.MatchKeys[i].Tokens++
		a.freq[i] = append(a.freq[i], binary.BigEndian.Uint64(t[:8])) // 64 bits: collisions are negligible for counting
	}
	if !any {
		return rec, "no_match_key", nil
	}
	for i, code := range covs {
		a.rep.Covariates[p.covs[i].Name][code]++
	}
	if p.raw {
		copy(p.rawHave, have[:nk])
		return mktfile.Record{Covariates: covs}, "", nil
	}
	tokens := make([]string, nk)
	all := string(hexBuf)
	for i := range tokens {
		if have[i] {
			n := 32
			if p.keys[i].kind == KindBloom {
				n = bloomLen
			}
			tokens[i] = all[tokSlot*i : tokSlot*i+n]
		}
	}
	return mktfile.Record{Tokens: tokens, Covariates: covs}, "", nil
}

// rawField reads an input field; ok is false when it has no column or
// the cell is blank.
func rawField(row []string, lo *layout, f string) (string, bool) {
	i, ok := lo.idx[f]
	if !ok {
		return "", false
	}
	v := strings.TrimSpace(row[i])
	return v, v != ""
}

// band returns the age band of date of birth d at the reference date, or
// Unknown when d is too imprecise to decide between two bands.
func (c *compiledCov) band(d Date) string {
	r := c.ref
	var lo, hi int // possible ages
	switch d.Precision {
	case PrecisionFull:
		age := r.Year - d.Year
		if r.Month < d.Month || r.Month == d.Month && r.Day < d.Day {
			age--
		}
		lo, hi = age, age
	case PrecisionYearMonth:
		hi = r.Year - d.Year
		lo = hi - 1
		if r.Month > d.Month {
			lo = hi // birthday month passed
		} else if r.Month < d.Month {
			hi = lo
		}
	default:
		hi = r.Year - d.Year
		lo = hi - 1
	}
	if lo < 0 {
		return Unknown
	}
	b1, b2 := c.bandIndex(lo), c.bandIndex(hi)
	if b1 != b2 {
		return Unknown
	}
	return c.labels[b1]
}

func (c *compiledCov) bandIndex(age int) int {
	i := 0
	for i < len(c.Bands) && age >= c.Bands[i] {
		i++
	}
	return i
}

// appendYear appends the year as four digits.
func appendYear(b []byte, y int) []byte {
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
}

// sortedPair joins two name tokens with a space, the smaller first.
func sortedPair(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + " " + b
}

// sortedDM joins the two-digit day and month with "-", the smaller first.
func sortedDM(d, m string) string {
	if m < d {
		d, m = m, d
	}
	return d + "-" + m
}

// noParticles returns the tokens that are not particles, in a new slice.
func (p *Pseudonymiser) noParticles(toks []string) []string {
	s := make([]string, 0, len(toks))
	for _, t := range toks {
		if !p.particles[t] {
			s = append(s, t)
		}
	}
	return s
}

// appendDate appends "yyyy-mm-dd" (zero day or month print as 00).
func appendDate(b []byte, y, m, d int) []byte {
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}
