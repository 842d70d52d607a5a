package pseudonym

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// vectors mirrors testdata/pseudonym/vectors.json; see the README there
// for how each part was made. Nothing in it comes from this package.
type vectors struct {
	Key           string            `json:"key"`
	Today         string            `json:"today"`
	Fingerprint   string            `json:"fingerprint"`
	Subkeys       map[string]string `json:"subkeys"`
	NormaliseName [][2]string       `json:"normalise_name"`
	NormaliseText [][2]string       `json:"normalise_text"`
	Skeleton      [][2]string       `json:"skeleton"`
	Dates         []struct {
		In          string `json:"in"`
		Out         string `json:"out"`
		Precision   string `json:"precision"`
		Placeholder bool   `json:"placeholder"`
		ExcelSerial bool   `json:"excel_serial"`
		Error       bool   `json:"error"`
	} `json:"dates"`
	NationalIDs []struct {
		In       string `json:"in"`
		Number   string `json:"number"`
		Kind     string `json:"kind"`
		Repaired bool   `json:"repaired"`
		Rule2032 bool   `json:"rule_2032"`
		Error    string `json:"error"`
		// BirthDate is the date the number encodes, "" when the
		// individual-number ranges give no century.
		BirthDate string `json:"birth_date"`
	} `json:"national_ids"`
	Records []struct {
		Comment    string            `json:"comment"`
		Fields     map[string]string `json:"fields"`
		Messages   map[string]string `json:"messages"`
		Tokens     map[string]string `json:"tokens"`
		Covariates map[string]string `json:"covariates"`
	} `json:"records"`
}

func loadVectors(t *testing.T) (*vectors, *Key, time.Time) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "pseudonym", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	kb, err := hex.DecodeString(v.Key)
	if err != nil {
		t.Fatal(err)
	}
	key, err := NewKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	today, err := time.Parse("2006-01-02", v.Today)
	if err != nil {
		t.Fatal(err)
	}
	return &v, key, today
}

