// Package mktfile reads and writes the pseudonymised list file: the only
// thing that travels from an agency to the linkage party.
//
// # Format (version 1)
//
// A UTF-8 text file. First come header lines, each "#name=value"; then a
// comma-separated body whose first line names the columns. Example:
//
//		#morketall-pseudonymised-list=1
//		#list=POLICE
//		#key_fingerprint=mkfp1-3f2a9c0d41b7e655
//		#schema_hash=sha256:9c1e…
//		#created=2026-11-27T10:00:00Z
//		#rows=2
//		#match_keys=nid,name_dob_sex,sorted_name_dob
//		#covariates=sex,exploitation
//		#sha256=5d41…
//		record_id,nid,name_dob_sex,sorted_name_dob,sex,exploitation
//		8f14e45fceea167a,,0cc175b9c0f1b6a831c399e269772661,92eb5ffee6ae2fec3ad71c777531578f,F,sexual
//		c9f0f895fb98ab91,45c48cce2e2d7fbdea1afc51c7c6ad26,d3d9446802a44259755d38e6d163e820,6512bd43d9caa6e02c990b0a82652dca,M,labour
//
//	  - The first line names the format and its version. Readers refuse other
//	    versions.
//	  - Header lines after it may come in any order; names are [a-z0-9_]+ and
//	    values contain no newline. Unknown names are kept in Header.Extra, so
//	    later versions can add fields.
//	  - #rows is the number of body rows. #match_keys and #covariates name the
//	    body columns after record_id, in order (either may be empty).
//	  - #sha256 must be the last header line. It is the lowercase hex SHA-256
//	    of every byte of the file except that line itself: all earlier header
//	    lines and the whole body. A truncated, extended or edited file fails
//	    the check.
//	  - Body values are restricted to the characters [A-Za-z0-9_.:+-]: tokens
//	    are hex, covariates come from a controlled vocabulary. So no value is
//	    ever quoted and a reader can split on commas. An empty value means the
//	    match key's fields were missing.
//	  - A reader in R: read.csv(f, comment.char = "#", colClasses = "character").
//
// The package does not know what tokens mean; package pseudonym writes
// these files and package linkage reads them.
package mktfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// FormatName and Version identify the format in the first header line.
const (
	FormatName = "morketall-pseudonymised-list"
	Version    = 1
)

// Header is the self-description of a pseudonymised list file.
type Header struct {
	List           string    // list (agency) name; required, [A-Za-z0-9_.-]+
	KeyFingerprint string    // fingerprint of the project key; required
	SchemaHash     string    // hash of the schema used; required
	Created        time.Time // creation time, written in UTC to the second
	Rows           int       // number of records; set by Write
	MatchKeys      []string  // names of the token columns, in order
	Covariates     []string  // names of the covariate columns, in order
	// Extra holds further header fields in file order (name, value). Names
	// must be [a-z0-9_]+ and not one of the fields above.
	Extra [][2]string
}

// Get returns the value of an Extra field.
func (h *Header) Get(name string) (string, bool) {
	for _, kv := range h.Extra {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

// Record is one row: a random record id, one token per match key (empty
// when missing) and one value per covariate.
type Record struct {
	ID         string
	Tokens     []string
	Covariates []string
}

// Errors. Reader errors wrap one of these with the line number only; no
// value from the file is ever quoted.
var (
	ErrFormat   = errors.New("mktfile: not a pseudonymised list file")
	ErrVersion  = errors.New("mktfile: unsupported format version")
	ErrHeader   = errors.New("mktfile: malformed header")
	ErrRow      = errors.New("mktfile: malformed row")
	ErrChecksum = errors.New("mktfile: checksum mismatch (file truncated or modified)")
	ErrRowCount = errors.New("mktfile: row count does not match the header (file truncated or modified)")
	ErrValue    = errors.New("mktfile: value with characters outside [A-Za-z0-9_.:+-]")
)

var reserved = map[string]bool{
	FormatName: true, "list": true, "key_fingerprint": true, "schema_hash": true,
	"created": true, "rows": true, "match_keys": true, "covariates": true, "sha256": true,
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ValidValue reports whether s may appear in the body.
func ValidValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if !validByte(s[i]) {
			return false
		}
	}
	return true
}

func validByte(c byte) bool { return byteClass[c] == classValue }

// Byte classes of the body, for a table-driven scan.
const (
	classInvalid = iota
	classValue
	classComma
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			b == '_' || b == '.' || b == ':' || b == '+' || b == '-' {
			t[c] = classValue
		}
	}
	t[','] = classComma
	return t
}()

func validColumnName(s string) bool {
	return s != "" && ValidValue(s) && s != "record_id"
}

