package pseudonym

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report is the quality summary of one pseudonymised list. It holds counts
// only, never a value from the extract, so it may travel with the list.
type Report struct {
	List           string `json:"list"`
	KeyFingerprint string `json:"key_fingerprint"`
	SchemaHash     string `json:"schema_hash"`
	RecordsIn      int    `json:"records_in"`  // data rows read
	RecordsOut     int    `json:"records_out"` // rows written
	// Rejected counts rows not written, by reason: "empty_row" (every cell
	// blank) and "no_match_key" (no match key could be formed).
	Rejected map[string]int `json:"rejected"`
	// AbsentFields are the fields the schema reads that have no column in
	// the extract.
	AbsentFields []string `json:"absent_fields"`
	// Missing counts blank cells per field present in the extract.
	Missing map[string]int `json:"missing"`
	// Names counts name cells that normalised to nothing (for example a
	// name in a script that is neither Latin nor Cyrillic), per field.
	NamesEmptied map[string]int `json:"names_emptied"`
	// Scripts counts the name cells by the scripts of their letters
	// (latin, cyrillic, greek, arabic, hebrew, thai, devanagari, ethiopic,
	// han, hangul, kana, other); a cell with letters of two scripts counts
	// under both.
	Scripts map[string]int `json:"scripts"`
	// EncodingDamage counts the name cells that look damaged by a lossy
	// export. The cells are pseudonymised all the same (a lost letter
	// costs one letter in the Bloom encoding, the whole name in the exact
	// tokens); under Options.Strict the first one is an error.
	EncodingDamage DamageStats `json:"encoding_damage"`
	NationalID     IDStats     `json:"national_id"`
	BirthDate      DateStats   `json:"birth_date"`
	// Covariates counts each covariate's codes over the records written,
	// "unknown" included.
	Covariates map[string]map[string]int `json:"covariates"`
	// OutsideVocabulary counts, per covariate, non-blank values that were
	// not in the vocabulary and became "unknown".
	OutsideVocabulary map[string]int `json:"outside_vocabulary"`
	MatchKeys         []KeyStats     `json:"match_keys"`
}

// IDStats describes the identity numbers of a list.
type IDStats struct {
	Present       int `json:"present"` // non-blank cells
	Valid         int `json:"valid"`
	Fødselsnummer int `json:"fodselsnummer"`
	DNumber       int `json:"d_number"`
	HNumber       int `json:"h_number"`
	Synthetic     int `json:"synthetic"`
	Rule2032      int `json:"rule_2032"`             // valid only under the 2032 check-digit rule
	Repaired      int `json:"repaired_leading_zero"` // ten digits, padded with a zero
	BadFormat     int `json:"invalid_format"`
	BadChecksum   int `json:"invalid_checksum"`
	BadDate       int `json:"invalid_date"`
}

// DateStats describes the dates of birth of a list.
type DateStats struct {
	Present     int `json:"present"` // non-blank cells
	Full        int `json:"full"`
	YearMonth   int `json:"year_month"`
	Year        int `json:"year"`        // including placeholders
	Placeholder int `json:"placeholder"` // 1 January / 1 July, counted as year precision
	ExcelSerial int `json:"excel_serial"`
	Invalid     int `json:"invalid"`
	// FromNationalID counts the records whose date of birth was taken
	// from a valid identity number because the recorded one was missing,
	// invalid, a placeholder or not a full date.
	FromNationalID int `json:"from_national_id"`
	// NationalIDDisagrees counts the recorded dates (full or partial)
	// that contradict the date the identity number encodes; a full date
	// is kept, a partial one replaced.
	NationalIDDisagrees int `json:"national_id_disagrees"`
	// PlaceholderShare is Placeholder over the valid dates (0 when none).
	PlaceholderShare float64 `json:"placeholder_share"`
}

