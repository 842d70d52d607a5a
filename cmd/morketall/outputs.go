package main

import (
	"os"
	"path/filepath"
)

// samePath reports whether two paths name the same file (also through
// links or different spellings).
func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// checkOutputs refuses, before any work is done, outputs that would
// replace an input or one another, and (without force) outputs that
// already exist. Empty paths are ignored.
func checkOutputs(e *env, inputs, outputs []string, force bool) error {
	for i, p := range outputs {
		if p == "" {
			continue
		}
		for _, in := range inputs {
			if samePath(p, in) {
				return usagef("output %q would replace an input file", p)
			}
		}
		for _, q := range outputs[:i] {
			if samePath(p, q) {
				return usagef("two outputs name the same file %q", p)
			}
		}
	}
	if !force {
		for _, p := range outputs {
			if p == "" {
				continue
			}
			if _, err := os.Lstat(p); err == nil {
				return failf("%q exists", p).hint("use --force to replace it")
			}
		}
	}
	return nil
}
