package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/morketall/morketall/mse"
)

// readTable opens and parses an overlap table, printing warnings. It
// returns an exit code ≥ 0 on failure.
func readTable(e *env, path string, strata []string) (*mse.Table, int) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			e.errorf("%q: no such file", path)
		} else {
			e.errorf("%q: cannot open: %v", path, unwrapPath(err))
		}
		return nil, exitUsage
	}
	defer f.Close()
	t, warns, err := mse.ReadTable(f, &mse.ReadOptions{Strata: strata})
	for _, w := range warns {
		e.warnf("%q: %s", path, w)
	}
	if err != nil {
		e.errorf("%q: %s", path, trimPkg(err))
		switch msg := err.Error(); {
		case strings.Contains(msg, "no \"count\" column"):
			e.hintf("an overlap table has one 0/1 column per list and a count column; see DESIGN.md")
		case strings.Contains(msg, "list value must be 0 or 1") && len(strata) == 0:
			e.hintf("if that column is a stratum (e.g. sex or region), declare it with --strata NAME; add --collapse to estimate the total table")
		}
		return nil, exitUsage
	}
	return t, -1
}

// trimPkg removes a leading "mse: " (or other package prefix) for display.
func trimPkg(err error) string {
	s := err.Error()
	for _, p := range []string{"mse: ", "loglinear: ", "linkage: ", "pseudonym: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fmtCount formats an estimate for people: one decimal.
func fmtCount(x float64) string { return fmt.Sprintf("%.1f", x) }
