package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/morketall/morketall/internal/mktfile"
)

func init() {
	register(&command{name: "fingerprint", summary: "print the fingerprint of a key file or pseudonymised list", run: runFingerprint})
}

func runFingerprint(e *env, args []string) error {
	fs := newFlags(e, "fingerprint", "fingerprint FILE\n\nPrints the key fingerprint of a key file, or the one recorded in a pseudonymised list file.")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("fingerprint takes one file").withUsage(fs)
	}
	path := pos[0]
	if head, err := readHead(path, len(mktfile.FormatName)+1); err == nil && bytes.Equal(head, []byte("#"+mktfile.FormatName)) {
		f, err := os.Open(path)
		if err != nil {
			return usagef("%q cannot be read", path)
		}
		defer f.Close()
		rd, err := mktfile.NewReader(f)
		if err != nil {
			return usagef("%q: %v", path, err)
		}
		fmt.Fprintln(e.stdout, rd.Header.KeyFingerprint)
		return nil
	}
	key, err := readKey(e, path)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key.Fingerprint())
	return nil
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
