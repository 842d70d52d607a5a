package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/pseudonym"
)

func init() {
	register(&command{name: "keygen", summary: "make a project key (prints its fingerprint)", run: runKeygen})
}

func runKeygen(e *env, args []string) error {
	fs := newFlags(e, "keygen", "keygen -o FILE [--passphrase [--salt HEX]] [--force]")
	out := fs.String("o", "", "key file to create (required); written with mode 0600")
	pass := fs.Bool("passphrase", false, "derive the key from a passphrase (Argon2id) read from the terminal or stdin")
	saltHex := fs.String("salt", "", "with --passphrase: the salt of an existing passphrase key, to rebuild it (32 hex digits)")
	force := fs.Bool("force", false, "replace an existing key file")
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-passphrase=") || strings.HasPrefix(a, "--passphrase=") {
			// Do not let the flag package echo the value back.
			return usagef("a passphrase is never given on the command line; --passphrase reads it from the terminal or stdin")
		}
	}
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *out == "" {
		return usagef("keygen takes no arguments and needs -o FILE").withUsage(fs)
	}
	if *saltHex != "" && !*pass {
		return usagef("--salt needs --passphrase")
	}
	if !*force {
		if _, err := os.Lstat(*out); err == nil {
			return failf("%q exists; a key file is never overwritten without --force", *out).
				hint("replacing a key makes every file pseudonymised with it unlinkable with new ones")
		}
	}
	m := e.auditFor("keygen") // the manifest holds the fingerprint, never the key
	var key *pseudonym.Key
	if *pass {
		var salt []byte
		if *saltHex != "" {
			salt, err = hex.DecodeString(*saltHex)
			if err != nil || len(salt) != pseudonym.SaltSize {
				return usagef("--salt must be %d hex digits", 2*pseudonym.SaltSize)
			}
		}
		p, err := readPassphrase(e, *saltHex == "")
		if err != nil {
			return usagef("%v", err)
		}
		if len([]rune(string(p))) < 16 {
			e.warnf("passphrase shorter than 16 characters: anyone holding an output file can test guesses against the key fingerprint offline")
		}
		key, err = pseudonym.DeriveKey(p, salt)
		clear(p)
		if err != nil {
			return failf("%v", strings.TrimPrefix(err.Error(), "pseudonym: "))
		}
	} else {
		key, err = pseudonym.GenerateKey()
		if err != nil {
			return failf("%v", err)
		}
	}
	enc := key.Encode()
	err = atomicfile.WriteFile(*out, enc, &atomicfile.Options{Perm: 0o600, Force: *force})
	clear(enc)
	if err != nil {
		if errors.Is(err, atomicfile.ErrExists) {
			return failf("%q exists; a key file is never overwritten without --force", *out)
		}
		return failf("writing key file %q: %v", *out, err)
	}
	m.AddSecretOutput("key", *out)
	m.KeyFingerprint = key.Fingerprint()
	m.SetOption("passphrase", *pass)
	if err := manifest.Write(manifest.PathFor(*out), m, *force); err != nil {
		return failf("writing the manifest of %q: %v", *out, err)
	}
	fmt.Fprintln(e.stdout, key.Fingerprint())
	return nil
}

// readPassphrase reads a passphrase from the terminal without echo (twice
// when confirm is set), or the first line of stdin when stdin is not a
// terminal. It is never taken from a flag.
func readPassphrase(e *env, confirm bool) ([]byte, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Passphrase: ")
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		if confirm {
			fmt.Fprint(e.stderr, "Repeat passphrase: ")
			q, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			if err != nil {
				return nil, fmt.Errorf("reading the passphrase: %w", err)
			}
			if string(p) != string(q) {
				return nil, errors.New("the passphrases differ")
			}
		}
		if len(p) == 0 {
			return nil, errors.New("empty passphrase")
		}
		return p, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading the passphrase from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty passphrase (stdin is not a terminal: give it on the first line of stdin)")
	}
	return []byte(line), nil
}

// maxKeyFile bounds what is read as a key file.
const maxKeyFile = 64 << 10

// readKey reads and parses a key file, warning when others can read it.
// Errors are usage errors (exit 2).
func readKey(e *env, path string) (*pseudonym.Key, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("key file %q does not exist", path).
				hint("make one with \"morketall keygen -o %s\", or ask the project's key holder", path)
		}
		return nil, usagef("key file %q cannot be read", path)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, usagef("key file %q is a directory", path)
		}
		if st.Mode().Perm()&0o044 != 0 {
			e.warnf("key file %q is readable by other users (mode %04o)", path, st.Mode().Perm())
			e.hintf("chmod 600 %s", path)
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, usagef("key file %q cannot be read", path)
	}
	if len(data) > maxKeyFile {
		return nil, usagef("key file %q: not a morketall key (too large)", path)
	}
	key, err := pseudonym.ParseKey(data)
	clear(data)
	if err != nil {
		return nil, usagef("key file %q: %s", path, strings.TrimPrefix(err.Error(), "pseudonym: "))
	}
	return key, nil
}
