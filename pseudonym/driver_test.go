package pseudonym

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/mktfile"
)

// zeros is a fixed "random" source, for reproducible files.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestSameFileWhateverTheWorkersAndSpills: with a fixed seed, one worker
// in memory and four workers spilling every few thousand rows to disk
// write the same bytes, and the report agrees; the temporary directory
// is empty after Close.
func TestSameFileWhateverTheWorkersAndSpills(t *testing.T) {
	header, rows := syntheticExtract(20000, 7)
	run := func(workers int, spill bool) ([]byte, []byte, *Report) {
		dir := t.TempDir()
		if spill {
			r, f := recordRunBytes, freqRunBytes
			recordRunBytes, freqRunBytes = 200<<10, 64<<10
			defer func() { recordRunBytes, freqRunBytes = r, f }()
		}
		p, err := New(testKey(t), nil, &Options{Now: testNow, Workers: workers, Random: zeros{}, TempDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		l, err := p.Pseudonymise("L", NewSliceSource(header, rows))
		if err != nil {
			t.Fatal(err)
		}
		var buf, cw bytes.Buffer
		if err := l.Write(&buf); err != nil {
			t.Fatal(err)
		}
		if err := l.WriteCrosswalk(&cw); err != nil {
			t.Fatal(err)
		}
		if spill {
			if ents, _ := os.ReadDir(dir); len(ents) == 0 {
				t.Error("the spilling run made no temporary files")
			}
		}
		l.Close()
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("%d temporary entries left after Close", len(ents))
		}
		return buf.Bytes(), cw.Bytes(), l.Report()
	}
	a, ca, ra := run(1, false)
	b, cb, rb := run(4, true)
	if !bytes.Equal(a, b) {
		t.Fatal("one worker in memory and four spilling workers wrote different files")
	}
	if !bytes.Equal(ca, cb) {
		t.Fatal("one worker in memory and four spilling workers wrote different crosswalks")
	}
	ja, _ := jsonOf(ra)
	jb, _ := jsonOf(rb)
	if ja != jb {
		t.Errorf("reports differ:\n%s\n%s", ja, jb)
	}
	if ra.MatchKeys[1].Distinct == 0 || ra.MatchKeys[1].MaxFrequency == 0 {
		t.Errorf("frequencies not counted: %+v", ra.MatchKeys[1])
	}
}

// TestFirstErrorAndWarningsInOrder: with many workers, the warnings come
// in line order and the error is the first bad line's.
func TestFirstErrorAndWarningsInOrder(t *testing.T) {
	header, rows := syntheticExtract(5000, 3)
	for i := range rows {
		rows[i][2] = "17.05.1990"
		rows[i][5] = ""
	}
	for _, i := range []int{700, 1500, 2600, 4100} {
		rows[i][2] = "not a date"
	}
	var lines []int
	p, _ := New(testKey(t), nil, &Options{Now: testNow, Workers: 8, Warn: func(fe *FieldError) { lines = append(lines, fe.Line) }})
	l, err := p.Pseudonymise("L", NewSliceSource(header, rows))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if want := []int{702, 1502, 2602, 4102}; !equalInts(lines, want) {
		t.Errorf("warnings on lines %v, want %v", lines, want)
	}
	p, _ = New(testKey(t), nil, &Options{Now: testNow, Workers: 8, Strict: true})
	_, err = p.Pseudonymise("L", NewSliceSource(header, rows))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Line != 702 || !errors.Is(err, ErrNotDate) {
		t.Errorf("strict: %v, want line 702 not a date", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func jsonOf(r *Report) (string, error) {
	b, err := json.Marshal(r)
	return string(b), err
}

// TestCrosswalkNamesTheSourceLine: through a spilling shuffle, every
// record id of the file appears once in the crosswalk, in the file's
// order, and the line it names holds the row whose tokens the record
// carries (recomputed independently of the shuffle with Tokens). Rows
// span two lines now and then (a quoted newline is simulated by a source
// whose lines jump), so the line is not the row index.
func TestCrosswalkNamesTheSourceLine(t *testing.T) {
	header, rows := syntheticExtract(6000, 11)
	r, f := recordRunBytes, freqRunBytes
	recordRunBytes, freqRunBytes = 100<<10, 32<<10
	defer func() { recordRunBytes, freqRunBytes = r, f }()
	p, err := New(testKey(t), nil, &Options{Now: testNow, Workers: 3, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	src := &jumpySource{cols: header, rows: rows}
	l, err := p.Pseudonymise("L", src)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var buf, cw bytes.Buffer
	if err := l.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteCrosswalk(&cw); err != nil {
		t.Fatal(err)
	}
	h, recs, err := mktfile.ReadAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cwl := strings.Split(strings.TrimSuffix(cw.String(), "\n"), "\n")
	if cwl[0] != "record_id,line" || len(cwl)-1 != len(recs) {
		t.Fatalf("crosswalk header %q, %d rows for %d records", cwl[0], len(cwl)-1, len(recs))
	}
	lineRow := map[int]int{}
	for i, ln := range src.lines {
		lineRow[ln] = i
	}
	q, _ := New(testKey(t), nil, &Options{Now: testNow})
	for i, rec := range recs {
		id, ln, _ := strings.Cut(cwl[i+1], ",")
		if id != rec.ID {
			t.Fatalf("crosswalk row %d names %s, file has %s", i+1, id, rec.ID)
		}
		if i%7 != 0 {
			continue // a sample is enough
		}
		line, _ := strconv.Atoi(ln)
		row, ok := lineRow[line]
		if !ok {
			t.Fatalf("record %d: line %d starts no row", i, line)
		}
		fields := map[string]string{}
		for j, c := range header {
			if c != "notes" {
				fields[c] = rows[row][j]
			}
		}
		q.opts.Strict = false
		toks, _, err := q.Tokens(fields)
		if err != nil {
			continue // invalid date or number: Tokens is strict
		}
		for k, tk := range toks {
			if h.MatchKeys[k] != tk.Key || rec.Tokens[k] != tk.Value {
				t.Fatalf("record %d (line %d): key %s differs from its row's", i, line, tk.Key)
			}
		}
	}
}

// jumpySource is a slice source whose rows start on irregular lines, as
// when cells hold line breaks.
type jumpySource struct {
	cols  []string
	rows  [][]string
	lines []int
	i     int
	line  int
}

func (s *jumpySource) Columns() []string { return s.cols }
func (s *jumpySource) Line() int         { return s.line }
func (s *jumpySource) Next() ([]string, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	if s.line == 0 {
		s.line = 2
	} else {
		s.line += 1 + s.i%3
	}
	s.lines = append(s.lines, s.line)
	s.i++
	return s.rows[s.i-1], nil
}
