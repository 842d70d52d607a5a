package pseudonym

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
)

// HKDF labels of the keyed digests that are not match keys.
const (
	labelFileDigest = "morketall/v1/file-digest"
	labelListMAC    = "morketall/v1/list-mac"
)

// FileDigest returns a new HMAC-SHA256 under the key's file-digest subkey
// (HKDF label "morketall/v1/file-digest"). Manifests describe plaintext
// files (extracts) by this keyed digest instead of a plain hash, which
// would let anyone test guesses of their content.
func (k *Key) FileDigest() hash.Hash { return hmac.New(sha256.New, k.derive(labelFileDigest)) }

// ListMAC returns a new HMAC-SHA256 under the key's list-MAC subkey (HKDF
// label "morketall/v1/list-mac"): the MAC a pseudonymised list file
// carries, which anyone holding the key can check (mktfile.Verify).
func (k *Key) ListMAC() hash.Hash { return hmac.New(sha256.New, k.derive(labelListMAC)) }

func (k *Key) derive(label string) []byte {
	b, err := hkdf.Key(sha256.New, k.s.b[:], nil, label, KeySize)
	if err != nil {
		panic("pseudonym: hkdf: " + err.Error()) // cannot happen for 32 bytes
	}
	return b
}
