package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/morketall/morketall/internal/atomicfile"
	"github.com/morketall/morketall/internal/extract"
	"github.com/morketall/morketall/internal/manifest"
	"github.com/morketall/morketall/pseudonym"
)

func init() {
	register(&command{name: "pseudonymise", summary: "turn an agency extract into a pseudonymised list file", run: runPseudonymise})
	register(&command{name: "pseudonymize", summary: "same as pseudonymise", run: runPseudonymise})
}

// maxWarnings is how many field problems are listed on stderr; the rest
// are counted in the quality summary.
const maxWarnings = 10

func runPseudonymise(e *env, args []string) error {
	fs := newFlags(e, "pseudonymise", "pseudonymise --key FILE --list NAME [flags] EXTRACT -o OUT\n\n"+
		"Reads EXTRACT (.csv or .xlsx; - for a CSV on standard input), replaces identifying fields by\n"+
		"keyed match-key tokens and writes the pseudonymised list file OUT (- for standard output). A\n"+
		"quality summary (counts only) goes to stderr, and the SHA-256 of OUT to stdout, for the\n"+
		"linkage party to compare with the file it receives.\n\n"+
		"Limits: a cell holds at most 1 MiB, a CSV row 8 MiB, a row 16,384 fields; a workbook part at\n"+
		"most 1 GiB decompressed (shared strings 256 MiB) and 200 times its compressed size. Beyond\n"+
		"them the extract is refused with its position (exit 2). Memory does not grow with the number\n"+
		"of rows: rows are spilled for the shuffle to 0600 files in $TMPDIR (see --temp-dir).")
	keyPath := fs.String("key", "", "project key file (required)")
	list := fs.String("list", "", "name of the list, e.g. POLICE (required; letters, digits, _ . : + -)")
	out := fs.String("o", "", "output file (required)")
	schemaPath := fs.String("schema", "", "schema file (JSON); default: the built-in schema (see --print-schema)")
	delim := fs.String("delimiter", "", "CSV delimiter, , or ; (default: detected from the header)")
	enc := fs.String("encoding", "", "CSV encoding: utf-8 (default), windows-1252 or iso-8859-1")
	sheet := fs.String("sheet", "", "XLSX worksheet (default: the first)")
	reportPath := fs.String("report", "", "also write the quality report as JSON to this file")
	crosswalkPath := fs.String("crosswalk", "", "also write the crosswalk (record id -> extract line, CSV, mode 0600) to this file; it stays at the agency")
	strict := fs.Bool("strict", false, "stop at the first invalid date of birth or identity number instead of counting it as missing")
	force := fs.Bool("force", false, "replace existing output files")
	printSchema := fs.Bool("print-schema", false, "print the built-in schema and exit")
	tempDir := fs.String("temp-dir", "", "directory for the shuffle's temporary files (default: $TMPDIR or /tmp)")
	pos, err := parseFlags(e, fs, args)
	if err != nil {
		return err
	}
	if *printSchema {
		e.stdout.Write(pseudonym.DefaultSchemaJSON())
		return nil
	}
	var missing []string
	if *keyPath == "" {
		missing = append(missing, "--key")
	}
	if *list == "" {
		missing = append(missing, "--list")
	}
	if *out == "" {
		missing = append(missing, "-o")
	}
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", ")).withUsage(fs)
	}
	if len(pos) != 1 {
		return usagef("pseudonymise takes exactly one extract file").withUsage(fs)
	}
	in := pos[0]
	m := e.auditFor("pseudonymise")
	opts := &extract.Options{Encoding: *enc, Sheet: *sheet}
	switch *delim {
	case "":
	case ",", ";":
		opts.Delimiter = rune((*delim)[0])
	case "semicolon":
		opts.Delimiter = ';'
	case "comma":
		opts.Delimiter = ','
	default:
		return usagef("--delimiter must be , or ;")
	}
	switch strings.ToLower(*enc) {
	case "", "utf-8", "utf8", "windows-1252", "cp1252", "iso-8859-1", "latin1", "latin-1":
	default:
		return usagef("--encoding must be utf-8, windows-1252 or iso-8859-1")
	}
	if err := checkListName(*list); err != nil {
		return usagef("--list: %v", err)
	}
	if *crosswalkPath == "-" {
		return usagef("--crosswalk needs a file name: the crosswalk is not written to standard output")
	}
	outFile := *out
	if outFile == "-" {
		outFile = ""
	}
	inFile := in
	if inFile == "-" {
		inFile = ""
	}
	if err := checkOutputs(e, []string{inFile}, []string{outFile, *reportPath, *crosswalkPath}, *force); err != nil {
		return err
	}

	key, err := readKey(e, *keyPath)
	if err != nil {
		return err
	}
	schema := pseudonym.DefaultSchema()
	if *schemaPath != "" {
		data, err := os.ReadFile(*schemaPath)
		if err != nil {
			return usagef("schema file %q cannot be read", *schemaPath)
		}
		schema, err = pseudonym.ParseSchema(data)
		if err != nil {
			return usagef("schema file %q: %s", *schemaPath, strings.TrimPrefix(err.Error(), "pseudonym: "))
		}
	}

	var digest hash.Hash
	var src *extract.Reader
	if in == "-" {
		// A keyed digest of exactly the bytes read, for the manifest.
		digest = key.FileDigest()
		opts.Tee = digest
		src, err = extract.NewCSVReader("standard input", e.stdin, opts)
	} else {
		src, err = extract.Open(in, opts)
	}
	if err != nil {
		return extractError(in, err)
	}
	defer src.Close()
	warned := 0
	popts := &pseudonym.Options{Strict: *strict, Context: e.ctx, TempDir: *tempDir, Warn: func(fe *pseudonym.FieldError) {
		if warned < maxWarnings {
			e.warnf("%s (treated as missing)", describe(in, src.Unit(), fe))
		}
		warned++
	}}
	p, err := pseudonym.New(key, schema, popts)
	if err != nil {
		return failf("%v", err)
	}
	lst, err := p.Pseudonymise(*list, src)
	if err != nil {
		var fe *pseudonym.FieldError
		switch {
		case errors.Is(err, context.Canceled):
			return failf("interrupted; nothing written")
		case errors.As(err, &fe):
			return hintFor(usagef("%s", describe(in, src.Unit(), fe)), err)
		}
		return extractError(in, err)
	}
	defer lst.Close()
	if warned > maxWarnings {
		e.warnf("%d more invalid values not listed (see the counts below)", warned-maxWarnings)
	}
	if lst.Len() == 0 {
		ce := usagef("%q: no record has any match key; nothing written", in)
		ce.after = func() { lst.Report().WriteText(e.stderr) }
		return ce
	}

	// Pseudonymised data is still personal data (GDPR recital 26): the
	// list file is readable by its owner only.
	listSum := sha256.New()
	if *out == "-" {
		if err := lst.Write(io.MultiWriter(e.stdout, listSum)); err != nil {
			return writeFailed(*out, err)
		}
	} else {
		f, err := atomicfile.Create(*out, &atomicfile.Options{Perm: 0o600, Force: *force})
		if err != nil {
			return writeFailed(*out, err)
		}
		defer f.Abort()
		if err := lst.Write(f); err != nil {
			return writeFailed(*out, err)
		}
		if err := f.Commit(); err != nil {
			return writeFailed(*out, err)
		}
	}
	if *reportPath != "" {
		b, err := json.MarshalIndent(lst.Report(), "", "  ")
		if err == nil {
			err = atomicfile.WriteFile(*reportPath, append(b, '\n'), &atomicfile.Options{Force: *force})
		}
		if err != nil {
			// Do not leave half of the result behind.
			if outFile != "" {
				os.Remove(*out)
			}
			return failf("writing %q: %v; %q removed", *reportPath, err, *out)
		}
	}
	if *crosswalkPath != "" {
		if err := atomicfile.Write(*crosswalkPath, &atomicfile.Options{Perm: 0o600, Force: *force}, lst.WriteCrosswalk); err != nil {
			if outFile != "" {
				os.Remove(*out)
			}
			return failf("writing %q: %v; %q removed", *crosswalkPath, err, *out)
		}
	}
	rep := lst.Report()
	// The extract is plaintext: the manifest describes it by size and a
	// keyed digest only (issue 13: a plain hash of a short extract is a
	// key-free way back to it).
	if digest != nil {
		m.AddPrivateDigest("extract", "-", src.Bytes(), digest.Sum(nil))
	} else if err := m.AddPrivateInput("extract", in, key.FileDigest()); err != nil {
		if outFile != "" {
			os.Remove(*out)
		}
		return failf("%q cannot be read again for the manifest", in)
	}
	damageHint(e, rep)
	m.AddSecretInput("key", *keyPath)
	if *schemaPath != "" {
		m.AddInput("schema", *schemaPath)
	}
	m.KeyFingerprint, m.SchemaHash = rep.KeyFingerprint, rep.SchemaHash
	m.SetOption("list", *list)
	m.SetOption("strict", *strict)
	sum := hex.EncodeToString(listSum.Sum(nil))
	if *out == "-" {
		// No file to put a manifest beside: it goes to stderr's summary
		// as the list's SHA-256 only.
		rep.WriteText(e.stderr)
		fmt.Fprintf(e.stderr, "morketall: list %s, %d records (%d rejected), sha256 %s\n", rep.List, rep.RecordsOut, rep.RecordsIn-rep.RecordsOut, sum)
		return nil
	}
	if sum, _, err = manifest.HashFile(*out); err != nil {
		return failf("%q cannot be read back", *out)
	}
	outs := [][2]string{{"pseudonymised-list", *out}}
	if *reportPath != "" {
		outs = append(outs, [2]string{"quality-report", *reportPath})
	}
	if !e.finishAudit(m, *force, outs...) {
		return exitCode(exitFailure) // finishAudit said why
	}
	rep.WriteText(e.stderr)
	fmt.Fprintf(e.stdout, "%s: list %s, %d records (%d rejected), key %s, schema %s, sha256 %s\n",
		*out, rep.List, rep.RecordsOut, rep.RecordsIn-rep.RecordsOut, rep.KeyFingerprint, rep.SchemaHash, sum)
	return nil
}

