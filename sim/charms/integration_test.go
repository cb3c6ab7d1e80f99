package charms_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/tlscerts"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/etcdtest"
)

// requirerCert fetches what easyrsa gave unit (get-cert) and checks it: the
// key matches, the certificate verifies against the published CA for both
// server and client authentication, its CN is the unit's address and its
// SANs are exactly the ones requested.
func requirerCert(t *testing.T, m *model, unit string, extraSANs ...string) *x509.Certificate {
	t.Helper()
	res := m.run(unit, "get-cert")
	caPEM, certPEM, keyPEM := str(res, "ca"), str(res, "cert"), str(res, "key")
	if _, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM)); err != nil {
		t.Fatalf("%s: key does not match certificate: %v", unit, err)
	}
	ca, err := tlscerts.ParseCert(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tlscerts.ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, eku := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{eku}}); err != nil {
			t.Errorf("%s: certificate does not verify for %v: %v", unit, eku, err)
		}
	}
	addr := m.unit("tls-requirer", unit).Address
	want := append([]string{addr, "127.0.0.1"}, extraSANs...)
	slices.Sort(want)
	if got := tlscerts.CertSANs(cert); cert.Subject.CommonName != addr || !slices.Equal(got, want) {
		t.Errorf("%s: CN %q SANs %v, want %q %v", unit, cert.Subject.CommonName, got, addr, want)
	}
	for _, ip := range []string{addr, "127.0.0.1"} {
		if !slices.ContainsFunc(cert.IPAddresses, func(x net.IP) bool { return x.Equal(net.ParseIP(ip)) }) {
			t.Errorf("%s: %s is not an IP SAN (IPs %v)", unit, ip, cert.IPAddresses)
		}
	}
	return cert
}

// issued reads easyrsa's certificate database through its list-issued
// action: status by serial.
func issued(t *testing.T, m *model, unit string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(str(m.run(unit, "list-issued"), "certificates"), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			t.Fatalf("list-issued line %q", line)
		}
		serial, ok := new(big.Int).SetString(f[1], 16)
		if !ok {
			t.Fatalf("list-issued serial %q", f[1])
		}
		out[serial.Text(16)] = f[0]
	}
	return out
}

