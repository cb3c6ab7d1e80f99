// Package testca is a throwaway certificate authority for tests and
// benchmarks: an ECDSA P-256 CA that issues leaf certificates for IP or DNS
// names, returned as PEM. It reports errors instead of failing a test so that
// non-test code (bench, a fake PKI returning errors) can use it too; tests
// normally reach it through testkit.NewCA. Nothing here is used by the charm.
package testca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// CAValidity is how long a CA is valid: easyrsa's default, ten years.
const CAValidity = 10 * 365 * 24 * time.Hour

// CA is a self-signed certificate authority.
type CA struct {
	// Cert is the CA certificate; PEM and KeyPEM are it and its key as PEM.
	Cert        *x509.Certificate
	PEM, KeyPEM string

	key    *ecdsa.PrivateKey
	mu     sync.Mutex
	serial int64
}

// New makes a CA named cn, valid from an hour ago for CAValidity.
func New(cn string) (*CA, error) {
	now := time.Now()
	return NewValid(cn, now.Add(-time.Hour), now.Add(CAValidity))
}

// NewValid makes a CA named cn valid from notBefore to notAfter: for tests
// whose clock is not the machine's.
func NewValid(cn string, notBefore, notAfter time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cannot make the CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("cannot create the CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, PEM: Encode("CERTIFICATE", der), KeyPEM: Encode("EC PRIVATE KEY", kder), key: key, serial: 1}, nil
}

// Leaf says what certificate to issue.
type Leaf struct {
	CN string
	// SANs are IP addresses or DNS names.
	SANs []string
	// EKU defaults to serverAuth and clientAuth, as etcd members use one
	// certificate for both.
	EKU []x509.ExtKeyUsage
	// Validity from an hour ago; default 24 hours.
	Validity time.Duration
	// NotBefore and NotAfter, when set, are the validity window instead
	// (for tests whose clock is not the machine's, or expired and
	// not-yet-valid certificates).
	NotBefore, NotAfter time.Time
}

// Pair is an issued certificate and its key, PEM.
type Pair struct {
	Cert, Key string
	// Serial is the certificate's serial number: 2, 3, ... per CA.
	Serial int64
}

// Issue signs a new certificate for l.
func (ca *CA) Issue(l Leaf) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, fmt.Errorf("cannot make a key for %s: %w", l.CN, err)
	}
	ca.mu.Lock()
	ca.serial++
	serial := ca.serial
	ca.mu.Unlock()
	eku := l.EKU
	if len(eku) == 0 {
		eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	validity := l.Validity
	if validity == 0 {
		validity = 24 * time.Hour
	}
	now := time.Now()
	notBefore, notAfter := now.Add(-time.Hour), now.Add(validity)
	if !l.NotBefore.IsZero() {
		notBefore = l.NotBefore
	}
	if !l.NotAfter.IsZero() {
		notAfter = l.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: l.CN},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  eku,
	}
	for _, s := range l.SANs {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return Pair{}, fmt.Errorf("cannot issue %s: %w", l.CN, err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Cert: Encode("CERTIFICATE", der), Key: Encode("EC PRIVATE KEY", kder), Serial: serial}, nil
}

// Encode is der as a PEM block of type typ.
func Encode(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// Parse is the CA whose certificate and EC key are certPEM and keyPEM, as
// a restored CA; it issues serials from 2 again.
func Parse(certPEM, keyPEM string) (*CA, error) {
	cb, _ := pem.Decode([]byte(certPEM))
	kb, _ := pem.Decode([]byte(keyPEM))
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("cannot parse the CA: not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the CA certificate: %w", err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the CA key: %w", err)
	}
	return &CA{Cert: cert, PEM: certPEM, KeyPEM: keyPEM, key: key, serial: 1}, nil
}
