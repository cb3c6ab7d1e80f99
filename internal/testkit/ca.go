package testkit

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit/testca"
)

// Leaf and Pair are testca's: what to issue and what was issued.
type (
	Leaf = testca.Leaf
	Pair = testca.Pair
)

// CA is a throwaway certificate authority whose calls fail the test on error.
type CA struct {
	*testca.CA
	// At, when set, is the test's clock: leaves default to valid from an
	// hour before it for a day (NewCAAt).
	At time.Time
}

// NewCA makes a CA named "test CA".
func NewCA(t testing.TB) CA {
	t.Helper()
	ca, err := testca.New("test CA")
	if err != nil {
		t.Fatal(err)
	}
	return CA{CA: ca}
}

// NewCAAt makes a CA named name for tests whose clock is at rather than the
// machine's: valid from a day before at for a year, and its leaves, unless
// they say otherwise, from an hour before at for a day.
func NewCAAt(t testing.TB, name string, at time.Time) CA {
	t.Helper()
	ca, err := testca.NewValid(name, at.Add(-24*time.Hour), at.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return CA{CA: ca, At: at}
}

// IssuePEM signs a certificate for l and returns it and its key as PEM.
func (ca CA) IssuePEM(t testing.TB, l Leaf) (cert, key string) {
	t.Helper()
	p := ca.IssueLeaf(t, l)
	return p.Cert, p.Key
}

// Issue signs a certificate for cn valid for sans (IP addresses or DNS
// names) with eku (default serverAuth and clientAuth) and returns it and
// its key as PEM.
func (ca CA) Issue(t testing.TB, cn string, sans []string, eku ...x509.ExtKeyUsage) (cert, key string) {
	t.Helper()
	p := ca.IssueLeaf(t, Leaf{CN: cn, SANs: sans, EKU: eku})
	return p.Cert, p.Key
}

// IssueLeaf signs a certificate for l.
func (ca CA) IssueLeaf(t testing.TB, l Leaf) Pair {
	t.Helper()
	if !ca.At.IsZero() {
		if l.NotBefore.IsZero() {
			l.NotBefore = ca.At.Add(-time.Hour)
		}
		if l.NotAfter.IsZero() {
			l.NotAfter = ca.At.Add(24 * time.Hour)
		}
	}
	p, err := ca.CA.Issue(l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TLSFiles names a CA certificate and a certificate and key signed by it.
type TLSFiles struct {
	CA, Cert, Key string
}

// WritePKI issues a server-and-client certificate for sans and writes it
// with the CA into files, each atomically (a new file renamed into place, as
// etcd re-reads its certificate per connection), creating their directories.
func (ca CA) WritePKI(t testing.TB, files TLSFiles, sans ...string) Pair {
	t.Helper()
	cn := "etcd test server"
	if len(sans) > 0 {
		cn = sans[0]
	}
	p := ca.IssueLeaf(t, Leaf{CN: cn, SANs: append([]string{"localhost"}, sans...)})
	WriteFile(t, files.CA, ca.PEM)
	WriteFile(t, files.Key, p.Key)
	WriteFile(t, files.Cert, p.Cert)
	return p
}

// WriteFile writes data to path (mode 0o600) atomically, creating its
// directory.
func WriteFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
