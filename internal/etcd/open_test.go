package etcd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
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
	c, err := etcd.Dial(ctx, []string{"https://127.0.0.1:2379"}, good)
	if err != nil {
		t.Fatalf("Dial with good input: %v", err)
	}
	c.Close()
}