// writeFailed reports a failure to write the list: an interruption, an
// existing file, or an I/O error. Nothing is left behind.
func writeFailed(out string, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return failf("interrupted; nothing written")
	case errors.Is(err, atomicfile.ErrExists):
		return failf("%q exists", out).hint("use --force to replace it")
	}
	return failf("writing %q: %v", out, err)
}

func checkListName(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:+-", c) >= 0) {
			return errors.New("use only letters, digits and _ . : + -")
		}
	}
	return nil
}

// describe formats a field problem as `"file": line N, column "c": what`.
func describe(file, unit string, fe *pseudonym.FieldError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", file)
	if fe.Line > 0 {
		fmt.Fprintf(&b, ": %s %d", unit, fe.Line)
		if fe.Column != "" {
			fmt.Fprintf(&b, ",")
		}
	}
	if fe.Column != "" {
		if fe.Line == 0 {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, " column %q", fe.Column)
	}
	fmt.Fprintf(&b, ": %v", fe.Err)
	return b.String()
}

// extractError reports an error from reading the extract: bad input, exit 2.
func extractError(file string, err error) error {
	var xe *extract.Error
	var ce *cliError
	switch {
	case errors.As(err, &xe):
		ce = usagef("%v", xe)
	case errors.Is(err, os.ErrNotExist):
		ce = usagef("%q does not exist", file)
	case errors.Is(err, extract.ErrOptions):
		ce = usagef("%v", err)
	default:
		// Do not print err: an unknown error might carry file content.
		ce = usagef("%q cannot be read", file)
	}
	return hintFor(ce, err)
}

