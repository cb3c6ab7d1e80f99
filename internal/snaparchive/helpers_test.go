package snaparchive

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
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

func readTarGz(t *testing.T, path string) map[string]string { return testkit.ReadTarGz(t, path) }

func files(t *testing.T, dir string) []string { return testkit.ListFiles(t, dir) }
