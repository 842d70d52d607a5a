package extract

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on workbooks. A workbook is a zip archive of XML parts; each part
// is checked against its declared size before a byte is decompressed, and
// archive/zip refuses a part that inflates beyond what it declares, so a
// zip bomb is refused at once.
const (
	// MaxPartBytes bounds the decompressed size of any part read (the
	// worksheet, the shared strings, the workbook): 1 GiB. The worksheet
	// is streamed; the bound keeps the time to read it bounded too.
	MaxPartBytes = 1 << 30
	// MaxSharedStringsBytes bounds the decompressed shared-strings part,
	// which is held in memory: 256 MiB.
	MaxSharedStringsBytes = 256 << 20
	// MaxCompressionRatio bounds decompressed size over compressed size of
	// a part larger than 1 MiB: 200. Spreadsheet XML compresses 5 to 30
	// times; a zip bomb a thousand times.
	MaxCompressionRatio = 200
	// MaxRows is the number of rows a worksheet can have (Excel's limit).
	MaxRows = 1 << 20
)

// Errors about workbooks.
var (
	ErrPartTooLarge = errors.New("workbook part too large when decompressed (more than 1 GiB, or more than 200 times its compressed size: a zip bomb?)")
	ErrSharedTooBig = errors.New("shared strings of the workbook larger than 256 MiB when decompressed")
	ErrWorkbook     = errors.New("not a readable XLSX workbook")
	ErrXML          = errors.New("worksheet XML cannot be read")
)

// openXLSX reads the first (or the named) worksheet of a workbook as a
// stream. Cells are read raw, without number formats, so that a date cell
// gives its Excel serial day number rather than a locale-dependent text,
// and a long number its digits. The first non-empty row is the header;
// rows shorter than the header are padded with blanks, rows missing from
// the sheet are blank rows, and a row with a non-blank cell beyond the
// header is refused as ragged.
func openXLSX(file string, opts *Options) (*Reader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Encoding != "" && !strings.EqualFold(o.Encoding, UTF8) || o.Delimiter != 0 {
		return nil, fmt.Errorf("%w: an encoding or delimiter applies to CSV files only", ErrOptions)
	}
	fail := func(row int, err error) error { return &Error{File: file, Unit: "row", Line: row, Err: err} }
	zr, err := zip.OpenReader(file)
	if err != nil {
		// archive/zip's messages name parts of the archive, not cell
		// values, but they are not ours to vouch for: say only what failed.
		return nil, fail(0, ErrWorkbook)
	}
	wb := &workbook{zr: &zr.Reader, file: file}
	ok := false
	defer func() {
		if !ok {
			zr.Close()
		}
	}()
	sheetPart, err := wb.locate(o.Sheet)
	if err != nil {
		return nil, err
	}
	sheetFile := wb.find(sheetPart)
	if sheetFile == nil {
		return nil, fail(0, ErrWorkbook)
	}
	if err := checkSize(sheetFile, MaxPartBytes); err != nil {
		return nil, fail(0, err)
	}
	rc, err := sheetFile.Open()
	if err != nil {
		return nil, fail(0, ErrWorkbook)
	}
	ws := &sheetReader{x: newScanner(rc), sst: wb.sst, file: file}
	close := func() error { rc.Close(); return zr.Close() }

	var head []string
	for {
		row, n, err := ws.next()
		if err == io.EOF {
			close()
			ok = true
			return nil, fail(0, ErrEmpty)
		}
		if err != nil {
			return nil, err
		}
		if len(row) > 0 {
			head = append([]string(nil), row...)
			ws.headerRow = n
			break
		}
	}
	cols, err := checkHeader(file, "row", head)
	if err != nil {
		return nil, err
	}
	ws.cols = cols
	buf := make([]string, len(cols))
	r := &Reader{file: file, unit: "row", columns: cols, close: close}
	r.next = func() ([]string, int, error) {
		cells, n, err := ws.next()
		if err != nil {
			return nil, 0, err
		}
		for i := range buf {
			buf[i] = ""
		}
		for i, c := range cells {
			if i >= len(buf) {
				if strings.TrimSpace(c) != "" {
					return nil, 0, fail(n, ErrRagged)
				}
				continue
			}
			buf[i] = c
		}
		return buf, n, nil
	}
	ok = true
	return r, nil
}

