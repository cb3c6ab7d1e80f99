// Package etcdtest starts a real etcd server with client TLS on a loopback
// address for tests of the partner charms, the way the etcd charm runs it:
// a CA, a server certificate with the listen IP as SAN and both
// serverAuth and clientAuth, client-cert-auth on, and a client pair signed
// by the same CA.
//
// The binary is the newest of $ETCD_BINS/<version>/etcd (make etcd-bins;
// ETCD_BINS defaults to the Makefile's cache directory), else Debian's
// /usr/bin/etcd; tests skip when there is none.
package etcdtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// Server is one running etcd member.
type Server struct {
	// Endpoint is the client URL, https://<ip>:<port>.
	Endpoint string
	// CA, ClientCert and ClientKey are PEM: what the etcd charm publishes
	// as client_ca, client_cert and client_key.
	CA, ClientCert, ClientKey string
	// Binary is the etcd binary that runs.
	Binary string
	// Client is a TLS configuration with the client pair and the CA.
	Client *tls.Config
}

// Binary finds an etcd binary or skips the test.
func Binary(t testing.TB) string {
	t.Helper()
	if dir, err := etcdbins.Newest(etcdbins.Dir(), "", "etcd"); err == nil {
		return filepath.Join(dir, "etcd")
	}
	if _, err := os.Stat("/usr/bin/etcd"); err == nil {
		return "/usr/bin/etcd"
	}
	t.Skip("no etcd binary: run make etcd-bins or install etcd-server")
	return ""
}

// Start runs etcd on ip (a 127.0.0.0/8 address) with client TLS, waits
// until it answers over TLS and stops it when the test ends. It skips the
// test with -short, which runs no processes.
func Start(t testing.TB, ip string) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts etcd")
	}
	if parsed := net.ParseIP(ip); parsed == nil || !parsed.IsLoopback() {
		t.Fatalf("etcdtest.Start(%q): want a loopback address", ip)
	}
	bin := Binary(t)
	dir := t.TempDir()
	pki := testkit.NewCA(t)
	serverCert, serverKey := pki.Issue(t, ip, []string{ip}, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	clientCert, clientKey := pki.Issue(t, "client", nil, x509.ExtKeyUsageClientAuth)
	files := map[string]string{"ca.crt": pki.PEM, "server.crt": serverCert, "server.key": serverKey}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clientURL := fmt.Sprintf("https://%s:%d", ip, testkit.FreePort(t, ip))
	peerURL := fmt.Sprintf("http://%s:%d", ip, testkit.FreePort(t, ip))
	cmd := exec.Command(bin,
		"--name", "test",
		"--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "test="+peerURL,
		"--cert-file", filepath.Join(dir, "server.crt"),
		"--key-file", filepath.Join(dir, "server.key"),
		"--trusted-ca-file", filepath.Join(dir, "ca.crt"),
		"--client-cert-auth",
	)
	var out testkit.LockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	s := &Server{Endpoint: clientURL, CA: pki.PEM, ClientCert: clientCert, ClientKey: clientKey, Binary: bin}
	var err error
	if s.Client, err = s.TLS(); err != nil {
		t.Fatal(err)
	}
	if err := s.waitReady(exited); err != nil {
		t.Fatalf("etcd %s did not become ready: %v\n%s", bin, err, out.String())
	}
	return s
}

// TLS is a client configuration with the client pair and CA.
func (s *Server) TLS() (*tls.Config, error) {
	pair, err := tls.X509KeyPair([]byte(s.ClientCert), []byte(s.ClientKey))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(s.CA))
	return &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool}, nil
}

func (s *Server) waitReady(exited <-chan error) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Endpoint}, TLS: s.Client, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("etcd exited: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Status(ctx, s.Endpoint)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
