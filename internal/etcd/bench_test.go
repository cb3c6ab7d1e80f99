package etcd_test

import (
	"context"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// startOne starts a one-member TLS etcd of version on ip and returns its
// client URL and the TLS files.
func startOne(b *testing.B, version, ip string) (string, etcd.TLS) {
	if testing.Short() {
		b.Skip("starts an etcd process")
	}
	bin := etcdBinary(b, version)
	tls := writePKI(b, b.TempDir(), "127.0.0.1", ip)
	n := newNode(b, "a", ip)
	n.start(b, bin, tls, "a="+n.peerURL, "new")
	testkit.Eventually(b, 30*time.Second, "etcd listening", func() error {
		c, err := etcd.Dial(context.Background(), []string{n.client}, tls)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Members(context.Background())
		return err
	})
	return n.client, tls
}

// BenchmarkDialMembersClose is what a hook pays to look at the cluster:
// dial with TLS, list the members, close.
func BenchmarkDialMembersClose(b *testing.B) {
	endpoint, tls := startOne(b, "3.5", "127.0.45.1")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := etcd.Dial(ctx, []string{endpoint}, tls)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Members(ctx); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkHealth is one etcdctl-style health check of a member
// (its own client, a linearizable read, the alarm list).
func BenchmarkHealth(b *testing.B) {
	endpoint, tls := startOne(b, "3.5", "127.0.45.2")
	ctx := context.Background()
	c, err := etcd.Dial(ctx, []string{endpoint}, tls)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if h := c.Health(ctx, []string{endpoint})[0]; !h.Healthy {
			b.Fatal(h.Error)
		}
	}
}
