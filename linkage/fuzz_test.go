package linkage

import (
	"bytes"
	"context"
	"testing"
)

// FuzzLink feeds arbitrary bytes as the second of two lists: Link must
// return a result or an error, never panic, and an error must not quote
// the first list's tokens.
func FuzzLink(f *testing.F) {
	keys := []string{"nid", "name_dob", "name_year"}
	good := mkFile(f, "A", keys, []string{"sex"}, []rec{{"x d y", []string{"F"}}, {"- e y", []string{"M"}}}, nil)
	f.Add(mkFile(f, "B", keys, []string{"sex"}, []rec{{"x - y", []string{"F"}}}, nil))
	f.Add(good[:len(good)/2])
	f.Add([]byte("#morketall-pseudonymised-list=1\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Link(context.Background(), []Source{
			{Name: "a.mkt", R: bytes.NewReader(good)},
			{Name: "b.mkt", R: bytes.NewReader(data)},
		}, nil)
		if err != nil {
			if res != nil {
				t.Fatal("result and error")
			}
			for _, s := range []string{tok("x"), tok("d"), tok("e"), tok("y")} {
				if bytes.Contains([]byte(err.Error()), []byte(s)) {
					t.Fatal("error holds a token")
				}
			}
			return
		}
		if res.Table == nil || len(res.Report.Rules) != 3 {
			t.Fatal("incomplete result")
		}
	})
}
