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
//   - Record ids are 64 bits from ChaCha8 seeded from crypto/rand, and rows
//     are written in increasing order of their ids: a uniformly random
//     order (an external sort, so any number of rows fits in bounded
//     memory), so row order and ids say nothing about the extract.
//   - The file carries a MAC under a subkey of the project key (#mac, see
//     internal/mktfile), which a key holder checks; the plain SHA-256 in
//     the file only detects damage.
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
//	file digest  "morketall/v1/file-digest"          32 bytes, HMAC key of manifests' digests of extracts
//	list MAC     "morketall/v1/list-mac"             32 bytes, HMAC key of a list file's #mac line
//
// The CLI writes key files with exclusive creation and mode 0600, warns
// when a key file is readable by others, and reads passphrases from the
// terminal or stdin, never from a flag. Error messages about a key file
// never quote it.
//
// # Normalisation and match keys
//
// NormaliseText and NormaliseName implement PRIVACY.md step 2 (NFKC, full
// case folding, ICAO 9303 transliteration of Cyrillic, Unidecode's
// transliteration of other scripts, NFD with combining marks removed, the
// explicit letter map, apostrophes and hyphens to space, [a-z0-9 ] kept,
// spaces collapsed) and, for names, aa→a and oe→o
// to a fixpoint. ParseDate reads dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy,
// partial dates and Excel serials, with precision and placeholder
// detection (1 January, 1 July). ParseNationalID validates fødselsnumre,
// D-, H- and synthetic numbers under both check-digit rules (before and
// from 2032) and repairs a dropped leading zero only when the check digits
// then agree.
//
// A Schema lists the match keys in order, strongest first (ONS style). A
// key's message is its elements joined by U+001F; a record whose elements
// are incomplete gets an empty token for that key, and a record with no
// token at all is rejected and counted. Skeleton reduces a name token to
// its transliteration- and typo-tolerant skeleton; its rules are exact and
// part of the contract.
//
// # The built-in match keys
//
// Each key is there to link records that a particular kind of noise keeps
// apart in every key above it; each is still an exact HMAC token of
// normalised elements, never a similarity score:
//
//	nid                    identity number
//	name_dob_sex           name as written, full date of birth, sex
//	skeleton_dob           name skeleton, full date: names in any order,
//	                       particles dropped, transliteration variants
//	                       (Yordanka, Iordanka, Йорданка) and missing sex
//	first_last_dob         first given and last family name, full date: a
//	                       middle name or middle surname recorded or not
//	first_first_dob        first given and first family name, full date: a
//	                       second given name or surname recorded or not
//	first_last_lo_dob_sex  one name of the first_last pair with the other's
//	first_last_hi_dob_sex  initial, full date, sex: a typo in the other name
//	skeleton_year_sex      name skeleton, year of birth, sex: a placeholder
//	                       date (1 January, 1 July) or only the year known
//	first_last_year_sex    first_last, year of birth, sex
//	skeleton_dm_even_sex   name skeleton, day and month unordered, the year
//	skeleton_dm_odd_sex    rounded down to even (odd), sex: day and month
//	                       swapped, or a year of birth off by one (an
//	                       estimated age); two years one apart share one of
//	                       the two keys
//
// The linkage party checks the two year keys against the full-date key of
// the same name (package linkage, "Contradicted blocks"), so that namesakes
// born the same year with different known dates are not joined.
//
// The keys that keep only part of the name join people who share that part
// and a date of birth: same-sex twins whose first names share an initial
// share first_last_hi_dob_sex (or lo), twins with the same first given
// name (Anna Maria and Anna Sofie) share first_first_dob. The end-to-end test populations have no twins, so
// this risk is not measured; it is the price of linking a misspelt name.
//
// A missing date of birth is bridged by the identity number only: there is
// no key without a date. Such a key was measured (name skeleton and sex,
// checked against the year and full-date keys): its tokens are shared by
// every namesake of one sex, up to 23 records in the 3000-person test
// population against at most 11 for any built-in key; it admits records
// that no other key can carry (no date, no identity number), most of which
// it cannot link safely either, and so raised the estimate's error in the
// end-to-end tests (from +1.2% to +4.3% in the larger population; the
// loose rule, which does not check dates, fell to −43%) instead of
// lowering it. Records without any token are rejected and counted: that
// thins the lists, which leaves the estimate unbiased as long as dates go
// missing independently of who is on which list, whereas an unlinked
// record counts one person twice and inflates it.
//
// # Dates from identity numbers and damaged names
//
// A valid fødselsnummer, D- or H-number (or synthetic number) encodes the
// date of birth (NationalID.BirthDate: day and month offsets, the century
// from the individual number). When the recorded date is missing,
// invalid, a placeholder or partial, the number's date is used for every
// key with a date and for the age band; a full recorded date is kept. It
// adds no secret: the number is already the nid element. Report.BirthDate
// counts the dates taken (from_national_id) and the recorded dates a
// number contradicts (national_id_disagrees).
//
// A name cell holding "?" or U+FFFD, or a word with letters of two
// scripts, is what a lossy export (Windows-1252 for ș, ț, ă, Đ, ư or
// Cyrillic) or a switched keyboard makes; Report.EncodingDamage counts
// such cells (never their values) and Options.Strict refuses the first.
// The exact tokens lose the damaged letter; the Bloom encoding keeps it as
// an unknown letter. Report.Scripts counts name cells by script.
//
// # Similarity encoding
//
// A key of kind "bloom" (the default schema's name_bloom) is a keyed
// Bloom-filter encoding of the name (Schnell, Bachteler and Reiher 2009),
// for the records no exact token links because a letter differs: each
// name token, particles removed and padded with a space on each side,
// gives its letter pairs (bigrams); a pair holding "?" (a lost letter) is
// skipped, so a lost letter costs two of a name's pairs, not the record.
// Each pair sets BloomHashes = 10 of BloomBits = 512 bits, whose positions
// are the first ten 16-bit words, modulo 512, of HMAC-SHA256 under the
// key's subkey of the salt, U+001F and the pair; the filter is then
// XOR-folded to 256 bits and written as 43 base64url characters. The salt
// is the year of birth (the key's other elements), so only records born
// the same year are comparable; the three block keys of kind "block"
// (block_dob: the full date; block_year_sex: year and sex; block_year:
// the year, for records whose sex is missing) are ordinary
// HMAC tokens that tell the linkage party which records to compare, and
// link nothing themselves. testdata/pseudonym/tokens.py recomputes the
// encodings with the Python standard library.
//
// The threat. A Bloom filter is not a token: records with similar names
// get similar bit patterns, and Christen, Ranbaduge, Vatsalan and Schnell
// (2017, "Precise and fast cryptanalysis for Bloom filter based
// privacy-preserving record linkage") and Vidanage et al. (2019) show
// that frequent bit patterns across many filters can be aligned with
// frequent letter pairs of a known name distribution (pattern mining),
// re-identifying common names without the key, which plain HMAC tokens
// do not allow. The hardening, after Data61's clkhash and anonlink: the
// bit positions are keyed (without the key nobody can compute a pair's
// positions); every year of birth has its own positions (the salt), so
// an attacker must mine each year's few hundred filters on their own,
// with far fewer co-occurrences than the whole list offers; XOR-folding
// (Schnell, Borgs and Encarnação 2016) removes the one-to-one mapping of
// a bit to a set of pairs; and a filter holds only the name, not dates or
// numbers. The block keys add a surface of their own: block_year_sex is
// held by everyone born in one year of one sex, block_year by everyone
// born in one year (their maximum frequency,
// in Report.MatchKeys, is the largest such group), so a reader who knows
// the age distribution can guess which token is which year — about what
// the age_band covariate already tells, to the year. What is not
// protected: anyone holding the key can encode guessed names, as with
// every token, and an attacker with a large population of filters for
// one year and a matching name list may still re-identify the most
// common names of that year; Report.MatchKeys shows how many identical
// filters a list holds (the key's max frequency).
//
// Why it is on by default. On the end-to-end test extracts (seven
// agencies, a Windows-1252 export at two of them, 5 seeds × 900, 3000
// and 10,000 people; linkage TestRecallTargets) the scored Bloom pass
// raises the default rule's pairwise recall from 0.950–0.980 to
// 0.990–0.999 and moves the main-effects estimate from +3.3% … +5.9% of
// the true table's to +0.3% … +0.9%, at precision 0.9933–1.000 (0.9946–1.000
// without it); the records it links are those whose names lost letters
// to the code page, whose dates are placeholders or whose sex is missing,
// which no exact key links. A schema without a bloom key (see --print-schema)
// turns it off, as does link --no-score.
//
// # Frequency-attack surface of the keys
//
// A token shared by many records stands out to anyone holding the files,
// and a reader who knows the name and birth-date distribution of the
// population can guess what such a token stands for (PRIVACY.md). The
// surface of a key is its maximum token frequency, which Report.MatchKeys
// gives per list and the linkage report over all lists. The keys added for
// noisy data do not widen it beyond what the year keys already expose:
//
//   - The keys with a full date (skeleton_dob, first_first_dob,
//     first_last_lo_dob_sex, first_last_hi_dob_sex) are about as rare as
//     name_dob_sex: a token is held by one person's records unless two
//     people share a name (or a name and an initial) and a date of birth.
//     In the end-to-end test populations (1200 and 3000 people, six
//     lists, deliberately small name pools) their maximum frequency is 6,
//     as for name_dob_sex (5 and 6): one person's records.
//   - skeleton_year_sex is coarser than the key it replaced
//     (name_sorted_np, year, sex), since a skeleton is shared by more
//     names, but measured the same maximum, 6, against 11 for
//     first_last_year_sex, which the schema already had. The skeleton is many-to-one and public, so
//     it makes no token easier to invert than the name it comes from; a
//     frequent skeleton token says no more than "a common name, a common
//     year".
//   - The day-and-month keys carry the skeleton, one of 300 unordered
//     day-month pairs (against 366 days) and a two-year window: their
//     tokens are far rarer than those of the year keys (measured maximum
//     6).
//
// A token held by more records than the linkage limit links nothing, and
// every key's maximum frequency is reported, so a growing surface shows.
//
// # Compatibility
//
// Tokens are a contract between agencies, possibly running different
// versions or implementations: testdata/pseudonym/vectors.json holds the
// key, inputs, normalised forms, skeletons, messages and tokens that any
// implementation must reproduce, and tokens.py recomputes the cryptographic
// part with the Python standard library. Anything that changes a token —
// the HKDF labels, the normalisation rules, the element encoding, the
// ICAO table, the letter map, the skeleton rules, the region table, the
// default schema — is a breaking change: it gets a new label version
// ("morketall/v2/…"), a new key-encoding or schema version, and new
// vectors, never a silent edit. Adding an element under a new name changes
// no existing token, so it needs no new label; a schema that uses it
// hashes differently by its content, as the default schema did when it
// gained the skeleton, first_first, first_last_lo/hi and day-and-month
// keys.
// Outputs carry the key fingerprint and the schema hash (SHA-256 of the
// rules' version label "morketall/v2/schema" and the schema's canonical
// JSON without its agency-local columns map), and linkage refuses files
// whose fingerprints or schemas differ: a version change thus shows up as
// a schema mismatch rather than as silently missed links.
package pseudonym
