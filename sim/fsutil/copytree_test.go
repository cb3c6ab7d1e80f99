package fsutil

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(filepath.Join(src, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "bin", "dispatch"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "secret"), []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("bin/dispatch", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(src, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := CopyTree(src, dst); err != nil {
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
