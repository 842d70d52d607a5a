package linkage

import (
	"errors"
	"fmt"
	"strings"
)

// Errors. Those about one file come wrapped in a *FileError that names the
// file and, where there is one, the line and column. No message ever holds
// a token, a record id or a covariate value: tokens are pseudonyms, and a
// pseudonym is personal data to anyone who holds the key.
var (
	ErrKeyMismatch    = errors.New("linkage: key fingerprint differs")
	ErrSchemaMismatch = errors.New("linkage: schema differs")
	ErrDuplicateList  = errors.New("linkage: duplicate list name")
	ErrNoMatchKeys    = errors.New("linkage: the files have no match keys")
	ErrToken          = errors.New("linkage: token is not 32 lowercase hex digits")
	ErrBloom          = errors.New("linkage: Bloom encoding is not 43 base64url digits (256 bits)")
	ErrRecordID       = errors.New("linkage: record id is not 16 lowercase hex digits")
	ErrVocabulary     = errors.New("linkage: covariate has too many distinct values")
	ErrTooFewLists    = errors.New("linkage: linking needs at least 2 lists")
	ErrTooManyLists   = errors.New("linkage: too many lists")
	ErrTooManyRecords = errors.New("linkage: too many records")
	ErrStratum        = errors.New("linkage: stratum column is not a covariate of the files")
	ErrOptions        = errors.New("linkage: invalid options")
)

// FileError is an error about one input file. Err is a sentinel of this
// package or an error of package mktfile (which carries its own line
// number), possibly wrapped.
type FileError struct {
	File   string // the Source's Name
	Line   int    // 1-based line, or 0
	Column string // column name, or ""
	Err    error
}

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "linkage: %q", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
		if e.Column != "" {
			fmt.Fprintf(&b, ", column %q", e.Column)
		}
	} else if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "linkage: "))
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }
