package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/morketall/morketall/internal/mktfile"
)

func init() {
	register(&command{name: "fingerprint", summary: "print the fingerprint of a key file or pseudonymised list", run: legacy(runFingerprint)})
}

func runFingerprint(e *env, args []string) int {
	fs := newFlags(e, "fingerprint", "fingerprint FILE\n\nPrints the key fingerprint of a key file, or the one recorded in a pseudonymised list file.")
	pos, code := parseFlagsCode(e, fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		e.errorf("fingerprint takes one file")
		fs.Usage()
		return exitUsage
	}
	path := pos[0]
	if head, err := readHead(path, len(mktfile.FormatName)+1); err == nil && bytes.Equal(head, []byte("#"+mktfile.FormatName)) {
		f, err := os.Open(path)
		if err != nil {
			e.errorf("%q cannot be read", path)
			return exitUsage
		}
		defer f.Close()
		rd, err := mktfile.NewReader(f)
		if err != nil {
			e.errorf("%q: %v", path, err)
			return exitUsage
		}
		fmt.Fprintln(e.stdout, rd.Header.KeyFingerprint)
		return exitOK
	}
	key, code := loadKey(e, path)
	if key == nil {
		return code
	}
	fmt.Fprintln(e.stdout, key.Fingerprint())
	return exitOK
}

// readHead returns up to n first bytes of a file.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, _ := f.Read(b)
	return b[:m], nil
}
