package actions

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
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

// TestRealBoltSize reads real etcd's snapshot stream: its first page
// tells its length, so the snapshot action packs in one pass.
func TestRealBoltSize(t *testing.T) {
	u := startReal(t)
	for i := 0; i < 50; i++ { // a few pages more than an empty database
		if _, err := u.cli.Put(context.Background(), fmt.Sprintf("key%d", i), strings.Repeat("v", 10_000)); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := u.d.Dial(context.Background(), u.cli.Endpoints(), tlsOf(u.d))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	streamer, ok := cl.(snapshotStreamer)
	if !ok {
		t.Fatalf("the real client %T does not stream snapshots", cl)
	}
	rc, _, err := streamer.SnapshotStream(context.Background(), u.cli.Endpoints()[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	size, ok := boltSize(data)
	if !ok || size+sha256.Size != int64(len(data)) {
		t.Errorf("boltSize = %d, %t; the stream has %d bytes (db and a 32-byte hash)", size, ok, len(data))
	}
}
