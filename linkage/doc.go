// Package linkage reads pseudonymised list files, checks that they were
// made with the same key and schema, deduplicates within lists, links
// records across lists on their match-key tokens and counts the capture
// histories that make the overlap table. It never sees plaintext.
package linkage