// Write writes h and recs. It sets h.Rows to len(recs). Records are
// written in the order given: the caller shuffles them.
func Write(w io.Writer, h *Header, recs []Record) error {
	if h.List == "" || !ValidValue(h.List) {
		return fmt.Errorf("%w: list name must be non-empty [A-Za-z0-9_.:+-]", ErrHeader)
	}
	if h.KeyFingerprint == "" || !ValidValue(h.KeyFingerprint) {
		return fmt.Errorf("%w: key fingerprint missing or malformed", ErrHeader)
	}
	if h.SchemaHash == "" || !ValidValue(h.SchemaHash) {
		return fmt.Errorf("%w: schema hash missing or malformed", ErrHeader)
	}
	seen := map[string]bool{}
	for _, c := range append(append([]string{}, h.MatchKeys...), h.Covariates...) {
		if !validColumnName(c) || seen[c] {
			return fmt.Errorf("%w: column names must be unique, non-empty [A-Za-z0-9_.:+-] and not record_id", ErrHeader)
		}
		seen[c] = true
	}
	for _, kv := range h.Extra {
		if !validName(kv[0]) || reserved[kv[0]] || strings.ContainsAny(kv[1], "\r\n") {
			return fmt.Errorf("%w: extra field name must be [a-z0-9_]+, not reserved, value without newline", ErrHeader)
		}
	}
	h.Rows = len(recs)

	var head bytes.Buffer
	fmt.Fprintf(&head, "#%s=%d\n", FormatName, Version)
	fmt.Fprintf(&head, "#list=%s\n", h.List)
	fmt.Fprintf(&head, "#key_fingerprint=%s\n", h.KeyFingerprint)
	fmt.Fprintf(&head, "#schema_hash=%s\n", h.SchemaHash)
	fmt.Fprintf(&head, "#created=%s\n", h.Created.UTC().Truncate(time.Second).Format(time.RFC3339))
	fmt.Fprintf(&head, "#rows=%d\n", h.Rows)
	fmt.Fprintf(&head, "#match_keys=%s\n", strings.Join(h.MatchKeys, ","))
	fmt.Fprintf(&head, "#covariates=%s\n", strings.Join(h.Covariates, ","))
	for _, kv := range h.Extra {
		fmt.Fprintf(&head, "#%s=%s\n", kv[0], kv[1])
	}

	var body bytes.Buffer
	body.WriteString("record_id")
	for _, c := range h.MatchKeys {
		body.WriteByte(',')
		body.WriteString(c)
	}
	for _, c := range h.Covariates {
		body.WriteByte(',')
		body.WriteString(c)
	}
	body.WriteByte('\n')
	for i := range recs {
		r := &recs[i]
		if len(r.Tokens) != len(h.MatchKeys) || len(r.Covariates) != len(h.Covariates) {
			return fmt.Errorf("%w: record %d has %d tokens and %d covariates, header names %d and %d",
				ErrRow, i+1, len(r.Tokens), len(r.Covariates), len(h.MatchKeys), len(h.Covariates))
		}
		if r.ID == "" || !ValidValue(r.ID) {
			return fmt.Errorf("%w: record %d: record id", ErrValue, i+1)
		}
		body.WriteString(r.ID)
		for _, v := range r.Tokens {
			if !ValidValue(v) {
				return fmt.Errorf("%w: record %d: token", ErrValue, i+1)
			}
			body.WriteByte(',')
			body.WriteString(v)
		}
		for _, v := range r.Covariates {
			if !ValidValue(v) {
				return fmt.Errorf("%w: record %d: covariate", ErrValue, i+1)
			}
			body.WriteByte(',')
			body.WriteString(v)
		}
		body.WriteByte('\n')
	}
	sum := sha256.New()
	sum.Write(head.Bytes())
	sum.Write(body.Bytes())
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "#sha256=%s\n", hex.EncodeToString(sum.Sum(nil))); err != nil {
		return err
	}
	_, err := w.Write(body.Bytes())
	return err
}

// Reader reads a pseudonymised list file row by row, verifying the row
// count and the checksum when it reaches the end.
type Reader struct {
	Header Header
	br     *bufio.Reader
	sum    interface {
		io.Writer
		Sum([]byte) []byte
	}
	want   []byte // expected checksum
	line   int
	rows   int
	ncol   int
	fields [][]byte
	done   bool
}

