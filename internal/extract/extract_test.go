package extract

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func readAll(t *testing.T, r *Reader) [][]string {
	t.Helper()
	var rows [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, append([]string(nil), row...))
	}
}

// The three fixtures hold the same four people in the encodings and
// delimiters Norwegian agencies produce.
func TestFixturesDecodeAlike(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "pseudonym")
	want := [][]string{
		{"Bjørn Ærlend", "Åsen-Dahl", "17.05.1990", "M", "NOR", "31129956715", "arbeid"},
		{"Aase", "Bøe", "02.03.1985", "K", "", "", "Seksuell utnytting"},
		{"Jürgen", "Straße; Müller", "01.07.1975", "M", "DEU", "", ""},
		{"Zoë", "O'Brien", "1990-12-24", "kvinne", "IRL", "01459012342", "prostitusjon"},
	}
	for _, c := range []struct {
		file string
		opts *Options
	}{
		{"bom-semicolon.csv", nil},
		{"windows-1252-semicolon.csv", &Options{Encoding: "windows-1252"}},
		{"iso-8859-1-comma.csv", &Options{Encoding: "ISO-8859-1"}},
	} {
		r, err := Open(filepath.Join(dir, c.file), c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if r.Columns()[0] != "given_name" || len(r.Columns()) != 7 {
			t.Errorf("%s: header %q (BOM not removed?)", c.file, r.Columns())
		}
		got := readAll(t, r)
		if c.file == "iso-8859-1-comma.csv" {
			got[2][1] = strings.Replace(got[2][1], ",", ";", 1)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.file, d)
		}
	}
}

func TestWindows1252WithoutDeclarationIsRefused(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "pseudonym", "windows-1252-semicolon.csv")
	_, err := Open(path, nil)
	var xe *Error
	if !errors.Is(err, ErrEncoding) || !errors.As(err, &xe) || xe.Line != 2 {
		t.Fatalf("err %v", err)
	}
	if want := `"` + path + `": line 2: not valid text in the declared encoding`; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

func TestCSVErrors(t *testing.T) {
	cases := []struct {
		name, data string
		opts       *Options
		want       error
		line       int
	}{
		{"ragged", "a,b\n1,2\n3\n", nil, ErrRagged, 3},
		{"ragged long", "a;b\n1;2;3\n", nil, ErrRagged, 2},
		{"bad quote", "a,b\n1,\"x\n", nil, ErrQuote, 2},
		{"bare quote", "a,b\n1,x\"y\n", nil, ErrQuote, 2},
		{"invalid utf-8 line 3", "a,b\n1,2\n\xff,2\n", nil, ErrEncoding, 3},
		{"undefined cp1252 byte", "a,b\n1,\x81\n", &Options{Encoding: "windows-1252"}, ErrEncoding, 2},
		{"bom with cp1252", "\xef\xbb\xbfa,b\n", &Options{Encoding: "windows-1252"}, ErrBOM, 0},
		{"utf-16", "\xff\xfea\x00,\x00", nil, ErrUTF16, 0},
		{"nul", "a,b\n1,\x002\n", nil, ErrBinary, 2},
		{"empty", "", nil, ErrEmpty, 0},
		{"tie", "a,b;c\n", nil, ErrDelimiter, 1},
		{"duplicate column", "a,B,b\n", nil, ErrHeader, 1},
		{"bad encoding name", "a\n", &Options{Encoding: "utf-16"}, ErrOptions, 0},
		{"zip under a csv name", "PK\x03\x04rest", nil, ErrFormat, 0},
	}
	for _, c := range cases {
		r, err := NewCSV("x.csv", []byte(c.data), c.opts)
		if err == nil {
			for err == nil {
				_, err = r.Next()
			}
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
			continue
		}
		var xe *Error
		if errors.As(err, &xe) && xe.Line != c.line {
			t.Errorf("%s: line %d, want %d", c.name, xe.Line, c.line)
		}
	}
}

