// Package fsutil holds the simulator's file-tree helpers: the one copier it
// needs (a charm directory unpacked per unit, a snap's data copied on
// refresh) and the linker of its multi-call binaries (links.go).
package fsutil

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// CopyTree copies the tree at src to dst, keeping file modes and symlinks.
// Directories get at least owner rwx so the copy can be filled; sockets and
// fifos are not data and are skipped.
func CopyTree(src, dst string) error {
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
		case info.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			return CopyFile(path, target, info.Mode().Perm())
		}
		return nil
	})
}

// CopyFile copies one regular file, creating dst with mode.
func CopyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
