package pseudonym

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-unidecode"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormaliseText applies the text folding of PRIVACY.md, step 2, to s:
//
//  1. NFKC;
//  2. full Unicode case folding;
//  3. Cyrillic letters are transliterated by ICAO Doc 9303 (Part 3, the
//     Russian column, extended with the other Cyrillic letters the table
//     lists); this happens before step 4 so that й and ё are transliterated,
//     not stripped;
//  4. NFD, and every combining mark (Unicode category M) is removed;
//  5. the explicit map for letters that do not decompose: ø→o, æ→ae, å→a,
//     ß→ss, đ→d, ł→l, ı→i, þ→th, ð→d, œ→oe;
//  6. apostrophes, hyphens and white space become a space;
//  7. any other letter or digit outside ASCII — Greek, Arabic, Hebrew,
//     Thai, Devanagari, Ge'ez, CJK, Hangul, kana (with their vowel signs,
//     which are marks: this part happens with step 3, before step 4), and
//     the rare Latin letters the map of step 5 does not name (ŋ, ə) — is
//     transliterated by the tables of github.com/mozillazg/go-unidecode (a
//     port of Sean Burke's Text::Unidecode), whose output goes through
//     steps 2, 6 and 8 (so 王小明 gives "wang xiao ming", Μαρία "maria",
//     สมชาย "smchaay"); our own rules of steps 3 and 5 come first and keep
//     precedence;
//  8. everything outside [a-z0-9 ] is dropped, then runs of spaces are
//     collapsed and leading and trailing spaces trimmed.
//
// Step 8 drops characters before it collapses spaces (PRIVACY.md lists
// "collapse spaces" first), so that "a . b" gives "a b" and the result is
// idempotent. Step 7 makes a name in another script give the same tokens
// whenever two agencies wrote it in that script; it does not make it
// equal to a Latin spelling chosen by a passport office (สมชาย is
// "Somchai" in the Royal Thai General System), which the similarity
// encoding (BloomEncoding) may still bring close. Step 7 came with the
// second version of the rules ("morketall/v2/schema"): before it, such
// letters were dropped and most of those names normalised to nothing.
//
// The result contains only [a-z0-9 ] and NormaliseText(NormaliseText(s))
// equals NormaliseText(s). Invalid UTF-8 bytes are dropped.
func NormaliseText(s string) string {
	var buf [64]byte
	return string(appendText(buf[:0], s, false))
}

// NormaliseName is NormaliseText followed by the name-token rules of
// PRIVACY.md: in each space-separated token, "aa" becomes "a" and "oe"
// becomes "o", applied until none is left (so "aaa" gives "a" and the
// function is idempotent). Thus Åse, Aase and Ase all give "ase", and
// Bjørn and Bjoern give "bjorn".
func NormaliseName(s string) string {
	var buf [64]byte
	return string(appendName(buf[:0], s, false))
}

// appendName appends NormaliseName(s) to dst. With mark, a "?" or U+FFFD
// in s (a letter lost by a lossy export) becomes "?" instead of being
// dropped, so that the similarity encoding can treat it as an unknown
// letter (see BloomEncoding).
func appendName(dst []byte, s string, mark bool) []byte {
	start := len(dst)
	dst = appendText(dst, s, mark)
	// Fixpoint of aa→a and oe→o: a run of a's becomes one a; every e
	// directly after an o (after earlier e's are removed) is dropped.
	out := dst[start:start]
	for _, c := range dst[start:] {
		if n := len(out); n > 0 {
			if c == 'a' && out[n-1] == 'a' || c == 'e' && out[n-1] == 'o' {
				continue
			}
		}
		out = append(out, c)
	}
	return dst[:start+len(out)]
}

// appendText appends NormaliseText(s) to dst; mark keeps "?" and U+FFFD
// as "?" (see appendName).
func appendText(dst []byte, s string, mark bool) []byte {
	start := len(dst)
	fast := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = appendASCII(dst, c, mark)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		tab := fastTable()
		if int(r) >= len(tab) || tab[r] == nil {
			fast = false
			break
		}
		m := tab[r]
		dst = append(dst, m...)
		i += size
	}
	if !fast {
		dst = appendSlow(dst[:start], s, mark)
	}
	return collapse(dst, start)
}

// appendASCII handles one ASCII byte of steps 2, 6 and 7 (NFKC, NFD and
// the letter map leave ASCII alone). With mark, "?" is kept.
func appendASCII(dst []byte, c byte, mark bool) []byte {
	switch {
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return append(dst, c)
	case c >= 'A' && c <= 'Z':
		return append(dst, c+'a'-'A')
	case c == ' ', c == '\'', c == '-', c == '`', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
		return append(dst, ' ')
	case c == '?' && mark:
		return append(dst, '?')
	}
	return dst
}

// collapse collapses runs of spaces in dst[start:] and trims them.
func collapse(dst []byte, start int) []byte {
	out := dst[start:start]
	space := true // drop leading spaces
	for _, c := range dst[start:] {
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		out = append(out, c)
	}
	if n := len(out); n > 0 && out[n-1] == ' ' {
		out = out[:n-1]
	}
	return dst[:start+len(out)]
}

// letterMap is step 5 of NormaliseText.
var letterMap = map[rune]string{
	'ø': "o", 'æ': "ae", 'å': "a", 'ß': "ss", 'đ': "d", 'ł': "l",
	'ı': "i", 'þ': "th", 'ð': "d", 'œ': "oe",
}

