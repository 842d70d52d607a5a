// Package linkage turns pseudonymised list files, one per agency, into the
// overlap (capture-history) table that multiple systems estimation needs,
// and into a linkage report that lets a reader judge the table. It reads
// tokens, never plaintext, and counts; it does no statistics.
//
// The verb is Link (LinkFiles for paths). It returns the table under the
// chosen Rule, the tables under all three rules, and a Report.
//
// # What it guarantees
//
//   - Files are checked before any record is read: they must share the key
//     fingerprint and the schema hash (and so the match keys and covariates,
//     which are checked too), carry different list names, and be complete:
//     package mktfile verifies each file's row count and SHA-256 at its
//     end. A failure names the file and, where there is one, the line and
//     column; it never quotes a token, a record id or a covariate value.
//   - The result does not depend on the order of the rows in the files, on
//     the record ids, or on the number of CPU cores. The lists of the table
//     are the files in the order given.
//   - The Report holds counts, the names of lists, keys and covariates, and
//     the key fingerprint and schema hash (PRIVACY.md: every output carries
//     them). Stratum values appear as table labels only; they come from the
//     schema's controlled vocabulary.
//
// It does not protect against small cells: the overlap table, like the
// Report's tables, may single people out and must stay with the data
// controller (PRIVACY.md, "Published outputs").
//
// # Linking
//
// Each file's header lists its match keys in hierarchy order, strongest
// first (ONS style; the pseudonym package's default schema has nid,
// name_dob_sex, skeleton_dob, first_last_dob, first_first_dob,
// first_last_lo_dob_sex, first_last_hi_dob_sex, skeleton_year_sex,
// first_last_year_sex, skeleton_dm_even_sex, skeleton_dm_odd_sex; its
// documentation says which noise each key is for). A token is 32
// lowercase hex digits, empty when the key's fields were missing. For each key, the records sharing a token make
// a block. The keys are applied one at a time, in order, to the persons
// formed by the stronger keys before them:
//
//  1. A block of more than Options.MaxTokenFrequency records (default:
//     twice the number of lists, a person on every list twice) links
//     nothing: such a token is a common name with a placeholder date, not
//     a person. It is counted ("tokens over limit"), and the key's maximum
//     token frequency, the size of its frequency-attack surface, is
//     reported.
//  2. A block of a key with only the year of birth is refused when its
//     records carry two or more different tokens of the stronger key that
//     has the full date ("Contradicted blocks" below).
//  3. The remaining blocks are candidate links. Two records of the same
//     list in a block are a within-list duplicate; records of different
//     lists, a cross-list link. All candidate links of the key are joined,
//     transitively, with the persons already formed into tentative groups.
//     A group is accepted when the person it makes holds at most one
//     list-person of each list, a list-person being a list's records that
//     within-list duplicates join; otherwise the whole group is refused and
//     counted as ambiguous. So a chain A–B–C can never pull two different
//     people of one list together: two records of one list end up in one
//     person only through a within-list link between them.
//
// Every key is thus within-list deduplication and cross-list linkage at
// once, and a later key can only add links, never undo one. The outcome of
// a key depends on the persons before it and its blocks only, never on the
// order in which blocks or records are visited.
//
// # Contradicted blocks
//
// A key built from a name and the year of birth joins namesakes born the
// same year: on realistic data nearly all false links come from such keys.
// When both records know the full date, the stronger key built from the
// same name with the full date tells them apart without any plaintext:
// their tokens of it differ. So a block of the year key whose records carry
// two or more different tokens of the full-date key links nothing, and is
// counted as contradicted: it holds at least two people, and a record with
// the year only (a placeholder date) could be either of them.
//
// Which key refines which follows from the key names: a key whose name has
// the part "year" (names are split at "_") is refined by the nearest
// stronger key whose name is the same with "dob" for "year", a part "sex"
// being ignored on both sides: skeleton_year_sex by skeleton_dob,
// first_last_year_sex by first_last_dob. Options.DateRefinements names the
// pairs explicitly for a schema that names its keys otherwise.
//
// A record whose date was mistyped (day and month swapped, a year off by
// one) meets the same refusal when its name matches only on the year key:
// the price of not merging namesakes. The default schema's last two keys,
// skeleton_dm_even_sex and skeleton_dm_odd_sex, exist for such records:
// they carry the day and month unordered and a two-year window of the
// year, so their blocks hold records whose full dates differ by design,
// and no key checks them; a false link through them needs two namesakes
// of one sex with the same day and month born within two years.
//
// # Rules
//
// A rule says how far down the hierarchy links are accepted. With m match
// keys:
//
//	strict   keys 1..min(2, m-2) (at least key 1), year keys checked
//	default  keys 1..m, year keys checked against the full date
//	loose    keys 1..m, nothing checked against the full date
//
// With the default schema (m = 11), strict uses nid and name_dob_sex: the
// identity number and the exact name with full date and sex; default and
// loose use all eleven. The frequency limit and the ambiguity rule hold under
// every rule: chaining is never wild. The three tables bracket the
// linkage: strict misses links (its estimate is too high), loose makes
// false ones (too low), default is the best guess; the Report carries all
// three so that a reader sees how much the estimate depends on the
// linkage. When no key is checked against a full date, default and loose
// coincide.
//
// # Strata and covariate conflicts
//
// Options.Strata names covariate columns whose values split the table. A
// person's value is its records' value when they agree. Values "" and
// "unknown" (Options.MissingValues) are missing: they never disagree with
// anything, and a person whose records all miss a value gets "unknown".
// When records disagree, the value held by most of the person's records
// wins; a tie goes to the value seen on the earliest list on the command
// line (put the most reliable agency first), and a tie on that to the
// value that sorts first. The Report counts, per rule and covariate, the
// persons whose records disagree, and per key the accepted groups whose
// parts disagree ("covariate conflicts"): a high count on a key hints at
// false links.
//
// # The report
//
// Per list: records, duplicates found (records minus list-persons) under
// each rule, missing tokens per key, missing covariates. Per key: records
// with a token, distinct and shared tokens, maximum token frequency,
// tokens over the limit, links added (persons merged), within-list links,
// ambiguous groups, contradicted blocks and covariate conflicts, all under
// the default rule. Per rule: the keys used, persons, the distributions of
// records and of lists per person, the pairwise list overlaps, the persons
// with conflicting covariates, the links each key added, and the table.
//
// # Scale
//
// Tokens are decoded and their first 80 bits grouped with radix passes
// (two different HMAC tokens share them with probability 2^-80); the
// tokens of block keys, which have few distinct values, are interned per
// file instead. Records are numbered 0..N-1 and the persons are two
// union-find forests over them, one 32-byte node per record. Files are
// read, and keys grouped, in parallel; the levels run in order. Linking
// 10 million records of 8 lists with the eleven exact keys of the
// default schema (3.3 GB of files, no Bloom columns) took 15.5–16.5 s on
// two cores and 2.9 GB at peak (23 s of CPU); with the Bloom key and the
// three block keys (4.2 GB of files) it takes 36–42 s of CPU and 2.7 GB
// at peak (2.6 GB of heap), half of the CPU reading and checking the
// files. See
// BenchmarkLink in package benchmarks.
//
// # Scored links
//
// Files whose header names a Bloom key (#bloom_keys) and block keys
// (#block_keys; package pseudonym, "Similarity encoding") get a scored
// pass after the exact hierarchy. MatchKeys and the hierarchy hold the
// exact keys only. The candidates are the pairs of records in one block of
// a block key (one birth date; one year and sex; one year) whose Bloom
// encodings have a Dice coefficient of at least ScoringOptions.MinDice
// (0.6); when the blocks hold more than ScoringOptions.MaxComparisons
// pairs, the largest blocks are left out and counted
// (Report.Scoring.BloomBlocksSkipped).
//
// Each candidate is weighed Fellegi–Sunter style over four features that
// are independent given whether the two records are of one person: the
// identity number (agree, disagree, missing), the full date of birth
// (block_dob: agree, disagree, missing), the name (the Dice level of the
// Bloom encodings: ≥ 0.9, ≥ 0.8, ≥ 0.7, ≥ 0.6, less; comparable only
// within one year of birth, the encodings' salt) and sex. The exact weak
// keys are no features: each mixes the name with the date, so as features
// they counted one placeholder date or one damaged name several times
// (measured: with them the placeholder pairs weighed −3.6 bits for their
// year key alone). m is counted over the pairs the identity number links
// (their names are written as carelessly as anyone's); a missing date
// weighs nothing, since whether a record lacks a full date does not depend
// on the other record (and the identity-number pairs cannot show it: a
// record without a date takes its number's). u is counted over the pairs
// of one year block that the exact levels left in different persons,
// nearly all two people (counting all pairs made the matches themselves
// pass for chance agreements in small files); the Dice level's u is
// frequency-aware: scaled by the number of records of the two records'
// year blocks at least as similar to them, against the number the average
// rate predicts, each plus one. Report.Scoring holds every m, u and
// weight.
//
// A weight is the posterior log-odds, in bits, that the pair is a match:
// the log-likelihood ratio plus the prior log-odds, the share of matches
// among the pairs of one year block left apart, which maximises the
// likelihood of the candidates' weights (an EM in that one parameter;
// Report.Scoring.PriorLogOdds). So a threshold means the same in a file of
// a thousand records and of a million, where a pair of one year block is
// far less likely to be one person. The m-probabilities are those of all
// matches, and the pairs that reach the pass are the matches the exact
// levels missed, whose patterns are worse than the average match's (a
// placeholder date, a damaged name): the posterior understates their
// chance, which is why the default threshold is below 0. A two-class EM
// that re-estimates m on the candidates themselves (u fixed, m shrunk
// towards the counted one) was measured and not kept: it moved the
// calibration by about 2 bits but, at the threshold where recall was the
// same (≥ 0.990 in all 15 test runs), worst precision was 0.9916 against
// 0.9933 without it. A latent-class EM of both m and u over all the keys
// (recall's first version) found placeholder dates, not matches.
//
// Best first (ties in an order of the records' contents, so that the
// outcome does not depend on their order in the files), a pair of weight
// at least ScoringOptions.Upper (default −6 bits) is linked under the
// default rule unless the person it would make holds two list-persons of
// one list, two records of known different sex, or two records that agree
// on a year key and disagree on its full-date key (or on a year block key
// and block_dob): two known different dates of birth (vetoed); or unless
// one of its records has another candidate within ScoringOptions.Margin (2
// bits) whose person could not join (contested: a placeholder date between
// two namesakes). Refused pairs above the threshold and unlinked pairs
// between ScoringOptions.Lower (default −10) and Upper are the review
// band; the loose rule links every pair of at least Lower, unchecked.
// Strict has no scored pass. The thresholds were chosen on the end-to-end
// test populations (900 and 3000 people; TestRecallTargets):
// Upper −4 / −6 bits gave worst recall 0.9806 / 0.9903 and worst
// main-effects error 2.36% / 0.94% over the 15 runs. Result.Assignments
// (Options.Assignments) lists every record's person, the strongest key it
// shares with it or "scored" and the weight, and its review candidates;
// WriteAssignments writes it as CSV.
//
// A clerical review of the assignments measures the linkage: the share of
// false links among a random sample of the persons on two or more lists
// estimates the false-link rate, and the share of true matches found in
// the review band and in a random sample of single-list persons compared
// with their best candidates estimates the missed-link rate; those are
// the rates mse.LinkageError (estimate --linkage-error
// missed=M,false=F) takes.
//
// # Non-goals
//
// Fuzzy linkage beyond the Bloom pass: the exact keys are compared for
// equality only, so a record is linked only through a key whose elements
// survived its noise, or through a Bloom encoding compared within its
// birth date or its year and sex. The default schema has keys built to survive a typo
// in one name, transliteration variants, a dropped second name, swapped
// day and month and a year of birth off by one, each on its own; a
// missing date of birth is bridged only by the identity number, and two
// kinds of noise in one record (a typo and a placeholder date, say) often
// by nothing. How often that happens is a property of the schema and the
// data; the end-to-end tests measure it.
package linkage
