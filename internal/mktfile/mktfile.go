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
//	    lines and the whole body. A truncated, extended or damaged file fails
//	    the check. It is not a seal: anyone who edits the file can recompute
//	    it, so it proves nothing against deliberate change.
//	  - #mac, when present, comes just before #sha256 and is
//	    "hmac-sha256:" and the lowercase hex HMAC-SHA256, under a key only
//	    the agencies hold (package pseudonym derives it from the project key),
//	    of every byte of the file except the #mac and #sha256 lines. It is the
//	    seal: only someone with the key can make or check it (Verify). Older
//	    readers keep it as an unknown field, so files with it stay readable.
//	  - Lines end in "\n" only. A file converted to CRLF line endings on the
//	    way is refused with ErrLineEndings, not taken for another version.
//
// # What the checks prove, and to whom
//
// The linkage party holds no key, so it checks #sha256 only: that detects
// truncation and accidental damage, not deliberate change. To detect a
// deliberate change without the key, it compares the file's SHA-256 with
// the one the agency reports through another channel (pseudonymise prints
// it, and the agency's manifest records it). An agency, or an auditor given
// the key, checks #mac with Verify ("morketall verify --key"): a file
// altered by anyone without the key fails. Since every agency holds the
// same key, the MAC shows that a key holder made the file, not which one.
//   - Body values are restricted to the characters [A-Za-z0-9_.:+-]: tokens
//     are hex, covariates come from a controlled vocabulary. So no value is
//     ever quoted and a reader can split on commas. An empty value means the
//     match key's fields were missing.
//   - A reader in R: read.csv(f, comment.char = "#", colClasses = "character").
//
// The package does not know what tokens mean; package pseudonym writes
// these files and package linkage reads them.
package mktfile

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
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
	// MAC is the value of the #mac line as read ("hmac-sha256:…"), or ""
	// when the file has none. Writers ignore it: they compute the MAC.
	MAC string
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
	// ErrLineEndings means the file's lines end in CRLF: it was converted
	// as text on the way (e-mail, FTP in ASCII mode, a Windows editor).
	ErrLineEndings = errors.New("mktfile: line endings changed to CRLF (the file was converted as text on the way; send it unchanged, as a binary file)")
	// ErrNoMAC means Verify was asked to check a file without a #mac line.
	ErrNoMAC = errors.New("mktfile: the file has no MAC (#mac line), so it cannot be verified")
	// ErrMAC means the #mac line does not match: the file was changed by
	// someone without the key, or made with another key.
	ErrMAC = errors.New("mktfile: MAC mismatch (file modified, or made with another key)")
)

// macPrefix starts the value of a #mac line.
const macPrefix = "hmac-sha256:"

