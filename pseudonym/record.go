package pseudonym

import (
	"strings"
)

// Per-record steps of Pseudonymiser.row that have a life of their own:
// the scripts and damage of name cells, the date of birth taken from an
// identity number, and the Bloom encoding.

// nameFields are the fields holding names, in the order of row's dmg.
var nameFields = [3]string{FieldGivenName, FieldFamilyName, FieldFullName}

// countScripts counts a name cell under each script its letters use.
func (a *acc) countScripts(d damage) {
	for s := range numScripts {
		if d.scripts&(1<<s) != 0 {
			a.rep.Scripts[scriptNames[s]]++
		}
	}
}

// dateElements sets the date-of-birth elements of d.
func dateElements(el *[numElements]string, d Date) {
	// One string "yyyy-mm-dd"; the elements are its prefixes.
	var db [10]byte
	full := string(appendDate(db[:0], d.Year, d.Month, d.Day))
	if d.Precision >= PrecisionYear {
		el[elBirthYear] = full[:4]
		var yb [4]byte
		el[elBirthYearEven] = string(appendYear(yb[:0], d.Year-d.Year%2))
		el[elBirthYearOdd] = string(appendYear(yb[:0], d.Year-(d.Year+1)%2))
	}
	if d.Precision >= PrecisionYearMonth {
		el[elBirthYM] = full[:7]
	}
	if d.Precision == PrecisionFull {
		el[elBirthDate] = full
		// Day and month, the smaller first.
		el[elBirthDM] = sortedDM(full[8:10], full[5:7])
	}
}

// dateFromID returns the date of birth to use given the recorded one (d,
// have) and a valid identity number: the number's date when the recorded
// one is missing, invalid, a placeholder or less than a full date (the
// number is the better record), else the recorded date. It counts in st
// the dates taken from numbers and the recorded dates the number
// contradicts.
func (p *Pseudonymiser) dateFromID(id NationalID, d Date, have bool, st *DateStats) (Date, bool) {
	nd, ok := id.BirthDate()
	if !ok || !valid(nd, p.opts.Now.Year(), int(p.opts.Now.Month()), p.opts.Now.Day()) {
		return d, have
	}
	if have {
		differs := nd.Year != d.Year ||
			d.Precision >= PrecisionYearMonth && nd.Month != d.Month ||
			d.Precision == PrecisionFull && nd.Day != d.Day
		if differs {
			st.NationalIDDisagrees++
		}
		if d.Precision == PrecisionFull {
			return d, true
		}
	}
	st.FromNationalID++
	return nd, true
}

// bloomTokens returns the name tokens the Bloom encoding is made of: the
// tokens row chose for the name (toks; parts tells whether they are given
// and family names), particles removed, where a damaged cell is
// normalised again with its lost letters kept as "?".
func (p *Pseudonymiser) bloomTokens(row []string, lo *layout, dmg [3]damage, toks []string, parts bool) []string {
	lost := func(i int) bool { return dmg[i].question || dmg[i].replacement }
	if !lost(0) && !lost(1) && !lost(2) {
		return p.noParticles(toks)
	}
	norm := func(f string) []string {
		v, ok := rawField(row, lo, f)
		if !ok {
			return nil
		}
		n := string(appendName(nil, v, true))
		if strings.Trim(n, "? ") == "" {
			return nil
		}
		return strings.Fields(n)
	}
	var out []string
	if parts {
		out = append(norm(FieldGivenName), norm(FieldFamilyName)...)
	} else if len(toks) > 0 {
		out = norm(FieldFullName)
		if out == nil {
			out = append(norm(FieldGivenName), norm(FieldFamilyName)...)
		}
	}
	return p.noParticles(out)
}

// bloomValue writes key k's Bloom encoding into slot i of buf and reports
// whether there is one: the name's bigrams salted with the key's other
// elements, all of which must be present.
func (p *Pseudonymiser) bloomValue(k *compiledKey, el *[numElements]string, toks []string, buf []byte, i int, a *acc) bool {
	if len(toks) == 0 {
		return false
	}
	salt := p.msgBuf[:0]
	for j, e := range k.elems[1:] {
		if el[e] == "" {
			return false
		}
		if j > 0 {
			salt = append(salt, 0x1f)
		}
		salt = append(salt, el[e]...)
	}
	p.msgBuf = salt
	f, ok := k.bloom.encode(toks, salt)
	if !ok {
		return false
	}
	if p.raw {
		p.rawBloom[i] = f
	} else {
		appendBloom(buf[tokSlot*i:tokSlot*i], f)
	}
	a.rep.MatchKeys[i].Tokens++
	// Equal filters count as one value for the frequency statistics.
	h := f[0]
	for _, w := range f[1:] {
		h = h*0x9e3779b97f4a7c15 ^ w
	}
	a.freq[i] = append(a.freq[i], h)
	return true
}

// bloomMessage describes a Bloom encoding's input for Tokens: the tokens
// joined by spaces, U+001F, the salt; "" when there is no encoding.
func bloomMessage(have bool, toks []string, salt []byte) string {
	if !have {
		return ""
	}
	return strings.Join(toks, " ") + "\x1f" + string(salt)
}
