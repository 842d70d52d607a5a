package linkage

import (
	"errors"
	"fmt"
)

// Rule chooses how far down the match-key hierarchy links are accepted.
// The zero value is Default.
type Rule int

// The three rules, from fewest accepted keys to most. See the package
// documentation, section "Rules", for exactly which keys each one uses.
const (
	Default Rule = iota // every key, year-of-birth matches checked against the full date
	Strict              // only the most reliable keys: fewer false links, more missed ones
	Loose               // every key, unchecked: fewer missed links, more false ones
)

// Rules lists the rules in the order reports show them.
var Rules = []Rule{Strict, Default, Loose}

// String returns "strict", "default" or "loose".
func (r Rule) String() string {
	switch r {
	case Strict:
		return "strict"
	case Default:
		return "default"
	case Loose:
		return "loose"
	}
	return fmt.Sprintf("Rule(%d)", int(r))
}

// ErrRule is returned by ParseRule for a name that is not a rule.
var ErrRule = errors.New(`linkage: rule must be "strict", "default" or "loose"`)

// ParseRule parses "strict", "default" or "loose".
func ParseRule(s string) (Rule, error) {
	switch s {
	case "strict":
		return Strict, nil
	case "default":
		return Default, nil
	case "loose":
		return Loose, nil
	}
	return 0, ErrRule
}

// RuleKeys returns how many keys, counted from the top of a hierarchy of m
// match keys, the rule accepts links on (see the package documentation,
// section "Rules"):
//
//	strict   min(2, m-2), but at least 1
//	default  m
//	loose    m
//
// Default and loose differ in the date check (Rule.ChecksDates). It
// returns 0 when m is 0 and panics for an unknown rule.
func RuleKeys(r Rule, m int) int {
	if m <= 0 {
		return 0
	}
	switch r {
	case Loose, Default:
		return m
	case Strict:
		return max(1, min(2, m-2))
	}
	panic("linkage: unknown rule " + r.String())
}

// ChecksDates reports whether the rule refuses the blocks of a key with
// the year of birth whose records carry different tokens of the key with
// the full date (Options.DateRefinements): true for strict and default,
// false for loose.
func (r Rule) ChecksDates() bool { return r != Loose }

// Options control Link. A nil *Options means the defaults.
type Options struct {
	// Rule chooses the keys whose links make Result.Table. Default:
	// Default. The report holds the tables of all three rules whatever
	// this is.
	Rule Rule

	// Strata names covariate columns whose values split the overlap
	// table into strata. Default none. At most MaxStrata columns.
	Strata []string

	// MaxTokenFrequency is the number of records above which a token is
	// implausibly common and links nothing. Default 0: twice the number
	// of lists (every list holding the person twice). Must be at least 2
	// when set.
	MaxTokenFrequency int

	// DateRefinements maps a key whose date of birth is only the year to
	// the stronger key made of the same name with the full date of birth.
	// A block of the first key whose records carry two or more different
	// tokens of the second links nothing: the same name and birth year
	// with two different full dates of birth, both known, are two people.
	// Default nil: derived from the key names as the package
	// documentation describes (section "Contradicted blocks"); an empty
	// non-nil map turns the check off.
	DateRefinements map[string]string

	// MissingValues are the covariate values that mean "not known": they
	// never conflict with another value and lose every vote. Default
	// {"", "unknown"}.
	MissingValues []string

	// Scoring controls the scored pass (package documentation, section
	// "Scored links"). Default nil: the defaults of ScoringOptions.
	Scoring *ScoringOptions

	// Assignments makes Result.Assignments: for every record its person,
	// what linked it and its candidates in the review band. It keeps the
	// record ids in memory (8 bytes a record). Default false.
	Assignments bool

	// Workers bounds the number of goroutines. Default 0: GOMAXPROCS.
	// The result does not depend on it.
	Workers int
}

// ScoringOptions control the scored pass. A nil *ScoringOptions means the
// defaults.
type ScoringOptions struct {
	// Off turns the scored pass off: the default rule then applies every
	// exact key as a level, the year-of-birth keys checked against the
	// full date, as before the pass existed. Default false.
	Off bool
	// Upper and Lower are the thresholds on a candidate pair's weight,
	// the posterior log-odds of a match in bits (log2 of the likelihood
	// ratio m/u summed over the features, plus the prior log-odds; package
	// documentation, "Scored links"): the default rule links pairs of at
	// least Upper, the loose rule pairs of at least Lower, and pairs
	// between them are left for review. They apply when SetThresholds is
	// true (then Lower ≤ Upper, both finite); otherwise the defaults,
	// DefaultUpper and DefaultLower.
	Upper, Lower  float64
	SetThresholds bool
	// Margin is how many bits below a pair's weight another candidate of
	// one of its records must stay for the pair to be linked, when the
	// two candidates' persons cannot be one (a placeholder date among two
	// namesakes, say): closer than that, both go to review. Default 0:
	// DefaultMargin. Must not be negative.
	Margin float64
	// MaxComparisons bounds the Dice comparisons of the Bloom pass: when
	// the blocks of the block keys hold more pairs, the largest blocks are
	// left out (and counted in the report) until the rest fit. Default 0:
	// DefaultMaxComparisons.
	MaxComparisons int
	// MinDice is the Dice coefficient of the Bloom encodings below which
	// two records of one block are not a candidate pair. Default 0:
	// DefaultMinDice. At most 1.
	MinDice float64
}

// Defaults of ScoringOptions, chosen on the end-to-end test populations
// (package documentation, section "Scored links").
const (
	DefaultUpper          = -6.0
	DefaultLower          = -10.0
	DefaultMargin         = 2.0
	DefaultMaxComparisons = 20_000_000
	DefaultMinDice        = 0.6
)

// MaxStrata is the largest number of stratum columns Link accepts.
const MaxStrata = 8

// Unknown is the stratum value written for a person whose records all
// have a missing value of the stratum column.
const Unknown = "unknown"
