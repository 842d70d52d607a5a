package pseudonym

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
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
	run := func(workers int, spill bool) ([]byte, *Report) {
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
		var buf bytes.Buffer
		if err := l.Write(&buf); err != nil {
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
		return buf.Bytes(), l.Report()
	}
	a, ra := run(1, false)
	b, rb := run(4, true)
	if !bytes.Equal(a, b) {
		t.Fatal("one worker in memory and four spilling workers wrote different files")
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
