package snaparchive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/iotest"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
)

// streamOf is a snapshot stream over data, failing with err after it.
func streamOf(data []byte, err error) io.ReadCloser {
	var r io.Reader = bytes.NewReader(data)
	if err != nil {
		r = io.MultiReader(r, iotest.ErrReader(err))
	}
	return io.NopCloser(r)
}

// closeFails is a stream whose every byte arrives but whose Close
// reports the transfer failed.
type closeFails struct{ io.Reader }

func (closeFails) Close() error { return errors.New("rpc error: code = Canceled") }

// fakeStream is the etcdtest fake's snapshot stream (a bbolt database as
// etcd's, then its sha256) of a cluster that took writes puts.
func fakeStream(t *testing.T, puts int64) []byte {
	t.Helper()
	f := etcdtest.New("etcd0", "https://10.0.0.1:2380", "https://10.0.0.1:2379")
	f.Put(puts)
	rc, _, err := f.SnapshotStream(context.Background(), "https://10.0.0.1:2379")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPackStreamed(t *testing.T) {
	good := withHash(randomBytes(t, 300*1024))
	corrupt := append([]byte(nil), good...)
	corrupt[1000] ^= 1
	sized := withHash(boltLike(t, 75*4096, 75))
	missized := withHash(boltLike(t, 75*4096, 80)) // the meta page claims more than is sent
	reset := errors.New("rpc error: code = Unavailable desc = connection reset")
	fake := fakeStream(t, 500)
	tests := []struct {
		name   string
		src    io.ReadCloser
		data   []byte // the archive's db
		failed string
	}{
		{name: "the fake's snapshot", src: io.NopCloser(bytes.NewReader(fake)), data: fake},
		{name: "streamed sized snapshot", src: streamOf(sized, nil), data: sized},
		{name: "streamed snapshot of another size", src: streamOf(missized, nil), data: missized},
		{name: "streamed snapshot without a bolt page", src: streamOf(good, nil), data: good},
		{name: "streamed corrupt snapshot", src: streamOf(corrupt, nil), failed: "integrity hash does not match"},
		{name: "stream breaks", src: streamOf(sized[:100*1024], reset), failed: "connection reset"},
		{name: "stream breaks in the first page", src: streamOf(sized[:1000], reset), failed: "connection reset"},
		{name: "stream ends early", src: streamOf(sized[:100*1024], nil), failed: "lacks etcd's integrity hash"},
		{name: "stream without a hash", src: streamOf(randomBytes(t, 300*1024), nil), failed: "lacks etcd's integrity hash"},
		{name: "transfer fails on close", src: closeFails{bytes.NewReader(sized)}, failed: "Canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "etcd-snapshot.tar.gz")
			w, err := Pack(tt.src, dst, time.Now())
			if tt.failed != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.failed)) {
					t.Fatalf("err = %v, want %q", err, tt.failed)
				}
				if left := files(t, dir); len(left) > 0 {
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
			if w.Size != int64(len(data)) || w.SHA256 != sha256Hex(data) {
				t.Errorf("size %d sum %s; archive %d bytes %s", w.Size, w.SHA256, len(data), sha256Hex(data))
			}
			if got := readTarGz(t, dst); len(got) != 1 || got["db"] != string(tt.data) {
				t.Errorf("archive holds %d entries, db of %d bytes", len(got), len(got["db"]))
			}
			// restore's reader, and GNU tar (what layer-etcd's restore ran).
			if check, err := Extract(dst, filepath.Join(dir, "db")); err != nil || check == nil || check() != nil {
				t.Errorf("Extract: %v, or the hash is not checked", err)
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
