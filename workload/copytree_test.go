package workload

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(filepath.Join(src, "member", "wal"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "member", "wal", "0.wal"), []byte("wal"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("wal/0.wal", filepath.Join(src, "member", "link")); err != nil {
		t.Fatal(err)
	}
	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dst, "member", "wal", "0.wal"))
	if err != nil || string(got) != "wal" {
		t.Errorf("copied file %q, %v", got, err)
	}
	if fi, err := os.Stat(filepath.Join(dst, "member", "wal", "0.wal")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", fi.Mode(), err)
	}
	if link, err := os.Readlink(filepath.Join(dst, "member", "link")); err != nil || link != "wal/0.wal" {
		t.Errorf("symlink %q, %v", link, err)
	}
}
