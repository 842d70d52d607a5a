// Package manifest writes the audit trail of morketall: every command that
// writes results also writes a manifest beside them, a small JSON file that
// says what was run, on which inputs, with which options and seeds, and
// what came out.
//
// # What a manifest holds
//
// The tool version (with the VCS revision the binary was built from, and
// whether its tree had uncommitted changes) and the Go version; the command
// line with secrets redacted (the caller passes it already redacted); the
// size and a digest of every input and output file; the key fingerprint and
// schema hash when a key was used; the seeds of every random procedure; the
// options; start and end time and the duration of each named step.
//
// # Digests: plain for derived files, keyed for plaintext
//
// A derived file (an overlap table, an estimate, a pseudonymised list) is
// described by its plain SHA-256, which anyone can check. A file that holds
// plaintext personal data (an agency extract) is private: a plain hash of
// it would be a key-free way back to its content, since a short extract can
// be found by hashing guesses (one record: under a second). Such a file is
// described only by its size and an HMAC-SHA256 under a subkey of the
// project key (AddPrivateInput; the pseudonym package derives the subkey
// with the HKDF label "morketall/v1/file-digest"), which only a key holder
// can recompute. A manifest never holds a plain digest of a private file.
//
// # What a manifest never holds
//
// Personal data, and key material. A file marked secret (a key file) is
// listed by path and role only: neither its content nor any hash of it is
// recorded, since a hash of a passphrase-derived key file would be one more
// value to test guesses against. The key is identified by its fingerprint,
// which the pseudonym package derives for exactly that purpose. Options and
// notes are written as given: callers put only names, numbers and flags in
// them, never a field value of a record.
//
// # Compatibility
//
// The format is "morketall-manifest", version 1. Fields may be added; they
// do not change meaning.
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/morketall/morketall/internal/atomicfile"
)

// Format and Version identify the manifest format.
const (
	Format  = "morketall-manifest"
	Version = 1
)

// Suffix is appended to an output's path to name its manifest.
const Suffix = ".manifest.json"

// PathFor returns the manifest path for an output file: OUT.manifest.json.
func PathFor(output string) string { return output + Suffix }

// File is one input or output.
type File struct {
	// Role says what the file is: "table", "estimate", "extract", "key",
	// "report", "pseudonymised-list", ….
	Role string `json:"role"`
	Path string `json:"path"`
	// Bytes and SHA256 (lowercase hex) describe the content; both are
	// absent for a secret file, and SHA256 for a private one.
	Bytes  int64  `json:"bytes,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// HMACSHA256 is the keyed digest (lowercase hex) of a private file:
	// HMAC-SHA256 under the project key's file-digest subkey.
	HMACSHA256 string `json:"hmac_sha256,omitempty"`
	// Private marks a file of plaintext personal data (an extract),
	// described by size and keyed digest only.
	Private bool `json:"private,omitempty"`
	// Secret marks a file whose content must not be described (a key).
	Secret bool `json:"secret,omitempty"`
}

// Step is the duration of a named part of the work.
type Step struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// Manifest is the audit record of one command. Build it with New, add
// files, steps, seeds and options, and Write it when the outputs exist.
type Manifest struct {
	Format      string `json:"format"`
	Version     int    `json:"version"`
	Tool        string `json:"tool"`
	ToolVersion string `json:"tool_version"`
	// VCSRevision and VCSModified name the commit the binary was built
	// from and whether the tree had uncommitted changes (absent when the
	// build did not record them, as under go test or go run of a file).
	VCSRevision string `json:"vcs_revision,omitempty"`
	VCSModified bool   `json:"vcs_modified,omitempty"`
	GoVersion   string `json:"go_version"`
	// Command is the subcommand ("report"); CommandLine the whole command
	// line with secrets redacted.
	Command     string    `json:"command"`
	CommandLine string    `json:"command_line"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
	Seconds     float64   `json:"seconds"`
	Inputs      []File    `json:"inputs"`
	Outputs     []File    `json:"outputs"`
	// KeyFingerprint and SchemaHash identify the key and schema used.
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	SchemaHash     string `json:"schema_hash,omitempty"`
	// Seeds of every random procedure, by name.
	Seeds map[string]uint64 `json:"seeds,omitempty"`
	// Options as the command resolved them (defaults filled in).
	Options map[string]any `json:"options,omitempty"`
	Steps   []Step         `json:"steps,omitempty"`
	// Notes are free remarks of the command (never data values).
	Notes []string `json:"notes,omitempty"`

	now func() time.Time
}

// New starts a manifest for a command. commandLine must already have its
// secrets redacted.
func New(command, commandLine, toolVersion string) *Manifest {
	m := &Manifest{
		Format: Format, Version: Version, Tool: "morketall", ToolVersion: toolVersion,
		GoVersion: runtime.Version(), Command: command, CommandLine: commandLine,
		Inputs: []File{}, Outputs: []File{}, now: time.Now,
	}
	m.VCSRevision, m.VCSModified = vcsInfo()
	m.Started = m.now().UTC()
	return m
}

// AddInput records an input file with its hash.
func (m *Manifest) AddInput(role, path string) error {
	f, err := describe(role, path)
	if err != nil {
		return err
	}
	m.Inputs = append(m.Inputs, f)
	return nil
}

// AddOutput records an output file with its hash. Call it after the file
// has been written.
func (m *Manifest) AddOutput(role, path string) error {
	f, err := describe(role, path)
	if err != nil {
		return err
	}
	m.Outputs = append(m.Outputs, f)
	return nil
}

