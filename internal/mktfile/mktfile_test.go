package mktfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sample() (*Header, []Record) {
	h := &Header{
		List:           "POLICE",
		KeyFingerprint: "mkfp1-0123456789abcdef",
		SchemaHash:     "sha256:00ff",
		Created:        time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		MatchKeys:      []string{"nid", "name_dob"},
		Covariates:     []string{"sex"},
		Extra:          [][2]string{{"records_in", "3"}},
	}
	recs := []Record{
		{ID: "a1", Tokens: []string{"", "beef"}, Covariates: []string{"F"}},
		{ID: "b2", Tokens: []string{"cafe", "f00d"}, Covariates: []string{"unknown"}},
	}
	return h, recs
}

func TestRoundTrip(t *testing.T) {
	h, recs := sample()
	var buf bytes.Buffer
	if err := Write(&buf, h, recs); err != nil {
		t.Fatal(err)
	}
	gh, grecs, err := ReadAll(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, gh); diff != "" {
		t.Errorf("header differs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(recs, grecs); diff != "" {
		t.Errorf("records differ (-want +got):\n%s", diff)
	}
}

func TestDetectsTamperingAndTruncation(t *testing.T) {
	h, recs := sample()
	var buf bytes.Buffer
	if err := Write(&buf, h, recs); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	cases := map[string]struct {
		text string
		want error
	}{
		"truncated mid-line": {good[:len(good)-3], ErrChecksum},
		"last row dropped":   {good[:strings.LastIndex(good[:len(good)-1], "\n")+1], ErrRowCount},
		"token edited":       {strings.Replace(good, "cafe", "cafd", 1), ErrChecksum},
		"header edited":      {strings.Replace(good, "#list=POLICE", "#list=POLICF", 1), ErrChecksum},
		"row added":          {good + "c3,,,F\n", ErrRowCount},
		"not ours":           {"LA,NG,count\n1,0,3\n", ErrFormat},
		"empty":              {"", ErrFormat},
		"future version":     {strings.Replace(good, FormatName+"=1", FormatName+"=2", 1), ErrVersion},
		"bad byte in row":    {strings.Replace(good, "f00d", "f0\"d", 1), ErrValue},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := ReadAll(strings.NewReader(c.text))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestWriteRejectsUnsafeValues(t *testing.T) {
	h, recs := sample()
	recs[0].Covariates[0] = "free text, with comma"
	if err := Write(io.Discard, h, recs); !errors.Is(err, ErrValue) {
		t.Fatalf("err = %v, want ErrValue", err)
	}
	// The message must not echo the value.
	if err := Write(io.Discard, h, recs); strings.Contains(err.Error(), "free text") {
		t.Fatalf("error echoes the value: %v", err)
	}
}

func FuzzReader(f *testing.F) {
	h, recs := sample()
	var buf bytes.Buffer
	if err := Write(&buf, h, recs); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("#" + FormatName + "=1\n#sha256=00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hh, rr, err := ReadAll(bytes.NewReader(data))
		if err != nil {
			if hh != nil || rr != nil {
				t.Fatal("non-nil result with error")
			}
			return
		}
		// Whatever reads cleanly must write back to the same bytes.
		var out bytes.Buffer
		if err := Write(&out, hh, rr); err != nil {
			t.Fatalf("re-write: %v", err)
		}
	})
}

func BenchmarkReader(b *testing.B) {
	h := &Header{List: "L", KeyFingerprint: "mkfp1-0123456789abcdef", SchemaHash: "sha256:00", MatchKeys: []string{"a", "b", "c", "d", "e", "f"}, Covariates: []string{"sex", "region"}}
	recs := make([]Record, 100000)
	for i := range recs {
		recs[i] = Record{ID: fmt.Sprintf("%016x", i), Tokens: make([]string, 6), Covariates: []string{"F", "eastern_europe"}}
		for j := range recs[i].Tokens {
			recs[i].Tokens[j] = fmt.Sprintf("%032x", i*7+j)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, h, recs); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
