package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/morketall/morketall/mse"
)

// readTable opens and parses an overlap table ("-" is standard input),
// printing warnings.
func readTable(e *env, path string, strata []string) (*mse.Table, error) {
	return readTableCovariates(e, path, strata, nil)
}

// readTableCovariates is readTable with declared covariate columns.
func readTableCovariates(e *env, path string, strata, covariates []string) (*mse.Table, error) {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, usagef("%q: no such file", path)
			}
			return nil, usagef("%q: cannot open: %v", path, unwrapPath(err))
		}
		defer f.Close()
		r = f
	}
	t, warns, err := mse.ReadTable(r, &mse.ReadOptions{Strata: strata, Covariates: covariates})
	for _, w := range warns {
		e.warnf("%q: %s", path, w)
	}
	if err != nil {
		ce := usagef("%q: %s", path, trimPkg(err))
		switch msg := err.Error(); {
		case strings.Contains(msg, "no \"count\" column"):
			ce.hint("an overlap table has one 0/1 column per list and a count column; see the README's Estimate section")
		case strings.Contains(msg, "list value must be 0 or 1") && len(strata) == 0 && len(covariates) == 0:
			ce.hint("if that column is a stratum (e.g. sex or region), declare it with --strata NAME (add --collapse to estimate the total table), or model it as a covariate with --covariates NAME")
		case strings.Contains(msg, "list value must be 0 or 1"):
			ce.hint("declare every column that is not a list with --strata or --covariates")
		}
		return nil, ce
	}
	return t, nil
}

// trimPkg removes a leading package prefix ("mse: ", "loglin: ", …) for
// display.
func trimPkg(err error) string {
	s := err.Error()
	for _, p := range []string{"mse: ", "covariates: ", "loglin: ", "rcapture: ", "profile: ", "study: ", "methods: ", "report: ", "loglinear: ", "linkage: ", "pseudonym: "} {
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
