package extract

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a pull tokenizer for the subset of XML that SpreadsheetML
// parts use: elements with attributes, text, character and the five
// predefined entity references, CDATA sections, comments and processing
// instructions. A document type declaration is refused (no entity
// expansion, so no "billion laughs"). Element and attribute names are
// matched by local name, so a prefixed part ("x:row") reads as well.
//
// Memory is bounded: a tag (with its attributes) is at most maxTag bytes,
// and text comes in chunks of at most the buffer's size, which the caller
// appends where it wants them, under its own limit (MaxCellBytes). It is
// written for this package, not as a general XML parser.
type xmlScanner struct {
	r     io.Reader
	buf   []byte
	pos   int
	end   int
	eof   bool
	rerr  error
	name  []byte // local name of the start or end tag
	attrs []byte // raw attribute text of the start tag
	self  bool   // the start tag was self-closing
	text  []byte // raw text or CDATA chunk
	// inCDATA is set while a CDATA section longer than a chunk goes on.
	inCDATA bool
}

const (
	tokStart = iota + 1
	tokEnd
	tokText
	tokCDATA
)

const (
	maxTag  = 64 << 10
	scanBuf = 256 << 10
)

var errXMLSyntax = errors.New("xml syntax")

func newScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, scanBuf)}
}

// fill makes at least need bytes available from pos, unless the input
// ends first; it reports whether they are.
func (x *xmlScanner) fill(need int) bool {
	for x.end-x.pos < need {
		if x.eof {
			return false
		}
		if x.pos > 0 {
			copy(x.buf, x.buf[x.pos:x.end])
			x.end -= x.pos
			x.pos = 0
		}
		if x.end == len(x.buf) {
			return false // need exceeds the buffer: the caller's limit
		}
		n, err := x.r.Read(x.buf[x.end:])
		x.end += n
		if err != nil {
			x.eof = true
			if !errors.Is(err, io.EOF) {
				x.rerr = err
			}
		}
	}
	return true
}

// next returns the next token, or io.EOF at the end of the input.
func (x *xmlScanner) next() (int, error) {
	if x.inCDATA {
		return x.cdataChunk()
	}
	for {
		if !x.fill(1) {
			if x.rerr != nil {
				return 0, x.rerr
			}
			return 0, io.EOF
		}
		if x.buf[x.pos] != '<' {
			return x.textChunk()
		}
		x.fill(9)
		rest := x.buf[x.pos:x.end]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := x.skipPast("-->"); err != nil {
				return 0, err
			}
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			x.pos += 9
			return x.cdataChunk()
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := x.skipPast("?>"); err != nil {
				return 0, err
			}
		case bytes.HasPrefix(rest, []byte("<!")):
			return 0, errXMLSyntax // DOCTYPE and the like
		default:
			return x.tag()
		}
	}
}

// textChunk returns text up to the next '<' or the end of the buffer, not
// cutting an entity reference.
func (x *xmlScanner) textChunk() (int, error) {
	if i := bytes.IndexByte(x.buf[x.pos:x.end], '<'); i >= 0 {
		x.text = x.buf[x.pos : x.pos+i]
		x.pos += i
		return tokText, nil
	}
	if !x.eof && x.end-x.pos < len(x.buf)/2 {
		x.fill(len(x.buf) / 2)
		if i := bytes.IndexByte(x.buf[x.pos:x.end], '<'); i >= 0 {
			x.text = x.buf[x.pos : x.pos+i]
			x.pos += i
			return tokText, nil
		}
	}
	chunk := x.buf[x.pos:x.end]
	if a := bytes.LastIndexByte(chunk, '&'); a >= 0 && bytes.IndexByte(chunk[a:], ';') < 0 && !x.eof {
		if a == 0 {
			if len(chunk) > 16 {
				return 0, errXMLSyntax
			}
			if !x.fill(len(chunk) + 1) {
				return 0, errXMLSyntax
			}
			return x.textChunk()
		}
		chunk = chunk[:a]
	}
	x.text = chunk
	x.pos += len(chunk)
	return tokText, nil
}

// cdataChunk returns CDATA content up to "]]>" or a buffer's worth; a
// longer section comes in several chunks.
func (x *xmlScanner) cdataChunk() (int, error) {
	for {
		if i := bytes.Index(x.buf[x.pos:x.end], []byte("]]>")); i >= 0 {
			x.text = x.buf[x.pos : x.pos+i]
			x.pos += i + 3
			x.inCDATA = false
			return tokCDATA, nil
		}
		if x.eof {
			return 0, errXMLSyntax
		}
		if x.end-x.pos >= len(x.buf)/2 {
			// All but the last two bytes, which might start "]]>".
			n := x.end - x.pos - 2
			x.text = x.buf[x.pos : x.pos+n]
			x.pos += n
			x.inCDATA = true
			return tokCDATA, nil
		}
		x.fill(x.end - x.pos + 1)
	}
}

