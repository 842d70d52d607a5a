package pseudonym

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/morketall/morketall/internal/mktfile"
)

// Input fields of the default schema: an extract column with one of these
// names (case-insensitive) is read as that field. Any may be absent.
const (
	FieldGivenName   = "given_name"
	FieldFamilyName  = "family_name"
	FieldFullName    = "full_name"
	FieldBirthDate   = "birth_date"
	FieldSex         = "sex"
	FieldNationality = "nationality"
	FieldNationalID  = "national_id"
	FieldExploit     = "exploitation"
)

var stdFields = []string{FieldGivenName, FieldFamilyName, FieldFullName, FieldBirthDate,
	FieldSex, FieldNationality, FieldNationalID, FieldExploit}

// Schema says how an extract becomes a pseudonymised list: which columns
// hold which fields, which match keys are made from them, in order, and
// which coarse covariates pass through, through which vocabulary. Every
// agency of a round must use the same schema (apart from Columns); its
// Hash goes into every output and linkage refuses files whose hashes
// differ.
//
// A schema file is the JSON encoding of this type; see DefaultSchemaJSON
// for a complete example.
type Schema struct {
	// Version must be 1.
	Version int `json:"version"`
	// Columns maps a field name to the extract's column header, for
	// extracts whose headers differ from the field names. Optional: a field
	// not listed is read from the column of its own name, if there is one.
	// A column listed here must exist. Columns is local to an agency and is
	// not part of the hash.
	Columns map[string]string `json:"columns,omitempty"`
	// Particles are the name tokens removed for the name_sorted_np
	// element, in normalised form. Optional.
	Particles []string `json:"particles,omitempty"`
	// PlaceholderDates are the "MM-DD" days that mark an unknown day of
	// birth; such dates count as year precision. Default (when absent):
	// "01-01" and "07-01". An empty list disables the detection.
	PlaceholderDates []string `json:"placeholder_dates"`
	// MatchKeys are the match keys, strongest first. Required, at least one.
	MatchKeys []MatchKey `json:"match_keys"`
	// Covariates are the coarse variables written beside the tokens.
	// Optional.
	Covariates []Covariate `json:"covariates,omitempty"`
}

// MatchKey is one deterministic match key: the HMAC token of the listed
// elements. A record gets an empty token when any element is missing.
//
// Elements:
//   - national_id: a valid identity number, 11 digits.
//   - given_name, family_name: the normalised names (NormaliseName).
//   - name: given then family names when both are present, else the full
//     name, else whichever part is present.
//   - name_sorted: name's tokens sorted; name_sorted_np: sorted, particles
//     removed.
//   - name_skeleton: the Skeleton of each token of name_sorted_np, sorted
//     again: "Yordanka Stoyanova" and "Йорданка Стоянова" (normalised
//     "iordanka stoianova") both give "ardnk stnv".
//   - first_last: the first given and the last family token, particles
//     removed from each part (missing when a part has only particles), or
//     the first and last token of name once its particles are removed when
//     given and family names are not both present, the pair sorted;
//     missing for a single token.
//   - first_first: the first given and the first family token, particles
//     removed from each part (missing when a part has only particles), or
//     the first two tokens of name once its particles are removed when
//     given and family names are not both present, the pair sorted.
//   - first_last_lo, first_last_hi: first_last's first and second token,
//     each followed by a space and the first letter of the other: "anna
//     hansen" gives "anna h" and "hansen a".
//   - birth_date: yyyy-mm-dd, full precision and not a placeholder;
//     birth_ym: yyyy-mm; birth_year: yyyy.
//   - birth_dm: the day and the month of a birth_date as two digits each,
//     the smaller first, joined by "-": 12 May and 5 December both give
//     "05-12".
//   - birth_year_even, birth_year_odd: the year of birth (of any date with
//     at least the year) rounded down to an even, or to an odd, number:
//     1991 gives 1990 and 1991, 1992 gives 1992 and 1991. Two years one
//     apart share exactly one of the two.
//   - sex: the code from the covariate read from the sex field, unknown
//     counting as missing.
//   - nationality: ISO 3166-1 alpha-2 code, lower case.
//
// A key of kind "block" is made like any other but links nothing: its
// tokens only say which records the linkage party compares by the Bloom
// encodings. A key of kind "bloom" is no HMAC token but the similarity
// encoding of the name (BloomEncoding): its first field must be "name",
// whose tokens (particles removed) give the bigrams, and the others are
// the salt (the default schema salts with birth_year); it is empty when
// the name or a salt element is missing.
type MatchKey struct {
	// Name names the token column: [a-z0-9_]+, unique. Required.
	Name string `json:"name"`
	// Fields are the elements, in order. Required.
	Fields []string `json:"fields"`
	// Kind is "" (an exact token: the default), "block" or "bloom".
	Kind string `json:"kind,omitempty"`
}

// Match-key kinds.
const (
	KindToken = ""      // an exact HMAC token that links
	KindBlock = "block" // an HMAC token that only chooses the records compared by Bloom encodings
	KindBloom = "bloom" // a Bloom-filter encoding of the name
)

