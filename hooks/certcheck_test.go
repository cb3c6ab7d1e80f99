package hooks

import (
	"crypto/x509"
	"os"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

func tlsFiles(u *unit) map[string]string {
	out := map[string]string{}
	for _, p := range []string{u.paths.CACert(), u.paths.ServerCert(), u.paths.ServerKey(), u.paths.ClientCert(), u.paths.ClientKey()} {
		b, _ := os.ReadFile(p)
		out[p] = string(b)
	}
	return out
}

// A bad answer from the certificates provider is never written: the
// member keeps serving on the files in place, the unit is blocked with
// the reason, and a corrected answer heals it on the next hook, whatever
// hook that is, with no `juju resolved`.
func TestBadCertificatesKeepTheCurrentOnes(t *testing.T) {
	other := newTestCA(t, "another application's CA")
	for _, tc := range []struct {
		name   string
		answer func(s *scenario, u *unit, bag map[string]string)
		want   string
	}{
		{"garbage CA", func(_ *scenario, _ *unit, bag map[string]string) { bag["ca"] = "CA PEM" },
			"The CA from the certificate authority is not a PEM certificate."},
		{"garbage server certificate", func(_ *scenario, u *unit, bag map[string]string) { bag["etcd_1.server.cert"] = "SERVER CERT" },
			"The server certificate from the certificate authority is not a PEM certificate."},
		{"key of another certificate", func(s *scenario, u *unit, bag map[string]string) {
			bag["etcd_1.server.key"] = unitCerts(s.ca, t, u.n)["etcd_1.server.key"]
		}, "The server key from the certificate authority does not fit its certificate: private key does not match public key."},
		{"signed by another CA", func(_ *scenario, u *unit, bag map[string]string) {
			for k, v := range unitCerts(other, t, u.n) {
				if k != "ca" {
					bag[k] = v
				}
			}
		}, "The server certificate is not signed by the CA from the certificate authority (x509: certificate signed by unknown authority)."},
		{"expired", func(s *scenario, u *unit, bag map[string]string) {
			bag["etcd_1.server.cert"], bag["etcd_1.server.key"] = s.ca.IssuePEM(t, leaf{CN: addr("0", 1), SANs: []string{addr("0", 1), addr("1", 1)},
				NotBefore: certBase.Add(-48 * time.Hour), NotAfter: certBase.Add(-time.Hour)})
		}, "The server certificate expired at 2026-11-22T02:00:00Z."},
		{"missing the cluster address", func(s *scenario, u *unit, bag map[string]string) {
			bag["etcd_1.server.cert"], bag["etcd_1.server.key"] = s.ca.IssuePEM(t, leaf{CN: addr("0", 1), SANs: []string{addr("0", 1)}})
		}, "The server certificate does not name 10.0.1.1 (it names 10.0.0.1)."},
		{"client certificate for servers only", func(s *scenario, u *unit, bag map[string]string) {
			bag["client.cert"], bag["client.key"] = s.ca.IssuePEM(t, leaf{CN: "client", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		}, "The client certificate is not usable for client authentication."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := formed(t, 3)
			u := s.units[1]
			good := u.tools.Relations["certificates:9"].Units["easyrsa/0"]
			before := tlsFiles(u)
			u.snapd.Calls()
			bad := map[string]string{}
			for k, v := range good {
				bad[k] = v
			}
			tc.answer(s, u, bad)
			u.tools.Relations["certificates:9"].Units["easyrsa/0"] = bad
			want := juju.Status{Name: juju.StatusBlocked, Message: tc.want + " Keeping the certificates in place."}
			for _, ev := range []juju.Event{
				{Name: "certificates-relation-changed", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"},
				{Name: "update-status"},
			} {
				s.mustRun(u, ev) // exit 0: blocked, not a hook error
				if u.tools.Status != want {
					t.Fatalf("after %s: status %+v, want %+v", ev.Name, u.tools.Status, want)
				}
				for p, b := range tlsFiles(u) {
					if b != before[p] {
						t.Fatalf("after %s: %s was replaced", ev.Name, p)
					}
				}
				if restarted(u) {
					t.Fatalf("after %s: etcd restarted", ev.Name)
				}
			}
			for _, m := range s.etcd.List() {
				if !m.Started() {
					t.Errorf("member %s stopped", m.Name)
				}
			}

			// The provider answers again, correctly: the next hook heals.
			fixed := unitCerts(s.ca, t, u.n, "10.0.0.9")
			u.tools.Relations["certificates:9"].Units["easyrsa/0"] = fixed
			s.mustRun(u, juju.Event{Name: "update-status"})
			if u.tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 3 known peers"}) {
				t.Errorf("after the corrected answer: status %+v", u.tools.Status)
			}
			if got, _ := os.ReadFile(u.paths.ServerCert()); string(got) != fixed["etcd_1.server.cert"] {
				t.Error("the corrected server certificate was not written")
			}
		})
	}
}

// A unit whose first answer is bad writes nothing and starts nothing,
// then starts once the answer is right.
func TestBadFirstCertificatesStartNothing(t *testing.T) {
	s := newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	u := s.units[0]
	u.tools.Relations["certificates:9"].Units["easyrsa/0"]["ca"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	s.mustRun(u, juju.Event{Name: "install"})
	if u.tools.Status.Name != juju.StatusBlocked || u.tools.Status.Message[:len("The CA certificate from the certificate authority does not parse")] != "The CA certificate from the certificate authority does not parse" {
		t.Fatalf("status %+v", u.tools.Status)
	}
	if tlsPlaced(Deps{Paths: u.paths}) {
		t.Error("TLS files written from a bad answer")
	}
	if active, _ := u.snapd.Active(t.Context(), "etcd.etcd"); active {
		t.Error("etcd started without usable certificates")
	}
	u.tools.Relations["certificates:9"].Units["easyrsa/0"] = unitCerts(s.ca, t, 0)
	s.mustRun(u, juju.Event{Name: "certificates-relation-changed", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"})
	if u.tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 1 known peer"}) {
		t.Errorf("status %+v", u.tools.Status)
	}
}