func TestCSVQuotingAndDelimiter(t *testing.T) {
	data := "navn;\"merknad; fri\"\n\"Hansen; Anna\";\"linje 1\nlinje 2\"\nOla;\"sa \"\"hei\"\"\"\n"
	r, err := NewCSV("x.csv", []byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	want := [][]string{{"Hansen; Anna", "linje 1\nlinje 2"}, {"Ola", `sa "hei"`}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if r.Line() != 4 {
		t.Errorf("the last row starts on line %d, want 4", r.Line())
	}
	// An explicit delimiter overrides detection.
	r, err = NewCSV("x.csv", []byte("a;b,c\n1;2,3\n"), &Options{Delimiter: ','})
	if err != nil || len(r.Columns()) != 2 {
		t.Fatalf("explicit delimiter: %v %q", err, r.Columns())
	}
}

func TestXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "extract.xlsx")
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow(sh, "A1", &[]any{"given_name", "family_name", "birth_date", "national_id"}))
	must(f.SetSheetRow(sh, "A2", &[]any{"Anna", "Hansen", 32950, 1129956715}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // a date format: shown as 03-18-90
	must(err)
	must(f.SetCellStyle(sh, "C2", "C2", style))
	must(f.SetSheetRow(sh, "A4", &[]any{"Ola"})) // row 3 is empty, row 4 is short
	must(f.SaveAs(path))

	r, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readAll(t, r)
	want := [][]string{{"Anna", "Hansen", "32950", "1129956715"}, {"", "", "", ""}, {"Ola", "", "", ""}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if r.Line() != 4 || r.Unit() != "row" {
		t.Errorf("last row %s %d, want row 4", r.Unit(), r.Line())
	}

	// A cell beyond the header is a ragged row.
	must(f.SetCellValue(sh, "F2", "zqxmarker"))
	must(f.SaveAs(path))
	r, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.Next()
	var xe *Error
	if !errors.Is(err, ErrRagged) || !errors.As(err, &xe) || xe.Line != 2 || strings.Contains(err.Error(), "zqxmarker") {
		t.Fatalf("ragged xlsx: %v", err)
	}

	// Not a workbook.
	bad := filepath.Join(t.TempDir(), "bad.xlsx")
	must(os.WriteFile(bad, []byte("given_name\nAnna\n"), 0o600))
	if _, err := Open(bad, nil); err == nil || strings.Contains(err.Error(), "Anna") {
		t.Fatalf("not a workbook: %v", err)
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a;b\n\"x;y\";2\n", "\xef\xbb\xbfa\n\xff\n", "a,b\n1\n", "\"", "a\n\"\"\"\n", "a;b,c\n"} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opts := []*Options{nil, {Encoding: "windows-1252"}, {Encoding: "iso-8859-1"}, {Delimiter: ';'}}[mode%4]
		r, err := NewCSV("fuzz.csv", data, opts)
		if err != nil {
			if r != nil {
				t.Fatal("reader and error")
			}
			return
		}
		for i := 0; ; i++ {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var xe *Error
				if !errors.As(err, &xe) {
					t.Fatalf("error of type %T", err)
				}
				return
			}
			if len(row) != len(r.Columns()) {
				t.Fatalf("row of %d fields under a header of %d", len(row), len(r.Columns()))
			}
			if r.Line() < 2 {
				t.Fatalf("row on line %d", r.Line())
			}
		}
	})
}

// repeat is a reader of n copies of c, so that a 200 MB input costs no
// memory in the test.
type repeat struct {
	c byte
	n int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := int64(len(p))
	if k > r.n {
		k = r.n
	}
	for i := range p[:k] {
		p[i] = r.c
	}
	r.n -= k
	return int(k), nil
}

// TestCSVLimits: a 200 MB cell (quoted or not), a row of many cells and a
// row of too many fields are refused at their position, quickly, having
// read little more than the limit.
func TestCSVLimits(t *testing.T) {
	cases := []struct {
		name   string
		in     func() io.Reader
		want   error
		line   int
		column string
	}{
		{"200 MB cell", func() io.Reader {
			return io.MultiReader(strings.NewReader("a,b\nx,"), &repeat{'z', 200 << 20}, strings.NewReader("\n"))
		}, ErrCellTooLong, 2, "b"},
		{"200 MB quoted cell over lines", func() io.Reader {
			return io.MultiReader(strings.NewReader("a;b\n1;2\n\""), &repeat{'\n', 200 << 20}, strings.NewReader("\";x\n"))
		}, ErrCellTooLong, 3, "a"},
		{"long row", func() io.Reader {
			return io.MultiReader(strings.NewReader("a,b\n"), &repeat{'y', MaxCellBytes - 1}, strings.NewReader(","), &repeat{',', 100 << 20})
		}, ErrTooManyColumns, 2, ""},
		{"long header", func() io.Reader { return &repeat{'h', 200 << 20} }, ErrRowTooLong, 1, ""},
	}
	for _, c := range cases {
		start := time.Now()
		src := c.in()
		r, err := NewCSVReader("big.csv", src, nil)
		for err == nil {
			_, err = r.Next()
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v", c.name, d)
		}
		var xe *Error
		if !errors.Is(err, c.want) || !errors.As(err, &xe) || xe.Line != c.line || xe.Column != c.column {
			t.Errorf("%s: err %v, want %v at line %d column %q", c.name, err, c.want, c.line, c.column)
			continue
		}
		if strings.Contains(err.Error(), "zzz") || strings.Contains(err.Error(), "yyy") || strings.Contains(err.Error(), "hhh") {
			t.Errorf("%s: the message quotes the cell: %v", c.name, err)
		}
		if rest, ok := src.(*repeat); ok && rest.n < 150<<20 {
			t.Errorf("%s: read %d MB before refusing", c.name, (200<<20-rest.n)>>20)
		}
	}
}

// TestCSVStreamsAcrossBufferBoundaries reads a file whose multi-byte
// characters fall on every offset of the 64 KiB read buffers.
func TestCSVStreamsAcrossBufferBoundaries(t *testing.T) {
	var b strings.Builder
	b.WriteString("given_name,family_name\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("Bjørn,Åsen-Dæhlie€\n")
	}
	r, err := NewCSVReader("x.csv", strings.NewReader(b.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	if len(rows) != 20000 || rows[19999][1] != "Åsen-Dæhlie€" || r.Line() != 20001 {
		t.Fatalf("%d rows, last %q on line %d", len(rows), rows[len(rows)-1], r.Line())
	}
}
