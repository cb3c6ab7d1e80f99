package snaparchive

import (
	"crypto/sha256"
	"testing"
)

func TestBoltSize(t *testing.T) {
	valid := boltLike(t, 4096, 75)
	badSum := append([]byte(nil), valid...)
	badSum[60] ^= 1 // pgid changed, checksum not
	notMeta := append([]byte(nil), valid...)
	notMeta[8] = 0x10 // a leaf page
	tests := []struct {
		name string
		head []byte
		size int64
		ok   bool
	}{
		{"meta page", valid, 75 * 4096, true},
		{"meta page, first 80 bytes", valid[:80], 75 * 4096, true},
		{"cut in the meta", valid[:79], 0, false},
		{"checksum mismatch", badSum, 0, false},
		{"not a meta page", notMeta, 0, false},
		{"text", []byte("etcdtest snapshot of member 1 at revision 100, and some more text to pass eighty bytes"), 0, false},
		{"empty", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size, ok := boltSize(tt.head)
			if size != tt.size || ok != tt.ok {
				t.Errorf("boltSize = %d, %t; want %d, %t", size, ok, tt.size, tt.ok)
			}
		})
	}
}

// TestStreamBoltSize reads the etcdtest fake's snapshot stream, which is
// bbolt's Tx.WriteTo as etcd's is (internal/etcd's contract suite checks
// real etcd's stream against the same reader): its first page tells its
// length, so the snapshot action packs in one pass.
func TestStreamBoltSize(t *testing.T) {
	for _, puts := range []int64{0, 50, 3000} {
		data := fakeStream(t, puts)
		size, ok := boltSize(data)
		if !ok || size+sha256.Size != int64(len(data)) {
			t.Errorf("%d puts: boltSize = %d, %t; the stream has %d bytes (db and a 32-byte hash)", puts, size, ok, len(data))
		}
	}
}
