package charm

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/pki"
)

// fakePKI is a stateful in-memory Authority that signs with Go's crypto
// instead of running EasyRSA (the real tool is exercised in package pki and
// the integration test).
type fakePKI struct {
	missing  bool // the easyrsa binary is not installed
	ca       *x509.Certificate
	caKey    *ecdsa.PrivateKey
	caPEM    pki.CA
	serial   int64
	issued   map[string]pki.Pair // by file name
	index    []pki.Entry
	restored int // RestoreCA calls
	servers  int // IssueServer and IssueClientCert calls
}

var _ Authority = (*fakePKI)(nil)

func newFakePKI() *fakePKI { return &fakePKI{issued: map[string]pki.Pair{}, serial: 1} }

func (f *fakePKI) Installed() error {
	if f.missing {
		return fmt.Errorf("cannot find easyrsa: %w", os.ErrNotExist)
	}
	return nil
}

func (f *fakePKI) Version(context.Context) (string, error) { return "3.1.0", nil }
func (f *fakePKI) HasCA() bool                             { return f.ca != nil }

func (f *fakePKI) ReadCA() (pki.CA, error) {
	if f.ca == nil {
		return pki.CA{}, errors.New("cannot read the CA: no CA")
	}
	return f.caPEM, nil
}

func encode(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func (f *fakePKI) CreateCA(_ context.Context, cn string) (pki.CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pki.CA{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return pki.CA{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return pki.CA{}, err
	}
	f.ca, _ = x509.ParseCertificate(der)
	f.caKey = key
	f.caPEM = pki.CA{Cert: encode("CERTIFICATE", der), Key: encode("EC PRIVATE KEY", kder), Serial: "01\n"}
	f.issued = map[string]pki.Pair{}
	f.index = nil
	return f.caPEM, nil
}

func (f *fakePKI) RestoreCA(_ context.Context, ca pki.CA) error {
	cb, _ := pem.Decode([]byte(ca.Cert))
	kb, _ := pem.Decode([]byte(ca.Key))
	if cb == nil || kb == nil {
		return errors.New("cannot restore the CA: not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return err
	}
	f.ca, f.caKey, f.caPEM = cert, key, ca
	f.issued = map[string]pki.Pair{}
	f.index = nil
	f.restored++
	return nil
}

func (f *fakePKI) sign(cn string, sans []string, eku ...x509.ExtKeyUsage) (pki.Pair, error) {
	if f.ca == nil {
		return pki.Pair{}, errors.New("no CA")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return pki.Pair{}, err
	}
	f.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(f.serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(825 * 24 * time.Hour),
		ExtKeyUsage: eku,
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, f.ca, &key.PublicKey, f.caKey)
	if err != nil {
		return pki.Pair{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return pki.Pair{}, err
	}
	f.index = append(f.index, pki.Entry{Status: "V", Serial: fmt.Sprintf("%X", f.serial), Subject: "/CN=" + cn})
	return pki.Pair{Cert: encode("CERTIFICATE", der), Key: encode("EC PRIVATE KEY", kder)}, nil
}

func (f *fakePKI) IssueServer(_ context.Context, name, cn string, sans []string, _ func(string) bool) (pki.Pair, error) {
	f.servers++
	p, err := f.sign(cn, sans, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	if err == nil {
		f.issued[name] = p
	}
	return p, err
}

func (f *fakePKI) IssueClientCert(_ context.Context, name, cn string, sans []string, _ func(string) bool) (pki.Pair, error) {
	f.servers++
	p, err := f.sign(cn, sans, x509.ExtKeyUsageClientAuth)
	if err == nil {
		f.issued[name] = p
	}
	return p, err
}

func (f *fakePKI) IssueClient(_ context.Context, name string) (pki.Pair, error) {
	if p, ok := f.issued[name]; ok {
		return p, nil
	}
	p, err := f.sign(name, nil, x509.ExtKeyUsageClientAuth)
	if err == nil {
		f.issued[name] = p
	}
	return p, err
}

func (f *fakePKI) Index() ([]pki.Entry, error) {
	if f.ca == nil {
		return nil, errors.New("cannot read the certificate database: no PKI")
	}
	return f.index, nil
}
