package pseudonym

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func testKey(t testing.TB) *Key {
	t.Helper()
	b := make([]byte, KeySize)
	for i := range b {
		b[i] = byte(0xA0 + i)
	}
	k, err := NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateKeyIsRandom(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	// Two 256-bit keys from crypto/rand collide with probability 2^-256.
	if a.Equal(b) || a.Fingerprint() == b.Fingerprint() {
		t.Fatal("two generated keys are equal")
	}
	if !strings.HasPrefix(a.Fingerprint(), "mkfp1-") || len(a.Fingerprint()) != len("mkfp1-")+16 {
		t.Fatalf("fingerprint %q", a.Fingerprint())
	}
}

func TestNewKeyCopies(t *testing.T) {
	b := bytes.Repeat([]byte{7}, KeySize)
	k, err := NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	fp := k.Fingerprint()
	b[0] = 8
	k2, _ := NewKey(bytes.Repeat([]byte{7}, KeySize))
	if !k.Equal(k2) || k.Fingerprint() != fp {
		t.Fatal("NewKey kept a reference to the caller's slice")
	}
	if _, err := NewKey(b[:31]); !errors.Is(err, ErrKeySize) {
		t.Fatalf("31-byte key: %v", err)
	}
}

func TestKeyEncodingRoundTrip(t *testing.T) {
	k := testKey(t)
	enc := k.Encode()
	if !bytes.Contains(enc, []byte("\nMORKETALL-SECRET-KEY-1-A0A1A2")) {
		t.Fatalf("encoding %q lacks the prefixed key line", enc)
	}
	back, err := ParseKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(k) || back.Salt() != nil {
		t.Fatal("round trip changed the key")
	}
	// Lower case, CRLF and extra comments are accepted.
	lower := strings.ReplaceAll(strings.ToLower(string(enc)), "\n", "\r\n") + "# trailing comment\n\n"
	if back, err := ParseKey([]byte(lower)); err != nil || !back.Equal(k) {
		t.Fatalf("lower case CRLF: %v", err)
	}
}

func TestParseKeyRejectsWithoutQuoting(t *testing.T) {
	k := testKey(t)
	line := strings.TrimSpace(string(k.Encode()[bytes.LastIndexByte(bytes.TrimSpace(k.Encode()), '\n')+1:]))
	flip := []byte(line)
	i := len("MORKETALL-SECRET-KEY-1-") + 5
	if flip[i] == '0' {
		flip[i] = '1'
	} else {
		flip[i] = '0'
	}
	cases := map[string]struct {
		text string
		want error
	}{
		"empty":            {"", ErrKeyFormat},
		"comments only":    {"# nothing\n", ErrKeyFormat},
		"age key":          {"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n", ErrKeyFormat},
		"two key lines":    {line + "\n" + line + "\n", ErrKeyFormat},
		"truncated":        {line[:len(line)-12], ErrKeyFormat},
		"one digit wrong":  {string(flip), ErrKeyChecksum},
		"bad checksum hex": {line[:len(line)-8] + "ZZZZZZZZ", ErrKeyFormat},
		"passwordish":      {"hunter2-correct-horse", ErrKeyFormat},
	}
	for name, c := range cases {
		_, err := ParseKey([]byte(c.text))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", name, err, c.want)
			continue
		}
		msg := err.Error()
		// No fragment of the input longer than a few characters appears.
		for _, frag := range []string{"A0A1A2", "QQQQ", "hunter2", "ZZZZ"} {
			if strings.Contains(strings.ToUpper(msg), strings.ToUpper(frag)) {
				t.Errorf("%s: error %q quotes the input", name, msg)
			}
		}
	}
}

func TestKeyRedactsItself(t *testing.T) {
	k := testKey(t)
	secretHex := hex.EncodeToString(k.s.b[:])
	type holder struct {
		K       *Key
		k       *Key
		v       Key
		private struct{ k Key }
	}
	h := holder{K: k, k: k, v: *k}
	h.private.k = *k
	outs := []string{
		fmt.Sprintf("%v %+v %#v %s %q %x %X %d", k, k, k, k, k, k, k, k),
		fmt.Sprintf("%v %+v %#v %s %x", *k, *k, *k, *k, *k),
		fmt.Sprintf("%v %+v %#v", h, h, h),
		fmt.Sprintf("%v %+v", []*Key{k}, map[string]*Key{"k": k}),
		fmt.Sprint(k), fmt.Sprintln(k), k.String(), k.GoString(),
	}
	decimal := fmt.Sprint(k.s.b[:4]) // e.g. "[160 161 162 163"
	decimal = strings.TrimSuffix(decimal, "]")
	for _, out := range outs {
		if strings.Contains(strings.ToLower(out), secretHex[:8]) || strings.Contains(out, decimal) {
			t.Errorf("key bytes printed: %s", out)
		}
	}
	if !strings.Contains(outs[0], k.Fingerprint()) {
		t.Errorf("redacted form should show the fingerprint: %s", outs[0])
	}
}

func TestFingerprintIsNotTheKeyOrSubkey(t *testing.T) {
	k := testKey(t)
	fp := strings.TrimPrefix(k.Fingerprint(), "mkfp1-")
	if strings.Contains(hex.EncodeToString(k.s.b[:]), fp) || strings.Contains(hex.EncodeToString(k.subkey("nid")), fp) {
		t.Fatal("fingerprint reveals key material")
	}
	if hex.EncodeToString(k.subkey("nid")) == hex.EncodeToString(k.subkey("name_dob_sex")) {
		t.Fatal("subkeys of different match keys are equal")
	}
}

func TestDeriveKey(t *testing.T) {
	if testing.Short() {
		t.Skip("Argon2id with 64 MiB")
	}
	salt := bytes.Repeat([]byte{0x5a}, SaltSize)
	k, err := DeriveKey([]byte("correct horse battery staple"), salt)
	if err != nil {
		t.Fatal(err)
	}
	// Reference: x/crypto's Argon2id with the RFC 9106 second recommended
	// parameters, called directly.
	want := argon2.IDKey([]byte("correct horse battery staple"), salt, 3, 64*1024, 4, 32)
	ref, _ := NewKey(want)
	if !k.Equal(ref) || !bytes.Equal(k.Salt(), salt) {
		t.Fatal("DeriveKey differs from argon2.IDKey(t=3, m=64MiB, p=4)")
	}
	back, err := ParseKey(k.Encode())
	if err != nil || !back.Equal(k) || !bytes.Equal(back.Salt(), salt) {
		t.Fatalf("passphrase key round trip: %v", err)
	}
	if !bytes.Contains(k.Encode(), []byte("-ARGON2ID-T3-M65536-P4-5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A-")) {
		t.Fatalf("encoding lacks the parameters and salt: %s", k.Encode())
	}
	fresh, err := DeriveKey([]byte("correct horse battery staple"), nil)
	if err != nil || fresh.Equal(k) || len(fresh.Salt()) != SaltSize {
		t.Fatal("a nil salt must give a fresh random salt")
	}
	if _, err := DeriveKey(nil, nil); !errors.Is(err, ErrPassphrase) {
		t.Fatalf("empty passphrase: %v", err)
	}
	if _, err := DeriveKey([]byte("x"), []byte{1, 2}); !errors.Is(err, ErrSalt) {
		t.Fatalf("short salt: %v", err)
	}
}