// TestEasyRSAIssuesCertificates: easyrsa and a minimal requirer on jujusim;
// the requirer's certificate verifies against the CA, has the requested IP
// SANs and both EKUs, and is in the easyrsa tool's own database. A changed
// SAN list re-issues (revoking the old one); a new unit gets its own.
func TestEasyRSAIssuesCertificates(t *testing.T) {
	m := bootstrap(t)
	m.must("deploy", m.charm("easyrsa"))
	m.must("deploy", m.charm("tls-requirer"))
	m.must("integrate", "easyrsa:client", "tls-requirer:certificates")
	m.waitActive(3 * time.Minute)
	if u := m.unit("easyrsa", "easyrsa/0"); u.Workload.Message != "Certificate Authority connected." {
		t.Errorf("easyrsa/0 status %+v", u.Workload)
	}

	first := requirerCert(t, m, "tls-requirer/0")
	db := issued(t, m, "easyrsa/0")
	if db[first.SerialNumber.Text(16)] != "V" {
		t.Fatalf("serial %x not valid in easyrsa's database %v", first.SerialNumber, db)
	}

	m.must("config", "tls-requirer", "extra-sans=requirer.example")
	m.waitActive(3 * time.Minute)
	second := requirerCert(t, m, "tls-requirer/0", "requirer.example")
	db = issued(t, m, "easyrsa/0")
	if second.SerialNumber.Cmp(first.SerialNumber) == 0 || db[second.SerialNumber.Text(16)] != "V" || db[first.SerialNumber.Text(16)] != "R" {
		t.Errorf("after a SAN change: serials %x → %x, database %v", first.SerialNumber, second.SerialNumber, db)
	}

	// The newer cert_requests form is answered in processed_requests.
	m.must("config", "tls-requirer", "extra-cns=api.example")
	m.waitActive(3 * time.Minute)
	res := m.run("tls-requirer/0", "get-cert")
	var processed map[string]tlscerts.Pair
	if err := json.Unmarshal([]byte(str(res, "processed")), &processed); err != nil {
		t.Fatalf("processed_requests %q: %v", str(res, "processed"), err)
	}
	api, err := tlscerts.ParseCert(processed["api.example"].Cert)
	if err != nil {
		t.Fatalf("processed_requests %v: %v", processed, err)
	}
	if _, err := tls.X509KeyPair([]byte(processed["api.example"].Cert), []byte(processed["api.example"].Key)); err != nil {
		t.Errorf("api.example key does not match: %v", err)
	}
	if api.Subject.CommonName != "api.example" || !slices.Equal(api.DNSNames, []string{"api.example"}) ||
		!slices.Contains(api.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(api.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		t.Errorf("api.example cert: CN %q DNS %v EKU %v", api.Subject.CommonName, api.DNSNames, api.ExtKeyUsage)
	}
	caCert, err := tlscerts.ParseCert(str(res, "ca"))
	if err != nil {
		t.Fatal(err)
	}
	if err := api.CheckSignatureFrom(caCert); err != nil {
		t.Errorf("api.example cert not signed by the CA: %v", err)
	}
	if db := issued(t, m, "easyrsa/0"); db[api.SerialNumber.Text(16)] != "V" {
		t.Errorf("api.example serial %x not in easyrsa's database %v", api.SerialNumber, db)
	}

	m.must("add-unit", "tls-requirer")
	m.waitActive(3 * time.Minute)
	other := requirerCert(t, m, "tls-requirer/1", "requirer.example")
	if again := requirerCert(t, m, "tls-requirer/0", "requirer.example"); again.SerialNumber.Cmp(second.SerialNumber) != 0 {
		t.Error("a new requirer unit made easyrsa re-issue another unit's certificate")
	}
	if other.SerialNumber.Cmp(second.SerialNumber) == 0 {
		t.Error("the new unit got the first unit's certificate")
	}
}

// TestEtcdClientConnects: etcd-client related to a fake provider that
// publishes a hand-started TLS etcd's credentials reaches "Connected to 1
// etcd endpoints", and put/get round-trip through the relation's
// credentials into that etcd.
func TestEtcdClientConnects(t *testing.T) {
	m := bootstrap(t)
	srv := etcdtest.Start(t, "127.0.0.1")
	m.must("deploy", m.charm("etcd-provider"), "etcd",
		"--config", "connection_string="+srv.Endpoint,
		"--config", "client_cert="+srv.ClientCert,
		"--config", "client_key="+srv.ClientKey,
		"--config", "client_ca="+srv.CA)
	m.must("deploy", m.charm("etcd-client"))
	m.must("integrate", "etcd:db", "etcd-client:etcd")
	m.waitActive(3 * time.Minute)
	if u := m.unit("etcd-client", "etcd-client/0"); u.Workload.Message != "Connected to 1 etcd endpoints" {
		t.Fatalf("etcd-client/0 status %+v", u.Workload)
	}

	putRev := m.putGet("etcd-client/0", "/partner/greeting", "hello etcd")

	// The write landed in the hand-started etcd.
	conn, err := etcdconn.Dial([]string{srv.Endpoint}, srv.Client)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	value, found, rev, err := conn.Get(ctx, "/partner/greeting")
	if err != nil || !found || value != "hello etcd" || strconv.FormatInt(rev, 10) != putRev {
		t.Errorf("direct get: %q found %v rev %d err %v", value, found, rev, err)
	}

	check := m.run("etcd-client/0", "check")
	if str(check, "count") != "1" || str(check, "healthy") != srv.Endpoint {
		t.Errorf("check results %v", check)
	}
}

// TestEasyRSALeadershipMoves: when the easyrsa leader goes, the new leader
// rebuilds its PKI from leader data and keeps answering with the same CA.
func TestEasyRSALeadershipMoves(t *testing.T) {
	m := bootstrap(t)
	m.must("deploy", m.charm("easyrsa"), "-n", "2")
	m.must("deploy", m.charm("tls-requirer"))
	m.must("integrate", "easyrsa:client", "tls-requirer:certificates")
	m.waitActive(3 * time.Minute)
	before := m.run("tls-requirer/0", "get-cert")
	leader, follower := "easyrsa/0", "easyrsa/1"
	if !m.unit("easyrsa", leader).Leader {
		leader, follower = follower, leader
	}
	m.must("remove-unit", leader)
	m.waitActive(3 * time.Minute)
	if !m.unit("easyrsa", follower).Leader {
		t.Fatalf("%s did not become leader", follower)
	}
	after := requirerCert(t, m, "tls-requirer/0")
	if str(m.run("tls-requirer/0", "get-cert"), "ca") != str(before, "ca") {
		t.Error("the CA changed with leadership")
	}
	if db := issued(t, m, follower); db[after.SerialNumber.Text(16)] != "V" {
		t.Errorf("the new leader's database %v lacks serial %x", db, after.SerialNumber)
	}
}
