package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// runCLI runs the command line and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestNoArgumentsIsUsageError(t *testing.T) {
	_, stderr, code := runCLI(t, "")
	if code != exitUsage || !strings.Contains(stderr, "Usage: morketall") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestHelpListsCommands(t *testing.T) {
	stdout, _, code := runCLI(t, "", "help")
	if code != exitOK || !strings.Contains(stdout, "Commands:") {
		t.Fatalf("code %d, stdout %q", code, stdout)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, code := runCLI(t, "", "frobnicate")
	if code != exitUsage {
		t.Fatalf("code %d", code)
	}
	if !strings.HasPrefix(stderr, "morketall: error: unknown command") || !strings.Contains(stderr, "morketall: hint:") {
		t.Fatalf("stderr %q", stderr)
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := runCLI(t, "", "version")
	if code != exitOK || !strings.HasPrefix(stdout, "morketall ") {
		t.Fatalf("code %d, stdout %q", code, stdout)
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	fs := newFlags(e, "x", "x [flags] FILE")
	j := fs.Bool("json", false, "")
	m := fs.String("method", "", "")
	pos, err := parseFlags(e, fs, []string{"a.csv", "--json", "--method", "bic", "b.csv", "-", "--", "-c.csv"})
	if err != nil || !*j || *m != "bic" || strings.Join(pos, " ") != "a.csv b.csv - -c.csv" {
		t.Fatalf("pos %q err %v json %v method %q", pos, err, *j, *m)
	}
}

func setProcs(n int) int { return runtime.GOMAXPROCS(n) }
