package mktfile

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
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

func testMAC() hash.Hash { return hmac.New(sha256.New, []byte("agencies' key, for the test only")) }

// TestMACSealsTheFile edits a token and recomputes #sha256, as anyone
// without the key can: the plain reader accepts the result (that is all a
// checksum can do), Verify refuses it.
func TestMACSealsTheFile(t *testing.T) {
	h, recs := sample()
	var buf bytes.Buffer
	if err := WriteMAC(&buf, h, recs, testMAC()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	if !strings.Contains(good, "\n#mac=hmac-sha256:") {
		t.Fatalf("no #mac line:\n%s", good)
	}
	if _, err := Verify(strings.NewReader(good), testMAC()); err != nil {
		t.Fatalf("Verify of an intact file: %v", err)
	}
	if _, err := Verify(strings.NewReader(good), hmac.New(sha256.New, []byte("another key"))); !errors.Is(err, ErrMAC) {
		t.Fatalf("Verify with another key: %v, want ErrMAC", err)
	}
	forged := resum(t, strings.Replace(good, "cafe", "cafd", 1))
	if _, _, err := ReadAll(strings.NewReader(forged)); err != nil {
		t.Fatalf("the plain reader should accept a re-summed file: %v", err)
	}
	if _, err := Verify(strings.NewReader(forged), testMAC()); !errors.Is(err, ErrMAC) {
		t.Fatalf("Verify of an edited, re-summed file: %v, want ErrMAC", err)
	}
	// Removing the #mac line (and re-summing) leaves a file that cannot
	// be verified, not one that passes.
	i := strings.Index(good, "#mac=")
	j := i + strings.IndexByte(good[i:], '\n') + 1
	stripped := resum(t, good[:i]+good[j:])
	if _, err := Verify(strings.NewReader(stripped), testMAC()); !errors.Is(err, ErrNoMAC) {
		t.Fatalf("Verify without #mac: %v, want ErrNoMAC", err)
	}
	// A file without a MAC is still a valid file for the linkage party.
	if _, _, err := ReadAll(strings.NewReader(stripped)); err != nil {
		t.Fatal(err)
	}
}

// resum recomputes the #sha256 line of a file as the format defines it.
func resum(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "#sha256=")
	j := i + strings.IndexByte(text[i:], '\n') + 1
	sum := sha256.Sum256([]byte(text[:i] + text[j:]))
	return text[:i] + "#sha256=" + hex.EncodeToString(sum[:]) + "\n" + text[j:]
}

// TestStreamWriterMatchesWrite writes the same list both ways, to a real
// file for the stream: the bytes agree, with and without a MAC.
func TestStreamWriterMatchesWrite(t *testing.T) {
	for _, withMAC := range []bool{false, true} {
		h, recs := sample()
		var mac hash.Hash
		if withMAC {
			mac = testMAC()
		}
		var want bytes.Buffer
		if err := WriteMAC(&want, h, recs, mac); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(t.TempDir(), "x.mkt"))
		if err != nil {
			t.Fatal(err)
		}
		h.Rows = len(recs)
		w, err := NewStreamWriter(f, h, mac)
		if err != nil {
			t.Fatal(err)
		}
		for i := range recs {
			if err := w.WriteRecord(&recs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(f.Name())
		f.Close()
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("mac %v: stream wrote\n%s\nwant\n%s", withMAC, got, want.Bytes())
		}
		// A wrong row count is an error.
		h.Rows = len(recs) + 1
		f2, _ := os.Create(filepath.Join(t.TempDir(), "y.mkt"))
		w2, _ := NewStreamWriter(f2, h, mac)
		w2.WriteRecord(&recs[0])
		if err := w2.Close(); !errors.Is(err, ErrRowCount) {
			t.Errorf("short stream: %v, want ErrRowCount", err)
		}
		f2.Close()
	}
}

func TestCRLFSaysLineEndings(t *testing.T) {
	h, recs := sample()
	var buf bytes.Buffer
	if err := WriteMAC(&buf, h, recs, testMAC()); err != nil {
		t.Fatal(err)
	}
	crlf := strings.ReplaceAll(buf.String(), "\n", "\r\n")
	_, _, err := ReadAll(strings.NewReader(crlf))
	if !errors.Is(err, ErrLineEndings) || errors.Is(err, ErrVersion) {
		t.Fatalf("CRLF file: %v, want ErrLineEndings", err)
	}
	// A CRLF file that is not ours is still "not a list file".
	if _, _, err := ReadAll(strings.NewReader("LA,NG,count\r\n1,0,3\r\n")); !errors.Is(err, ErrFormat) {
		t.Fatalf("CRLF table: %v, want ErrFormat", err)
	}
}
