package pseudonym

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// KeySize is the size of a project key in bytes (256 bits).
const KeySize = 32

// Argon2id parameters for passphrase-derived keys: the second recommended
// option of RFC 9106, section 4 (t=3 passes, 64 MiB of memory, 4 lanes),
// with a 16-byte random salt and a 32-byte tag.
const (
	Argon2Time    = 3
	Argon2Memory  = 64 * 1024 // KiB
	Argon2Threads = 4
	SaltSize      = 16
)

// HKDF info labels. They name the purpose and its version; changing one
// changes every token, so they are part of the compatibility promise.
const (
	labelFingerprint = "morketall/v1/fingerprint"
	labelMatchKey    = "morketall/v1/match-key:" // followed by the match key's name
)

// keyPrefix starts the text encoding of a key. The trailing 1 is the
// encoding's version.
const keyPrefix = "MORKETALL-SECRET-KEY-1-"

// Errors returned by ParseKey and the key constructors. A malformed key
// is never quoted in an error: the text might be (part of) a real key.
var (
	ErrKeyFormat   = errors.New("pseudonym: malformed key (not a morketall secret key)")
	ErrKeyChecksum = errors.New("pseudonym: key checksum mismatch (key damaged or mistyped)")
	ErrKeySize     = errors.New("pseudonym: key must be exactly 32 bytes")
	ErrPassphrase  = errors.New("pseudonym: empty passphrase")
	ErrSalt        = errors.New("pseudonym: salt must be exactly 16 bytes")
)

// Key is a project key: 256 secret bits shared by the agencies of one
// estimation round. The zero Key is not valid; make one with GenerateKey,
// DeriveKey, NewKey or ParseKey.
//
// A Key never prints itself: every fmt verb shows only its fingerprint,
// and the secret bytes sit behind a pointer so that even a struct holding a
// Key in an unexported field prints an address, not the bytes.
type Key struct {
	s *keySecret
}

type keySecret struct {
	b   [KeySize]byte
	kdf *kdfParams // nil for random keys
	fp  string
}

// kdfParams records how a passphrase-derived key was made, so that the
// same passphrase and salt give the same key elsewhere.
type kdfParams struct {
	time, memory uint32
	threads      uint8
	salt         [SaltSize]byte
}

func newKey(b []byte, kdf *kdfParams) *Key {
	s := &keySecret{kdf: kdf}
	copy(s.b[:], b)
	fp, err := hkdf.Key(sha256.New, s.b[:], nil, labelFingerprint, 8)
	if err != nil {
		panic("pseudonym: hkdf: " + err.Error()) // cannot happen for 8 bytes
	}
	s.fp = "mkfp1-" + hex.EncodeToString(fp)
	return &Key{s: s}
}

// GenerateKey returns a new random key from crypto/rand.
func GenerateKey() (*Key, error) {
	var b [KeySize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("pseudonym: reading randomness: %w", err)
	}
	return newKey(b[:], nil), nil
}

// NewKey returns a key holding a copy of b, which must be 32 bytes. It is
// meant for test vectors and for keys kept in another secret store.
func NewKey(b []byte) (*Key, error) {
	if len(b) != KeySize {
		return nil, ErrKeySize
	}
	return newKey(b, nil), nil
}

// DeriveKey derives a key from a passphrase with Argon2id (RFC 9106 second
// recommendation: t=3, m=64 MiB, p=4). salt must be nil, for a fresh random
// 16-byte salt, or the 16 bytes of an existing key's salt (see Key.Salt) to
// rebuild that key. Deriving takes a fraction of a second and 64 MiB.
//
// Random keys are preferable: a fingerprint lets anyone holding an output
// file test passphrase guesses offline, so a passphrase must be long and
// random enough to resist that.
func DeriveKey(passphrase, salt []byte) (*Key, error) {
	if len(passphrase) == 0 {
		return nil, ErrPassphrase
	}
	p := &kdfParams{time: Argon2Time, memory: Argon2Memory, threads: Argon2Threads}
	switch len(salt) {
	case 0:
		if salt != nil {
			return nil, ErrSalt
		}
		if _, err := rand.Read(p.salt[:]); err != nil {
			return nil, fmt.Errorf("pseudonym: reading randomness: %w", err)
		}
	case SaltSize:
		copy(p.salt[:], salt)
	default:
		return nil, ErrSalt
	}
	b := argon2.IDKey(passphrase, p.salt[:], p.time, p.memory, p.threads, KeySize)
	return newKey(b, p), nil
}

// Fingerprint returns the key's check value, "mkfp1-" and 16 hex digits
// (64 bits of HKDF-SHA256 output with the label "morketall/v1/fingerprint").
// It identifies the key in every output file and reveals nothing about it.
func (k *Key) Fingerprint() string {
	if k == nil || k.s == nil {
		return ""
	}
	return k.s.fp
}

// Salt returns the Argon2id salt of a passphrase-derived key, or nil for a
// random key. The salt is not secret.
func (k *Key) Salt() []byte {
	if k == nil || k.s == nil || k.s.kdf == nil {
		return nil
	}
	return bytes.Clone(k.s.kdf.salt[:])
}