// Covariate kinds.
const (
	KindValues  = "values"   // a controlled vocabulary: Values maps normalised input to a code
	KindRegion  = "region"   // an ISO 3166-1 alpha-2 or alpha-3 code mapped to a world region
	KindAgeBand = "age_band" // age in whole years at a reference date, cut at Bands
)

// Unknown is the covariate value of anything outside the vocabulary.
const Unknown = "unknown"

// Covariate is one coarse covariate. Its value is always one of a fixed,
// declared set of codes or "unknown": free text never passes through.
type Covariate struct {
	// Name names the output column: [a-z0-9_]+, unique. Required.
	Name string `json:"name"`
	// From is the input field read. Required.
	From string `json:"from"`
	// Kind is "values", "region" or "age_band". Required.
	Kind string `json:"kind"`
	// Values, for kind "values", maps the normalised input (NormaliseText)
	// to the output code ([A-Za-z0-9_.:+-]+). Required for that kind.
	Values map[string]string `json:"values,omitempty"`
	// Bands, for kind "age_band", are the ascending ages at which a new
	// band starts: [18] gives "0-17" and "18+"; [18, 25] gives "0-17",
	// "18-24" and "25+". Required for that kind.
	Bands []int `json:"bands,omitempty"`
	// ReferenceDate, for kind "age_band", is the yyyy-mm-dd date at which
	// age is computed. Default: 1 January of the year the file is made.
	ReferenceDate string `json:"reference_date,omitempty"`
}

//go:embed default_schema.json
var defaultSchemaJSON []byte

// DefaultSchemaJSON returns the JSON of the built-in schema.
func DefaultSchemaJSON() []byte { return bytes.Clone(defaultSchemaJSON) }

// DefaultSchema returns the built-in schema. It reads the columns
// given_name, family_name, full_name, birth_date, sex, nationality,
// national_id and exploitation (any may be absent), makes eleven match
// keys (nid, name_dob_sex, skeleton_dob, first_last_dob, first_first_dob,
// first_last_lo_dob_sex, first_last_hi_dob_sex, skeleton_year_sex,
// first_last_year_sex, skeleton_dm_even_sex, skeleton_dm_odd_sex; the
// package documentation says what each is for), the Bloom encoding
// name_bloom with its three block keys block_dob, block_year_sex and
// block_year, and
// four covariates (sex, exploitation, region, age_band).
func DefaultSchema() *Schema {
	s, err := ParseSchema(defaultSchemaJSON)
	if err != nil {
		panic("pseudonym: built-in schema: " + err.Error())
	}
	return s
}

// ErrSchema is wrapped by every schema validation error.
var ErrSchema = errors.New("pseudonym: invalid schema")

// ParseSchema parses and validates a schema file. Unknown JSON fields are
// an error, so that a misspelt option is not silently ignored.
func ParseSchema(data []byte) (*Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Schema
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrSchema)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// elements a match key may use.
var elementNames = []string{"national_id", "given_name", "family_name", "name", "name_sorted",
	"name_sorted_np", "first_last", "first_first", "first_last_lo", "first_last_hi", "name_skeleton",
	"birth_date", "birth_ym", "birth_year", "birth_dm", "birth_year_even", "birth_year_odd", "sex", "nationality"}

func schemaErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSchema}, args...)...)
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Validate checks the schema. Errors wrap ErrSchema.
func (s *Schema) Validate() error {
	if s.Version != 1 {
		return schemaErr("version must be 1")
	}
	if len(s.MatchKeys) == 0 || len(s.MatchKeys) > 64 {
		return schemaErr("between 1 and 64 match keys are needed")
	}
	if s.PlaceholderDates != nil {
		if _, err := placeholderCodes(s.PlaceholderDates); err != nil {
			return schemaErr("placeholder_dates must be \"MM-DD\" days")
		}
	}
	for _, p := range s.Particles {
		if p == "" || NormaliseName(p) != p || strings.Contains(p, " ") {
			return schemaErr("particle %q is not a single normalised name token", p)
		}
	}
	names := map[string]bool{"record_id": true}
	exact, blooms, blockKeys := 0, 0, 0
	for _, k := range s.MatchKeys {
		switch k.Kind {
		case KindToken:
			exact++
		case KindBlock:
			blockKeys++
		case KindBloom:
			blooms++
			if len(k.Fields) < 2 || k.Fields[0] != "name" || slices.Contains(k.Fields[1:], "name") {
				return schemaErr("bloom key %q: fields must be \"name\" and then the salt elements (such as birth_year)", k.Name)
			}
		default:
			return schemaErr("match key %q: kind must be absent, \"block\" or \"bloom\"", k.Name)
		}
	}
	if exact == 0 {
		return schemaErr("at least one match key must be an exact token (no kind)")
	}
	if blooms > 0 && blockKeys == 0 {
		return schemaErr("a bloom key needs at least one key of kind block to say which records are compared")
	}
	for i, k := range s.MatchKeys {
		if !validIdent(k.Name) || names[k.Name] {
			return schemaErr("match key %d: name must be unique [a-z0-9_]+ (and not record_id)", i+1)
		}
		names[k.Name] = true
		if len(k.Fields) == 0 {
			return schemaErr("match key %q has no fields", k.Name)
		}
		for _, f := range k.Fields {
			if !slices.Contains(elementNames, f) {
				return schemaErr("match key %q: unknown field %q (known: %s)", k.Name, f, strings.Join(elementNames, ", "))
			}
			if f == "sex" && s.sexCovariate() == nil {
				return schemaErr("match key %q uses sex, but no covariate of kind values reads the field sex", k.Name)
			}
		}
	}
	for i, c := range s.Covariates {
		if !validIdent(c.Name) || names[c.Name] {
			return schemaErr("covariate %d: name must be unique [a-z0-9_]+ and differ from the match keys", i+1)
		}
		names[c.Name] = true
		if !validIdent(c.From) {
			return schemaErr("covariate %q: from must name a field, [a-z0-9_]+", c.Name)
		}
		switch c.Kind {
		case KindValues:
			if len(c.Values) == 0 {
				return schemaErr("covariate %q: kind values needs a values map", c.Name)
			}
			for in, out := range c.Values {
				if NormaliseText(in) != in || in == "" {
					return schemaErr("covariate %q: vocabulary entry %q is not in normalised form %q", c.Name, in, NormaliseText(in))
				}
				if out == "" || !mktfile.ValidValue(out) {
					return schemaErr("covariate %q: code %q must be [A-Za-z0-9_.:+-]+", c.Name, out)
				}
			}
		case KindRegion:
			if c.Values != nil || c.Bands != nil {
				return schemaErr("covariate %q: kind region takes no values or bands", c.Name)
			}
		case KindAgeBand:
			if len(c.Bands) == 0 {
				return schemaErr("covariate %q: kind age_band needs bands", c.Name)
			}
			for j, b := range c.Bands {
				if b <= 0 || b > 150 || j > 0 && b <= c.Bands[j-1] {
					return schemaErr("covariate %q: bands must be ascending ages between 1 and 150", c.Name)
				}
			}
			if c.ReferenceDate != "" {
				if d, err := parseYMDStrict(c.ReferenceDate); err != nil || d.Precision != PrecisionFull {
					return schemaErr("covariate %q: reference_date must be yyyy-mm-dd", c.Name)
				}
			}
		default:
			return schemaErr("covariate %q: kind must be values, region or age_band", c.Name)
		}
	}
	for f, col := range s.Columns {
		if !validIdent(f) || strings.TrimSpace(col) == "" {
			return schemaErr("columns: field names must be [a-z0-9_]+ and columns non-empty")
		}
		if !slices.Contains(stdFields, f) && !slices.ContainsFunc(s.Covariates, func(c Covariate) bool { return c.From == f }) {
			return schemaErr("columns: field %q is neither a standard field nor read by a covariate", f)
		}
	}
	return nil
}

func parseYMDStrict(s string) (Date, error) {
	d, ok := parseYMD(s)
	if !ok || len(s) != 10 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
		return Date{}, ErrNotDate
	}
	return d, nil
}

func (s *Schema) sexCovariate() *Covariate {
	for i := range s.Covariates {
		if c := &s.Covariates[i]; c.From == FieldSex && c.Kind == KindValues {
			return c
		}
	}
	return nil
}

// hashVersion names the version of everything in this package that makes
// tokens and covariates besides the schema itself: normalisation rules,
// element encoding, HKDF labels, region table. It is hashed with the
// schema, so that files made under different versions fail linkage's
// schema check instead of silently not linking.
//
// Version 2 added the transliteration of other scripts (NormaliseText,
// step 7), dates of birth taken from identity numbers, and the Bloom
// encoding.
const hashVersion = "morketall/v2/schema\n"

// Hash returns "sha256:" and the hex SHA-256 of "morketall/v2/schema\n"
// followed by the schema's canonical JSON: the encoding/json encoding of
// the Schema with Columns removed (struct fields in declaration order, map
// keys sorted, no white space). Renaming columns or reformatting the file
// does not change the hash; changing anything that affects tokens or
// covariates does, and so does a new version of the package's rules.
func (s *Schema) Hash() string {
	c := *s
	c.Columns = nil
	b, err := json.Marshal(&c)
	if err != nil {
		panic("pseudonym: marshalling schema: " + err.Error())
	}
	sum := sha256.Sum256(append([]byte(hashVersion), b...))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fields returns every input field the schema reads.
func (s *Schema) fields() []string {
	fs := slices.Clone(stdFields)
	for _, c := range s.Covariates {
		if !slices.Contains(fs, c.From) {
			fs = append(fs, c.From)
		}
	}
	return fs
}

// column returns the column header of field f.
func (s *Schema) column(f string) (col string, explicit bool) {
	if c, ok := s.Columns[f]; ok {
		return strings.TrimSpace(c), true
	}
	return f, false
}