// skipPast discards input up to and including marker.
func (x *xmlScanner) skipPast(marker string) error {
	m := []byte(marker)
	for {
		if i := bytes.Index(x.buf[x.pos:x.end], m); i >= 0 {
			x.pos += i + len(m)
			return nil
		}
		if x.eof {
			return errXMLSyntax
		}
		if x.end-x.pos > len(m) {
			x.pos = x.end - len(m)
		}
		x.fill(x.end - x.pos + 1)
	}
}

// tag reads a start or end tag.
func (x *xmlScanner) tag() (int, error) {
	// Find the closing '>', outside quoted attribute values.
	off := 1 // of the next byte to look at, from pos
	var q byte
	for {
		if x.pos+off >= x.end {
			if off >= maxTag || !x.fill(off+1) {
				return 0, errXMLSyntax
			}
			continue
		}
		c := x.buf[x.pos+off]
		if q != 0 {
			if c == q {
				q = 0
			}
		} else if c == '"' || c == '\'' {
			q = c
		} else if c == '>' {
			break
		}
		off++
	}
	i := x.pos + off
	t := x.buf[x.pos+1 : i]
	x.pos = i + 1
	end := len(t) > 0 && t[0] == '/'
	if end {
		t = t[1:]
	}
	x.self = false
	if !end && len(t) > 0 && t[len(t)-1] == '/' {
		x.self = true
		t = t[:len(t)-1]
	}
	n := 0
	for n < len(t) && !isSpace(t[n]) {
		n++
	}
	name := t[:n]
	if n == 0 {
		return 0, errXMLSyntax
	}
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	x.name = name
	x.attrs = t[n:]
	if end {
		return tokEnd, nil
	}
	return tokStart, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// is reports whether the current tag has local name s.
func (x *xmlScanner) is(s string) bool { return string(x.name) == s }

// attr returns the decoded value of the current start tag's attribute of
// local name s.
func (x *xmlScanner) attr(s string) ([]byte, bool) {
	a := x.attrs
	for {
		for len(a) > 0 && isSpace(a[0]) {
			a = a[1:]
		}
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		name := bytes.TrimRight(a[:eq], " \t\r\n")
		a = bytes.TrimLeft(a[eq+1:], " \t\r\n")
		if len(a) == 0 || a[0] != '"' && a[0] != '\'' {
			return nil, false
		}
		end := bytes.IndexByte(a[1:], a[0])
		if end < 0 {
			return nil, false
		}
		val := a[1 : 1+end]
		a = a[2+end:]
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		if string(name) == s {
			v, err := decodeEntities(nil, val, false)
			if err != nil {
				return nil, false
			}
			return v, true
		}
	}
}

// appendText appends the current text or CDATA chunk, decoded, to dst.
func (x *xmlScanner) appendText(dst []byte, tok int) ([]byte, error) {
	if tok == tokCDATA {
		return normaliseNewlines(dst, x.text), nil
	}
	return decodeEntities(dst, x.text, true)
}

func normaliseNewlines(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' {
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		dst = append(dst, c)
	}
	return dst
}

// decodeEntities appends s with its entity and character references
// decoded (and, in text, line breaks normalised as XML does).
func decodeEntities(dst, s []byte, text bool) ([]byte, error) {
	for len(s) > 0 {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			if text {
				return normaliseNewlines(dst, s), nil
			}
			return append(dst, s...), nil
		}
		if text {
			dst = normaliseNewlines(dst, s[:i])
		} else {
			dst = append(dst, s[:i]...)
		}
		s = s[i:]
		semi := bytes.IndexByte(s, ';')
		if semi < 0 || semi > 12 {
			return dst, errXMLSyntax
		}
		ref := string(s[1:semi])
		s = s[semi+1:]
		switch ref {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ref) < 2 || ref[0] != '#' {
				return dst, errXMLSyntax
			}
			var v uint64
			var err error
			if ref[1] == 'x' || ref[1] == 'X' {
				v, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				v, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || v == 0 || !utf8.ValidRune(rune(v)) {
				return dst, errXMLSyntax
			}
			dst = utf8.AppendRune(dst, rune(v))
		}
	}
	return dst, nil
}
