package loglin

import (
	"os"
	"testing"

	"github.com/morketall/morketall/mse"
)

// readTestTable reads an overlap table fixture.
func readTestTable(t testing.TB, path string) *mse.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, _, err := mse.ReadTable(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}