// AddPrivateInput records a file of plaintext personal data by role,
// path, size and its keyed digest under mac (a fresh HMAC, see the package
// doc), never a plain hash.
// With a nil mac (no key at hand) only the size is recorded.
func (m *Manifest) AddPrivateInput(role, path string, mac hash.Hash) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	var w io.Writer = io.Discard
	if mac != nil {
		mac.Reset()
		w = mac
	}
	n, err := io.Copy(w, f)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	var sum []byte
	if mac != nil {
		sum = mac.Sum(nil)
	}
	m.AddPrivateDigest(role, path, n, sum)
	return nil
}

// AddPrivateDigest records a private input whose keyed digest the caller
// computed while reading it (standard input, which cannot be read twice).
func (m *Manifest) AddPrivateDigest(role, path string, size int64, hmacSum []byte) {
	m.Inputs = append(m.Inputs, File{Role: role, Path: path, Bytes: size, HMACSHA256: hex.EncodeToString(hmacSum), Private: true})
}

// AddPrivateOutput is AddPrivateInput for a file a command wrote (the
// demo's synthetic extracts).
func (m *Manifest) AddPrivateOutput(role, path string, mac hash.Hash) error {
	if err := m.AddPrivateInput(role, path, mac); err != nil {
		return err
	}
	f := m.Inputs[len(m.Inputs)-1]
	m.Inputs = m.Inputs[:len(m.Inputs)-1]
	m.Outputs = append(m.Outputs, f)
	return nil
}

// AddSecretInput records a secret input (a key file) by role and path only.
func (m *Manifest) AddSecretInput(role, path string) {
	m.Inputs = append(m.Inputs, File{Role: role, Path: path, Secret: true})
}

// AddSecretOutput records a secret output (a key file) by role and path only.
func (m *Manifest) AddSecretOutput(role, path string) {
	m.Outputs = append(m.Outputs, File{Role: role, Path: path, Secret: true})
}

// SetSeed records the seed of a random procedure.
func (m *Manifest) SetSeed(name string, seed uint64) {
	if m.Seeds == nil {
		m.Seeds = map[string]uint64{}
	}
	m.Seeds[name] = seed
}

// SetOption records an option value (a name, number, flag or list of them).
func (m *Manifest) SetOption(name string, value any) {
	if m.Options == nil {
		m.Options = map[string]any{}
	}
	m.Options[name] = value
}

// Time runs fn and records its duration as a step.
func (m *Manifest) Time(name string, fn func() error) error {
	start := m.now()
	err := fn()
	m.Steps = append(m.Steps, Step{Name: name, Seconds: m.now().Sub(start).Seconds()})
	return err
}

// Note adds a remark.
func (m *Manifest) Note(format string, args ...any) {
	m.Notes = append(m.Notes, fmt.Sprintf(format, args...))
}

func describe(role, path string) (File, error) {
	sum, n, err := HashFile(path)
	if err != nil {
		return File{}, err
	}
	return File{Role: role, Path: path, Bytes: n, SHA256: sum}, nil
}

// HashFile returns the lowercase hex SHA-256 of a file and its size.
func HashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("manifest: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Finish stamps the end time. Write calls it when it has not been called.
func (m *Manifest) Finish() {
	if m.now == nil {
		m.now = time.Now
	}
	m.Finished = m.now().UTC()
	m.Seconds = m.Finished.Sub(m.Started).Seconds()
}

// Marshal returns the manifest as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	if m.Finished.IsZero() {
		m.Finish()
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// Write writes the manifest to path atomically; force replaces an
// existing file.
func Write(path string, m *Manifest, force bool) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, &atomicfile.Options{Force: force})
}

// Read parses a manifest.
func Read(r io.Reader) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Format != Format {
		return nil, errors.New("manifest: not a morketall manifest")
	}
	if m.Version != Version {
		return nil, fmt.Errorf("manifest: version %d not supported", m.Version)
	}
	return &m, nil
}

// Verify re-hashes every input and output described by a plain SHA-256
// and returns the paths whose content no longer matches (or that are
// missing). Secret and private files are skipped: checking a private file
// takes the key (VerifyPrivate).
func (m *Manifest) Verify() (changed []string) {
	for _, f := range slices.Concat(m.Inputs, m.Outputs) {
		if f.Secret || f.Private {
			continue
		}
		sum, n, err := HashFile(f.Path)
		if err != nil || sum != f.SHA256 || n != f.Bytes {
			changed = append(changed, f.Path)
		}
	}
	return changed
}

// VerifyPrivate recomputes the keyed digest of every private file with mac
// and returns the paths that no longer match (or are missing).
func (m *Manifest) VerifyPrivate(mac hash.Hash) (changed []string) {
	for _, f := range slices.Concat(m.Inputs, m.Outputs) {
		if !f.Private {
			continue
		}
		var c Manifest
		if c.AddPrivateInput(f.Role, f.Path, mac) != nil || c.Inputs[0].HMACSHA256 != f.HMACSHA256 || c.Inputs[0].Bytes != f.Bytes {
			changed = append(changed, f.Path)
		}
	}
	return changed
}

// vcsInfo returns the VCS revision and modified flag recorded in the
// binary's build information.
func vcsInfo() (revision string, modified bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return revision, modified
}

// ToolVersion returns the version to record for this binary: the module
// version when it was built from a released module, else "devel"; then,
// when the build recorded its VCS state, "+" and the first 12 digits of
// the revision, and "-modified" when the tree had uncommitted changes
// ("devel+7e7851d3c2a1-modified"). set, when non-empty, replaces the
// module version (a version given at link time).
func ToolVersion(set string) string {
	v := set
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	rev, mod := vcsInfo()
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += "+" + rev[:min(12, len(rev))]
		if mod {
			v += "-modified"
		}
	}
	return v
}
