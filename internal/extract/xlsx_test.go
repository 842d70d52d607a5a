package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// TestXLSXAgreesWithExcelize writes a workbook with excelize (shared and
// inline strings, numbers, booleans, rich text, escapes, entities, gaps
// between rows and cells, a second sheet) and checks that the streaming
// reader gives what excelize's own reader gives with RawCellValue, which
// is what this package used before.
func TestXLSXAgreesWithExcelize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.xlsx")
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sh := f.GetSheetName(0)
	must(f.SetSheetRow(sh, "A1", &[]any{"given_name", "family_name", "birth_date", "national_id", "flag", "notes"}))
	must(f.SetSheetRow(sh, "A2", &[]any{"Bjørn", "Åsen & <Dahl>", 32950, 31129956715, true, "line 1\nline 2"}))
	must(f.SetSheetRow(sh, "A3", &[]any{"Юлия", "O'Brien \"Jr\"", "17.05.1990", 1.5, false, "tab\there"}))
	must(f.SetCellRichText(sh, "B5", []excelize.RichTextRun{{Text: "Nguyễn "}, {Text: "Văn", Font: &excelize.Font{Bold: true}}}))
	must(f.SetCellValue(sh, "D5", "ctrl\rchar_x000D_"))
	must(f.SetCellValue(sh, "F7", "far"))
	must(f.SetCellFormula(sh, "E7", "1+1"))
	f.NewSheet("Other")
	must(f.SetSheetRow("Other", "A1", &[]any{"given_name"}))
	must(f.SetSheetRow("Other", "A2", &[]any{"Kari"}))
	must(f.SaveAs(path))

	for _, sheet := range []string{"", "Other"} {
		ref, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
		must(err)
		name := sheet
		if name == "" {
			name = ref.GetSheetList()[0]
		}
		rows, err := ref.Rows(name)
		must(err)
		var want [][]string
		for rows.Next() {
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			must(err)
			want = append(want, cols)
		}
		ref.Close()
		want = want[1:] // the header
		ncol := 0
		for _, w := range append([][]string{}, want...) {
			ncol = max(ncol, len(w))
		}

		r, err := Open(path, &Options{Sheet: sheet})
		must(err)
		got := readAll(t, r)
		r.Close()
		// excelize leaves trailing blanks off; the reader pads to the header.
		for i := range want {
			for len(want[i]) < len(r.Columns()) {
				want[i] = append(want[i], "")
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("sheet %q (-excelize +stream):\n%s", sheet, d)
		}
	}
	if _, err := Open(path, &Options{Sheet: "Missing"}); !errors.Is(err, ErrSheet) {
		t.Errorf("missing sheet: %v", err)
	}
}

// craftXLSX writes a minimal workbook whose worksheet part has the given
// declared sizes and raw (already compressed) content, or, with raw nil,
// content streamed from body and stored uncompressed.
func craftXLSX(t *testing.T, sheet *zip.FileHeader, raw []byte, body io.Reader) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crafted.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	small := map[string]string{
		"_rels/.rels":                `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0"?><workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	for _, name := range []string{"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, _ := zw.Create(name)
		io.WriteString(w, small[name])
	}
	sheet.Name = "xl/worksheets/sheet1.xml"
	if raw != nil {
		w, err := zw.CreateRaw(sheet)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
	} else {
		sheet.Method = zip.Store
		w, err := zw.CreateHeader(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func deflate(t *testing.T, r io.Reader) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestSpeed)
	if _, err := io.Copy(fw, r); err != nil {
		t.Fatal(err)
	}
	fw.Close()
	return b.Bytes()
}

// TestXLSXBombsAndHugeCells: a 1 MB workbook that declares a 1 GB sheet,
// one that lies about its size, and a 200 MB cell are refused in under a
// second, with a position and without the cell's content.
func TestXLSXBombsAndHugeCells(t *testing.T) {
	sheetStart := `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>given_name</t></is></c><c r="B1" t="inlineStr"><is><t>notes</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Anna</t></is></c><c r="B2" t="inlineStr"><is><t>`
	payload := deflate(t, io.MultiReader(strings.NewReader(sheetStart), &repeat{'z', 1 << 20}))
	cases := []struct {
		name   string
		path   func() string
		want   error
		row    int
		column string
	}{
		{"1 GB declared in 1 MB", func() string {
			return craftXLSX(t, &zip.FileHeader{Method: zip.Deflate, UncompressedSize64: 1 << 30, CompressedSize64: uint64(len(payload)), CRC32: 1}, payload, nil)
		}, ErrPartTooLarge, 0, ""},
		{"4 GB declared", func() string {
			return craftXLSX(t, &zip.FileHeader{Method: zip.Deflate, UncompressedSize64: 4 << 30, CompressedSize64: uint64(len(payload)), CRC32: 1}, payload, nil)
		}, ErrPartTooLarge, 0, ""},
		{"size understated", func() string {
			return craftXLSX(t, &zip.FileHeader{Method: zip.Deflate, UncompressedSize64: 4096, CompressedSize64: uint64(len(payload)), CRC32: 1}, payload, nil)
		}, ErrXML, 1, ""}, // archive/zip refuses the first read past the declared size
		{"200 MB cell", func() string {
			return craftXLSX(t, &zip.FileHeader{}, nil, io.MultiReader(strings.NewReader(sheetStart), &repeat{'z', 200 << 20}, strings.NewReader(`</t></is></c></row></sheetData></worksheet>`)))
		}, ErrCellTooLong, 2, "notes"},
	}
	for _, c := range cases {
		p := c.path()
		start := time.Now()
		r, err := Open(p, nil)
		for err == nil {
			_, err = r.Next()
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v", c.name, d)
		}
		var xe *Error
		if !errors.Is(err, c.want) || !errors.As(err, &xe) || xe.Line != c.row || xe.Column != c.column {
			t.Errorf("%s: %v, want %v at row %d column %q", c.name, err, c.want, c.row, c.column)
		}
		if err != nil && strings.Contains(err.Error(), "zzz") {
			t.Errorf("%s: message quotes the cell", c.name)
		}
	}
}

func TestColumnOf(t *testing.T) {
	for ref, want := range map[string]int{"A1": 0, "Z9": 25, "AA10": 26, "XFD1048576": 16383} {
		if c, ok := columnOf([]byte(ref)); !ok || c != want {
			t.Errorf("columnOf(%s) = %d %v, want %d", ref, c, ok, want)
		}
	}
	for _, ref := range []string{"", "1", "A", "a1", "XFE1", "A1B"} {
		if _, ok := columnOf([]byte(ref)); ok {
			t.Errorf("columnOf(%q) accepted", ref)
		}
	}
	_ = fmt.Sprint
}
