// Package atomicfile writes output files so that a reader never sees a
// partial file: the content goes to a temporary file in the same directory,
// is synced, and is then moved into place. An existing file is replaced only
// when the caller asks for it (the CLI's --force).
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned when the target exists and overwriting was not
// requested.
var ErrExists = errors.New("atomicfile: file exists (use --force to replace it)")

// Options control Write. A nil *Options means the defaults.
type Options struct {
	// Perm is the mode of the new file. Default 0644. Key files use 0600.
	Perm fs.FileMode
	// Force replaces an existing file. Default false: an existing file is
	// left untouched and Write returns ErrExists.
	Force bool
}

// Write creates path with the bytes fn writes. If fn returns an error, or
// anything else fails, no file is left behind at path or beside it.
func Write(path string, opts *Options, fn func(w io.Writer) error) (err error) {
	perm := fs.FileMode(0o644)
	force := false
	if opts != nil {
		if opts.Perm != 0 {
			perm = opts.Perm
		}
		force = opts.Force
	}
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return ErrExists
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err = fn(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if force {
		if err = os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
		return nil
	}
	// Link fails if path appeared meanwhile: no race can overwrite a file.
	if err = os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			err = ErrExists
			return err
		}
		// Some file systems do not support hard links; fall back to a
		// rename after a last existence check.
		if _, statErr := os.Lstat(path); statErr == nil {
			err = ErrExists
			return err
		}
		if err = os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
		return nil
	}
	os.Remove(tmpName)
	return nil
}

// WriteFile is Write for content already in memory.
func WriteFile(path string, data []byte, opts *Options) error {
	return Write(path, opts, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
