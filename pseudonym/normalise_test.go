package pseudonym

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func onlyLowerAlnumSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ') {
			return false
		}
	}
	return !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") && !strings.Contains(s, "  ")
}

// slowText is NormaliseText without the fast path.
func slowText(s string) string { return string(collapse(appendSlow(nil, s, false), 0)) }

// TestFastPathMatchesReference checks the per-rune table against the
// reference pipeline on every pair of table runes drawn from a stride
// through the table, and on each rune next to ASCII letters.
func TestFastPathMatchesReference(t *testing.T) {
	var runes []rune
	for r, m := range fastTable() {
		if m != nil {
			runes = append(runes, rune(r))
		}
	}
	if len(runes) < 500 {
		t.Fatalf("fast table has only %d runes", len(runes))
	}
	for _, r := range runes {
		for _, s := range []string{string(r), "A" + string(r) + "b", string(r) + " " + string(r)} {
			if got, want := NormaliseText(s), slowText(s); got != want {
				t.Errorf("NormaliseText(%q) = %q, reference %q", s, got, want)
			}
		}
	}
	step := 7
	if testing.Short() {
		step = 31
	}
	for i := 0; i < len(runes); i += step {
		for j := 0; j < len(runes); j += step {
			s := string(runes[i]) + string(runes[j])
			if got, want := NormaliseText(s), slowText(s); got != want {
				t.Fatalf("NormaliseText(%q) = %q, reference %q", s, got, want)
			}
		}
	}
}

func TestCombiningMarksTakeTheSlowPath(t *testing.T) {
	// "a" + combining ring above composes to å under NFKC; "e" + acute.
	for in, want := range map[string]string{"A\u030Ase": "ase", "Jose\u0301": "jose", "и\u0306": "i"} {
		if got := NormaliseName(in); got != want {
			t.Errorf("NormaliseName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormaliseInvalidUTF8(t *testing.T) {
	if got := NormaliseText("Ann\xffa"); got != "anna" {
		t.Errorf("invalid byte: %q", got)
	}
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"", "Bjørn Ærlig-Åsen", "Aaase O'Brien", "STRAßE", "İstanbul ıı", "Дмитрий Подъячев",
		"Nguyễn Văn An", "a . b", "محمد", "\xff\xfe", "ﬁ ǅ ½", "A\u030A", "Ooee aa oe", "  ", "ＡＢＣ", "ﾊﾝｶｸ", "1e999999999", "3.1129956715E+10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, name := NormaliseText(s), NormaliseName(s)
		for _, out := range []string{text, name} {
			if !utf8.ValidString(out) || !onlyLowerAlnumSpace(out) {
				t.Fatalf("output %q of %q is not collapsed [a-z0-9 ]", out, s)
			}
		}
		if again := NormaliseText(text); again != text {
			t.Fatalf("NormaliseText not idempotent: %q → %q → %q", s, text, again)
		}
		if again := NormaliseName(name); again != name {
			t.Fatalf("NormaliseName not idempotent: %q → %q → %q", s, name, again)
		}
		if ref := slowText(s); text != ref {
			t.Fatalf("fast path %q differs from reference %q for %q", text, ref, s)
		}
		// The identifier parsers must not panic either, and never
		// succeed with garbage.
		if d, err := ParseDate(s, nil); err == nil && d.Precision != PrecisionMissing && (d.Year < MinBirthYear || d.String() == "") {
			t.Fatalf("ParseDate(%q) = %+v", s, d)
		}
		if id, err := ParseNationalID(s); err == nil && len(id.Number) != 11 {
			t.Fatalf("ParseNationalID(%q) = %+v", s, id)
		}
	})
}
