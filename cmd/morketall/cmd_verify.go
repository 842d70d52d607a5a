package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/morketall/morketall/internal/mktfile"
)

func init() {
	register(&command{name: "verify", summary: "check the MAC of pseudonymised list files (needs the project key)", run: legacy(runVerify)})
}

const verifySynopsis = `verify --key FILE LIST.mkt...

Checks each pseudonymised list file completely: its format, row count and
SHA-256 checksum, which anyone can check (link does), and its MAC, which
only a holder of the project key can check. The checksum catches damage
on the way but not a deliberate edit, since whoever edits the file can
recompute it; the MAC catches any change made without the key. Run it at
the agency before sending a file, or as an auditor given the key.
Exit 0 when every file verifies, 2 when one does not.`

func runVerify(e *env, args []string) int {
	fs := newFlags(e, "verify", verifySynopsis)
	keyPath := fs.String("key", "", "project key file (required)")
	files, code := parseFlagsCode(e, fs, args)
	if code >= 0 {
		return code
	}
	if *keyPath == "" || len(files) == 0 {
		e.errorf("verify needs --key FILE and at least one list file")
		fs.Usage()
		return exitUsage
	}
	key, code := loadKey(e, *keyPath)
	if key == nil {
		return code
	}
	bad := 0
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			e.errorf("%q cannot be read", p)
			bad++
			continue
		}
		h, err := mktfile.Verify(f, key.ListMAC())
		f.Close()
		if err != nil {
			bad++
			e.errorf("%q: %s", p, strings.TrimPrefix(err.Error(), "mktfile: "))
			switch {
			case errors.Is(err, mktfile.ErrMAC):
				e.hintf("the file was changed after it was written, or made with another key (compare fingerprints with \"morketall fingerprint\")")
			case errors.Is(err, mktfile.ErrNoMAC):
				e.hintf("files written before MACs were added carry none; pseudonymise the extract again")
			case errors.Is(err, mktfile.ErrLineEndings):
				e.hintf("transfer the file unchanged, as a binary file")
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok: list %s, %d records, key %s, MAC verified\n", p, h.List, h.Rows, h.KeyFingerprint)
	}
	if bad > 0 {
		return exitUsage
	}
	return exitOK
}
