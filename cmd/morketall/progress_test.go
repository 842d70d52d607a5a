package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgressPlainLines: off a terminal, progress is a plain line every
// progressEvery once the work has lasted that long, and nothing before.
func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	e := &env{stderr: &buf}
	p := newProgress(e, "bootstrap")
	p.update(10, 100)
	if buf.Len() != 0 {
		t.Fatalf("printed before %v: %q", progressEvery, buf.String())
	}
	p.start = time.Now().Add(-2 * progressEvery)
	p.update(50, 100)
	p.update(51, 100) // within progressEvery of the last line: silent
	if got := buf.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "morketall: bootstrap: 50% (50/100), about") {
		t.Fatalf("progress lines %q", got)
	}
	p.done()
	if strings.Contains(buf.String(), "\r") {
		t.Fatal("a plain log got terminal control characters")
	}
}
