package snaparchive

import (
	"archive/tar"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// withHash appends etcd's integrity hash, as etcd's snapshot stream does.
func withHash(db []byte) []byte {
	sum := sha256.Sum256(db)
	return append(append([]byte(nil), db...), sum[:]...)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
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

// files lists the names under dir (recursively), for leftover checks.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// readTarGz reads an archive's regular files with the standard library's
// readers (not the ones the package writes with).
func readTarGz(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = string(data)
	}
}
