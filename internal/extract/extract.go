// Package extract reads agency extracts: CSV files (comma or semicolon,
// UTF-8 with or without BOM, or a declared Windows-1252 or ISO-8859-1) and
// XLSX workbooks. It decodes and checks; it does not interpret values.
//
// Errors carry the file name, the line (for XLSX, the row) and the column
// header, never a cell's content (DESIGN.md invariant 1).
package extract

import (
	"bufio"
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
	// Tee, if set, receives every byte of a CSV stream as it is read, for
	// a keyed digest of what was pseudonymised. Default: none.
	Tee io.Writer
}

// Reader reads the rows of an extract. It satisfies pseudonym.Source.
type Reader struct {
	file    string
	unit    string
	columns []string
	next    func() ([]string, int, error)
	line    int
	close   func() error
	count   *counter
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Bytes returns the number of bytes of a CSV stream read so far (all of
// it once Next has returned io.EOF); 0 for a workbook.
func (r *Reader) Bytes() int64 {
	if r.count == nil {
		return 0
	}
	return r.count.n
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
// else is read as CSV. The file is read as a stream: memory does not grow
// with the number of rows.
func Open(path string, opts *Options) (*Reader, error) {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		return openXLSX(path, opts)
	}
	if strings.EqualFold(filepath.Ext(path), ".xls") {
		return nil, &Error{File: path, Err: ErrFormat}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewCSVReader(path, f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.close = f.Close
	return r, nil
}

// NewCSV reads CSV data held in memory; name is used in errors.
func NewCSV(name string, data []byte, opts *Options) (*Reader, error) {
	return NewCSVReader(name, bytes.NewReader(data), opts)
}

// NewCSVReader reads CSV from a stream (a file, standard input); name is
// used in errors. Cells longer than MaxCellBytes, rows longer than
// MaxRowBytes and rows of more than MaxColumns fields are refused with
// their position as soon as they are seen, before they are held in memory.
func NewCSVReader(name string, in io.Reader, opts *Options) (*Reader, error) {
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
	cnt := &counter{r: in}
	in = cnt
	if o.Tee != nil {
		in = io.TeeReader(in, o.Tee)
	}
	raw := bufio.NewReaderSize(in, 1<<16)
	magic, _ := raw.Peek(4)
	if bytes.HasPrefix(magic, []byte("PK\x03\x04")) {
		return nil, fail(0, ErrFormat) // a zip archive: XLSX or ODS under another name
	}
	if bytes.HasPrefix(magic, []byte{0xFF, 0xFE}) || bytes.HasPrefix(magic, []byte{0xFE, 0xFF}) {
		return nil, fail(0, ErrUTF16)
	}
	if bytes.HasPrefix(magic, []byte{0xEF, 0xBB, 0xBF}) {
		if enc != UTF8 {
			return nil, fail(0, ErrBOM)
		}
		raw.Discard(3)
	}
	dec := &decoder{r: raw, line: 1}
	if enc != UTF8 {
		dec.cm = charmap.Windows1252
		if enc == ISO88591 {
			dec.cm = charmap.ISO8859_1
		}
	}
	lim := &limiter{r: bufio.NewReaderSize(dec, 1<<16), line: 1, rowLine: 1, atStart: true}
	decErr := func(err error) error {
		if dec.err != nil && !errors.Is(dec.err, io.EOF) {
			return dec.err
		}
		if lim.err != nil && !errors.Is(lim.err, io.EOF) {
			return lim.err
		}
		return err
	}

	delim := o.Delimiter
	if delim == 0 {
		head, err := lim.peekHeader()
		if err != nil {
			return nil, withFile(name, decErr(err))
		}
		if delim, err = detectDelimiter(head); err != nil {
			return nil, fail(1, err)
		}
	}
	lim.delim = byte(delim)
	cr := csv.NewReader(lim)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // checked here, to name the line
	cr.ReuseRecord = true
	var cols []string
	csvErr := func(err error) error {
		if e := decErr(nil); e != nil {
			if le, ok := e.(*limitError); ok && le.field < len(cols) && cols != nil {
				le.column = cols[le.field]
			}
			return withFile(name, e)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fail(pe.StartLine, ErrQuote)
		}
		return fail(0, err)
	}
	head, err := cr.Read()
	if err == io.EOF && decErr(nil) == nil {
		return nil, fail(0, ErrEmpty)
	}
	if err != nil {
		return nil, csvErr(err)
	}
	cols, err = checkHeader(name, "line", head)
	if err != nil {
		return nil, err
	}
	r := &Reader{file: name, unit: "line", columns: cols, count: cnt}
	r.next = func() ([]string, int, error) {
		rec, err := cr.Read()
		if err == io.EOF && decErr(nil) == nil {
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

// withFile turns a decoder or limiter error into an *Error of file name.
func withFile(name string, err error) error {
	switch e := err.(type) {
	case *lineError:
		return &Error{File: name, Unit: "line", Line: e.line, Err: e.err}
	case *limitError:
		return &Error{File: name, Unit: "line", Line: e.line, Column: e.column, Err: e.err}
	}
	return err
}

// lineError is a decoding problem on a line.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// decoder turns the raw bytes into checked UTF-8: invalid UTF-8, bytes a
// single-byte encoding leaves undefined and NUL bytes are errors naming
// the line. It counts lines only for those errors.
type decoder struct {
	r    io.Reader
	cm   *charmap.Charmap // nil for UTF-8
	buf  []byte
	hold []byte // the start of a UTF-8 sequence cut by the previous read
	line int    // line of the next byte
	err  error
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(p) < 8 {
		return 0, io.ErrShortBuffer
	}
	if d.cm != nil {
		// Each byte becomes at most 3 bytes of UTF-8.
		if cap(d.buf) < len(p)/3 {
			d.buf = make([]byte, len(p)/3)
		}
		n, err := d.r.Read(d.buf[:len(p)/3])
		out := p[:0]
		for _, c := range d.buf[:n] {
			switch {
			case c == '\n':
				d.line++
			case c == 0:
				d.err = &lineError{d.line, ErrBinary}
				return 0, d.err
			}
			if c < utf8.RuneSelf {
				out = append(out, c)
				continue
			}
			r := d.cm.DecodeByte(c)
			if r == utf8.RuneError {
				d.err = &lineError{d.line, ErrEncoding}
				return 0, d.err
			}
			out = utf8.AppendRune(out, r)
		}
		if err != nil {
			d.err = err
		}
		return len(out), err
	}
	k := copy(p, d.hold)
	n, err := d.r.Read(p[k:])
	n += k
	d.hold = d.hold[:0]
	chunk := p[:n]
	if err == nil {
		// Hold back a sequence cut at the end.
		for back := 1; back <= 3 && back <= n; back++ {
			c := chunk[n-back]
			if c < utf8.RuneSelf {
				break
			}
			if utf8.RuneStart(c) {
				if !utf8.FullRune(chunk[n-back:]) {
					d.hold = append(d.hold, chunk[n-back:]...)
					chunk = chunk[:n-back]
				}
				break
			}
		}
	}
	if i := bytes.IndexByte(chunk, 0); i >= 0 {
		d.err = &lineError{d.line + bytes.Count(chunk[:i], []byte{'\n'}), ErrBinary}
		return 0, d.err
	}
	if !utf8.Valid(chunk) {
		d.err = &lineError{d.line + invalidUTF8Line(chunk) - 1, ErrEncoding}
		return 0, d.err
	}
	d.line += bytes.Count(chunk, []byte{'\n'})
	if err != nil {
		if len(d.hold) > 0 && errors.Is(err, io.EOF) {
			d.err = &lineError{d.line, ErrEncoding} // the file ends inside a sequence
			return 0, d.err
		}
		d.err = err
	}
	return len(chunk), err
}

// Limits on CSV and XLSX input, checked while reading so that an
// oversized input is refused quickly and in bounded memory.
const (
	// MaxCellBytes bounds one cell (field) after decoding to UTF-8: 1 MiB.
	// Excel itself stops at 32,767 characters.
	MaxCellBytes = 1 << 20
	// MaxRowBytes bounds one CSV row, quoted line breaks included: 8 MiB.
	MaxRowBytes = 8 << 20
	// MaxColumns bounds the fields of a row: 16,384, Excel's limit.
	MaxColumns = 16384
)

// Errors about limits.
var (
	ErrCellTooLong    = fmt.Errorf("cell longer than %d bytes (1 MiB)", MaxCellBytes)
	ErrRowTooLong     = fmt.Errorf("row longer than %d bytes (8 MiB)", MaxRowBytes)
	ErrTooManyColumns = fmt.Errorf("row has more than %d fields", MaxColumns)
)

// limitError is a limit exceeded at a position.
type limitError struct {
	line   int // line where the row starts
	field  int // 0-based field index
	column string
	err    error
}

func (e *limitError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// limiter follows the CSV syntax closely enough to know, byte by byte,
// where each field and row starts, and stops the stream with a *limitError
// when a field, a row or the number of fields grows past the limits.
// encoding/csv, reading from it, never buffers more than that.
type limiter struct {
	r       *bufio.Reader
	delim   byte
	quoted  bool // inside a quoted field
	quote   bool // a quote seen inside a quoted field: closing, or the first of a pair
	atStart bool // at the start of a field
	field   int
	cell    int
	row     int
	line    int // current line
	rowLine int // line where the current row starts
	err     error
	pre     []byte // the header line, read for delimiter detection, not yet passed on
}

// peekHeader reads up to the first line break outside quotes, within the
// row limit, and keeps it to pass on; it returns the header line.
func (l *limiter) peekHeader() ([]byte, error) {
	inQuote := false
	for len(l.pre) <= MaxRowBytes {
		c, err := l.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return l.pre, nil
			}
			return nil, err
		}
		l.pre = append(l.pre, c)
		if c == '"' {
			inQuote = !inQuote
		} else if c == '\n' && !inQuote {
			return l.pre, nil
		}
	}
	l.err = &limitError{line: 1, err: ErrRowTooLong}
	return nil, l.err
}

func (l *limiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	var n int
	var err error
	if len(l.pre) > 0 {
		n = copy(p, l.pre)
		l.pre = l.pre[n:]
	} else {
		n, err = l.r.Read(p)
	}
	if e := l.scan(p[:n]); e != nil {
		l.err = e
		return 0, e
	}
	if err != nil {
		l.err = err
	}
	return n, err
}

func (l *limiter) scan(b []byte) error {
	for _, c := range b {
		l.row++
		if l.row > MaxRowBytes {
			return &limitError{line: l.rowLine, field: l.field, err: ErrRowTooLong}
		}
		if l.quoted {
			if l.quote {
				l.quote = false
				if c == '"' {
					l.cell++ // a doubled quote
					continue
				}
				l.quoted = false // the quote closed the field; c follows it
			} else {
				switch c {
				case '"':
					l.quote = true
				case '\n':
					l.line++
					l.cell++
				default:
					l.cell++
				}
				if l.cell > MaxCellBytes {
					return &limitError{line: l.rowLine, field: l.field, err: ErrCellTooLong}
				}
				continue
			}
		}
		switch c {
		case l.delim:
			l.field++
			l.cell = 0
			l.atStart = true
			if l.field >= MaxColumns {
				return &limitError{line: l.rowLine, field: l.field, err: ErrTooManyColumns}
			}
		case '\n':
			l.line++
			l.rowLine = l.line
			l.field, l.cell, l.row = 0, 0, 0
			l.atStart = true
		case '"':
			if l.atStart {
				l.quoted = true
				l.atStart = false
				continue
			}
			l.cell++
		default:
			l.atStart = false
			l.cell++
			if l.cell > MaxCellBytes {
				return &limitError{line: l.rowLine, field: l.field, err: ErrCellTooLong}
			}
		}
	}
	return nil
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