var reserved = map[string]bool{
	FormatName: true, "list": true, "key_fingerprint": true, "schema_hash": true,
	"created": true, "rows": true, "match_keys": true, "covariates": true, "sha256": true, "mac": true,
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

// Write writes h and recs without a MAC. It sets h.Rows to len(recs).
// Records are written in the order given: the caller shuffles them.
func Write(w io.Writer, h *Header, recs []Record) error { return WriteMAC(w, h, recs, nil) }

// WriteMAC is Write with a #mac line computed with mac (a fresh HMAC under
// the agencies' key), or none when mac is nil. It holds the file in memory;
// StreamWriter writes a large one.
func WriteMAC(w io.Writer, h *Header, recs []Record, mac hash.Hash) error {
	h.Rows = len(recs)
	head, err := formatHeader(h)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	body.Write(columnLine(h))
	var row []byte
	for i := range recs {
		if row, err = appendRecord(row[:0], h, &recs[i], i+1); err != nil {
			return err
		}
		body.Write(row)
	}
	var macLine []byte
	if mac != nil {
		mac.Reset()
		mac.Write(head)
		mac.Write(body.Bytes())
		macLine = fmt.Appendf(nil, "#mac=%s%s\n", macPrefix, hex.EncodeToString(mac.Sum(nil)))
	}
	sum := sha256.New()
	sum.Write(head)
	sum.Write(macLine)
	sum.Write(body.Bytes())
	for _, b := range [][]byte{head, macLine, fmt.Appendf(nil, "#sha256=%s\n", hex.EncodeToString(sum.Sum(nil))), body.Bytes()} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// formatHeader checks h and returns its header lines up to, not including,
// #mac and #sha256.
func formatHeader(h *Header) ([]byte, error) {
	if h.List == "" || !ValidValue(h.List) {
		return nil, fmt.Errorf("%w: list name must be non-empty [A-Za-z0-9_.:+-]", ErrHeader)
	}
	if h.KeyFingerprint == "" || !ValidValue(h.KeyFingerprint) {
		return nil, fmt.Errorf("%w: key fingerprint missing or malformed", ErrHeader)
	}
	if h.SchemaHash == "" || !ValidValue(h.SchemaHash) {
		return nil, fmt.Errorf("%w: schema hash missing or malformed", ErrHeader)
	}
	seen := map[string]bool{}
	for _, c := range append(append([]string{}, h.MatchKeys...), h.Covariates...) {
		if !validColumnName(c) || seen[c] {
			return nil, fmt.Errorf("%w: column names must be unique, non-empty [A-Za-z0-9_.:+-] and not record_id", ErrHeader)
		}
		seen[c] = true
	}
	for _, kv := range h.Extra {
		if !validName(kv[0]) || reserved[kv[0]] || strings.ContainsAny(kv[1], "\r\n") {
			return nil, fmt.Errorf("%w: extra field name must be [a-z0-9_]+, not reserved, value without newline", ErrHeader)
		}
	}
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
	return head.Bytes(), nil
}

func columnLine(h *Header) []byte {
	b := []byte("record_id")
	for _, c := range h.MatchKeys {
		b = append(append(b, ','), c...)
	}
	for _, c := range h.Covariates {
		b = append(append(b, ','), c...)
	}
	return append(b, '\n')
}

// appendRecord appends record n (1-based, for errors) as a body line.
func appendRecord(b []byte, h *Header, r *Record, n int) ([]byte, error) {
	if len(r.Tokens) != len(h.MatchKeys) || len(r.Covariates) != len(h.Covariates) {
		return b, fmt.Errorf("%w: record %d has %d tokens and %d covariates, header names %d and %d",
			ErrRow, n, len(r.Tokens), len(r.Covariates), len(h.MatchKeys), len(h.Covariates))
	}
	if r.ID == "" || !ValidValue(r.ID) {
		return b, fmt.Errorf("%w: record %d: record id", ErrValue, n)
	}
	b = append(b, r.ID...)
	for _, v := range r.Tokens {
		if !ValidValue(v) {
			return b, fmt.Errorf("%w: record %d: token", ErrValue, n)
		}
		b = append(append(b, ','), v...)
	}
	for _, v := range r.Covariates {
		if !ValidValue(v) {
			return b, fmt.Errorf("%w: record %d: covariate", ErrValue, n)
		}
		b = append(append(b, ','), v...)
	}
	return append(b, '\n'), nil
}

// Target is where a StreamWriter writes: a new, empty file it can write
// at offsets and read back (an *os.File, an *atomicfile.File).
type Target interface {
	io.Writer
	io.WriterAt
	io.ReaderAt
}

// StreamWriter writes a list file of any size record by record, holding
// one record in memory. The #mac and #sha256 lines come before the body
// they cover, so it writes placeholders of the right length, computes the
// MAC while the body is written, and at Close patches the #mac line, reads
// the file back to compute the SHA-256 (which covers the #mac line) and
// patches #sha256.
type StreamWriter struct {
	t      Target
	h      Header
	mac    hash.Hash
	macOff int64 // offset of the #mac line, or -1
	shaOff int64
	off    int64 // bytes written
	rows   int
	buf    []byte
	err    error
}

// NewStreamWriter writes the header of h to t, which must be empty. h.Rows
// must be the number of records that will follow; Close checks it. mac, if
// not nil, is a fresh HMAC under the agencies' key for the #mac line.
func NewStreamWriter(t Target, h *Header, mac hash.Hash) (*StreamWriter, error) {
	head, err := formatHeader(h)
	if err != nil {
		return nil, err
	}
	w := &StreamWriter{t: t, h: *h, mac: mac, macOff: -1}
	if mac != nil {
		mac.Reset()
		mac.Write(head)
	}
	buf := slices.Clone(head)
	if mac != nil {
		w.macOff = int64(len(buf))
		buf = append(buf, "#mac="+macPrefix...)
		buf = append(buf, strings.Repeat("0", 2*mac.Size())...)
		buf = append(buf, '\n')
	}
	w.shaOff = int64(len(buf))
	buf = append(buf, "#sha256="+strings.Repeat("0", 2*sha256.Size)+"\n"...)
	col := columnLine(h)
	buf = append(buf, col...)
	if mac != nil {
		mac.Write(col)
	}
	if _, err := t.Write(buf); err != nil {
		return nil, err
	}
	w.off = int64(len(buf))
	return w, nil
}

// WriteRecord appends one record.
func (w *StreamWriter) WriteRecord(r *Record) error {
	if w.err != nil {
		return w.err
	}
	w.rows++
	w.buf, w.err = appendRecord(w.buf[:0], &w.h, r, w.rows)
	if w.err != nil {
		return w.err
	}
	if w.mac != nil {
		w.mac.Write(w.buf)
	}
	_, w.err = w.t.Write(w.buf)
	w.off += int64(len(w.buf))
	return w.err
}

// WriteLine appends one record given as its body line: the record id,
// tokens and covariates joined by commas, ending in a newline, as a
// caller that formats records itself has them. The line is checked as
// WriteRecord checks a record: the number of fields, a non-empty record
// id, and only value bytes between the commas.
func (w *StreamWriter) WriteLine(line []byte) error {
	if w.err != nil {
		return w.err
	}
	w.rows++
	n := len(line) - 1
	if n < 1 || line[n] != '\n' {
		w.err = fmt.Errorf("%w: record %d: no line end", ErrRow, w.rows)
		return w.err
	}
	commas := 0
	for _, c := range line[:n] {
		switch byteClass[c] {
		case classComma:
			commas++
		case classInvalid:
			w.err = fmt.Errorf("%w: record %d", ErrValue, w.rows)
			return w.err
		}
	}
	if want := len(w.h.MatchKeys) + len(w.h.Covariates); commas != want {
		w.err = fmt.Errorf("%w: record %d has %d fields after the record id, header names %d", ErrRow, w.rows, commas, want)
		return w.err
	}
	if line[0] == ',' {
		w.err = fmt.Errorf("%w: record %d: record id", ErrValue, w.rows)
		return w.err
	}
	if w.mac != nil {
		w.mac.Write(line)
	}
	_, w.err = w.t.Write(line)
	w.off += int64(len(line))
	return w.err
}

// Close checks the row count and writes the #mac and #sha256 lines. The
// caller then commits (or, on error, removes) the file.
func (w *StreamWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	w.err = errors.New("mktfile: StreamWriter used after Close")
	if w.rows != w.h.Rows {
		return fmt.Errorf("%w: header says %d, %d written", ErrRowCount, w.h.Rows, w.rows)
	}
	if w.mac != nil {
		line := fmt.Appendf(nil, "#mac=%s%s\n", macPrefix, hex.EncodeToString(w.mac.Sum(nil)))
		if _, err := w.t.WriteAt(line, w.macOff); err != nil {
			return err
		}
	}
	shaLine := int64(len("#sha256=") + 2*sha256.Size + 1)
	sum := sha256.New()
	if _, err := io.Copy(sum, io.NewSectionReader(w.t, 0, w.shaOff)); err != nil {
		return err
	}
	if _, err := io.Copy(sum, io.NewSectionReader(w.t, w.shaOff+shaLine, w.off-w.shaOff-shaLine)); err != nil {
		return err
	}
	_, err := w.t.WriteAt(fmt.Appendf(nil, "#sha256=%s\n", hex.EncodeToString(sum.Sum(nil))), w.shaOff)
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
	mac    hash.Hash
	macW   []byte // expected MAC, when mac is set
	line   int
	rows   int
	ncol   int
	fields [][]byte
	done   bool
}

// NewReader reads and checks the header. Errors carry line numbers only.
// The reader checks #sha256 (and the row count) at the end; it does not
// check #mac, which takes the key (NewVerifier).
func NewReader(r io.Reader) (*Reader, error) { return newReader(r, nil) }

// NewVerifier is NewReader that also checks the #mac line with mac, a
// fresh HMAC under the agencies' key, at the end: a file without one fails
// with ErrNoMAC, a wrong one with ErrMAC.
func NewVerifier(r io.Reader, mac hash.Hash) (*Reader, error) {
	mac.Reset()
	rd, err := newReader(r, mac)
	if err != nil {
		return nil, err
	}
	if rd.Header.MAC == "" {
		return nil, ErrNoMAC
	}
	return rd, nil
}

// Verify reads a whole file with NewVerifier and returns its header.
func Verify(r io.Reader, mac hash.Hash) (*Header, error) {
	rd, err := NewVerifier(r, mac)
	if err != nil {
		return nil, err
	}
	for {
		if _, err := rd.Next(); err == io.EOF {
			return &rd.Header, nil
		} else if err != nil {
			return nil, err
		}
	}
}

func newReader(r io.Reader, mac hash.Hash) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, 1<<20), sum: sha256.New(), mac: mac}
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
			rd.hashLine(line)
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
		if name == "mac" {
			b, err := hex.DecodeString(strings.TrimPrefix(value, macPrefix))
			if !strings.HasPrefix(value, macPrefix) || err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("%w: line %d: mac is not %s and 64 hex digits", ErrHeader, rd.line, macPrefix)
			}
			h.MAC, rd.macW = value, b
			rd.sum.Write(line[:len(line)+1]) // covered by #sha256, not by itself
			continue
		}
		rd.hashLine(line)
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
	if len(line) >= 2 && line[len(line)-2] == '\r' {
		if rd.line == 1 && !bytes.HasPrefix(line, []byte("#"+FormatName+"=")) {
			return nil, ErrFormat
		}
		return nil, fmt.Errorf("%w: line %d", ErrLineEndings, rd.line)
	}
	return line[:len(line)-1], nil
}

func (rd *Reader) hashLine(line []byte) {
	// line aliases the buffer up to and including its '\n'.
	rd.sum.Write(line[:len(line)+1])
	if rd.mac != nil {
		rd.mac.Write(line[:len(line)+1])
	}
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
			if rd.mac != nil && !hmac.Equal(rd.mac.Sum(nil), rd.macW) {
				return nil, ErrMAC
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
