// Package refdata locates the published data sets and the R reference
// outputs that the tests compare with. They live in the module's testdata
// folder (testdata/*.csv and testdata/reference/, with their provenance in
// the READMEs there), so a fresh clone checks agreement with R. A missing
// file fails the test: it is never a skip.
package refdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Datasets are the published data sets the reference comparisons run on.
var Datasets = []string{
	"artificial_3", "hiv", "kosovo", "lesbian", "ned", "ned_5",
	"neworl", "neworl_5", "ukdat", "ukdat_5", "western",
}

// Dataset returns the path of testdata/<name>.csv; the test fails if it
// is missing.
func Dataset(t testing.TB, name string) string {
	t.Helper()
	return mustExist(t, filepath.Join(testdata(t), name+".csv"))
}

// Reference returns the path of testdata/reference/<file>; the test fails
// if it is missing.
func Reference(t testing.TB, file string) string {
	t.Helper()
	return mustExist(t, filepath.Join(testdata(t), "reference", file))
}

func mustExist(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("refdata: %v (the reference files belong in the module's testdata folder)", err)
	}
	return path
}

func testdata(t testing.TB) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("refdata: module root not found: %v", err)
	}
	return filepath.Join(root, "testdata")
}

// ModuleRoot returns the directory that holds go.mod, searching upwards
// from the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
