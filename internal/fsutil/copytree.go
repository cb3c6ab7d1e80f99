// Package fsutil is the one file-tree copier of the repository: the charm
// moves a member's data directory to storage (workload) and migrates the
// Debian package's data (actions); the simulator unpacks a charm per unit
// and copies a snap's data on refresh. Options say where they differ.
package fsutil

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Options say how CopyTree and CopyFile copy.
type Options struct {
	// Sync flushes every file to disk before it is closed: etcd must find
	// every byte of a data directory after a crash right after the copy.
	Sync bool
	// Private creates every directory 0700 and every file 0600 whatever
	// the source's modes, refuses anything but directories and regular
	// files (symlinks too), and never overwrites a file.
	Private bool
	// SkipSpecial skips sockets, fifos and devices (not data) instead of
	// failing on them.
	SkipSpecial bool
}

// CopyTree copies the tree at src to dst (created). Without Private it
// keeps file modes and symlinks, and directories get at least owner rwx so
// the copy can be filled.
func CopyTree(src, dst string, o Options) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := e.Info()
		if err != nil {
			return err
		}
		switch {
		case o.Private && info.IsDir():
			return os.MkdirAll(target, 0o700)
		case o.Private && info.Mode().IsRegular():
			return CopyFile(path, target, 0o600, o)
		case o.Private:
			return fmt.Errorf("cannot copy %s: not a regular file", path)
		case info.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			return CopyFile(path, target, info.Mode().Perm(), o)
		case o.SkipSpecial:
			return nil
		}
		return fmt.Errorf("cannot copy %s: not a file, directory or symlink", path)
	})
}

// CopyFile copies one regular file, creating dst with mode (with Private,
// failing if dst exists).
func CopyFile(src, dst string, mode fs.FileMode, o Options) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if o.Private {
		flags = os.O_CREATE | os.O_WRONLY | os.O_EXCL
	}
	out, err := os.OpenFile(dst, flags, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if o.Sync {
		if err := out.Sync(); err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}