// KeyStats describes one match key within a list.
type KeyStats struct {
	Name string `json:"name"`
	// Tokens is the number of written records with a token for this key.
	Tokens int `json:"tokens"`
	// Distinct is the number of distinct tokens; Tokens − Distinct records
	// share a token with another record of the same list.
	Distinct int `json:"distinct"`
	// MaxFrequency is the largest number of records sharing one token: the
	// frequency-attack surface, and a warning of chaining through common
	// names with placeholder dates.
	MaxFrequency int `json:"max_frequency"`
}

// WriteText writes a human-readable summary, counts only.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "list %s: %d records in, %d written, %d rejected%s\n", r.List, r.RecordsIn, r.RecordsOut,
		r.RecordsIn-r.RecordsOut, formatCounts(r.Rejected))
	if len(r.AbsentFields) > 0 {
		fmt.Fprintf(&b, "  fields without a column: %s\n", strings.Join(r.AbsentFields, ", "))
	}
	if m := formatCounts(r.Missing); m != "" {
		fmt.Fprintf(&b, "  blank cells%s\n", m)
	}
	if m := formatCounts(r.NamesEmptied); m != "" {
		fmt.Fprintf(&b, "  names emptied by normalisation%s\n", m)
	}
	if m := formatCounts(r.Scripts); m != "" && len(r.Scripts) > 0 && !(len(nonZero(r.Scripts)) == 1 && r.Scripts["latin"] > 0) {
		fmt.Fprintf(&b, "  name cells by script%s\n", m)
	}
	if dm := r.EncodingDamage; dm.Cells > 0 {
		fmt.Fprintf(&b, "  name cells that look damaged by a lossy export: %d%s (%d with ?, %d with U+FFFD, %d with two scripts in one word)\n",
			dm.Cells, formatCounts(dm.ByField), dm.QuestionMark, dm.Replacement, dm.MixedScripts)
	}
	id := r.NationalID
	if id.Present > 0 {
		fmt.Fprintf(&b, "  identity numbers: %d present, %d valid (%d fodselsnummer, %d D, %d H, %d synthetic; %d by the 2032 rule; %d leading zeros repaired), %d invalid (%d format, %d check digits, %d date)\n",
			id.Present, id.Valid, id.Fødselsnummer, id.DNumber, id.HNumber, id.Synthetic, id.Rule2032, id.Repaired,
			id.BadFormat+id.BadChecksum+id.BadDate, id.BadFormat, id.BadChecksum, id.BadDate)
	}
	d := r.BirthDate
	if d.Present > 0 {
		fmt.Fprintf(&b, "  dates of birth: %d present: %d full, %d year-month, %d year (%d placeholders, %.1f%%), %d invalid; %d Excel serials\n",
			d.Present, d.Full, d.YearMonth, d.Year, d.Placeholder, 100*d.PlaceholderShare, d.Invalid, d.ExcelSerial)
	}
	if d.FromNationalID > 0 || d.NationalIDDisagrees > 0 {
		fmt.Fprintf(&b, "  dates of birth taken from the identity number: %d; recorded dates the number contradicts: %d\n",
			d.FromNationalID, d.NationalIDDisagrees)
	}
	names := make([]string, 0, len(r.Covariates))
	for n := range r.Covariates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  covariate %s: %s", n, strings.Trim(formatCounts(r.Covariates[n]), " ()"))
		if o := r.OutsideVocabulary[n]; o > 0 {
			fmt.Fprintf(&b, " (%d outside the vocabulary)", o)
		}
		b.WriteString("\n")
	}
	for _, k := range r.MatchKeys {
		fmt.Fprintf(&b, "  match key %s: %d tokens, %d distinct, max frequency %d\n", k.Name, k.Tokens, k.Distinct, k.MaxFrequency)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatCounts gives " (a 1, b 2)" in key order, or "" when all are zero.
func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func nonZero(m map[string]int) []string {
	var ks []string
	for k, v := range m {
		if v != 0 {
			ks = append(ks, k)
		}
	}
	return ks
}
