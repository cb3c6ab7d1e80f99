package etcd_test

import (
	"path/filepath"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// testCA is a throwaway certificate authority that can issue again, as
// easyrsa re-issues a unit's server certificate when its SANs change.
type testCA struct{ testkit.CA }

func newTestCA(t testing.TB) testCA { return testCA{testkit.NewCA(t)} }

// issue writes ca.crt and a new server certificate (server.crt,
// server.key) valid for ips into dir, usable as server and client
// certificate, as the charm uses it, and returns its serial number.
func (ca testCA) issue(t testing.TB, dir string, ips ...string) (etcd.TLS, int64) {
	t.Helper()
	files := etcd.TLS{
		CertFile: filepath.Join(dir, "server.crt"),
		KeyFile:  filepath.Join(dir, "server.key"),
		CAFile:   filepath.Join(dir, "ca.crt"),
	}
	p := ca.WritePKI(t, testkit.TLSFiles{CA: files.CAFile, Cert: files.CertFile, Key: files.KeyFile}, ips...)
	return files, p.Serial
}

// writePKI writes a throwaway CA and a server certificate valid for ips
// into dir and returns the TLS naming them.
func writePKI(t testing.TB, dir string, ips ...string) etcd.TLS {
	t.Helper()
	files, _ := newTestCA(t).issue(t, dir, ips...)
	return files
}
