package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/morketall/morketall/internal/mktfile"
	"github.com/morketall/morketall/pseudonym"
)

func init() {
	register(&command{name: "verify", summary: "check the MAC of pseudonymised list files (needs the project key)", run: runVerify})
}

const verifySynopsis = `verify --key FILE LIST.mkt...

Checks each pseudonymised list file completely: its format, row count and
SHA-256 checksum, which anyone can check (link does), and its MAC, which
only a holder of the project key can check. The checksum catches damage
on the way but not a deliberate edit, since whoever edits the file can
recompute it; the MAC catches any change made without the key. Run it at
the agency before sending a file, or as an auditor given the key.
Exit 0 when every file verifies, 2 when one does not.`

func runVerify(e *env, args []string) error {
	fs := newFlags(e, "verify", verifySynopsis)
	keyPath := fs.String("key", "", "project key file (required)")
	files, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if *keyPath == "" || len(files) == 0 {
		return usagef("verify needs --key FILE and at least one list file").withUsage(fs)
	}
	key, err := readKey(e, *keyPath)
	if err != nil {
		return err
	}
	// Every file is checked and reported; the exit code says whether one
	// failed.
	var failed error
	for _, p := range files {
		if err := verifyFile(e, p, key); err != nil {
			e.exit(err)
			failed = exitCode(exitUsage)
		}
	}
	return failed
}

// verifyFile checks one list file and prints its line; an error says why
// it does not verify.
func verifyFile(e *env, p string, key *pseudonym.Key) error {
	f, err := os.Open(p)
	if err != nil {
		return usagef("%q cannot be read", p)
	}
	h, err := mktfile.Verify(f, key.ListMAC())
	f.Close()
	if err != nil {
		ce := usagef("%q: %s", p, strings.TrimPrefix(err.Error(), "mktfile: "))
		switch {
		case errors.Is(err, mktfile.ErrMAC):
			ce.hint("the file was changed after it was written, or made with another key (compare fingerprints with \"morketall fingerprint\")")
		case errors.Is(err, mktfile.ErrNoMAC):
			ce.hint("files written before MACs were added carry none; pseudonymise the extract again")
		case errors.Is(err, mktfile.ErrLineEndings):
			ce.hint("transfer the file unchanged, as a binary file")
		}
		return ce
	}
	fmt.Fprintf(e.stdout, "%s: ok: list %s, %d records, key %s, MAC verified\n", p, h.List, h.Rows, h.KeyFingerprint)
	return nil
}