// checkSize refuses a part whose declared size passes max or the ratio.
func checkSize(f *zip.File, max uint64) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	if u > max {
		if max == MaxSharedStringsBytes {
			return ErrSharedTooBig
		}
		return ErrPartTooLarge
	}
	if u > 1<<20 && u > MaxCompressionRatio*c {
		return ErrPartTooLarge
	}
	return nil
}

// workbook locates the parts of a workbook.
type workbook struct {
	zr   *zip.Reader
	file string
	sst  *sharedStrings
}

func (wb *workbook) fail(err error) error { return &Error{File: wb.file, Unit: "row", Err: err} }

func (wb *workbook) find(name string) *zip.File {
	for _, f := range wb.zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// open opens a small part (the package and workbook relationships, the
// workbook) for scanning.
func (wb *workbook) open(name string, max uint64) (*xmlScanner, func(), error) {
	f := wb.find(name)
	if f == nil {
		return nil, nil, wb.fail(ErrWorkbook)
	}
	if err := checkSize(f, max); err != nil {
		return nil, nil, wb.fail(err)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, wb.fail(ErrWorkbook)
	}
	return newScanner(rc), func() { rc.Close() }, nil
}

// relationships reads a .rels part: Id → (Type, resolved Target).
func (wb *workbook) relationships(name, base string) (map[string][2]string, error) {
	x, done, err := wb.open(name, 16<<20)
	if err != nil {
		return nil, err
	}
	defer done()
	rels := map[string][2]string{}
	for {
		tok, err := x.next()
		if err == io.EOF {
			return rels, nil
		}
		if err != nil {
			return nil, wb.fail(ErrWorkbook)
		}
		if tok == tokStart && x.is("Relationship") {
			id, _ := x.attr("Id")
			typ, _ := x.attr("Type")
			target, _ := x.attr("Target")
			t := string(target)
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Join(base, t)
			}
			rels[string(id)] = [2]string{string(typ), t}
		}
	}
}

// locate finds the worksheet part of sheet ("" for the first) and loads
// the shared strings.
func (wb *workbook) locate(sheet string) (string, error) {
	wbPart := "xl/workbook.xml"
	if wb.find("_rels/.rels") != nil {
		rels, err := wb.relationships("_rels/.rels", "")
		if err != nil {
			return "", err
		}
		for _, r := range rels {
			if strings.HasSuffix(r[0], "/officeDocument") {
				wbPart = r[1]
			}
		}
	}
	dir := path.Dir(wbPart)
	rels, err := wb.relationships(path.Join(dir, "_rels", path.Base(wbPart)+".rels"), dir)
	if err != nil {
		return "", err
	}
	x, done, err := wb.open(wbPart, 16<<20)
	if err != nil {
		return "", err
	}
	defer done()
	target := ""
	for target == "" {
		tok, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", wb.fail(ErrWorkbook)
		}
		if tok == tokStart && x.is("sheet") {
			name, _ := x.attr("name")
			id, _ := x.attr("id") // r:id
			if sheet == "" || string(name) == sheet {
				r, ok := rels[string(id)]
				if !ok {
					return "", wb.fail(ErrWorkbook)
				}
				target = r[1]
			}
		}
	}
	if target == "" {
		if sheet == "" {
			return "", wb.fail(ErrEmpty)
		}
		return "", wb.fail(ErrSheet)
	}
	for _, r := range rels {
		if strings.HasSuffix(r[0], "/sharedStrings") {
			if wb.sst, err = wb.loadShared(r[1]); err != nil {
				return "", err
			}
		}
	}
	return target, nil
}

// sharedStrings holds the workbook's string table compactly: one arena
// and the offsets into it.
type sharedStrings struct {
	arena []byte
	off   []uint32 // string i is arena[off[i]:off[i+1]]
}

func (s *sharedStrings) get(i int) (string, bool) {
	if s == nil || i < 0 || i+1 >= len(s.off) {
		return "", false
	}
	return string(s.arena[s.off[i]:s.off[i+1]]), true
}

