package hooks

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// certBase is the scenarios' clock; their easyrsa's certificates are valid
// around it.
var certBase = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

type (
	testCA = testkit.CA
	leaf   = testkit.Leaf
)

func newTestCA(t testing.TB, name string) testCA { return testkit.NewCAAt(t, name, certBase) }

// unitCerts is easyrsa's answer to u's request: the CA, u's server
// certificate for its addresses and hostname, and the client certificate.
func unitCerts(ca testCA, t testing.TB, n int, extraSANs ...string) map[string]string {
	t.Helper()
	name := "etcd_" + string(rune('0'+n))
	server, serverKey := ca.IssuePEM(t, leaf{CN: addr("0", n), SANs: append([]string{addr("0", n), addr("1", n), "127.0.0.1", "host-" + string(rune('0'+n))}, extraSANs...)})
	client, clientKey := ca.IssuePEM(t, leaf{CN: "client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return map[string]string{
		"ca": ca.PEM, "client.cert": client, "client.key": clientKey,
		name + ".server.cert": server, name + ".server.key": serverKey,
	}
}
