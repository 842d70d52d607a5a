package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestWriteCreatesWithMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out.txt")
	if err := WriteFile(p, []byte("hello\n"), &Options{Perm: 0o600}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("content %q, %v", got, err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestWriteRefusesExistingUnlessForced(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), nil); !errors.Is(err, ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Fatalf("file changed to %q", got)
	}
	if err := WriteFile(p, []byte("new"), &Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "new" {
		t.Fatalf("file is %q, want new", got)
	}
	assertOnlyFiles(t, dir, "out.txt")
}

func TestWriteLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	boom := errors.New("boom")
	err := Write(p, nil, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	assertOnlyFiles(t, dir)
}

func assertOnlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want)) // ReadDir sorts by name; process ids vary in length
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(want) {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want %v", names, want)
	}
	for i, e := range ents {
		if e.Name() != want[i] {
			t.Fatalf("directory holds %q, want %q", e.Name(), want[i])
		}
	}
}

func TestDefaultModeIsOwnerOnly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "counts.csv")
	if err := WriteFile(p, []byte("a,count\n1,3\n"), nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
}

// TestRemoveStale plants the temporary files a killed process leaves: one
// of a process that has exited, one of a process still running, one of the
// older naming (no process id) a week old, one of another target. Create
// removes the first and third only.
func TestRemoveStale(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process probing is Unix-only")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "police.mkt")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	alive := exec.Command("sleep", "30")
	if err := alive.Start(); err != nil {
		t.Skip("cannot run sleep:", err)
	}
	defer alive.Process.Kill()
	plant := func(name string, age time.Duration) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		os.Chtimes(p, old, old)
	}
	plant(".police.mkt.tmp-"+strconv.Itoa(dead.Process.Pid)+"-123", 0)
	plant(".police.mkt.tmp-"+strconv.Itoa(alive.Process.Pid)+"-456", 0)
	plant(".police.mkt.tmp-789", 7*24*time.Hour)
	plant(".police.mkt.tmp-790", time.Minute)
	plant(".udi.mkt.tmp-"+strconv.Itoa(dead.Process.Pid)+"-1", 0)
	if err := WriteFile(target, []byte("done"), nil); err != nil {
		t.Fatal(err)
	}
	assertOnlyFiles(t, dir,
		".police.mkt.tmp-"+strconv.Itoa(alive.Process.Pid)+"-456",
		".police.mkt.tmp-790",
		".udi.mkt.tmp-"+strconv.Itoa(dead.Process.Pid)+"-1",
		"police.mkt")
}

func TestFileAbortAndCommit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.mkt")
	f, err := Create(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "half")
	f.Abort()
	f.Abort() // idempotent
	assertOnlyFiles(t, dir)
	f, err = Create(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "whole")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // after Commit: nothing
	if got, _ := os.ReadFile(p); string(got) != "whole" {
		t.Fatalf("content %q", got)
	}
	assertOnlyFiles(t, dir, "out.mkt")
}
