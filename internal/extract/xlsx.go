package extract

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// openXLSX reads the first (or the named) worksheet of a workbook. Cells
// are read raw, without number formats, so that a date cell gives its
// Excel serial day number rather than a locale-dependent text, and a long
// number its digits. The first row is the header; rows shorter than the
// header are padded with blanks, and a row with a non-blank cell beyond
// the header is refused as ragged.
func openXLSX(path string, opts *Options) (*Reader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Encoding != "" && !strings.EqualFold(o.Encoding, UTF8) || o.Delimiter != 0 {
		return nil, fmt.Errorf("%w: an encoding or delimiter applies to CSV files only", ErrOptions)
	}
	fail := func(row int, err error) error { return &Error{File: path, Unit: "row", Line: row, Err: err} }
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		// excelize's messages name parts of the archive, not cell values,
		// but they are not ours to vouch for: say only what failed.
		return nil, fail(0, errors.New("not a readable XLSX workbook"))
	}
	sheet := o.Sheet
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			f.Close()
			return nil, fail(0, ErrEmpty)
		}
		sheet = list[0]
	} else if !slices.Contains(f.GetSheetList(), sheet) {
		f.Close()
		return nil, fail(0, ErrSheet)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fail(0, errors.New("worksheet cannot be read"))
	}
	n := 0
	var head []string
	for rows.Next() {
		n++
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			f.Close()
			return nil, fail(n, errors.New("row cannot be read"))
		}
		if len(cols) > 0 {
			head = cols
			break
		}
	}
	if head == nil {
		f.Close()
		return nil, fail(0, ErrEmpty)
	}
	cols, err := checkHeader(path, "row", head)
	if err != nil {
		f.Close()
		return nil, err
	}
	buf := make([]string, len(cols))
	r := &Reader{file: path, unit: "row", columns: cols, close: func() error {
		rows.Close()
		return f.Close()
	}}
	r.next = func() ([]string, int, error) {
		if !rows.Next() {
			if err := rows.Error(); err != nil {
				return nil, 0, fail(n+1, errors.New("row cannot be read"))
			}
			return nil, 0, io.EOF
		}
		n++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, 0, fail(n, errors.New("row cannot be read"))
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
	return r, nil
}