func (wb *workbook) loadShared(name string) (*sharedStrings, error) {
	f := wb.find(name)
	if f == nil {
		return nil, nil
	}
	if err := checkSize(f, MaxSharedStringsBytes); err != nil {
		return nil, wb.fail(err)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, wb.fail(ErrWorkbook)
	}
	defer rc.Close()
	x := newScanner(rc)
	s := &sharedStrings{off: []uint32{0}}
	var inSI, inT bool
	rph := 0
	start := 0
	for {
		tok, err := x.next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, wb.fail(ErrWorkbook)
		}
		switch tok {
		case tokStart:
			switch {
			case x.is("si"):
				inSI, start = true, len(s.arena)
				if x.self {
					inSI = false
					s.off = append(s.off, uint32(len(s.arena)))
				}
			case x.is("t"):
				inT = !x.self
			case x.is("rPh"):
				if !x.self {
					rph++
				}
			}
		case tokEnd:
			switch {
			case x.is("si"):
				if inSI {
					s.arena = unescapeOOXML(s.arena, start)
					s.off = append(s.off, uint32(len(s.arena)))
				}
				inSI = false
			case x.is("t"):
				inT = false
			case x.is("rPh"):
				rph--
			}
		case tokText, tokCDATA:
			if inSI && inT && rph == 0 {
				if s.arena, err = x.appendText(s.arena, tok); err != nil {
					return nil, wb.fail(ErrWorkbook)
				}
				if len(s.arena)-start > MaxCellBytes {
					return nil, &Error{File: wb.file, Unit: "row",
						Err: fmt.Errorf("shared string %d: %w", len(s.off)-1, ErrCellTooLong)}
				}
			}
		}
	}
}

// sheetReader streams the rows of a worksheet.
type sheetReader struct {
	x         *xmlScanner
	sst       *sharedStrings
	file      string
	cols      []string
	headerRow int
	row       int // number of the last row returned
	pending   int // number of the row read ahead (0: none)
	cells     []string
	done      bool
	val       []byte
}

func (ws *sheetReader) fail(row, col int, err error) error {
	e := &Error{File: ws.file, Unit: "row", Line: row, Err: err}
	if col >= 0 && col < len(ws.cols) {
		e.Column = ws.cols[col]
	}
	return e
}

// next returns the cells of the next row (blank for a row missing from
// the sheet) and its number, or io.EOF.
func (ws *sheetReader) next() ([]string, int, error) {
	if ws.pending == 0 && !ws.done {
		if err := ws.readRow(); err != nil {
			return nil, 0, err
		}
	}
	if ws.pending == 0 {
		return nil, 0, io.EOF
	}
	ws.row++
	if ws.row < ws.pending {
		return nil, ws.row, nil // a row the sheet leaves out
	}
	ws.pending = 0
	return ws.cells, ws.row, nil
}

// readRow reads the next <row> element into ws.cells and ws.pending.
func (ws *sheetReader) readRow() error {
	x := ws.x
	bad := func(row int) error { return ws.fail(row, -1, ErrXML) }
	for {
		tok, err := x.next()
		if err == io.EOF {
			ws.done = true
			return nil
		}
		if err != nil {
			return bad(ws.row + 1)
		}
		if tok == tokEnd && x.is("sheetData") {
			ws.done = true
			return nil
		}
		if tok == tokStart && x.is("row") {
			n := ws.row + 1
			if v, ok := x.attr("r"); ok {
				if n, err = strconv.Atoi(string(v)); err != nil || n <= ws.row {
					return bad(ws.row + 1)
				}
			}
			if n > MaxRows {
				return ws.fail(n, -1, fmt.Errorf("%w: more than %d rows", ErrXML, MaxRows))
			}
			ws.pending = n
			ws.cells = ws.cells[:0]
			if x.self {
				return nil
			}
			return ws.readCells(n)
		}
	}
}

