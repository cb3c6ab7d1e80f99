package etcd_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// presentedSerial is the serial number of the certificate etcd presents
// on a new TLS connection to rawURL, authenticating with files.
func presentedSerial(t *testing.T, rawURL string, files etcd.TLS) (int64, error) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(files.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), nil
}

// The charm does not restart etcd when only its server certificate
// changes (easyrsa re-issues it with every new peer's address, see
// hooks/tls.go): etcd reads the certificate and key files again for every
// new connection, on the client and the peer port, since 3.3.5 for IP
// SANs (etcd-io/etcd#9541). This pins that behaviour for every version
// the charm installs: after a re-issue, new connections see the new
// certificate, and a member whose certificate is only trusted through the
// same CA joins through the running member's peer port.
func TestServerCertificateReloadsWithoutRestart(t *testing.T) {
	eachRelease(t, [3]string{"127.0.44.", "127.0.45.", "127.0.46."}, func(t *testing.T, _, bin, net string) {
		ipA, ipB := net+"1", net+"2"
		ca := newTestCA(t)
		dirA, dirB := t.TempDir(), t.TempDir()
		filesA, first := ca.issue(t, dirA, "127.0.0.1", ipA)
		a, b := newNode(t, "a", ipA), newNode(t, "b", ipB)
		a.start(t, bin, filesA, "a="+a.peerURL, "new")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c := openServing(t, ctx, []string{a.client}, filesA, a.client)
		for _, ep := range []string{a.client, a.peerURL} {
			if got, err := presentedSerial(t, ep, filesA); err != nil || got != first {
				t.Fatalf("%s presents serial %d (%v), want %d", ep, got, err, first)
			}
		}

		// Re-issue a's certificate with b's address added, as easyrsa
		// does when a peer appears; etcd keeps running.
		_, second := ca.issue(t, dirA, "127.0.0.1", ipA, ipB)
		for _, ep := range []string{a.client, a.peerURL} {
			if got, err := presentedSerial(t, ep, filesA); err != nil || got != second {
				t.Fatalf("after the re-issue %s presents serial %d (%v), want %d", ep, got, err, second)
			}
		}
		filesB, _ := ca.issue(t, dirB, "127.0.0.1", ipB)
		if _, _, err := c.AddLearner(ctx, b.peerURL); err != nil {
			t.Fatal(err)
		}
		b.start(t, bin, filesB, "a="+a.peerURL+",b="+b.peerURL, "existing")
		testkit.Eventually(t, 30*time.Second, "b serving", func() error {
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, err := c.Status(sctx, b.client)
			return err
		})
		select {
		case <-a.exited:
			t.Fatal("etcd a exited")
		default:
		}
	})
}
