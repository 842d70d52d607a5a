package pseudonym

import (
	"strings"
	"testing"
)

// The skeletons below are worked out by hand from the rules in Skeleton's
// documentation; testdata/pseudonym/vectors.json holds more.
func TestSkeleton(t *testing.T) {
	for _, c := range [][2]string{
		// Transliteration variants of one name give one skeleton.
		{"yordanka", "ardnk"}, {"jordanka", "ardnk"}, {"iordanka", "ardnk"},
		{"dmytro", "dmtr"}, {"dmitro", "dmtr"},
		{"hristo", "hrst"}, {"khristo", "hrst"},
		{"serhii", "srh"}, {"sergii", "srh"},
		{"melnyk", "mlnk"}, {"melnik", "mlnk"},
		{"philip", "flp"}, {"filip", "flp"},
		{"alexander", "alksndr"}, {"aleksander", "alksndr"},
		{"wiktor", "vktr"}, {"viktor", "vktr"},
		// ts, tz and z are one letter; rules apply left to right.
		{"tsvetelina", "cvtln"}, {"fritz", "frc"}, {"zamfir", "cmfr"},
		{"quentin", "kntn"},
		// x is ks even at the start; an initial vowel is "a".
		{"xenia", "ksn"}, {"oksana", "aksn"}, {"elena", "aln"}, {"ioana", "an"},
		// Runs collapse after the vowels are gone.
		{"anna", "an"}, {"mattias", "mts"}, {"popescu", "psc"},
		// Digits stay; a single letter stays.
		{"3b", "3b"}, {"o", "a"}, {"b", "b"},
	} {
		if got := Skeleton(c[0]); got != c[1] {
			t.Errorf("Skeleton(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

// TestSkeletonShape checks, over every token of one to three letters and a
// set of longer ones, that a skeleton is non-empty, uses only letters the
// rules can produce, holds a vowel only as an initial "a", and has no run
// of one letter.
func TestSkeletonShape(t *testing.T) {
	const letters = "abcdefghijklmnopqrstuvwxyz0"
	var toks []string
	for _, a := range letters {
		toks = append(toks, string(a))
		for _, b := range letters {
			toks = append(toks, string(a)+string(b))
			for _, c := range letters {
				toks = append(toks, string(a)+string(b)+string(c))
			}
		}
	}
	toks = append(toks, "schwarzkopf", "ekaterina", "tkhachenko", "xxx", "aeiouy")
	for _, tok := range toks {
		s := Skeleton(tok)
		if s == "" {
			t.Fatalf("Skeleton(%q) is empty", tok)
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if strings.IndexByte("bcdfhklmnprstv0", c) < 0 && !(i == 0 && c == 'a') {
				t.Fatalf("Skeleton(%q) = %q has %q at %d", tok, s, c, i)
			}
			if i > 0 && s[i] == s[i-1] {
				t.Fatalf("Skeleton(%q) = %q has a run", tok, s)
			}
		}
	}
}

// TestNameAndDateVariantElements checks the elements added for noisy
// names and dates on hand-worked records, one key per element.
func TestNameAndDateVariantElements(t *testing.T) {
	s := DefaultSchema()
	s.MatchKeys = nil
	for _, e := range []string{"name_skeleton", "first_first", "first_last_lo", "first_last_hi", "birth_dm", "birth_year_even", "birth_year_odd"} {
		s.MatchKeys = append(s.MatchKeys, MatchKey{Name: "k_" + e, Fields: []string{e}})
	}
	p, err := New(testKey(t), s, &Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fields map[string]string
		want   []string // in the order of the keys above
	}{
		// Particles leave the skeleton and first_first, not first_last.
		{map[string]string{"given_name": "Ana Maria", "family_name": "da Costa Lima", "birth_date": "1991-12-05"},
			[]string{"an cst lm mr", "ana costa", "ana l", "lima a", "05-12", "1990", "1991"}},
		// A full name: first_first takes its first two tokens; 12 May
		// has the day and month of 5 December.
		{map[string]string{"full_name": "Lima Ana Maria", "birth_date": "12.05.1991"},
			[]string{"an lm mr", "ana lima", "lima m", "maria l", "05-12", "1990", "1991"}},
		// A family name of particles only: no first_first and no
		// first_last (rules v2). A placeholder date has a year but no day
		// and month.
		{map[string]string{"given_name": "Omar", "family_name": "al", "birth_date": "1.1.1992"},
			[]string{"amr", "", "", "", "", "1992", "1991"}},
		// One token: no pair. A year alone.
		{map[string]string{"given_name": "Kari", "birth_date": "1993"},
			[]string{"kr", "", "", "", "", "1992", "1993"}},
	} {
		toks, _, err := p.Tokens(c.fields)
		if err != nil {
			t.Fatal(err)
		}
		for i, tk := range toks {
			if tk.Message != c.want[i] {
				t.Errorf("%v: %s = %q, want %q", c.fields, tk.Key, tk.Message, c.want[i])
			}
		}
	}
}
