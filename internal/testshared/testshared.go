// Package testshared locates the steering folder ../shared (data sets and
// the R reference outputs) for tests. Tests that compare with it call Dir and
// are skipped cleanly when it is absent, so that a fresh clone passes.
package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of the shared folder, or skips the test.
// The folder is $MORKETALL_SHARED if set, else ../shared beside the module
// root (the directory holding go.mod).
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("MORKETALL_SHARED"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		t.Skipf("MORKETALL_SHARED=%s is not a directory", d)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Skipf("module root not found: %v", err)
	}
	d := filepath.Join(filepath.Dir(root), "shared")
	if st, err := os.Stat(filepath.Join(d, "reference")); err != nil || !st.IsDir() {
		t.Skipf("%s not present: reference comparisons skipped", d)
	}
	return d
}

// Dataset returns the path of ../shared/datasets/<name>.csv, or skips.
func Dataset(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(Dir(t), "datasets", name+".csv")
}

// Reference returns the path of ../shared/reference/<file>, or skips.
func Reference(t testing.TB, file string) string {
	t.Helper()
	return filepath.Join(Dir(t), "reference", file)
}

// Datasets lists the data set names (file names without .csv) in the
// shared folder, in sorted order.
func Datasets(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(Dir(t), "datasets", "*.csv"))
	if err != nil || len(m) == 0 {
		t.Skip("no shared data sets")
	}
	var names []string
	for _, p := range m {
		b := filepath.Base(p)
		names = append(names, b[:len(b)-len(".csv")])
	}
	return names
}

// ModuleRoot returns the directory that holds go.mod.
func ModuleRoot() (string, error) { return moduleRoot() }

func moduleRoot() (string, error) {
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
