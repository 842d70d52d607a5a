package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/morketall/morketall/mse"
)

// cliError is a command's failure: the exit code (0 ok, 1 failure, 2 usage
// or bad input, 3 not estimable), the message
// printed as "morketall: error: …" (empty when it was printed already)
// and hints. Commands return it as an error value, as govulncheck does.
type cliError struct {
	code  int
	msg   string
	hints []string
	err   error
	after func() // printed after the message and hints: a command's usage
}

func (e *cliError) Error() string {
	if e.msg == "" && e.err != nil {
		return e.err.Error()
	}
	return e.msg
}

func (e *cliError) Unwrap() error { return e.err }

// ExitCode is the process exit code.
func (e *cliError) ExitCode() int { return e.code }

// hint adds a hint printed after the message.
func (e *cliError) hint(format string, args ...any) *cliError {
	e.hints = append(e.hints, fmt.Sprintf(format, args...))
	return e
}

// withUsage prints the flag set's usage (on stderr) after the message
// and hints.
func (e *cliError) withUsage(fs *flag.FlagSet) *cliError {
	e.after = fs.Usage
	return e
}

// usagef is a usage error or bad input: exit code 2.
func usagef(format string, args ...any) *cliError {
	return &cliError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// failf is a failure of the command: exit code 1.
func failf(format string, args ...any) *cliError {
	return &cliError{code: exitFailure, msg: fmt.Sprintf(format, args...)}
}

// notEstimablef is a run whose result is not estimable: exit code 3.
func notEstimablef(format string, args ...any) *cliError {
	return &cliError{code: exitNotEstimable, msg: fmt.Sprintf(format, args...)}
}

// exitCode is an exit with a code and nothing (more) to print.
func exitCode(code int) *cliError { return &cliError{code: code} }

// interrupted is the error of a command stopped by Ctrl-C.
func interrupted() *cliError { return failf("interrupted: nothing was written") }

// libError turns a library error into a CLI error: cancellation is a
// failure (exit 1), anything else bad input (exit 2), with the package
// prefix removed.
func libError(prefix string, err error) *cliError {
	if errors.Is(err, mse.ErrCancelled) {
		return interrupted()
	}
	if prefix != "" {
		prefix += ": "
	}
	return usagef("%s%s", prefix, trimPkg(err))
}

// exit prints a command's error and returns its exit code.
func (e *env) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var ce *cliError
	if !errors.As(err, &ce) {
		e.errorf("%s", trimPkg(err))
		return exitFailure
	}
	if ce.msg != "" {
		e.errorf("%s", ce.msg)
	}
	for _, h := range ce.hints {
		e.hintf("%s", h)
	}
	if ce.after != nil {
		ce.after()
	}
	return ce.code
}
