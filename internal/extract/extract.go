// Package extract reads agency extracts: CSV files (comma or semicolon,
// UTF-8 with or without BOM, or a declared Windows-1252 or ISO-8859-1) and
// XLSX workbooks. It decodes and checks; it does not interpret values.
//
// Errors carry the file name, the line (for XLSX, the row) and the column
// header, never a cell's content (DESIGN.md invariant 1).
package extract

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings accepted by Options.Encoding.
const (
	UTF8        = "utf-8"
	Windows1252 = "windows-1252"
	ISO88591    = "iso-8859-1"
)

// Errors. An *Error wraps one of these.
var (
	ErrEncoding  = errors.New("not valid text in the declared encoding")
	ErrUTF16     = errors.New("file is UTF-16; save it as UTF-8 or declare a single-byte encoding")
	ErrBOM       = errors.New("file starts with a UTF-8 byte order mark but another encoding was declared")
	ErrBinary    = errors.New("file contains NUL bytes: not a text file")
	ErrRagged    = errors.New("row has a different number of fields than the header")
	ErrQuote     = errors.New("malformed quoted field")
	ErrEmpty     = errors.New("file has no header line")
	ErrDelimiter = errors.New("cannot tell the delimiter: the header has as many commas as semicolons")
	ErrHeader    = errors.New("column name appears twice in the header")
	ErrOptions   = errors.New("extract: invalid options")
	ErrFormat    = errors.New("unsupported file type (CSV, or XLSX named .xlsx)")
	ErrSheet     = errors.New("no such worksheet")
)

