// Package atomicfile writes output files so that a reader never sees a
// partial file: the content goes to a temporary file in the same directory,
// is synced, and is then moved into place. An existing file is replaced only
// when the caller asks for it (the CLI's --force).
//
// # Modes
//
// Files are created with mode 0600 (owner only) unless Options.Perm says
// otherwise: every output of morketall holds counts, digests or tokens
// about people, so none is world-readable by default.
//
// # Temporary files
//
// The temporary file is named ".NAME.tmp-PID-RANDOM" beside NAME. A process
// killed before it could clean up (kill -9, a power cut) leaves one behind;
// the next Create of the same NAME removes those whose process is no longer
// running (RemoveStale). A temporary file of the older naming
// ".NAME.tmp-RANDOM" is removed once it is a day old.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrExists is returned when the target exists and overwriting was not
// requested.
var ErrExists = errors.New("atomicfile: file exists (use --force to replace it)")

// DefaultPerm is the mode of a new file when Options.Perm is 0.
const DefaultPerm fs.FileMode = 0o600

// Options control Write. A nil *Options means the defaults.
type Options struct {
	// Perm is the mode of the new file. Default 0600 (DefaultPerm).
	Perm fs.FileMode
	// Force replaces an existing file. Default false: an existing file is
	// left untouched and Write returns ErrExists.
	Force bool
}

// File is an output being written. Bytes go to a hidden temporary file
// beside the target; Commit moves it into place, Abort removes it. A File
// is not safe for concurrent use.
type File struct {
	path  string
	tmp   *os.File
	bw    *bufio.Writer
	force bool
	done  bool
}

// Create starts writing path. Without opts.Force it fails with ErrExists
// when path exists. It first removes stale temporary files of path left by
// processes that were killed (RemoveStale).
func Create(path string, opts *Options) (*File, error) {
	perm := DefaultPerm
	force := false
	if opts != nil {
		if opts.Perm != 0 {
			perm = opts.Perm
		}
		force = opts.Force
	}
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return nil, ErrExists
		}
	}
	RemoveStale(path)
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(path)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	return &File{path: path, tmp: tmp, bw: bufio.NewWriterSize(tmp, 1<<16), force: force}, nil
}

func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, errors.New("atomicfile: write after Commit or Abort")
	}
	return f.bw.Write(p)
}

// WriteAt writes p at offset off of the temporary file (after what Write
// buffered), to patch a placeholder.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if f.done {
		return 0, errors.New("atomicfile: write after Commit or Abort")
	}
	if err := f.bw.Flush(); err != nil {
		return 0, err
	}
	return f.tmp.WriteAt(p, off)
}

// ReadAt reads back what was written.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if f.done {
		return 0, errors.New("atomicfile: read after Commit or Abort")
	}
	if err := f.bw.Flush(); err != nil {
		return 0, err
	}
	return f.tmp.ReadAt(p, off)
}

// TempName returns the path of the temporary file.
func (f *File) TempName() string { return f.tmp.Name() }

// Abort removes the temporary file; path is left as it was. It may be
// called after Commit, when it does nothing, so that it can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// Commit syncs the temporary file and moves it to path. On failure the
// temporary file is removed.
func (f *File) Commit() (err error) {
	if f.done {
		return errors.New("atomicfile: Commit after Commit or Abort")
	}
	defer func() {
		if err != nil {
			f.Abort()
		}
	}()
	if err = f.bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = f.tmp.Sync(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = f.tmp.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmpName := f.tmp.Name()
	if f.force {
		if err = os.Rename(tmpName, f.path); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
		f.done = true
		return nil
	}
	// Link fails if path appeared meanwhile: no race can overwrite a file.
	if err = os.Link(tmpName, f.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		// Some file systems do not support hard links; fall back to a
		// rename after a last existence check.
		if _, statErr := os.Lstat(f.path); statErr == nil {
			return ErrExists
		}
		if err = os.Rename(tmpName, f.path); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
		f.done = true
		return nil
	}
	os.Remove(tmpName)
	f.done = true
	return nil
}

// Write creates path with the bytes fn writes. If fn returns an error, or
// anything else fails, no file is left behind at path or beside it.
func Write(path string, opts *Options, fn func(w io.Writer) error) error {
	f, err := Create(path, opts)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// WriteFile is Write for content already in memory.
func WriteFile(path string, data []byte, opts *Options) error {
	return Write(path, opts, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// staleAge is the age after which a temporary file without a process id
// in its name (the naming before process ids) counts as stale.
const staleAge = 24 * time.Hour

// RemoveStale removes the temporary files that an interrupted Create of
// path left beside it: ".NAME.tmp-PID-*" whose process PID no longer
// runs, and ".NAME.tmp-*" without a process id that are over a day old.
// It returns the paths removed. Errors are ignored: a file that cannot be
// removed stays, as it would have without this call.
func RemoveStale(path string) []string {
	dir := filepath.Dir(path)
	prefix := tempPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !e.Type().IsRegular() {
			continue
		}
		if !Stale(strings.TrimPrefix(name, prefix), e) {
			continue
		}
		p := filepath.Join(dir, name)
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// Stale reports whether a temporary file or directory whose name ends in
// suffix ("PID-RANDOM", or "RANDOM" in the older naming) was left by a
// process that is gone. Entries of the running process are never stale.
func Stale(suffix string, e fs.DirEntry) bool {
	pidText, _, ok := strings.Cut(suffix, "-")
	if pid, err := strconv.Atoi(pidText); ok && err == nil && pid > 0 {
		return pid != os.Getpid() && !processAlive(pid)
	}
	info, err := e.Info()
	return err == nil && time.Since(info.ModTime()) > staleAge
}
