package etcd_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func TestOpenRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := writePKI(t, dir, "127.0.0.1")
	tests := []struct {
		name      string
		endpoints []string
		tls       etcd.TLS
		want      string
	}{
		{"no endpoints", nil, good, "no endpoints"},
		{"bare host", []string{"10.0.0.1:2379"}, good, "invalid endpoint"},
		{"bad scheme", []string{"unix:///run/etcd.sock"}, good, "invalid endpoint"},
		{"partial TLS", []string{"https://127.0.0.1:2379"}, etcd.TLS{CertFile: good.CertFile}, "needs a certificate"},
		{"missing key", []string{"https://127.0.0.1:2379"}, etcd.TLS{CertFile: good.CertFile, KeyFile: filepath.Join(dir, "nope"), CAFile: good.CAFile}, "cannot load"},
		{"CA not PEM", []string{"https://127.0.0.1:2379"}, etcd.TLS{CertFile: good.CertFile, KeyFile: good.KeyFile, CAFile: filepath.Join(dir, "junk")}, "cannot load"},
	}
	os.WriteFile(filepath.Join(dir, "junk"), []byte("not a certificate"), 0o600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := etcd.Open(ctx, tt.endpoints, tt.tls, nil)
			if err == nil {
				c.Close()
				t.Fatalf("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cannot ") {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
	// Nothing listens: Open fails at once rather than at the first call.
	closed := "https://127.0.0.1:" + strconv.Itoa(testkit.FreePort(t, "127.0.0.1"))
	start := time.Now()
	if _, err := etcd.Dial(ctx, []string{closed}, good); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Dial with nothing listening = %v, want connection refused", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Dial with nothing listening took %v", d)
	}
	// One endpoint of two listening is enough.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := etcd.Dial(ctx, []string{closed, "https://" + l.Addr().String()}, good)
	if err != nil {
		t.Fatalf("Dial with good input: %v", err)
	}
	c.Close()
}
