package etcdconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/etcdtest"
)

// TestAgainstRealEtcd talks to a real etcd over TLS with client-cert auth.
func TestAgainstRealEtcd(t *testing.T) {
	srv := etcdtest.Start(t, "127.0.0.1")
	cfg := srv.Client
	c, err := Dial([]string{srv.Endpoint}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	v, err := c.Status(ctx, srv.Endpoint)
	if err != nil || !strings.HasPrefix(v, "3.") {
		t.Fatalf("Status = %q, %v", v, err)
	}
	rev, err := c.Put(ctx, "/charm/key", "value 1")
	if err != nil || rev < 2 {
		t.Fatalf("Put = %d, %v", rev, err)
	}
	val, found, grev, err := c.Get(ctx, "/charm/key")
	if err != nil || !found || val != "value 1" || grev != rev {
		t.Fatalf("Get = %q %v %d %v; want value 1, found, rev %d", val, found, grev, err, rev)
	}
	if _, found, _, err := c.Get(ctx, "/charm/absent"); err != nil || found {
		t.Fatalf("Get of an absent key: found %v, %v", found, err)
	}
}

// TestUntrustedServer checks the client refuses a server its CA did not
// sign, and a closed port fails within the timeout.
func TestFailures(t *testing.T) {
	srv := etcdtest.Start(t, "127.0.0.1")
	cfg := srv.Client
	other := testkit.NewCA(t)
	untrusting := cfg.Clone()
	untrusting.RootCAs = x509.NewCertPool()
	untrusting.RootCAs.AppendCertsFromPEM([]byte(other.PEM))
	closed := fmt.Sprintf("https://127.0.0.1:%d", testkit.FreePort(t, "127.0.0.1"))

	tests := []struct {
		name     string
		endpoint string
		cfg      *tls.Config
	}{
		{"untrusted server certificate", srv.Endpoint, untrusting},
		{"nothing listening", closed, cfg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Dial([]string{tt.endpoint}, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if _, err := c.Status(ctx, tt.endpoint); err == nil {
				t.Error("Status succeeded")
			}
		})
	}
}
