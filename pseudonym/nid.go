package pseudonym

import (
	"errors"
	"strings"
)

// IDKind is the kind of a Norwegian identity number.
type IDKind int

const (
	IDFødselsnummer IDKind = iota + 1 // birth number: DDMMYY III K1 K2
	IDDNumber                         // D-number: first digit +4 (day +40)
	IDHNumber                         // H-number: month +40
	IDSynthetic                       // synthetic test number: month +80
)

// String returns "fodselsnummer", "d_number", "h_number" or "synthetic".
func (k IDKind) String() string {
	switch k {
	case IDFødselsnummer:
		return "fodselsnummer"
	case IDDNumber:
		return "d_number"
	case IDHNumber:
		return "h_number"
	case IDSynthetic:
		return "synthetic"
	}
	return "invalid"
}

// NationalID is a validated Norwegian identity number.
type NationalID struct {
	Number   string // the 11 digits
	Kind     IDKind
	Repaired bool // a leading zero lost by a spreadsheet was restored
	Rule2032 bool // valid only under the first-control-digit rule of 2032
}

// Errors of ParseNationalID. They never quote the value.
var (
	ErrIDFormat   = errors.New("not an 11-digit identity number")
	ErrIDChecksum = errors.New("identity number check digits do not match")
	ErrIDDate     = errors.New("identity number does not start with a valid date")
)

var (
	weightsK1 = [10]int{3, 7, 6, 1, 8, 9, 4, 5, 2, 1}
	weightsK2 = [11]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
)

// ParseNationalID validates a fødselsnummer, D-number or H-number
// (PRIVACY.md, step 5). Spaces, dots and hyphens between digits are
// ignored, as is a spreadsheet's ".0" or exponent form
// ("3.1129956715E+10"). The rules:
//
//   - 11 digits DDMMYY III K1 K2.
//   - K1: the sum of the first ten digits weighted 3 7 6 1 8 9 4 5 2 1 must
//     leave remainder 0 modulo 11 (equivalently K1 = 11 − (sum of the first
//     nine weighted 3 7 6 1 8 9 4 5 2 mod 11), 11 → 0, 10 → invalid); under
//     the rule for numbers issued from 2032 it may leave 0, 1, 2 or 3. Both
//     rules are accepted and Rule2032 tells which one was needed.
//   - K2: the sum of all eleven digits weighted 5 4 3 2 7 6 5 4 3 2 1 must
//     leave remainder 0 modulo 11.
//   - DDMM must be a day and month after removing the offsets: day +40 for
//     a D-number, month +40 for an H-number, month +80 for a synthetic test
//     number. 29 February is accepted when YY is divisible by 4 (the century
//     is not checked, since the rules that encode it change in 2032).
//   - Ten digits: spreadsheets drop a leading zero. The number is padded
//     with one zero only if the result passes every check above; Repaired
//     is then set.
func ParseNationalID(s string) (NationalID, error) {
	digits, ok := idDigits(s)
	if !ok {
		return NationalID{}, ErrIDFormat
	}
	switch len(digits) {
	case 11:
		return checkID(digits)
	case 10:
		id, err := checkID("0" + digits)
		if err != nil {
			return NationalID{}, ErrIDFormat
		}
		id.Repaired = true
		return id, nil
	}
	return NationalID{}, ErrIDFormat
}

// idDigits strips separators and spreadsheet number forms.
func idDigits(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "eE") {
		return expDigits(s)
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && strings.Trim(s[i+1:], "0") == "" && !strings.ContainsAny(s[:i], ". -") {
		s = s[:i] // "31129956715.0"
	}
	var b [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(b) {
				return "", false
			}
			b[n] = c
			n++
		case c == ' ' || c == '.' || c == '-':
		default:
			return "", false
		}
	}
	return string(b[:n]), n > 0
}

// expDigits reads a spreadsheet's exponent form "3.1129956715E+10" as
// the integer it denotes, exactly. The exponent has one or two digits
// (no huge powers of ten) and the value must be an integer.
func expDigits(s string) (string, bool) {
	i := strings.IndexAny(s, "eE")
	mant, exp := s[:i], strings.TrimPrefix(s[i+1:], "+")
	e, ok := atoi(exp, 1, 2)
	if !ok {
		return "", false
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if !isDigits(intPart) || frac != "" && !isDigits(frac) {
		return "", false
	}
	if len(frac) > e {
		if strings.Trim(frac[e:], "0") != "" {
			return "", false // not an integer
		}
		frac = frac[:e]
	}
	d := intPart + frac + strings.Repeat("0", e-len(frac))
	d = strings.TrimLeft(d, "0")
	return d, d != "" && len(d) <= 16
}

func checkID(d string) (NationalID, error) {
	var s1, s2 int
	for i := 0; i < 10; i++ {
		s1 += weightsK1[i] * int(d[i]-'0')
	}
	for i := 0; i < 11; i++ {
		s2 += weightsK2[i] * int(d[i]-'0')
	}
	r1 := s1 % 11
	if r1 > 3 || s2%11 != 0 {
		return NationalID{}, ErrIDChecksum
	}
	id := NationalID{Number: d, Kind: IDFødselsnummer, Rule2032: r1 != 0}
	day := int(d[0]-'0')*10 + int(d[1]-'0')
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	yy := int(d[4]-'0')*10 + int(d[5]-'0')
	if day > 40 {
		day -= 40
		id.Kind = IDDNumber
	}
	switch {
	case month > 80:
		month -= 80
		id.Kind = IDSynthetic
	case month > 40:
		month -= 40
		if id.Kind == IDDNumber {
			return NationalID{}, ErrIDDate
		}
		id.Kind = IDHNumber
	}
	leapish := 2000 + yy // a year with the same divisibility by 4
	if month < 1 || month > 12 || day < 1 || day > daysIn(leapish, month) {
		return NationalID{}, ErrIDDate
	}
	return id, nil
}

// BirthDate returns the date of birth the number encodes: the day and
// month after removing the offsets of its kind (day −40 for a D-number,
// month −40 for an H-number, month −80 for a synthetic number) and the
// century that Skatteetaten's individual-number ranges give:
//
//	individual number  year YY   born
//	000–499            00–99     19YY
//	500–749            54–99     18YY
//	500–999            00–39     20YY
//	900–999            40–99     19YY
//
// ok is false when the ranges give no century (750–899 with YY 40–99, or
// 500–749 with YY 40–53) or when the date is not a real day (29 February
// of a year that is not a leap year). The caller checks that the date is
// not in the future. The numbers issued from 2032 under the new
// check-digit rule are read with the same table; Skatteetaten has not
// said otherwise.
func (id NationalID) BirthDate() (d Date, ok bool) {
	n := id.Number
	if len(n) != 11 || !isDigits(n) {
		return Date{}, false
	}
	day := int(n[0]-'0')*10 + int(n[1]-'0')
	month := int(n[2]-'0')*10 + int(n[3]-'0')
	yy := int(n[4]-'0')*10 + int(n[5]-'0')
	ind := int(n[6]-'0')*100 + int(n[7]-'0')*10 + int(n[8]-'0')
	if day > 40 {
		day -= 40
	}
	switch {
	case month > 80:
		month -= 80
	case month > 40:
		month -= 40
	}
	var year int
	switch {
	case ind < 500:
		year = 1900 + yy
	case ind < 750 && yy >= 54:
		year = 1800 + yy
	case yy < 40:
		year = 2000 + yy
	case ind >= 900:
		year = 1900 + yy
	default:
		return Date{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return Date{}, false
	}
	return Date{Year: year, Month: month, Day: day, Precision: PrecisionFull}, true
}
