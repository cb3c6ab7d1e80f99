package snaparchive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// tarGz packs entries (name, content; a name ending in / is a directory).
func tarGz(t *testing.T, entries ...[2]string) []byte { return testkit.TarGz(t, entries...) }

func TestExtract(t *testing.T) {
	fake := fakeStream(t, 200)
	corrupt := append([]byte(nil), fake...)
	corrupt[5000] ^= 1
	raw := bytes.Repeat([]byte{'r'}, 2*4096) // layer-etcd's copy of member/snap/db
	whole := tarGz(t, [2]string{"db", string(fake)})
	tests := []struct {
		name    string
		archive []byte
		hashed  bool   // Extract returns a check
		failed  string // from Extract, or else from its check
	}{
		{name: "the fake's snapshot", archive: whole, hashed: true},
		{name: "truncated archive", archive: whole[:len(whole)/2], failed: "damaged or truncated"},
		{name: "layer-etcd's raw db in ./db", archive: tarGz(t, [2]string{"./", ""}, [2]string{"./db", string(raw)})},
		{name: "corrupt snapshot", archive: tarGz(t, [2]string{"db", string(corrupt)}), hashed: true, failed: "integrity hash does not match"},
		{name: "v2 backup", archive: tarGz(t, [2]string{"member/", ""}, [2]string{"member/wal/0.wal", "wal"}), failed: "v2 backup"},
		{name: "no db", archive: tarGz(t, [2]string{"notes.txt", "hello"}), failed: "holds no db file"},
		{name: "db twice", archive: tarGz(t, [2]string{"db", string(raw)}, [2]string{"./db", string(raw)}), failed: "holds db twice"},
		{name: "empty db", archive: tarGz(t, [2]string{"db", ""}), failed: "db is empty"},
		{name: "db neither bolt nor hashed", archive: tarGz(t, [2]string{"db", string(raw[:1000])}), failed: "neither a bolt database nor one with etcd's integrity hash"},
		{name: "not gzip", archive: []byte("not an archive at all"), failed: "not a gzip archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			archive := filepath.Join(dir, "snapshot.tar.gz")
			if err := os.WriteFile(archive, tt.archive, 0o600); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, "db")
			check, err := Extract(archive, db)
			if err == nil && (check != nil) != tt.hashed {
				t.Fatalf("check = %v, want one: %t", check != nil, tt.hashed)
			}
			if err == nil && check != nil {
				err = check()
			}
			if tt.failed == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ns *NotSnapshotError
			if !errors.As(err, &ns) || !strings.Contains(err.Error(), tt.failed) {
				t.Errorf("err = %v, want a NotSnapshotError with %q", err, tt.failed)
			}
		})
	}
}

func TestArchiveTree(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(src, "member", "snap"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "member", "snap", "db"), []byte("the db"), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "etcd-data.tar.gz")
	w, err := ArchiveTree(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if w.Size != int64(len(data)) || w.SHA256 != sha256Hex(data) {
		t.Errorf("written %+v; archive %d bytes %s", w, len(data), sha256Hex(data))
	}
	if st, _ := os.Stat(dst); st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v", st.Mode().Perm())
	}
	if got := readTarGz(t, dst); len(got) != 1 || got["member/snap/db"] != "the db" {
		t.Errorf("archive holds %v", got)
	}
	// A tree that cannot be read leaves nothing behind.
	if _, err := ArchiveTree(filepath.Join(dir, "missing"), filepath.Join(dir, "bad.tar.gz")); err == nil {
		t.Error("archiving a missing tree succeeded")
	}
	if left := files(t, dir); len(left) != 5 { // data, data/member, data/member/snap, its db, the archive
		t.Errorf("left %v", left)
	}
}