// NewReader reads and checks the header. Errors carry line numbers only.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, 1<<20), sum: sha256.New()}
	h := &rd.Header
	have := map[string]bool{}
	for {
		line, err := rd.readLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if rd.line <= 1 {
					return nil, ErrFormat
				}
				return nil, fmt.Errorf("%w: line %d: file ends inside the header", ErrHeader, rd.line)
			}
			return nil, err
		}
		if len(line) == 0 || line[0] != '#' {
			if rd.line == 1 {
				return nil, ErrFormat
			}
			return nil, fmt.Errorf("%w: line %d: header ends without #sha256", ErrHeader, rd.line)
		}
		name, value, ok := strings.Cut(string(line[1:]), "=")
		if rd.line == 1 {
			if !ok || name != FormatName {
				return nil, ErrFormat
			}
			if value != strconv.Itoa(Version) {
				return nil, fmt.Errorf("%w: this reader handles version %d", ErrVersion, Version)
			}
			rd.sum.Write(line)
			rd.sum.Write([]byte{'\n'})
			continue
		}
		if !ok || !validName(name) || name == FormatName {
			return nil, fmt.Errorf("%w: line %d", ErrHeader, rd.line)
		}
		if have[name] {
			return nil, fmt.Errorf("%w: line %d: field given twice", ErrHeader, rd.line)
		}
		have[name] = true
		if name == "sha256" {
			b, err := hex.DecodeString(value)
			if err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("%w: line %d: sha256 is not 64 hex digits", ErrHeader, rd.line)
			}
			rd.want = b
			break
		}
		rd.sum.Write(line)
		rd.sum.Write([]byte{'\n'})
		switch name {
		case "list":
			h.List = value
		case "key_fingerprint":
			h.KeyFingerprint = value
		case "schema_hash":
			h.SchemaHash = value
		case "created":
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: created is not an RFC 3339 time", ErrHeader, rd.line)
			}
			h.Created = t
		case "rows":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: line %d: rows is not a non-negative integer", ErrHeader, rd.line)
			}
			h.Rows = n
		case "match_keys":
			h.MatchKeys = splitList(value)
		case "covariates":
			h.Covariates = splitList(value)
		default:
			h.Extra = append(h.Extra, [2]string{name, value})
		}
	}
	for _, f := range []string{"list", "key_fingerprint", "schema_hash", "rows", "match_keys", "covariates"} {
		if !have[f] {
			return nil, fmt.Errorf("%w: field %s missing", ErrHeader, f)
		}
	}
	if h.List == "" || h.KeyFingerprint == "" || h.SchemaHash == "" {
		return nil, fmt.Errorf("%w: list, key_fingerprint and schema_hash must not be empty", ErrHeader)
	}
	// Column line.
	line, err := rd.readLine()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: line %d: no column line", ErrRowCount, rd.line)
		}
		return nil, err
	}
	rd.hashLine(line)
	want := append(append([]string{"record_id"}, h.MatchKeys...), h.Covariates...)
	if string(line) != strings.Join(want, ",") {
		return nil, fmt.Errorf("%w: line %d: column line does not match #match_keys and #covariates", ErrHeader, rd.line)
	}
	rd.ncol = len(want)
	rd.fields = make([][]byte, rd.ncol)
	return rd, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// readLine returns the next line without its newline. A final line without
// a newline is an error: files always end in one, so its absence means
// truncation.
func (rd *Reader) readLine() ([]byte, error) {
	line, err := rd.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("%w: line %d: longer than 1 MiB", ErrRow, rd.line+1)
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			rd.line++
			return nil, fmt.Errorf("%w: line %d: last line has no newline", ErrChecksum, rd.line)
		}
		return nil, err
	}
	rd.line++
	return line[:len(line)-1], nil
}

func (rd *Reader) hashLine(line []byte) {
	// line aliases the buffer up to and including its '\n'.
	rd.sum.Write(line[:len(line)+1])
}

// Next returns the next record's fields: record id, tokens, covariates.
// The slices alias an internal buffer and are valid only until the next
// call. At the end it verifies the row count and checksum and returns
// io.EOF, or an error if they fail.
func (rd *Reader) Next() ([][]byte, error) {
	if rd.done {
		return nil, io.EOF
	}
	line, err := rd.readLine()
	if err != nil {
		if errors.Is(err, io.EOF) {
			rd.done = true
			if rd.rows != rd.Header.Rows {
				return nil, fmt.Errorf("%w: header says %d, file has %d", ErrRowCount, rd.Header.Rows, rd.rows)
			}
			if !bytes.Equal(rd.sum.Sum(nil), rd.want) {
				return nil, ErrChecksum
			}
			return nil, io.EOF
		}
		return nil, err
	}
	rd.hashLine(line)
	rd.rows++
	f := rd.fields[:0]
	start := 0
	var bad uint8
	for i, c := range line {
		switch byteClass[c] {
		case classComma:
			f = append(f, line[start:i])
			start = i + 1
		case classInvalid:
			bad = 1
		}
	}
	if bad != 0 {
		return nil, fmt.Errorf("%w: line %d", ErrValue, rd.line)
	}
	f = append(f, line[start:])
	if len(f) != rd.ncol {
		return nil, fmt.Errorf("%w: line %d: %d fields, want %d", ErrRow, rd.line, len(f), rd.ncol)
	}
	if len(f[0]) == 0 {
		return nil, fmt.Errorf("%w: line %d: empty record id", ErrRow, rd.line)
	}
	rd.fields = f
	return f, nil
}

// Line returns the number of the line last read.
func (rd *Reader) Line() int { return rd.line }

// ReadAll reads a whole file into memory, verifying it.
func ReadAll(r io.Reader) (*Header, []Record, error) {
	rd, err := NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	nk := len(rd.Header.MatchKeys)
	recs := make([]Record, 0, rd.Header.Rows)
	for {
		f, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		rec := Record{ID: string(f[0]), Tokens: make([]string, nk), Covariates: make([]string, len(f)-1-nk)}
		for i := range rec.Tokens {
			rec.Tokens[i] = string(f[1+i])
		}
		for i := range rec.Covariates {
			rec.Covariates[i] = string(f[1+nk+i])
		}
		recs = append(recs, rec)
	}
	return &rd.Header, recs, nil
}
