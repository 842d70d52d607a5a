// Package pseudonym turns an agency's extract of presumed victims into a
// pseudonymised list file: normalised identifying fields are replaced by
// keyed HMAC-SHA256 match-key tokens, and only coarse covariates from a
// controlled vocabulary pass through.
//
// The verbs are few: GenerateKey (or DeriveKey, ParseKey) makes a Key;
// DefaultSchema or ParseSchema gives a Schema; New makes a Pseudonymiser,
// whose Pseudonymise reads a Source of rows and returns a List to Write,
// with a Report of counts. NormaliseName, ParseDate and ParseNationalID
// expose the normalisation rules on their own.
//
// # Threat model
//
// Agencies hold raw records and the project key; the linkage party
// receives list files only (see ../shared/PRIVACY.md). The package
// guarantees, for a party without the key:
//
//   - A token is the first 128 bits of HMAC-SHA256 under a per-match-key
//     subkey. Without the key it reveals nothing about the fields, and it
//     cannot be dictionary-attacked: hashing all ~19 million valid
//     fødselsnumre is useless without the key, unlike a plain or salted
//     hash.
//   - Covariates are codes from a vocabulary declared in the schema, or
//     "unknown". Free text, column values outside the vocabulary and
//     columns the schema does not name never reach the output.
//   - Rows are shuffled (ChaCha8 seeded from crypto/rand) and record ids are
//     64 random bits, so row order and ids say nothing about the extract.
//   - Errors, warnings and the Report name lines and columns, never values.
//
// It does not protect against:
//
//   - Anyone holding the key: they can compute the token of any guessed
//     identity and so recognise people in a list. Pseudonyms must never go
//     back to agencies.
//   - Frequency analysis: a token shared by many records (a common name
//     with a placeholder date) stands out. Report.MatchKeys gives each key's
//     maximum frequency, the size of that surface.
//   - Linkage across rounds is prevented only by using a fresh key per
//     estimation round.
//   - Small cells: covariate combinations can single people out in
//     published tables; disclosure control belongs to the reporting stage.
//
// Pseudonymised data is still personal data (GDPR recital 26); the CLI
// writes list files with mode 0600.
//
// # Key management
//
// A Key is 256 bits from crypto/rand. Its bytes are unexported, copied on
// construction, kept behind a pointer, and never printed: every fmt verb
// shows "pseudonym.Key(mkfp1-…)". The text encoding of a key file is
//
//	# comment lines
//	MORKETALL-SECRET-KEY-1-<64 hex digits>-<8 hex digits of checksum>
//
// where the checksum is the first 4 bytes of SHA-256 over the text before
// it. A passphrase-derived key (DeriveKey: Argon2id, RFC 9106 second
// recommendation t=3, m=64 MiB, p=4, 16-byte random salt) also records
// "ARGON2ID-T3-M65536-P4-<salt>" before the key, so that the same
// passphrase and salt rebuild it elsewhere. Random keys are the default:
// the fingerprint in every output lets anyone test passphrase guesses.
//
// Everything else is derived with HKDF-SHA256 (RFC 5869, no salt) under
// named, versioned labels:
//
//	fingerprint  "morketall/v1/fingerprint"          8 bytes, printed as mkfp1-<16 hex>
//	match key K  "morketall/v1/match-key:" + K       32 bytes, the HMAC key of K
//
// The CLI writes key files with exclusive creation and mode 0600, warns
// when a key file is readable by others, and reads passphrases from the
// terminal or stdin, never from a flag. Error messages about a key file
// never quote it.
//
// # Normalisation and match keys
//
// NormaliseText and NormaliseName implement PRIVACY.md step 2 (NFKC, full
// case folding, ICAO 9303 transliteration of Cyrillic, NFD with combining
// marks removed, the explicit letter map, apostrophes and hyphens to
// space, [a-z0-9 ] kept, spaces collapsed) and, for names, aa→a and oe→o
// to a fixpoint. ParseDate reads dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy,
// partial dates and Excel serials, with precision and placeholder
// detection (1 January, 1 July). ParseNationalID validates fødselsnumre,
// D-, H- and synthetic numbers under both check-digit rules (before and
// from 2032) and repairs a dropped leading zero only when the check digits
// then agree.
//
// A Schema lists the match keys in order, strongest first (ONS style):
// the built-in one has nid; name_dob_sex; sorted_name_dob; first_last_dob;
// sorted_name_year_sex; first_last_year_sex. A key's message is its
// elements joined by U+001F; a record whose elements are incomplete gets an
// empty token for that key, and a record with no token at all is rejected
// and counted.
//
// # Compatibility
//
// Tokens are a contract between agencies, possibly running different
// versions or implementations: testdata/pseudonym/vectors.json holds the
// key, inputs, normalised forms, messages and tokens that any
// implementation must reproduce, and tokens.py recomputes the cryptographic
// part with the Python standard library. Anything that changes a token —
// the HKDF labels, the normalisation rules, the element encoding, the
// ICAO table, the letter map, the region table, the default schema — is a
// breaking change: it gets a new label version ("morketall/v2/…"), a new
// key-encoding or schema version, and new vectors, never a silent edit.
// Outputs carry the key fingerprint and the schema hash (SHA-256 of the
// rules' version label "morketall/v1/schema" and the schema's canonical
// JSON without its agency-local columns map), and linkage refuses files
// whose fingerprints or schemas differ: a version change thus shows up as
// a schema mismatch rather than as silently missed links.
package pseudonym
