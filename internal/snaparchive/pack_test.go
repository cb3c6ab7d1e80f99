package actions

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/iotest"
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

// boltLike is size bytes of random data starting with a bbolt meta page
// (page size 4096) whose high-water mark claims pages pages.
func boltLike(t *testing.T, size int, pages uint64) []byte {
	db := randomBytes(t, size)
	le := binary.NativeEndian
	le.PutUint16(db[8:], 0x04)
	le.PutUint32(db[16:], 0xED0CDAED)
	le.PutUint32(db[20:], 2)
	le.PutUint32(db[24:], 4096)
	le.PutUint64(db[56:], pages)
	h := fnv.New64a()
	h.Write(db[16:72])
	le.PutUint64(db[72:], h.Sum64())
	return db
}

// streamOf is a snapshotSource over data, failing with err after it.
func streamOf(data []byte, err error) snapshotSource {
	return streamSource(func() (io.ReadCloser, string, error) {
		var r io.Reader = bytes.NewReader(data)
		if err != nil {
			r = io.MultiReader(r, iotest.ErrReader(err))
		}
		return io.NopCloser(r), "3.6.16", nil
	})
}

func TestPackStreamed(t *testing.T) {
	good := withHash(randomBytes(t, 300*1024))
	corrupt := append([]byte(nil), good...)
	corrupt[1000] ^= 1
	sized := withHash(boltLike(t, 75*4096, 75))
	missized := withHash(boltLike(t, 75*4096, 80)) // the meta page claims more than is sent
	reset := errors.New("rpc error: code = Unavailable desc = connection reset")
	tests := []struct {
		name   string
		src    func(db string) snapshotSource
		data   []byte // the archive's db
		failed string
	}{
		{name: "saved hashed snapshot", src: func(db string) snapshotSource { return fileSource(saverOf(good, 0), db) }, data: good},
		{name: "saved corrupt snapshot", src: func(db string) snapshotSource { return fileSource(saverOf(corrupt, 0), db) }, failed: "integrity hash does not match"},
		{name: "saving breaks", src: func(db string) snapshotSource { return fileSource(saverOf(good, 100*1024), db) }, failed: "connection reset"},
		{name: "nothing saved", src: func(db string) snapshotSource {
			return fileSource(func(string) (string, error) { return "", errors.New("permission denied") }, db)
		}, failed: "permission denied"},
		{name: "saved sized snapshot", src: func(db string) snapshotSource { return fileSource(saverOf(sized, 0), db) }, data: sized},
		{name: "streamed sized snapshot", src: func(string) snapshotSource { return streamOf(sized, nil) }, data: sized},
		{name: "streamed snapshot of another size", src: func(string) snapshotSource { return streamOf(missized, nil) }, data: missized},
		{name: "streamed snapshot without a bolt page", src: func(string) snapshotSource { return streamOf(good, nil) }, data: good},
		{name: "streamed corrupt snapshot", src: func(string) snapshotSource { return streamOf(corrupt, nil) }, failed: "integrity hash does not match"},
		{name: "stream breaks", src: func(string) snapshotSource { return streamOf(sized[:100*1024], reset) }, failed: "connection reset"},
		{name: "stream breaks in the first page", src: func(string) snapshotSource { return streamOf(sized[:1000], reset) }, failed: "connection reset"},
		{name: "stream ends early", src: func(string) snapshotSource { return streamOf(sized[:100*1024], nil) }, failed: "lacks etcd's integrity hash"},
		{name: "stream does not open", src: func(string) snapshotSource {
			return streamSource(func() (io.ReadCloser, string, error) { return nil, "", errors.New("connection refused") })
		}, failed: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			work := filepath.Join(dir, "work")
			os.Mkdir(work, 0o700)
			dst := filepath.Join(dir, "etcd-snapshot.tar.gz")
			version, size, sum, err := packStreamed(tt.src(filepath.Join(work, "db")), dst, time.Now())
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
			if got := readTarGz(t, dst); len(got) != 1 || got["db"] != string(tt.data) {
				t.Errorf("archive holds %d entries, db of %d bytes", len(got), len(got["db"]))
			}
			// restore's reader, and GNU tar (what layer-etcd's restore ran).
			if check, err := extractSnapshot(dst, filepath.Join(dir, "db")); err != nil || check == nil || check() != nil {
				t.Errorf("extractSnapshot: %v, or the hash is not checked", err)
			}
			if _, err := exec.LookPath("tar"); err == nil {
				out := filepath.Join(dir, "gnutar")
				os.Mkdir(out, 0o755)
				if b, err := exec.Command("tar", "-xzf", dst, "-C", out).CombinedOutput(); err != nil {
					t.Errorf("GNU tar cannot read the archive: %v\n%s", err, b)
				} else if db, _ := os.ReadFile(filepath.Join(out, "db")); !bytes.Equal(db, tt.data) {
					t.Errorf("GNU tar unpacked %d bytes", len(db))
				}
			}
		})
	}
}
