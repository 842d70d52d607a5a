// Package pseudonym turns an agency's extract of presumed victims into a
// pseudonymised list file: normalised identifying fields are replaced by
// keyed HMAC-SHA256 match-key tokens, and only coarse covariates from a
// controlled vocabulary pass through.
//
// # Threat model
//
// See ../shared/PRIVACY.md. The project key is the only secret. Tokens can
// be linked across agencies that share the key, and cannot be reversed or
// dictionary-attacked without it.
package pseudonym
