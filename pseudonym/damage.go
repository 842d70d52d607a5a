package pseudonym

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// ErrEncodingDamage is the error (in strict mode) for a name cell that
// looks damaged by a lossy export: a letter replaced by "?" or by U+FFFD,
// or letters of two scripts in one word.
var ErrEncodingDamage = errors.New("name looks damaged by a lossy export (a letter replaced by ? or U+FFFD, or two scripts in one word)")

// damage describes one name cell, found where the plaintext is (at the
// agency): the kinds of damage it shows and the scripts of its letters.
type damage struct {
	question    bool // an ASCII "?" (what a code page writes for a letter it lacks)
	replacement bool // U+FFFD (what a decoder writes for bytes it cannot read)
	mixed       bool // a word with letters of two scripts
	scripts     uint16
}

func (d damage) damaged() bool { return d.question || d.replacement || d.mixed }

// The scripts counted in the report, in report order. Letters of scripts
// not listed count as "other".
const (
	scriptLatin = iota
	scriptCyrillic
	scriptGreek
	scriptArabic
	scriptHebrew
	scriptThai
	scriptDevanagari
	scriptEthiopic
	scriptHan
	scriptHangul
	scriptKana
	scriptOther
	numScripts
)

var scriptNames = [numScripts]string{"latin", "cyrillic", "greek", "arabic", "hebrew", "thai", "devanagari", "ethiopic", "han", "hangul", "kana", "other"}

var scriptTables = [...]*unicode.RangeTable{
	scriptLatin: unicode.Latin, scriptCyrillic: unicode.Cyrillic, scriptGreek: unicode.Greek,
	scriptArabic: unicode.Arabic, scriptHebrew: unicode.Hebrew, scriptThai: unicode.Thai,
	scriptDevanagari: unicode.Devanagari, scriptEthiopic: unicode.Ethiopic, scriptHan: unicode.Han,
	scriptHangul: unicode.Hangul,
}

// scriptOf returns the script of a letter.
func scriptOf(r rune) int {
	if r < 0x250 {
		return scriptLatin
	}
	if r >= 0x400 && r < 0x530 {
		return scriptCyrillic
	}
	for s, t := range scriptTables {
		if t != nil && unicode.Is(t, r) {
			return s
		}
	}
	if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
		return scriptKana
	}
	return scriptOther
}

// scanName finds the damage and the scripts of one name cell. ASCII is
// handled byte by byte; a cell with other letters pays a script lookup per
// letter. Words are separated by white space, hyphens and apostrophes; a
// letter's script is its Unicode script, and marks, digits and
// punctuation belong to none.
func scanName(s string) damage {
	var d damage
	word := -1 // script of the current word's letters, -1 none yet
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
				d.scripts |= 1 << scriptLatin
				if word >= 0 && word != scriptLatin {
					d.mixed = true
				}
				word = scriptLatin
			case c == '?':
				d.question = true
			case c == ' ', c == '-', c == '\'', c == '\t':
				word = -1
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError:
			d.replacement = true
		case unicode.IsLetter(r):
			sc := scriptOf(r)
			d.scripts |= 1 << sc
			if word >= 0 && word != sc {
				d.mixed = true
			}
			word = sc
		case unicode.IsSpace(r), spaceLike[r]:
			word = -1
		}
	}
	return d
}

// DamageStats counts the name cells that look damaged by a lossy export.
// It holds counts only.
type DamageStats struct {
	// Cells is the number of name cells with any damage; ByField splits
	// it by field.
	Cells   int            `json:"cells"`
	ByField map[string]int `json:"by_field"`
	// QuestionMark, Replacement and MixedScripts count the cells with each
	// kind of damage (a cell may show more than one): "?" where a letter
	// should be (a code page that lacks the letter, such as Windows-1252
	// for ș, ț, ă, Đ, ư or Cyrillic), U+FFFD (bytes a decoder could not
	// read), and a word with letters of two scripts (a Cyrillic letter
	// inside a Latin word, say).
	QuestionMark int `json:"question_mark"`
	Replacement  int `json:"replacement_character"`
	MixedScripts int `json:"mixed_scripts"`
}

func (st *DamageStats) add(field string, d damage) {
	st.Cells++
	st.ByField[field]++
	if d.question {
		st.QuestionMark++
	}
	if d.replacement {
		st.Replacement++
	}
	if d.mixed {
		st.MixedScripts++
	}
}
