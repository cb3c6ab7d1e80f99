package etcdrel

import (
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func TestParse(t *testing.T) {
	full := map[string]string{
		"connection_string": "https://10.0.0.1:2379", "client_cert": "C", "client_key": "K",
		"client_ca": "CA", "version": "3.4.22", "private-address": "10.0.0.1",
	}
	tests := []struct {
		name    string
		bag     map[string]string
		missing []string
	}{
		{"complete", full, nil},
		{"nothing yet", map[string]string{"private-address": "10.0.0.1"}, []string{"connection_string", "client_cert", "client_key", "client_ca"}},
		{"no tls yet", map[string]string{"connection_string": "https://10.0.0.1:2379"}, []string{"client_cert", "client_key", "client_ca"}},
		{"blank counts as missing", map[string]string{"connection_string": " ", "client_cert": "C", "client_key": "K", "client_ca": "CA"}, []string{"connection_string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, missing := Parse(tt.bag)
			if !slices.Equal(missing, tt.missing) {
				t.Errorf("missing %v, want %v", missing, tt.missing)
			}
			if c.ConnectionString != tt.bag["connection_string"] || c.Version != tt.bag["version"] {
				t.Errorf("creds %+v", c)
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"https://10.0.0.1:2379", []string{"https://10.0.0.1:2379"}, ""},
		{"https://10.0.0.2:2379,https://10.0.0.1:2379", []string{"https://10.0.0.2:2379", "https://10.0.0.1:2379"}, ""},
		{" https://[::1]:2379 , ,https://h.example:2379/", []string{"https://[::1]:2379", "https://h.example:2379"}, ""},
		{"http://10.0.0.1:2379", nil, "is not https"},
		{"https://10.0.0.1", nil, "no host:port"},
		{"https://u:p@10.0.0.1:2379", nil, "more than scheme"},
		{"https://10.0.0.1:2379/v3", nil, "more than scheme"},
		{",", nil, "lists no endpoint"},
		{"https://10.0.0.1:bad", nil, "invalid port"},
	}
	for _, tt := range tests {
		got, err := Creds{ConnectionString: tt.in}.Endpoints()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Endpoints(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Endpoints(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func pemPair(t *testing.T) (cert, key string) {
	t.Helper()
	ca := testkit.NewCA(t)
	return ca.PEM, ca.KeyPEM
}

func TestTLS(t *testing.T) {
	cert, key := pemPair(t)
	_, otherKey := pemPair(t)
	tests := []struct {
		name string
		c    Creds
		err  string
	}{
		{"good", Creds{Cert: cert, Key: key, CA: cert}, ""},
		{"key of another cert", Creds{Cert: cert, Key: otherKey, CA: cert}, "client_cert/client_key"},
		{"garbage cert", Creds{Cert: "x", Key: key, CA: cert}, "client_cert/client_key"},
		{"garbage CA", Creds{Cert: cert, Key: key, CA: "x"}, "client_ca holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tt.c.TLS()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(cfg.Certificates) != 1 || cfg.RootCAs == nil {
				t.Fatalf("TLS() = %v, %v", cfg, err)
			}
		})
	}
}
