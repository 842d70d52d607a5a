package linkage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/morketall/morketall/internal/mktfile"
)

func TestInputErrors(t *testing.T) {
	keys := []string{"k1", "k2"}
	covs := []string{"sex"}
	recs := []rec{{"x y", []string{"F"}}, {"x -", []string{"M"}}, {"- z", []string{"unknown"}}}
	good := func(list string) []byte { return mkFile(t, list, keys, covs, recs, nil) }
	with := func(list string, mod func(*mktfile.Header)) []byte { return mkFile(t, list, keys, covs, recs, mod) }
	gb := good("B")
	lastNL := bytes.LastIndexByte(gb[:len(gb)-1], '\n')
	flipped := bytes.Clone(gb)
	flipped[len(flipped)-2] ^= 1 // a covariate letter changes: F↔G or M↔L

	var badTok []byte
	{
		var buf bytes.Buffer
		h := &mktfile.Header{List: "B", KeyFingerprint: testFingerprint, SchemaHash: testSchema, MatchKeys: keys, Covariates: covs}
		err := mktfile.Write(&buf, h, []mktfile.Record{
			{ID: "r1", Tokens: []string{tok("x"), tok("y")}, Covariates: []string{"F"}},
			{ID: "r2", Tokens: []string{tok("x"), "DEADBEEF"}, Covariates: []string{"F"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		badTok = buf.Bytes()
	}

	cases := []struct {
		name   string
		second []byte
		opts   *Options
		want   string
		is     error
	}{
		{
			name:   "mismatched keys",
			second: with("B", func(h *mktfile.Header) { h.KeyFingerprint = "mkfp1-fedcba9876543210" }),
			want:   `linkage: "b.mkt": key fingerprint differs from that of "a.mkt": the files were pseudonymised with different keys`,
			is:     ErrKeyMismatch,
		},
		{
			name:   "mismatched schemas",
			second: with("B", func(h *mktfile.Header) { h.SchemaHash = "sha256:0000" }),
			want:   `linkage: "b.mkt": schema differs from that of "a.mkt": the files were pseudonymised with different schemas (schema hashes differ)`,
			is:     ErrSchemaMismatch,
		},
		{
			name:   "same schema hash, other columns",
			second: mkFile(t, "B", []string{"k1", "k3"}, covs, recs, nil),
			want:   `linkage: "b.mkt": schema differs from that of "a.mkt": the schema hashes agree but the columns do not`,
			is:     ErrSchemaMismatch,
		},
		{
			name:   "duplicate list names",
			second: good("A"),
			want:   `linkage: "b.mkt": duplicate list name: list "A" is also the list of "a.mkt"`,
			is:     ErrDuplicateList,
		},
		{
			name:   "truncated inside a line",
			second: gb[:len(gb)-3],
			want:   `linkage: "b.mkt": mktfile: checksum mismatch (file truncated or modified): line 13: last line has no newline`,
			is:     mktfile.ErrChecksum,
		},
		{
			name:   "truncated at a line end",
			second: gb[:lastNL+1],
			want:   `linkage: "b.mkt": mktfile: row count does not match the header (file truncated or modified): header says 3, file has 2`,
			is:     mktfile.ErrRowCount,
		},
		{
			name:   "modified",
			second: flipped,
			want:   `linkage: "b.mkt": mktfile: checksum mismatch (file truncated or modified)`,
			is:     mktfile.ErrChecksum,
		},
		{
			name:   "not a pseudonymised file",
			second: []byte("name,born\n"),
			want:   `linkage: "b.mkt": mktfile: not a pseudonymised list file`,
			is:     mktfile.ErrFormat,
		},
		{
			name:   "malformed token",
			second: badTok,
			want:   `linkage: "b.mkt": line 12, column "k2": token is not 32 lowercase hex digits`,
			is:     ErrToken,
		},
		{
			name:   "stratum not a covariate",
			second: good("B"),
			opts:   &Options{Strata: []string{"region"}},
			want:   `linkage: stratum column is not a covariate of the files: "region" (the covariates are ["sex"])`,
			is:     ErrStratum,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srcs := []Source{
				{Name: "a.mkt", R: bytes.NewReader(good("A"))},
				{Name: "b.mkt", R: bytes.NewReader(c.second)},
			}
			_, err := Link(context.Background(), srcs, c.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != c.want {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
			if !errors.Is(err, c.is) {
				t.Errorf("error does not wrap %v", c.is)
			}
			for _, secret := range []string{tok("x"), tok("y"), tok("z"), "DEADBEEF", "r1", "r2", "b0000"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error holds a token or record id")
				}
			}
		})
	}
}

func TestTooFewLists(t *testing.T) {
	_, err := Link(context.Background(), sources(t, keys3, nil, []fileSpec{{"A", nil}}), nil)
	if err == nil || err.Error() != "linkage: linking needs at least 2 lists (got 1)" || !errors.Is(err, ErrTooFewLists) {
		t.Errorf("got %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	srcs := func() []Source { return sources(t, keys3, nil, []fileSpec{{"A", nil}, {"B", nil}}) }
	for _, o := range []*Options{
		{MaxTokenFrequency: 1},
		{Rule: Rule(7)},
		{Strata: []string{"a", "a"}},
		{Strata: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}},
	} {
		if _, err := Link(context.Background(), srcs(), o); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: got %v", o, err)
		}
	}
}

// TestTooManyCovariateValues: a covariate column with more distinct values
// than a byte holds in one file is refused as not coarse, naming the
// column, whatever the order of its values.
func TestTooManyCovariateValues(t *testing.T) {
	var recs []rec
	for i := range 300 {
		recs = append(recs, rec{toks: fmt.Sprintf("t%d", i), cov: []string{fmt.Sprintf("v%d", i)}})
	}
	a := mkFile(t, "A", []string{"k"}, []string{"c"}, recs, nil)
	b := mkFile(t, "B", []string{"k"}, []string{"c"}, recs[:2], nil)
	_, err := Link(context.Background(), []Source{{Name: "a.mkt", R: bytes.NewReader(a)}, {Name: "b.mkt", R: bytes.NewReader(b)}}, nil)
	var fe *FileError
	if !errors.Is(err, ErrVocabulary) || !errors.As(err, &fe) || fe.Column != "c" {
		t.Fatalf("err = %v, want ErrVocabulary on column c", err)
	}
}