// Equal reports whether two keys hold the same secret, in constant time.
func (k *Key) Equal(o *Key) bool {
	if k == nil || o == nil || k.s == nil || o.s == nil {
		return false
	}
	return subtle.ConstantTimeCompare(k.s.b[:], o.s.b[:]) == 1
}

// String returns "pseudonym.Key(mkfp1-…)": the fingerprint, never the key.
// String, GoString and Format have value receivers so that a Key value
// redacts itself as well as a *Key.
func (k Key) String() string {
	if k.s == nil {
		return "pseudonym.Key(invalid)"
	}
	return "pseudonym.Key(" + k.s.fp + ")"
}

// GoString is String, so that %#v redacts too.
func (k Key) GoString() string { return k.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, %d …) print the
// redacted form.
func (k Key) Format(f fmt.State, verb rune) {
	fmt.Fprint(f, k.String())
}

// subkey derives the HMAC key of one match key with HKDF-SHA256 (no salt,
// info "morketall/v1/match-key:" + name).
func (k *Key) subkey(name string) []byte {
	b, err := hkdf.Key(sha256.New, k.s.b[:], nil, labelMatchKey+name, KeySize)
	if err != nil {
		panic("pseudonym: hkdf: " + err.Error()) // cannot happen for 32 bytes
	}
	return b
}

// Encode returns the key file's content: comment lines with the
// fingerprint and a warning, then the key line
//
//	MORKETALL-SECRET-KEY-1-<64 hex digits>-<8 hex digits of checksum>
//
// or, for a passphrase-derived key,
//
//	MORKETALL-SECRET-KEY-1-ARGON2ID-T3-M65536-P4-<32 hex salt>-<64 hex key>-<checksum>
//
// The checksum is the first 4 bytes of SHA-256 of everything before its
// dash; it catches a damaged or mistyped key. The result is the secret:
// write it only to a file of mode 0600.
func (k *Key) Encode() []byte {
	var line strings.Builder
	line.WriteString(keyPrefix)
	if p := k.s.kdf; p != nil {
		fmt.Fprintf(&line, "ARGON2ID-T%d-M%d-P%d-%s-", p.time, p.memory, p.threads, strings.ToUpper(hex.EncodeToString(p.salt[:])))
	}
	line.WriteString(strings.ToUpper(hex.EncodeToString(k.s.b[:])))
	sum := sha256.Sum256([]byte(line.String()))
	line.WriteString("-")
	line.WriteString(strings.ToUpper(hex.EncodeToString(sum[:4])))

	var out bytes.Buffer
	out.WriteString("# morketall project key. SECRET: never e-mail, print or commit this file.\n")
	fmt.Fprintf(&out, "# fingerprint: %s\n", k.s.fp)
	out.WriteString(line.String())
	out.WriteString("\n")
	return out.Bytes()
}

// ParseKey parses the content of a key file as written by Encode. Lines
// starting with '#' and blank lines are ignored; exactly one key line must
// remain. Hex digits may be upper or lower case. Errors never quote the
// input.
func ParseKey(text []byte) (*Key, error) {
	var keyLine string
	n := 0
	for _, raw := range strings.Split(string(text), "\n") {
		l := strings.TrimSpace(raw)
		if l == "" || l[0] == '#' {
			continue
		}
		keyLine = l
		n++
	}
	if n != 1 {
		return nil, ErrKeyFormat
	}
	up := strings.ToUpper(keyLine)
	if !strings.HasPrefix(up, keyPrefix) {
		return nil, ErrKeyFormat
	}
	cut := strings.LastIndexByte(up, '-')
	body, check := up[:cut], up[cut+1:]
	sumWant, err := hex.DecodeString(check)
	if err != nil || len(sumWant) != 4 {
		return nil, ErrKeyFormat
	}
	parts := strings.Split(body[len(keyPrefix):], "-")
	var kdf *kdfParams
	var keyHex string
	switch len(parts) {
	case 1:
		keyHex = parts[0]
	case 6:
		if parts[0] != "ARGON2ID" {
			return nil, ErrKeyFormat
		}
		t, err1 := parseParam(parts[1], 'T', 1<<16)
		m, err2 := parseParam(parts[2], 'M', 1<<24)
		p, err3 := parseParam(parts[3], 'P', 255)
		salt, err4 := hex.DecodeString(parts[4])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(salt) != SaltSize {
			return nil, ErrKeyFormat
		}
		kdf = &kdfParams{time: t, memory: m, threads: uint8(p)}
		copy(kdf.salt[:], salt)
		keyHex = parts[5]
	default:
		return nil, ErrKeyFormat
	}
	b, err := hex.DecodeString(keyHex)
	if err != nil || len(b) != KeySize {
		return nil, ErrKeyFormat
	}
	sum := sha256.Sum256([]byte(body))
	if subtle.ConstantTimeCompare(sum[:4], sumWant) != 1 {
		return nil, ErrKeyChecksum
	}
	return newKey(b, kdf), nil
}

func parseParam(s string, prefix byte, max uint64) (uint32, error) {
	if len(s) < 2 || s[0] != prefix {
		return 0, ErrKeyFormat
	}
	v, err := strconv.ParseUint(s[1:], 10, 32)
	if err != nil || v == 0 || v > max {
		return 0, ErrKeyFormat
	}
	return uint32(v), nil
}
