package charm

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/relations"
)

// The certificates provider's answer is checked before it goes on disk.
// etcd reads its server certificate again for every new connection (see
// memberplan.go), so a bad one written over a good one breaks TLS for
// clients and peers at once, without any restart; a CA that does not
// parse made the charm's own client fail in the middle of the hook. A
// refused answer leaves the files in place as they are (a running etcd
// keeps serving on them) and blocks with the reason; the provider's next
// answer is checked again.

// CertCheck is a certificates answer and what it must be good for.
type CertCheck struct {
	Certs relations.Certificates
	// Addresses are the unit's addresses clients and peers reach its etcd
	// at (db and cluster ingress): the server certificate must name each.
	Addresses []string
	Now       time.Time
}

// CheckCertificates returns "" when the answer can be used, else why not
// (a full sentence for the blocked status).
func CheckCertificates(c CertCheck) string {
	roots, reason := parseCA(c.Certs.CA)
	if reason != "" {
		return reason
	}
	// etcd presents its server certificate to clients and, as a client,
	// to its peers (peer-transport-security has client-cert-auth).
	server, reason := checkPair("server", c.Certs.ServerCert, c.Certs.ServerKey, roots, c.Now, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	if reason != "" {
		return reason
	}
	var missing []string
	for _, a := range c.Addresses {
		if a != "" && server.VerifyHostname(a) != nil {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("The server certificate does not name %s (it names %s).", strings.Join(missing, ", "), names(server))
	}
	if _, reason := checkPair("client", c.Certs.ClientCert, c.Certs.ClientKey, roots, c.Now, x509.ExtKeyUsageClientAuth); reason != "" {
		return reason
	}
	return ""
}

// parseCA reads the CA bundle: one or more PEM certificates, nothing else.
func parseCA(data string) (*x509.CertPool, string) {
	pool := x509.NewCertPool()
	rest := []byte(data)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Sprintf("The CA from the certificate authority holds a PEM block of type %s, not a certificate.", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Sprintf("The CA certificate from the certificate authority does not parse: %v.", err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		return nil, "The CA from the certificate authority is not a PEM certificate."
	}
	return pool, ""
}

// checkPair checks a certificate and its key: both parse, they match, the
// certificate chains to roots for each of usages and is valid at now.
func checkPair(role, certPEM, keyPEM string, roots *x509.CertPool, now time.Time, usages ...x509.ExtKeyUsage) (*x509.Certificate, string) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Sprintf("The %s certificate from the certificate authority is not a PEM certificate.", role)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Sprintf("The %s certificate from the certificate authority does not parse: %v.", role, err)
	}
	// X509KeyPair parses the key (PKCS#1, PKCS#8 or EC) and checks that
	// it is the certificate's, as etcd does when it loads them.
	if _, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM)); err != nil {
		if k, _ := pem.Decode([]byte(keyPEM)); k == nil {
			return nil, fmt.Sprintf("The %s key from the certificate authority is not a PEM key.", role)
		}
		return nil, fmt.Sprintf("The %s key from the certificate authority does not fit its certificate: %v.", role, strings.TrimPrefix(err.Error(), "tls: "))
	}
	switch {
	case now.Before(cert.NotBefore):
		return nil, fmt.Sprintf("The %s certificate is not valid before %s.", role, cert.NotBefore.UTC().Format(time.RFC3339))
	case now.After(cert.NotAfter):
		return nil, fmt.Sprintf("The %s certificate expired at %s.", role, cert.NotAfter.UTC().Format(time.RFC3339))
	}
	// Verify accepts a chain good for any one of KeyUsages: ask for each.
	for _, usage := range usages {
		opts := x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}
		_, err := cert.Verify(opts)
		var invalid x509.CertificateInvalidError
		switch {
		case err == nil:
		case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
			return nil, fmt.Sprintf("The %s certificate is not usable for %s authentication.", role, usageName(usage))
		default:
			return nil, fmt.Sprintf("The %s certificate is not signed by the CA from the certificate authority (%v).", role, err)
		}
	}
	return cert, ""
}

func usageName(u x509.ExtKeyUsage) string {
	if u == x509.ExtKeyUsageServerAuth {
		return "server"
	}
	return "client"
}

// names lists what a certificate is valid for.
func names(c *x509.Certificate) string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, c.DNSNames...)
	if len(out) == 0 {
		return "no address"
	}
	return strings.Join(out, ", ")
}
