package actions

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// saverOf writes data through path.part in chunks, as the client's
// snapshot API does, then renames it; failAfter > 0 fails after that
// many bytes.
func saverOf(data []byte, failAfter int) snapshotSaver {
	return func(path string) (string, error) {
		f, err := os.Create(path + ".part")
		if err != nil {
			return "", err
		}
		defer os.Remove(path + ".part")
		for off := 0; off < len(data); off += 4096 {
			if failAfter > 0 && off >= failAfter {
				f.Close()
				return "", errors.New("rpc error: code = Unavailable desc = connection reset")
			}
			f.Write(data[off:min(off+4096, len(data))])
			time.Sleep(50 * time.Microsecond)
		}
		f.Close()
		return "3.6.16", os.Rename(path+".part", path)
	}
}

func TestPackStreamed(t *testing.T) {
	good := withHash(randomBytes(t, 300*1024))
	corrupt := append([]byte(nil), good...)
	corrupt[1000] ^= 1
	tests := []struct {
		name   string
		save   snapshotSaver
		failed string
	}{
		{name: "hashed snapshot", save: saverOf(good, 0)},
		{name: "corrupt snapshot", save: saverOf(corrupt, 0), failed: "integrity hash does not match"},
		{name: "stream breaks", save: saverOf(good, 100*1024), failed: "connection reset"},
		{name: "nothing written", save: func(string) (string, error) { return "", errors.New("permission denied") }, failed: "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			work := filepath.Join(dir, "work")
			os.Mkdir(work, 0o700)
			dst := filepath.Join(dir, "etcd-snapshot.tar.gz")
			version, size, sum, err := packStreamed(tt.save, filepath.Join(work, "db"), dst, time.Now())
			if tt.failed != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.failed)) {
					t.Fatalf("err = %v, want %q", err, tt.failed)
				}
				if left := files(t, dir); len(left) > 2 { // work and maybe work/db
					t.Errorf("left behind %v", left)
				}
				if _, err := os.Stat(dst + ".part"); err == nil {
					t.Errorf("partial archive left")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(dst)
			if version != "3.6.16" || size != int64(len(data)) || sum != sha256Hex(data) {
				t.Errorf("version %q size %d sum %s; archive %d bytes %s", version, size, sum, len(data), sha256Hex(data))
			}
			if got := readTarGz(t, dst); len(got) != 1 || got["db"] != string(good) {
				t.Errorf("archive holds %d entries, db of %d bytes", len(got), len(got["db"]))
			}
			// restore's reader, and GNU tar (what layer-etcd's restore ran).
			if hashed, err := extractSnapshot(dst, filepath.Join(dir, "db")); err != nil || !hashed {
				t.Errorf("extractSnapshot: hashed %t, %v", hashed, err)
			}
			if _, err := exec.LookPath("tar"); err == nil {
				out := filepath.Join(dir, "gnutar")
				os.Mkdir(out, 0o755)
				if b, err := exec.Command("tar", "-xzf", dst, "-C", out).CombinedOutput(); err != nil {
					t.Errorf("GNU tar cannot read the archive: %v\n%s", err, b)
				} else if db, _ := os.ReadFile(filepath.Join(out, "db")); !bytes.Equal(db, good) {
					t.Errorf("GNU tar unpacked %d bytes", len(db))
				}
			}
		})
	}
}
