package charm

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/relations"
)

func TestCheckCertificates(t *testing.T) {
	ca := newTestCA(t, "easyrsa")
	other := newTestCA(t, "another CA")
	addrs := []string{"10.0.0.1", "10.0.1.1"}
	server, serverKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: []string{"10.0.0.1", "10.0.1.1", "127.0.0.1", "host-1"}})
	client, clientKey := ca.IssuePEM(t, leaf{CN: "client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	good := relations.Certificates{CA: ca.PEM, ServerCert: server, ServerKey: serverKey, ClientCert: client, ClientKey: clientKey}
	_, strayKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: addrs})
	foreign, foreignKey := other.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: addrs})
	expired, expiredKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: addrs, NotBefore: base.Add(-48 * time.Hour), NotAfter: base.Add(-time.Hour)})
	future, futureKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: addrs, NotBefore: base.Add(time.Hour)})
	narrow, narrowKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: []string{"10.0.0.1"}})
	serverOnly, serverOnlyKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: addrs, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	clientAsServer, clientAsServerKey := ca.IssuePEM(t, leaf{CN: "10.0.0.1", SANs: addrs, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})

	for _, tc := range []struct {
		name   string
		change func(*relations.Certificates)
		want   string // "" ok, else a substring of the reason
	}{
		{"a good answer", func(*relations.Certificates) {}, ""},
		{"a CA bundle of two", func(c *relations.Certificates) { c.CA += other.PEM }, ""},
		{"garbage CA", func(c *relations.Certificates) { c.CA = "CA PEM" }, "The CA from the certificate authority is not a PEM certificate."},
		{"CA with trailing garbage", func(c *relations.Certificates) { c.CA += "junk" }, "The CA from the certificate authority is not a PEM certificate."},
		{"a key in place of the CA", func(c *relations.Certificates) { c.CA = serverKey }, "The CA from the certificate authority holds a PEM block of type EC PRIVATE KEY, not a certificate."},
		{"CA that does not parse", func(c *relations.Certificates) {
			c.CA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		}, "The CA certificate from the certificate authority does not parse"},
		{"garbage server certificate", func(c *relations.Certificates) { c.ServerCert = "SERVER CERT" }, "The server certificate from the certificate authority is not a PEM certificate."},
		{"garbage server key", func(c *relations.Certificates) { c.ServerKey = "SERVER KEY" }, "The server key from the certificate authority is not a PEM key."},
		{"key of another certificate", func(c *relations.Certificates) { c.ServerKey = strayKey }, "The server key from the certificate authority does not fit its certificate: private key does not match public key."},
		{"signed by another CA", func(c *relations.Certificates) { c.ServerCert, c.ServerKey = foreign, foreignKey }, "The server certificate is not signed by the CA from the certificate authority"},
		{"expired", func(c *relations.Certificates) { c.ServerCert, c.ServerKey = expired, expiredKey }, "The server certificate expired at 2026-11-22T02:00:00Z."},
		{"not valid yet", func(c *relations.Certificates) { c.ServerCert, c.ServerKey = future, futureKey }, "The server certificate is not valid before 2026-11-22T04:00:00Z."},
		{"SANs miss the cluster address", func(c *relations.Certificates) { c.ServerCert, c.ServerKey = narrow, narrowKey }, "The server certificate does not name 10.0.1.1 (it names 10.0.0.1)."},
		{"server certificate peers cannot present", func(c *relations.Certificates) { c.ServerCert, c.ServerKey = serverOnly, serverOnlyKey }, "The server certificate is not usable for client authentication."},
		{"client certificate as server certificate", func(c *relations.Certificates) { c.ServerCert, c.ServerKey = clientAsServer, clientAsServerKey }, "The server certificate is not usable for server authentication."},
		{"client key mismatch", func(c *relations.Certificates) { c.ClientKey = serverKey }, "The client key from the certificate authority does not fit its certificate"},
		{"client certificate from another CA", func(c *relations.Certificates) { c.ClientCert, c.ClientKey = foreign, foreignKey }, "The client certificate is not signed by the CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			certs := good
			tc.change(&certs)
			got := CheckCertificates(CertCheck{Certs: certs, Addresses: addrs, Now: base})
			switch {
			case tc.want == "" && got != "":
				t.Fatalf("refused a good answer: %s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Fatalf("reason %q, want %q", got, tc.want)
			case got != "" && (!strings.HasPrefix(got, "The ") || !strings.HasSuffix(got, ".")):
				t.Errorf("reason %q is not a sentence", got)
			}
		})
	}
}