// spaceLike are the apostrophes and hyphens of step 6 besides the ASCII
// ones (' - `).
var spaceLike = map[rune]bool{
	'\u2018': true, '\u2019': true, '\u201B': true, '\u02BC': true, '\u02BB': true, '\u02B9': true,
	'\u00B4': true, '\u2032': true, '\uFF07': true,
	'\u2010': true, '\u2011': true, '\u2012': true, '\u2013': true, '\u2014': true, '\u2015': true,
	'\u2212': true, '\u00AD': true, '\uFE63': true, '\uFF0D': true,
}

// cyrillic is the ICAO Doc 9303 (Part 3, 7th ed.) transliteration of
// Cyrillic, lower case. The Russian column is used for letters that
// languages transliterate differently (Г→g, И→i, Х→kh), since the language
// of a name is unknown. Ь is omitted, as ICAO specifies.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'ґ': "g", 'д': "d", 'ђ': "d", 'ѓ': "g",
	'е': "e", 'ё': "e", 'є': "ie", 'ж': "zh", 'з': "z", 'ѕ': "dz", 'и': "i", 'і': "i",
	'ї': "i", 'й': "i", 'ј': "j", 'к': "k", 'л': "l", 'љ': "lj", 'м': "m", 'н': "n",
	'њ': "nj", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'ћ': "c", 'ќ': "k",
	'у': "u", 'ў': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'џ': "dz", 'ш': "sh",
	'щ': "shch", 'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	'ѵ': "y", 'ѫ': "u",
}

// appendSlow is the reference implementation of steps 1–7 (but for the
// collapsing of spaces) for any string.
func appendSlow(dst []byte, s string, mark bool) []byte {
	s = strings.ToValidUTF8(s, "")
	s = norm.NFKC.String(s)
	s = cases.Fold().String(s)
	if hasCyrillic(s) {
		var b strings.Builder
		for _, r := range s {
			if t, ok := cyrillic[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	if hasOtherScript(s) {
		// Step 7 for the letters, signs and digits of scripts other than
		// Latin and Cyrillic, before step 4 strips marks: a Thai or
		// Devanagari vowel sign is a mark, and carries a vowel.
		var b strings.Builder
		for _, r := range s {
			if otherScript(r) {
				b.WriteString(unidecode.Unidecode(string(r)))
			} else {
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	s = norm.NFD.String(s)
	for _, r := range s {
		if r < utf8.RuneSelf {
			dst = appendASCII(dst, byte(r), mark)
			continue
		}
		if unicode.Is(unicode.M, r) {
			continue
		}
		if t, ok := letterMap[r]; ok {
			dst = append(dst, t...)
			continue
		}
		switch {
		case spaceLike[r] || unicode.IsSpace(r):
			dst = append(dst, ' ')
		case r == utf8.RuneError && mark:
			dst = append(dst, '?')
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			// Step 6a: letters and digits of other scripts are
			// transliterated by Unidecode's tables; its output goes
			// through the ASCII rules (so "Wang " gives "wang ").
			t := unidecode.Unidecode(string(r))
			for i := 0; i < len(t); i++ {
				dst = appendASCII(dst, t[i], false)
			}
		}
		// Anything else is outside [a-z0-9 ] and dropped.
	}
	return dst
}

// otherScript reports whether r is a letter, mark or digit of a script
// other than Latin and Cyrillic (the marks that belong to no script, such
// as the combining accents, excepted: step 4 strips them).
func otherScript(r rune) bool {
	if r < 0x370 || r >= 0x400 && r < 0x530 || r >= 0x1E00 && r < 0x1F00 {
		return false
	}
	if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r) {
		return false
	}
	return !unicode.In(r, unicode.Latin, unicode.Cyrillic, unicode.Inherited, unicode.Common)
}

func hasOtherScript(s string) bool {
	for _, r := range s {
		if otherScript(r) {
			return true
		}
	}
	return false
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if r >= 0x400 && r < 0x530 {
			return true
		}
	}
	return false
}

// The fast path: for the Latin-1, Latin Extended-A/B/Additional and Cyrillic blocks,
// the result of the reference pipeline on a single rune, computed once from
// appendSlow itself. A string made only of ASCII and such runes (all of
// them starters that compose with nothing but a following combining mark,
// which is not in the table) normalises rune by rune; anything else takes
// the slow path. FuzzNormalise checks that both paths agree.
var fastTable = sync.OnceValue(func() [][]byte {
	t := make([][]byte, 0x1F00)
	add := func(lo, hi rune) {
		for r := lo; r < hi; r++ {
			if unicode.Is(unicode.M, r) || !unicode.IsPrint(r) && !unicode.IsSpace(r) {
				continue
			}
			if p := norm.NFC.PropertiesString(string(r)); p.CCC() != 0 || !p.BoundaryBefore() {
				continue
			}
			t[r] = slices.Clip(append([]byte{}, appendSlow(nil, string(r), false)...)) // non-nil, even when empty
		}
	}
	add(0x80, 0x250)    // Latin-1 Supplement, Latin Extended-A and -B
	add(0x400, 0x530)   // Cyrillic and Cyrillic Supplement
	add(0x1E00, 0x1F00) // Latin Extended Additional (Vietnamese)
	return t
})