// Error locates a problem: file, line or row, column. It never holds a
// value from the file.
type Error struct {
	File   string // as given to Open
	Unit   string // "line" for CSV, "row" for XLSX
	Line   int    // 0 when the problem is not on a line
	Column string // column header, "" when not known
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": %s %d", e.Unit, e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Options control Open. A nil *Options means the defaults.
type Options struct {
	// Delimiter is ',' or ';'. Default 0: detected from the header line,
	// whichever of the two occurs more often outside quotes.
	Delimiter rune
	// Encoding is "utf-8", "windows-1252" or "iso-8859-1" (case-insensitive;
	// "cp1252", "latin1" and "latin-1" are accepted). Default "utf-8". A
	// UTF-8 byte order mark is allowed, and removed, only with UTF-8.
	Encoding string
	// Sheet is the worksheet of an XLSX file. Default: the first.
	Sheet string
}

// Reader reads the rows of an extract. It satisfies pseudonym.Source.
type Reader struct {
	file    string
	unit    string
	columns []string
	next    func() ([]string, int, error)
	line    int
	close   func() error
}

// Columns returns the header, with surrounding spaces trimmed.
func (r *Reader) Columns() []string { return r.columns }

// Line returns the line (CSV) or row (XLSX) where the last row starts.
func (r *Reader) Line() int { return r.line }

// Unit returns "line" or "row".
func (r *Reader) Unit() string { return r.unit }

// Next returns the next row, or io.EOF. The slice is reused by the next
// call. Every row has exactly len(Columns()) fields.
func (r *Reader) Next() ([]string, error) {
	row, line, err := r.next()
	if err != nil {
		return nil, err
	}
	r.line = line
	return row, nil
}

// Close releases the file.
func (r *Reader) Close() error {
	if r.close != nil {
		return r.close()
	}
	return nil
}

// Open opens an extract by its extension: .xlsx is a workbook, anything
// else is read as CSV.
func Open(path string, opts *Options) (*Reader, error) {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		return openXLSX(path, opts)
	}
	if strings.EqualFold(filepath.Ext(path), ".xls") {
		return nil, &Error{File: path, Err: ErrFormat}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return NewCSV(path, data, opts)
}

// NewCSV reads CSV data; name is used in errors.
func NewCSV(name string, data []byte, opts *Options) (*Reader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	fail := func(line int, err error) error { return &Error{File: name, Unit: "line", Line: line, Err: err} }
	if o.Delimiter != 0 && o.Delimiter != ',' && o.Delimiter != ';' {
		return nil, fmt.Errorf("%w: delimiter must be ',' or ';'", ErrOptions)
	}
	enc := strings.ToLower(strings.TrimSpace(o.Encoding))
	switch enc {
	case "", "utf8", UTF8:
		enc = UTF8
	case Windows1252, "cp1252", "windows1252":
		enc = Windows1252
	case ISO88591, "latin1", "latin-1", "iso8859-1", "iso-8859-1:1987":
		enc = ISO88591
	default:
		return nil, fmt.Errorf("%w: encoding must be utf-8, windows-1252 or iso-8859-1", ErrOptions)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, fail(0, ErrFormat) // a zip archive: XLSX or ODS under another name
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, fail(0, ErrUTF16)
	}
	hasBOM := bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fail(1+bytes.Count(data[:i], []byte{'\n'}), ErrBinary)
	}
	switch enc {
	case UTF8:
		data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
		if !utf8.Valid(data) {
			return nil, fail(invalidUTF8Line(data), ErrEncoding)
		}
	default:
		if hasBOM {
			return nil, fail(0, ErrBOM)
		}
		cm := charmap.Windows1252
		if enc == ISO88591 {
			cm = charmap.ISO8859_1
		}
		out := make([]byte, 0, len(data)+len(data)/8)
		line := 1
		for _, c := range data {
			if c < utf8.RuneSelf {
				if c == '\n' {
					line++
				}
				out = append(out, c)
				continue
			}
			r := cm.DecodeByte(c)
			if r == utf8.RuneError {
				return nil, fail(line, ErrEncoding)
			}
			out = utf8.AppendRune(out, r)
		}
		data = out
	}

	delim := o.Delimiter
	if delim == 0 {
		var err error
		if delim, err = detectDelimiter(data); err != nil {
			return nil, fail(1, err)
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // checked here, to name the line
	cr.ReuseRecord = true
	csvErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fail(pe.StartLine, ErrQuote)
		}
		return fail(0, err)
	}
	head, err := cr.Read()
	if err == io.EOF {
		return nil, fail(0, ErrEmpty)
	}
	if err != nil {
		return nil, csvErr(err)
	}
	cols, err := checkHeader(name, "line", head)
	if err != nil {
		return nil, err
	}
	r := &Reader{file: name, unit: "line", columns: cols}
	r.next = func() ([]string, int, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols) {
			return nil, 0, fail(line, ErrRagged)
		}
		return rec, line, nil
	}
	return r, nil
}

// invalidUTF8Line returns the line of the first invalid UTF-8 sequence.
func invalidUTF8Line(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		c := data[i]
		if c == '\n' {
			line++
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		i += size
	}
	return line
}

// detectDelimiter counts commas and semicolons outside quotes on the
// header line.
func detectDelimiter(data []byte) (rune, error) {
	var commas, semis int
	inQuote := false
	for _, c := range data {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		if c == '\n' {
			break
		}
		switch c {
		case ',':
			commas++
		case ';':
			semis++
		}
	}
	switch {
	case semis > commas:
		return ';', nil
	case commas > semis || commas == 0:
		return ',', nil
	}
	return 0, ErrDelimiter
}

// checkHeader trims the column names and refuses a name given twice
// (compared case-insensitively). Empty names are allowed: spreadsheets
// leave them after the last column; such columns are never read.
func checkHeader(file, unit string, head []string) ([]string, error) {
	cols := make([]string, len(head))
	seen := map[string]bool{}
	for i, h := range head {
		h = strings.TrimSpace(h)
		k := strings.ToLower(h)
		if h != "" && seen[k] {
			return nil, &Error{File: file, Unit: unit, Line: 1, Column: h, Err: ErrHeader}
		}
		seen[k] = true
		cols[i] = h
	}
	return cols, nil
}