func TestVectors(t *testing.T) {
	v, key, today := loadVectors(t)

	t.Run("keys", func(t *testing.T) {
		if got := key.Fingerprint(); got != v.Fingerprint {
			t.Errorf("fingerprint %s, want %s", got, v.Fingerprint)
		}
		for name, want := range v.Subkeys {
			if got := hex.EncodeToString(key.subkey(name)); got != want {
				t.Errorf("subkey %s = %s, want %s", name, got, want)
			}
		}
	})

	t.Run("names", func(t *testing.T) {
		for _, c := range v.NormaliseName {
			if got := NormaliseName(c[0]); got != c[1] {
				t.Errorf("NormaliseName(%q) = %q, want %q", c[0], got, c[1])
			}
		}
		for _, c := range v.NormaliseText {
			if got := NormaliseText(c[0]); got != c[1] {
				t.Errorf("NormaliseText(%q) = %q, want %q", c[0], got, c[1])
			}
		}
		if len(v.Skeleton) == 0 {
			t.Error("no skeleton vectors")
		}
		for _, c := range v.Skeleton {
			if got := Skeleton(c[0]); got != c[1] {
				t.Errorf("Skeleton(%q) = %q, want %q", c[0], got, c[1])
			}
		}
	})

	t.Run("dates", func(t *testing.T) {
		for _, c := range v.Dates {
			d, err := ParseDate(c.In, &DateOptions{Today: today})
			if c.Error {
				if !errors.Is(err, ErrNotDate) {
					t.Errorf("ParseDate(%q) = %v, %v; want ErrNotDate", c.In, d, err)
				}
				continue
			}
			if err != nil || d.String() != c.Out || d.Precision.String() != c.Precision ||
				d.Placeholder != c.Placeholder || d.ExcelSerial != c.ExcelSerial {
				t.Errorf("ParseDate(%q) = %q %s placeholder=%v serial=%v, %v; want %q %s placeholder=%v serial=%v",
					c.In, d, d.Precision, d.Placeholder, d.ExcelSerial, err, c.Out, c.Precision, c.Placeholder, c.ExcelSerial)
			}
		}
	})

	t.Run("national_ids", func(t *testing.T) {
		want := map[string]error{"format": ErrIDFormat, "checksum": ErrIDChecksum, "date": ErrIDDate}
		for _, c := range v.NationalIDs {
			id, err := ParseNationalID(c.In)
			if c.Error != "" {
				if !errors.Is(err, want[c.Error]) {
					t.Errorf("ParseNationalID(%q) = %+v, %v; want %v", c.In, id, err, want[c.Error])
				}
				continue
			}
			if err != nil || id.Number != c.Number || id.Kind.String() != c.Kind || id.Repaired != c.Repaired || id.Rule2032 != c.Rule2032 {
				t.Errorf("ParseNationalID(%q) = %+v (%s), %v; want %s %s repaired=%v 2032=%v",
					c.In, id, id.Kind, err, c.Number, c.Kind, c.Repaired, c.Rule2032)
			}
			if d, ok := id.BirthDate(); d.String() != c.BirthDate || ok != (c.BirthDate != "") {
				t.Errorf("ParseNationalID(%q).BirthDate() = %s, %v; want %q", c.In, d, ok, c.BirthDate)
			}
		}
	})

	t.Run("records", func(t *testing.T) {
		p, err := New(key, nil, &Options{Now: today})
		if err != nil {
			t.Fatal(err)
		}
		covNames := []string{}
		for _, c := range DefaultSchema().Covariates {
			covNames = append(covNames, c.Name)
		}
		for _, r := range v.Records {
			toks, covs, err := p.Tokens(r.Fields)
			if err != nil {
				t.Errorf("%s: %v", r.Comment, err)
				continue
			}
			if len(toks) != len(r.Messages) {
				t.Errorf("%s: %d tokens, vectors have %d", r.Comment, len(toks), len(r.Messages))
			}
			for _, tk := range toks {
				if tk.Message != r.Messages[tk.Key] {
					t.Errorf("%s: key %s: message %q, want %q", r.Comment, tk.Key, tk.Message, r.Messages[tk.Key])
				}
				if tk.Value != r.Tokens[tk.Key] {
					t.Errorf("%s: key %s: token %s, want %s", r.Comment, tk.Key, tk.Value, r.Tokens[tk.Key])
				}
			}
			for i, name := range covNames {
				if covs[i] != r.Covariates[name] {
					t.Errorf("%s: covariate %s = %q, want %q", r.Comment, name, covs[i], r.Covariates[name])
				}
			}
		}
	})

	t.Run("pairs of one person link on the keys built for their noise", func(t *testing.T) {
		// Records recorded twice for one person, with the keys on which
		// the contract says their tokens are equal; every other key
		// differs (or is missing).
		byComment := func(prefix string) map[string]string {
			for _, r := range v.Records {
				if strings.HasPrefix(r.Comment, prefix) {
					return r.Tokens
				}
			}
			t.Fatalf("no vector record %q", prefix)
			return nil
		}
		for _, c := range []struct {
			a, b  string
			equal []string
		}{
			{"swapped names, part 1", "swapped names, part 2", []string{"skeleton_dob", "first_last_dob", "first_first_dob",
				"first_last_lo_dob_sex", "first_last_hi_dob_sex", "skeleton_year_sex", "first_last_year_sex", "skeleton_dm_even_sex", "skeleton_dm_odd_sex",
				"name_bloom", "block_dob", "block_year_sex", "block_year"}},
			{"transliteration, part 1", "transliteration, part 2", []string{"skeleton_dob", "skeleton_year_sex", "skeleton_dm_even_sex", "skeleton_dm_odd_sex", "block_dob", "block_year_sex", "block_year"}},
			{"typo, part 1", "typo, part 2", []string{"first_last_hi_dob_sex", "block_dob", "block_year_sex", "block_year"}},
			{"dates, part 1", "dates, part 2", []string{"skeleton_dm_odd_sex"}},
			{"second surname, part 1", "second surname, part 2", []string{"first_first_dob", "block_dob", "block_year_sex", "block_year"}},
		} {
			a, b := byComment(c.a), byComment(c.b)
			for k := range a {
				same := a[k] != "" && a[k] == b[k]
				if same != slices.Contains(c.equal, k) {
					t.Errorf("%s / %s: key %s equal=%v", c.a, c.b, k, same)
				}
			}
		}
	})
}
