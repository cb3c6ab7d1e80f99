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
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
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
}

// Binary finds an etcd binary or skips the test.
func Binary(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("ETCD_BINS")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err == nil {
			dir = filepath.Join(cache, "etcd-charm", "etcd-bins")
		}
	}
	if dir != "" {
		entries, _ := os.ReadDir(dir)
		var versions []string
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "etcd")); err == nil {
				versions = append(versions, e.Name())
			}
		}
		sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
		if len(versions) > 0 {
			return filepath.Join(dir, versions[len(versions)-1], "etcd")
		}
	}
	if _, err := os.Stat("/usr/bin/etcd"); err == nil {
		return "/usr/bin/etcd"
	}
	t.Skip("no etcd binary: run make etcd-bins or install etcd-server")
	return ""
}

// versionLess orders "3.4.23" < "3.5.35" < "3.6.16" numerically.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		fmt.Sscan(pa[i], &x)
		fmt.Sscan(pb[i], &y)
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// FreePort returns a TCP port free on ip at the time of the call.
func FreePort(t testing.TB, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("cannot find a free port on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs etcd on ip (a 127.0.0.0/8 address) with client TLS, waits
// until it answers over TLS and stops it when the test ends.
func Start(t testing.TB, ip string) *Server {
	t.Helper()
	if parsed := net.ParseIP(ip); parsed == nil || !parsed.IsLoopback() {
		t.Fatalf("etcdtest.Start(%q): want a loopback address", ip)
	}
	bin := Binary(t)
	dir := t.TempDir()
	pki := NewPKI(t)
	serverCert, serverKey := pki.Issue(t, ip, []string{ip}, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	clientCert, clientKey := pki.Issue(t, "client", nil, x509.ExtKeyUsageClientAuth)
	files := map[string]string{"ca.crt": pki.CA, "server.crt": serverCert, "server.key": serverKey}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clientURL := fmt.Sprintf("https://%s:%d", ip, FreePort(t, ip))
	peerURL := fmt.Sprintf("http://%s:%d", ip, FreePort(t, ip))
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
	var out lockedBuffer
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
	s := &Server{Endpoint: clientURL, CA: pki.CA, ClientCert: clientCert, ClientKey: clientKey, Binary: bin}
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
	cfg, err := s.TLS()
	if err != nil {
		return err
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Endpoint}, TLS: cfg, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
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

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		return len(p), nil // enough to say why it failed
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// PKI is a throwaway CA for tests.
type PKI struct {
	CA   string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	n    int64
}

// NewPKI makes a CA.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "etcdtest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &PKI{CA: encode("CERTIFICATE", der), cert: cert, key: key, n: 1}
}

// Issue signs a certificate for cn with IP or DNS sans and eku.
func (p *PKI) Issue(t testing.TB, cn string, sans []string, eku ...x509.ExtKeyUsage) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.n++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.n), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: eku,
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &k.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return encode("CERTIFICATE", der), encode("EC PRIVATE KEY", kder)
}

func encode(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