// readCells reads the cells of row n up to </row>.
func (ws *sheetReader) readCells(n int) error {
	x := ws.x
	col := -1
	var typ []byte
	var inC, inV, inIS, inT bool
	rph := 0
	for {
		tok, err := x.next()
		if err != nil {
			return ws.fail(n, col, ErrXML)
		}
		switch tok {
		case tokStart:
			switch {
			case x.is("c"):
				col++
				if v, ok := x.attr("r"); ok {
					c, ok := columnOf(v)
					if !ok || c < col {
						return ws.fail(n, -1, ErrXML)
					}
					col = c
				}
				if col >= MaxColumns {
					return ws.fail(n, -1, ErrTooManyColumns)
				}
				t, _ := x.attr("t")
				typ = append(typ[:0], t...)
				ws.val = ws.val[:0]
				inC = !x.self
				if x.self {
					ws.setCell(col, "")
				}
			case x.is("v"):
				inV = inC && !x.self
			case x.is("is"):
				inIS = inC && !x.self
			case x.is("t"):
				inT = inIS && !x.self
			case x.is("rPh"):
				if !x.self {
					rph++
				}
			}
		case tokEnd:
			switch {
			case x.is("row"):
				return nil
			case x.is("c"):
				if inC {
					v, err := ws.cellValue(typ)
					if err != nil {
						return ws.fail(n, col, err)
					}
					ws.setCell(col, v)
				}
				inC, inV, inIS, inT = false, false, false, false
			case x.is("v"):
				inV = false
			case x.is("is"):
				inIS = false
			case x.is("t"):
				inT = false
			case x.is("rPh"):
				rph--
			}
		case tokText, tokCDATA:
			if inV || inIS && inT && rph == 0 {
				if ws.val, err = x.appendText(ws.val, tok); err != nil {
					return ws.fail(n, col, ErrXML)
				}
				if len(ws.val) > MaxCellBytes {
					return ws.fail(n, col, ErrCellTooLong)
				}
			}
		}
	}
}

// cellValue is the raw value of a cell of type typ (what excelize gives
// with RawCellValue): a shared string's text, an inline string's text,
// otherwise the <v> text (numbers, booleans as 0/1, ISO dates, formula
// results).
func (ws *sheetReader) cellValue(typ []byte) (string, error) {
	if !utf8.Valid(ws.val) {
		return "", ErrEncoding
	}
	switch string(typ) {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(ws.val)))
		if err != nil {
			return "", ErrXML
		}
		s, ok := ws.sst.get(i)
		if !ok {
			return "", fmt.Errorf("%w: shared string index out of range", ErrXML)
		}
		return s, nil
	case "inlineStr":
		return string(unescapeOOXML(ws.val, 0)), nil
	}
	return string(ws.val), nil
}

func (ws *sheetReader) setCell(col int, v string) {
	if v == "" {
		return // trailing blanks are not cells; inner ones are filled below
	}
	for len(ws.cells) < col {
		ws.cells = append(ws.cells, "")
	}
	ws.cells = append(ws.cells, v)
}

// columnOf returns the 0-based column of a cell reference such as "AB12".
func columnOf(ref []byte) (int, bool) {
	c, i := 0, 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		c = c*26 + int(ref[i]-'A'+1)
		if c > MaxColumns {
			return 0, false
		}
	}
	if i == 0 || i == len(ref) {
		return 0, false
	}
	for _, d := range ref[i:] {
		if d < '0' || d > '9' {
			return 0, false
		}
	}
	return c - 1, true
}

// unescapeOOXML decodes the _xHHHH_ escapes (for control characters) of
// SpreadsheetML text in b[start:], in place, as Excel and excelize do;
// _x005F_ escapes a literal underscore sequence.
func unescapeOOXML(b []byte, start int) []byte {
	s := b[start:]
	if !strings.Contains(string(s), "_x") {
		return b
	}
	out := b[:start]
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if v, err := strconv.ParseUint(string(s[i+2:i+6]), 16, 32); err == nil {
				if v == 0x5F && i+14 <= len(s) && s[i+7] == '_' && s[i+8] == 'x' && s[i+13] == '_' {
					out = append(out, s[i+7:i+14]...) // _x005F_xHHHH_ is the literal _xHHHH_
					i += 14
					continue
				}
				out = utf8.AppendRune(out, rune(v))
				i += 7
				continue
			}
		}
		out = append(out, s[i])
		i++
	}
	return out
}
