package charm

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit/testca"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/pki"
)

// fakePKI is a stateful in-memory Authority that signs with Go's crypto
// instead of running EasyRSA (the real tool is exercised in package pki and
// the integration test).
type fakePKI struct {
	missing  bool // the easyrsa binary is not installed
	ca       *testca.CA
	caPEM    pki.CA
	issued   map[string]pki.Pair // by file name
	index    []pki.Entry
	restored int // RestoreCA calls
	servers  int // IssueServer and IssueClientCert calls
}

var _ Authority = (*fakePKI)(nil)

func newFakePKI() *fakePKI { return &fakePKI{issued: map[string]pki.Pair{}} }

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

func (f *fakePKI) CreateCA(_ context.Context, cn string) (pki.CA, error) {
	ca, err := testca.New(cn)
	if err != nil {
		return pki.CA{}, err
	}
	f.ca = ca
	f.caPEM = pki.CA{Cert: ca.PEM, Key: ca.KeyPEM, Serial: "01\n"}
	f.issued = map[string]pki.Pair{}
	f.index = nil
	return f.caPEM, nil
}

func (f *fakePKI) RestoreCA(_ context.Context, ca pki.CA) error {
	parsed, err := testca.Parse(ca.Cert, ca.Key)
	if err != nil {
		return fmt.Errorf("cannot restore the CA: %w", err)
	}
	f.ca, f.caPEM = parsed, ca
	f.issued = map[string]pki.Pair{}
	f.index = nil
	f.restored++
	return nil
}

func (f *fakePKI) sign(cn string, sans []string, eku ...x509.ExtKeyUsage) (pki.Pair, error) {
	if f.ca == nil {
		return pki.Pair{}, errors.New("no CA")
	}
	p, err := f.ca.Issue(testca.Leaf{CN: cn, SANs: sans, EKU: eku, Validity: 825 * 24 * time.Hour})
	if err != nil {
		return pki.Pair{}, err
	}
	f.index = append(f.index, pki.Entry{Status: "V", Serial: fmt.Sprintf("%X", p.Serial), Subject: "/CN=" + cn})
	return pki.Pair{Cert: p.Cert, Key: p.Key}, nil
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
