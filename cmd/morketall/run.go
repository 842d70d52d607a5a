package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/morketall/morketall/internal/manifest"
)

// Exit codes (a contract: scripts test them).
const (
	exitOK           = 0 // success
	exitFailure      = 1 // the command ran and failed
	exitUsage        = 2 // usage error or bad input
	exitNotEstimable = 3 // ran, but the result is not estimable
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it is taken from the module build information. The VCS revision is added
// when the build recorded it (manifest.ToolVersion).
var version = ""

func toolVersion() string { return manifest.ToolVersion(version) }

// env is what a command may touch: its streams and a context that is
// cancelled on Ctrl-C. Commands never use os.Stdout and friends directly,
// so that run is testable.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	argv   []string // the full command line after the program name
}

// errorf prints "morketall: error: …" on stderr. Messages must never
// contain an input value: errors name files, lines and columns only.
func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "morketall: error: "+format+"\n", args...)
}

// hintf prints "morketall: hint: …" on stderr.
func (e *env) hintf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "morketall: hint: "+format+"\n", args...)
}

// warnf prints "morketall: warning: …" on stderr.
func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "morketall: warning: "+format+"\n", args...)
}

// command is one subcommand. Each lives in its own cmd_<name>.go file and
// registers itself from init, so that commands can be added independently.
// run returns nil on success or an error that carries the exit code
// (exitCoder); the message and hints are printed by the caller.
type command struct {
	name    string
	summary string // one line for "morketall help"
	run     func(e *env, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("morketall: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// run is the whole program behind main: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug must not print a stack trace at a user (nor anything of the
		// data it was working on): one line, exit 1.
		if p := recover(); p != nil {
			if os.Getenv("MORKETALL_DEBUG") != "" {
				panic(p)
			}
			fmt.Fprintf(stderr, "morketall: error: internal error: this is a bug in morketall; nothing was written. Run again with MORKETALL_DEBUG=1 for the details to report\n")
			code = exitFailure
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, argv: args}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				// "help simulate merge" is "simulate merge -h".
				return e.exit(c.run(e, append(slices.Clone(args[2:]), "-h")))
			}
			e.errorf("unknown command %q", args[1])
			return exitUsage
		}
		usage(stdout)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "morketall %s\n", toolVersion())
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		e.errorf("unknown command %q", name)
		e.hintf("run \"morketall help\" for the list of commands")
		return exitUsage
	}
	return e.exit(c.run(e, args[1:]))
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "morketall: privacy-preserving multiple systems estimation\n\n")
	fmt.Fprintf(w, "Usage: morketall <command> [flags] [arguments]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-13s %s\n", "version", "print the version")
	fmt.Fprintf(w, "\nRun \"morketall help <command>\" for a command's flags.\n")
}

// newFlags returns a flag set for a subcommand that reports errors instead
// of exiting. synopsis is printed above the flag defaults by -h.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: morketall %s\n", synopsis)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintf(out, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// errHelp is returned by parseFlags after -h printed the usage: the
// command stops with exit code 0.
var errHelp = &cliError{code: exitOK}

// parseFlags parses args allowing flags and positional arguments to be
// interspersed ("estimate table.csv --json" works as well as
// "estimate --json table.csv"); "--" ends flag parsing, and "-" is a
// positional argument (standard input). It returns the positional
// arguments, or errHelp after -h (usage printed once, on stdout), or a
// usage error for a bad flag (its message printed once, on stderr).
func parseFlags(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	printUsage := fs.Usage
	fs.Usage = func() {} // the flag package would print it on every error
	defer func() { fs.Usage = printUsage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(e.stdout)
				printUsage()
				fs.SetOutput(e.stderr)
				return nil, errHelp
			}
			// The flag package has printed the error itself.
			return nil, &cliError{code: exitUsage, hints: []string{fmt.Sprintf("run \"morketall help %s\" for the flags", fs.Name())}}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// commandLine returns the command line for audit records, with the values
// of flags that can carry secrets replaced. Keys are always read from files,
// so there are none today; the redaction is defence in depth.
func (e *env) commandLine() string {
	parts := make([]string, 0, len(e.argv)+1)
	parts = append(parts, "morketall")
	redactNext := false
	for _, a := range e.argv {
		if redactNext {
			parts = append(parts, "[redacted]")
			redactNext = false
			continue
		}
		low := strings.ToLower(strings.TrimLeft(a, "-"))
		if strings.HasPrefix(low, "passphrase") || strings.HasPrefix(low, "secret") {
			if strings.Contains(a, "=") {
				parts = append(parts, a[:strings.Index(a, "=")+1]+"[redacted]")
			} else {
				parts = append(parts, a)
				redactNext = true
			}
			continue
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
