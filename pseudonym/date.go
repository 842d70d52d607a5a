package pseudonym

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Precision says how much of a date of birth is known.
type Precision int

const (
	PrecisionMissing   Precision = iota // no date
	PrecisionYear                       // the year only
	PrecisionYearMonth                  // year and month
	PrecisionFull                       // year, month and day
)

// String returns "missing", "year", "year_month" or "full".
func (p Precision) String() string {
	switch p {
	case PrecisionYear:
		return "year"
	case PrecisionYearMonth:
		return "year_month"
	case PrecisionFull:
		return "full"
	}
	return "missing"
}

// Date is a parsed date of birth. Month and Day are 0 when the precision
// does not include them. A placeholder date (1 January or 1 July by
// default) keeps its month and day but has PrecisionYear.
type Date struct {
	Year, Month, Day int
	Precision        Precision
	Placeholder      bool // the day and month looked like a placeholder
	ExcelSerial      bool // the value was an Excel serial day number
}

// String returns the normalised form: "1990-05-17", "1990-05", "1990", or
// "" for a missing date. A placeholder date prints as its year.
func (d Date) String() string {
	switch d.Precision {
	case PrecisionFull:
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	case PrecisionYearMonth:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	case PrecisionYear:
		return fmt.Sprintf("%04d", d.Year)
	}
	return ""
}

// ErrNotDate is returned (wrapped) for a value that is not a date of birth
// in one of the accepted forms, or lies outside the accepted range.
var ErrNotDate = errors.New("not a date")

// MinBirthYear is the earliest year of birth accepted.
const MinBirthYear = 1880

// DateOptions control ParseDate. A nil *DateOptions means the defaults.
type DateOptions struct {
	// Today is the latest date accepted (dates of birth cannot lie in the
	// future). Default: the current date.
	Today time.Time
	// Placeholders are the month-day pairs, "MM-DD", that mark an unknown
	// day and month. Default: "01-01" and "07-01" (PRIVACY.md). An empty,
	// non-nil slice disables placeholder detection.
	Placeholders []string
}

var defaultPlaceholders = []string{"01-01", "07-01"}

// ParseDate parses a date of birth. Accepted forms (PRIVACY.md, step 4),
// after trimming spaces:
//
//	dd.mm.yyyy  yyyy-mm-dd  dd/mm/yyyy     full precision (d and m may have one digit)
//	mm.yyyy     yyyy-mm     mm/yyyy        year and month
//	yyyy                                   year (four digits, MinBirthYear to this year)
//	nnnnn[.f]                              Excel serial day number (1900 date system),
//	                                       five digits, fraction (time of day) ignored
//
// A full date may be followed by a time of day (" 00:00:00" or "T00:00:00")
// as spreadsheet exports write it; the time is ignored. An empty value is
// a missing date, not an error. Days 1 January and 1 July (or
// opts.Placeholders) are treated as placeholders: the Date keeps year
// precision and Placeholder is set. Errors wrap ErrNotDate and never quote
// the value.
func ParseDate(s string, opts *DateOptions) (Date, error) {
	today := time.Now()
	ph := defaultPlaceholders
	if opts != nil {
		if !opts.Today.IsZero() {
			today = opts.Today
		}
		if opts.Placeholders != nil {
			ph = opts.Placeholders
		}
	}
	codes, err := placeholderCodes(ph)
	if err != nil {
		return Date{}, err
	}
	return parseDate(s, today.Year(), int(today.Month()), today.Day(), codes)
}

// ErrPlaceholder is returned for a placeholder that is not "MM-DD".
var ErrPlaceholder = errors.New("pseudonym: placeholder dates must be \"MM-DD\"")

// placeholderCodes turns "MM-DD" strings into month*100+day.
func placeholderCodes(ph []string) ([]int, error) {
	codes := make([]int, 0, len(ph))
	for _, p := range ph {
		if len(p) != 5 || p[2] != '-' {
			return nil, ErrPlaceholder
		}
		m, ok1 := atoi(p[:2], 2, 2)
		d, ok2 := atoi(p[3:], 2, 2)
		if !ok1 || !ok2 || m < 1 || m > 12 || d < 1 || d > daysIn(2000, m) {
			return nil, ErrPlaceholder
		}
		codes = append(codes, m*100+d)
	}
	return codes, nil
}

