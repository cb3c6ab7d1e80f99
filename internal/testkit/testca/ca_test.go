package testca

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestIssueVerifies(t *testing.T) {
	ca, err := New("test CA")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ca.Issue(Leaf{CN: "m0", SANs: []string{"127.0.0.1", "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair([]byte(p.Cert), []byte(p.Key)); err != nil {
		t.Fatalf("certificate and key do not pair: %v", err)
	}
	block, _ := pem.Decode([]byte(p.Cert))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(ca.PEM))
	for _, host := range []string{"127.0.0.1", "localhost"} {
		for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			if _, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
				t.Errorf("verify %s for %v: %v", host, usage, err)
			}
		}
	}
	second, _ := ca.Issue(Leaf{CN: "m1"})
	if p.Serial != 2 || second.Serial != 3 {
		t.Errorf("serials %d, %d; want 2, 3", p.Serial, second.Serial)
	}
	restored, err := Parse(ca.PEM, ca.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !restored.Cert.Equal(ca.Cert) {
		t.Error("Parse returned another CA")
	}
}
