package fsutil

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// write makes root/path with data and mode, its directories with dirMode.
func write(t *testing.T, root, path, data string, dirMode, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), dirMode); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	write(t, src, "bin/dispatch", "#!/bin/sh\n", 0o755, 0o755)
	write(t, src, "secret", "k", 0o755, 0o600)
	if err := os.Symlink("bin/dispatch", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(src, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := CopyTree(src, dst, Options{SkipSpecial: true}); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{"bin/dispatch": 0o755, "secret": 0o600} {
		st, err := os.Stat(filepath.Join(dst, path))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v, %v; want mode %v", path, st, err, mode)
		}
	}
	if link, err := os.Readlink(filepath.Join(dst, "link")); err != nil || link != "bin/dispatch" {
		t.Errorf("link = %q, %v", link, err)
	}
	if _, err := os.Lstat(filepath.Join(dst, "sock")); !os.IsNotExist(err) {
		t.Errorf("socket copied: %v", err)
	}
}

func TestCopyTreePrivate(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	write(t, src, "wal/0.wal", "wal", 0o755, 0o644)
	o := Options{Sync: true, Private: true}
	if err := CopyTree(src, dst, o); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{"wal": 0o700, "wal/0.wal": 0o600} {
		st, err := os.Stat(filepath.Join(dst, path))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: %v, %v; want mode %v", path, st, err, mode)
		}
	}
	if err := CopyFile(filepath.Join(src, "wal", "0.wal"), filepath.Join(dst, "wal", "0.wal"), 0o600, o); err == nil {
		t.Error("a private copy overwrote a file")
	}
	if err := os.Symlink("wal/0.wal", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	if err := CopyTree(src, filepath.Join(t.TempDir(), "again"), o); err == nil {
		t.Error("a private copy took a symlink")
	}
}