func parseDate(s string, ty, tm, td int, placeholders []int) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	var d Date
	var ok bool
	switch {
	case len(s) >= 8 && s[4] == '-' && isDigits(s[:4]) && strings.Count(s, "-") == 2:
		// yyyy-mm-dd, optionally with a time of day.
		if rest, time := cutTime(s); time {
			s = rest
		}
		d, ok = parseYMD(s)
	case strings.Count(s, ".") == 2 || strings.Count(s, "/") == 2:
		if rest, time := cutTime(s); time {
			s = rest
		}
		d, ok = parseDMY(s)
	case strings.Count(s, ".") == 1 && len(s) >= 6 && len(s) <= 7 && isDigits(s[len(s)-4:]),
		strings.Count(s, "/") == 1:
		// mm.yyyy or mm/yyyy
		sep := strings.IndexAny(s, "./")
		m, ok1 := atoi(s[:sep], 1, 2)
		y, ok2 := atoi(s[sep+1:], 4, 4)
		d, ok = Date{Year: y, Month: m, Precision: PrecisionYearMonth}, ok1 && ok2
	case len(s) == 7 && s[4] == '-':
		y, ok1 := atoi(s[:4], 4, 4)
		m, ok2 := atoi(s[5:], 2, 2)
		d, ok = Date{Year: y, Month: m, Precision: PrecisionYearMonth}, ok1 && ok2
	case len(s) == 4 && isDigits(s):
		y, _ := atoi(s, 4, 4)
		d, ok = Date{Year: y, Precision: PrecisionYear}, true
	default:
		d, ok = parseSerial(s)
	}
	if !ok || !valid(d, ty, tm, td) {
		return Date{}, ErrNotDate
	}
	if d.Precision == PrecisionFull {
		md := d.Month*100 + d.Day
		for _, p := range placeholders {
			if p == md {
				d.Placeholder = true
				d.Precision = PrecisionYear
				break
			}
		}
	}
	return d, nil
}

// cutTime removes a trailing " hh:mm[:ss]" or "Thh:mm[:ss]".
func cutTime(s string) (string, bool) {
	i := strings.IndexAny(s, " T")
	if i < 0 {
		return s, false
	}
	t := strings.TrimSpace(s[i+1:])
	if len(t) != 5 && len(t) != 8 || t[2] != ':' {
		return s, false
	}
	return s[:i], true
}

func parseYMD(s string) (Date, bool) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return Date{}, false
	}
	y, ok1 := atoi(parts[0], 4, 4)
	m, ok2 := atoi(parts[1], 1, 2)
	d, ok3 := atoi(parts[2], 1, 2)
	return Date{Year: y, Month: m, Day: d, Precision: PrecisionFull}, ok1 && ok2 && ok3
}

func parseDMY(s string) (Date, bool) {
	sep := "."
	if strings.Contains(s, "/") {
		sep = "/"
	}
	parts := strings.Split(s, sep)
	if len(parts) != 3 {
		return Date{}, false
	}
	d, ok1 := atoi(parts[0], 1, 2)
	m, ok2 := atoi(parts[1], 1, 2)
	y, ok3 := atoi(parts[2], 4, 4)
	return Date{Year: y, Month: m, Day: d, Precision: PrecisionFull}, ok1 && ok2 && ok3
}

// parseSerial reads an Excel serial day number of the 1900 date system:
// day 1 is 1900-01-01, and Excel counts a 29 February 1900 that never
// existed (serial 60), so from serial 61 on the date is 1899-12-30 plus
// the serial. Only five-digit serials (1927-05-18 to 2173-10-14) are
// accepted: four digits read as a year.
func parseSerial(s string) (Date, bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if !isDigits(s[i+1:]) || i+1 == len(s) {
			return Date{}, false
		}
		s = s[:i]
	}
	n, ok := atoi(s, 5, 5)
	if !ok {
		return Date{}, false
	}
	t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	return Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Precision: PrecisionFull, ExcelSerial: true}, true
}

func valid(d Date, ty, tm, td int) bool {
	if d.Year < MinBirthYear || d.Year > ty {
		return false
	}
	if d.Precision >= PrecisionYearMonth {
		if d.Month < 1 || d.Month > 12 || d.Year == ty && d.Month > tm {
			return false
		}
	}
	if d.Precision == PrecisionFull {
		if d.Day < 1 || d.Day > daysIn(d.Year, d.Month) || d.Year == ty && d.Month == tm && d.Day > td {
			return false
		}
	}
	return true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi parses min to max ASCII digits.
func atoi(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max || !isDigits(s) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
