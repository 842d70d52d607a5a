package linkage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/morketall/morketall/internal/mktfile"
)

// tok returns the token that stands for label in hand-built files: the
// first 16 bytes of SHA-256(label) in hex. "" stays "" (missing).
func tok(label string) string {
	if label == "" {
		return ""
	}
	h := sha256.Sum256([]byte(label))
	return hex.EncodeToString(h[:16])
}

// rec is a hand-built record: one token label per key (written as one
// string "x y -" with "-" for missing) and covariate values.
type rec struct {
	toks string
	cov  []string
}

type fileSpec struct {
	list string
	recs []rec
}

const (
	testFingerprint = "mkfp1-0123456789abcdef"
	testSchema      = "sha256:5c4e"
)

// mkFile writes a pseudonymised list file. mod may change the header.
func mkFile(t testing.TB, list string, keys, covs []string, recs []rec, mod func(*mktfile.Header)) []byte {
	t.Helper()
	h := &mktfile.Header{
		List:           list,
		KeyFingerprint: testFingerprint,
		SchemaHash:     testSchema,
		Created:        time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
		MatchKeys:      keys,
		Covariates:     covs,
	}
	if mod != nil {
		mod(h)
	}
	var rs []mktfile.Record
	for i, r := range recs {
		f := strings.Fields(r.toks)
		if len(f) != len(keys) {
			t.Fatalf("record %d of %s: %d token labels for %d keys", i, list, len(f), len(keys))
		}
		mr := mktfile.Record{ID: fmt.Sprintf("%s%04d", strings.ToLower(list), i), Covariates: r.cov}
		for _, l := range f {
			if l == "-" {
				l = ""
			}
			mr.Tokens = append(mr.Tokens, tok(l))
		}
		if mr.Covariates == nil {
			mr.Covariates = make([]string, len(covs))
		}
		rs = append(rs, mr)
	}
	var buf bytes.Buffer
	if err := mktfile.Write(&buf, h, rs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sources(t testing.TB, keys, covs []string, files []fileSpec) []Source {
	t.Helper()
	var srcs []Source
	for _, f := range files {
		srcs = append(srcs, Source{Name: strings.ToLower(f.list) + ".mkt", R: bytes.NewReader(mkFile(t, f.list, keys, covs, f.recs, nil))})
	}
	return srcs
}

func link(t testing.TB, keys, covs []string, files []fileSpec, opts *Options) *Result {
	t.Helper()
	res, err := Link(context.Background(), sources(t, keys, covs, files), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// cells returns the table as "pattern[/stratum...]=count" strings.
func cells(res *Result, r Rule) map[string]int {
	t := res.Tables[r]
	out := map[string]int{}
	for _, row := range t.Rows {
		k := row.Pattern.String(t.K())
		for _, s := range row.Stratum {
			k += "/" + s
		}
		out[k] = row.Count
	}
	return out
}

func keyReport(res *Result, name string) KeyReport {
	for _, k := range res.Report.Keys {
		if k.Name == name {
			return k
		}
	}
	panic("no key " + name)
}