// hintFor adds the hint for err to ce.
func hintFor(ce *cliError, err error) *cliError {
	switch {
	case errors.Is(err, extract.ErrEncoding):
		ce.hint("declare the file's encoding: --encoding windows-1252 (what Norwegian Excel writes) or --encoding iso-8859-1")
	case errors.Is(err, extract.ErrBOM):
		ce.hint("the file is UTF-8: drop --encoding")
	case errors.Is(err, extract.ErrRagged), errors.Is(err, pseudonym.ErrRowLength):
		ce.hint("every line must have as many fields as the header; a value containing the delimiter must be quoted")
	case errors.Is(err, extract.ErrQuote):
		ce.hint("a quoted field must end with a quote, and a quote inside it must be doubled")
	case errors.Is(err, extract.ErrFormat):
		ce.hint("a workbook must be saved as .xlsx (not .xls or .ods), or exported as CSV")
	case errors.Is(err, extract.ErrDelimiter):
		ce.hint("say which delimiter the file uses: --delimiter ';' or --delimiter ','")
	case errors.Is(err, pseudonym.ErrNotDate):
		ce.hint("dates of birth may be dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy, mm.yyyy, yyyy or an Excel serial; without --strict an invalid date is counted and treated as missing")
	case errors.Is(err, pseudonym.ErrIDFormat), errors.Is(err, pseudonym.ErrIDChecksum), errors.Is(err, pseudonym.ErrIDDate):
		ce.hint("without --strict an invalid identity number is counted and treated as missing")
	case errors.Is(err, pseudonym.ErrNoIdentifiers), errors.Is(err, pseudonym.ErrMissingColumn):
		ce.hint("map the extract's columns in a schema file (\"columns\": {\"given_name\": \"Fornavn\", ...}); start from --print-schema")
	}
	return ce
}

// damageHint says what to do about name cells damaged by a lossy export
// (counts only).
func damageHint(e *env, rep *pseudonym.Report) {
	if d := rep.EncodingDamage; d.Cells > 0 {
		e.warnf("%d name cells look damaged by a lossy export (%d with ?, %d with U+FFFD, %d with two scripts in one word); they are pseudonymised, but lose letters",
			d.Cells, d.QuestionMark, d.Replacement, d.MixedScripts)
		e.hintf("if the file is not UTF-8, declare its encoding (--encoding windows-1252 or iso-8859-1); a ? where a letter was means the export itself lost it: ask for a re-export in UTF-8; --strict refuses such cells")
	}
}
