// Package testflags holds the switches that tests share. The long
// statistical checks (many seeds, large simulations) run only when the
// environment variable MORKETALL_LONG is set to 1, as .ci/run does, so that
// go test ./... stays quick on a researcher's machine while CI keeps every
// check with its stated false-failure rate.
package testflags

import (
	"os"
	"testing"
)

// LongEnv is the environment variable that turns on the long checks.
const LongEnv = "MORKETALL_LONG"

// Long reports whether the long checks are on.
func Long() bool { return os.Getenv(LongEnv) == "1" }

// RequireLong skips t unless the long checks are on, saying how to run it.
func RequireLong(t testing.TB) {
	t.Helper()
	if !Long() {
		t.Skipf("long statistical check: run with %s=1 (.ci/run does)", LongEnv)
	}
}
