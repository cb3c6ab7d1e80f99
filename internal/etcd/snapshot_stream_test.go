package etcd_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// snapshotStream is the contract of Maintenance.SnapshotStream, on real
// etcd and on the fake alike: the stream is a bolt database whose meta
// page tells its size (what the snapshot action packs by), then etcd's
// sha256 of it; it holds what was written before it was taken; the
// version is the storage version from 3.6 only; a member that does not
// answer fails at once.
func snapshotStream(t *testing.T, ctx context.Context, be backend) {
	c := be.c
	rev := be.put(t, be.b.clientURL, "/contract/snapshot", "in the snapshot")
	take := func() ([]byte, string) {
		t.Helper()
		rc, v, err := c.SnapshotStream(ctx, be.b.clientURL)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatalf("reading the snapshot stream: %v", err)
		}
		if err := rc.Close(); err != nil {
			t.Errorf("Close after the whole stream: %v", err)
		}
		return data, v
	}
	data, v := take()
	if len(data)%512 != sha256.Size {
		t.Fatalf("stream of %d bytes: not whole pages and a sha256", len(data))
	}
	// ReadSnapshot checks the sha256 and that bolt's meta page claims
	// exactly the bytes before it.
	snap, err := etcdtest.ReadSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Keys["/contract/snapshot"] != "in the snapshot" || snap.Revision < rev {
		t.Errorf("snapshot at revision %d holds /contract/snapshot=%q; want the put at revision %d", snap.Revision, snap.Keys["/contract/snapshot"], rev)
	}
	// Servers before 3.6 do not report a version in the stream; 3.6
	// reports its storage version once it has recorded one.
	if be.version == "3.6" && v != "" && v != "3.6.0" || be.version != "3.6" && v != "" {
		t.Errorf("snapshot version = %q from etcd %s", v, be.version)
	}
	if be.version == "3.6" {
		// 3.6 records its storage version a few seconds after start.
		testkit.Eventually(t, 30*time.Second, "snapshot with a version", func() error {
			if _, v = take(); v == "" {
				return errors.New("no version yet")
			}
			return nil
		})
		if v != "3.6.0" {
			t.Errorf("snapshot version = %q from etcd 3.6, want its storage version 3.6.0", v)
		}
	}
	t.Logf("etcd %s: snapshot of %d bytes at revision %d reports version %q", be.version, len(data), snap.Revision, v)
	start := time.Now()
	if rc, _, err := c.SnapshotStream(ctx, be.closed); err == nil {
		rc.Close()
		t.Error("snapshot stream from a closed port opened")
	}
	t.Logf("snapshot from a closed port failed after %v", time.Since(start).Round(time.Millisecond))
}

// putReal writes key=value through a clientv3 client on endpoint.
func putReal(t *testing.T, endpoint string, files etcd.TLS, key, value string) int64 {
	t.Helper()
	info := transport.TLSInfo{CertFile: files.CertFile, KeyFile: files.KeyFile, TrustedCAFile: files.CAFile}
	cfg, err := info.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, TLS: cfg, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cli.Put(ctx, key, value)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return resp.Header.Revision
}
