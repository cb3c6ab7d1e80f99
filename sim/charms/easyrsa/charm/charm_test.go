package charm

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/testkit/testca"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/tlscerts"
)

type scenario struct {
	t     *testing.T
	tools *jujutest.Tools
	pki   *fakePKI
	charm *Charm
}

func newScenario(t *testing.T, unit string, leader bool) *scenario {
	tools := jujutest.New(unit)
	tools.Leader = leader
	tools.Network[Endpoint] = juju.Network{IngressAddresses: []string{"10.5.0.1"}}
	f := newFakePKI()
	return &scenario{t: t, tools: tools, pki: f, charm: &Charm{Tools: tools, PKI: f, Root: t.TempDir(), Now: time.Now}}
}

// run runs one hook (relation hooks: "client-relation-changed client:1
// etcd/0") and returns the exit code.
func (s *scenario) run(hook string) int {
	s.t.Helper()
	fields := strings.Fields(hook)
	ev := juju.Event{Kind: juju.HookKind, Name: fields[0], Unit: s.tools.Unit}
	if len(fields) > 1 {
		ev.Endpoint = Endpoint
		ev.RelationID = fields[1]
	}
	if len(fields) > 2 {
		ev.RemoteUnit = fields[2]
	}
	return s.tools.Run(context.Background(), ev, s.charm.Handle, io.Discard)
}

func (s *scenario) mustRun(hook string) {
	s.t.Helper()
	if code := s.run(hook); code != 0 {
		s.t.Fatalf("%s exited %d; logs %v", hook, code, s.tools.Logs)
	}
}

func etcdRequest(unit, cn string, sans ...string) map[string]string {
	b, _ := json.Marshal(sans)
	return map[string]string{
		"unit_name": tlscerts.MungedUnit(unit), "common_name": cn,
		"certificate_name": tlscerts.MungedUnit(unit), "sans": string(b),
		"private-address": "10.0.0.9",
	}
}

// verify checks cert against the CA in leader data, for cn, sans and both
// extended key usages, and returns it.
func (s *scenario) verify(certPEM, cn string, sans ...string) *x509.Certificate {
	s.t.Helper()
	ca, err := tlscerts.ParseCert(s.tools.LeaderData[LeaderCA])
	if err != nil {
		s.t.Fatal(err)
	}
	cert, err := tlscerts.ParseCert(certPEM)
	if err != nil {
		s.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, eku := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{eku}}); err != nil {
			s.t.Errorf("cert for %s does not verify for %v: %v", cn, eku, err)
		}
	}
	slices.Sort(sans)
	if got := tlscerts.CertSANs(cert); cert.Subject.CommonName != cn || !slices.Equal(got, sans) {
		s.t.Errorf("cert CN %q SANs %v, want %q %v", cert.Subject.CommonName, got, cn, sans)
	}
	return cert
}

func TestLeaderCreatesCA(t *testing.T) {
	s := newScenario(t, "easyrsa/0", true)
	s.mustRun("install")
	if s.tools.Version != "3.1.0" {
		t.Errorf("application version %q", s.tools.Version)
	}
	ca, err := tlscerts.ParseCert(s.tools.LeaderData[LeaderCA])
	if err != nil {
		t.Fatal(err)
	}
	if ca.Subject.CommonName != "10.5.0.1" || s.tools.LeaderData[LeaderCAKey] == "" || s.tools.LeaderData[LeaderCASerial] == "" {
		t.Errorf("CA %q, key %d bytes, serial %q", ca.Subject.CommonName, len(s.tools.LeaderData[LeaderCAKey]), s.tools.LeaderData[LeaderCASerial])
	}
	client := s.verifyClient()
	if s.tools.Status != (juju.Status{Name: juju.StatusActive, Message: StatusReady}) {
		t.Errorf("status %v", s.tools.Status)
	}
	installed, err := os.ReadFile(filepath.Join(s.charm.Root, "usr/local/share/ca-certificates/easyrsa.crt"))
	if err != nil || string(installed) != s.tools.LeaderData[LeaderCA] {
		t.Errorf("installed CA: %v", err)
	}
	// Later hooks keep the same CA and client cert.
	s.mustRun("config-changed")
	s.mustRun("update-status")
	if s.tools.LeaderData[LeaderCA] != encodeCert(ca) || s.tools.LeaderData[LeaderClient] != client {
		t.Error("CA or client certificate changed on a later hook")
	}
}

func encodeCert(c *x509.Certificate) string { return testca.Encode("CERTIFICATE", c.Raw) }

func (s *scenario) verifyClient() string {
	s.t.Helper()
	client, err := tlscerts.ParseCert(s.tools.LeaderData[LeaderClient])
	if err != nil {
		s.t.Fatal(err)
	}
	if client.Subject.CommonName != "client" || s.tools.LeaderData[LeaderClientK] == "" {
		s.t.Errorf("client cert CN %q", client.Subject.CommonName)
	}
	return s.tools.LeaderData[LeaderClient]
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*scenario)
		status juju.Status
	}{
		{"easy-rsa missing", func(s *scenario) { s.pki.missing = true },
			juju.Status{Name: juju.StatusBlocked, Message: "easy-rsa is not installed: cannot find easyrsa: file does not exist"}},
		{"no ingress address", func(s *scenario) { delete(s.tools.Network, Endpoint) },
			juju.Status{Name: juju.StatusBlocked, Message: "Public address not available yet"}},
		{"non-leader before the CA", func(s *scenario) { s.tools.Leader = false },
			juju.Status{Name: juju.StatusWaiting, Message: "Waiting for the leader to create the CA"}},
		{"non-leader with the CA", func(s *scenario) {
			s.tools.Leader = false
			s.tools.LeaderData[LeaderCA] = "CA PEM"
			s.tools.AddRelation("client:3", "etcd")
		}, juju.Status{Name: juju.StatusActive, Message: StatusConnected}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t, "easyrsa/1", true)
			tt.setup(s)
			s.mustRun("start")
			if s.tools.Status != tt.status {
				t.Errorf("status %v, want %v", s.tools.Status, tt.status)
			}
		})
	}
}

func TestAnswersRequests(t *testing.T) {
	s := newScenario(t, "easyrsa/0", true)
	s.mustRun("install")
	rel := s.tools.AddRelation("client:1", "etcd")
	rel.Units["etcd/0"] = etcdRequest("etcd/0", "10.0.0.1", "10.0.0.1", "127.0.0.1", "juju-host-0")
	rel.Units["etcd/1"] = map[string]string{"common_name": "10.0.0.2", "sans": "not json"}
	rel.Units["etcd/2"] = map[string]string{"sans": `["10.0.0.3"]`, "certificate_name": "etcd_2"}
	s.mustRun("client-relation-changed client:1 etcd/0")

	own := rel.LocalUnitData
	if own["ca"] != s.tools.LeaderData[LeaderCA] || own["client.cert"] != s.tools.LeaderData[LeaderClient] || own["client.key"] != s.tools.LeaderData[LeaderClientK] {
		t.Error("ca / client pair not published")
	}
	first := s.verify(own["etcd_0.server.cert"], "10.0.0.1", "10.0.0.1", "127.0.0.1", "juju-host-0")
	if own["etcd_0.server.key"] == "" {
		t.Error("no server key")
	}
	for _, k := range []string{"etcd_1.server.cert", "etcd_2.server.cert"} {
		if _, ok := own[k]; ok {
			t.Errorf("bad request answered with %s", k)
		}
	}
	var warnings []string
	for _, l := range s.tools.Logs {
		if strings.HasPrefix(l, "WARNING: Skipping a bad certificate request") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "etcd/1") || !strings.Contains(warnings[1], "etcd/2: no common_name") {
		t.Errorf("warnings %q", warnings)
	}
	if s.tools.Status.Message != StatusConnected {
		t.Errorf("status %v", s.tools.Status)
	}

	// The same requests again: nothing is issued or rewritten.
	issued := s.pki.servers
	calls := len(s.tools.Calls)
	s.mustRun("update-status")
	if s.pki.servers != issued || slices.ContainsFunc(s.tools.Calls[calls:], func(c string) bool { return strings.HasPrefix(c, "relation-set") }) {
		t.Errorf("unchanged requests re-issued (%d → %d) or rewritten", issued, s.pki.servers)
	}

	// A changed SAN list re-issues.
	rel.Units["etcd/0"] = etcdRequest("etcd/0", "10.0.0.1", "10.0.0.1", "127.0.0.1", "juju-host-0", "10.9.9.9")
	s.mustRun("client-relation-changed client:1 etcd/0")
	second := s.verify(own["etcd_0.server.cert"], "10.0.0.1", "10.0.0.1", "127.0.0.1", "juju-host-0", "10.9.9.9")
	if second.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Error("SAN change did not re-issue")
	}

	// A new unit gets its own certificate; the others keep theirs.
	rel.Units["etcd/3"] = etcdRequest("etcd/3", "10.0.0.4", "10.0.0.4")
	s.mustRun("client-relation-joined client:1 etcd/3")
	s.verify(own["etcd_3.server.cert"], "10.0.0.4", "10.0.0.4")
	if got, _ := tlscerts.ParseCert(own["etcd_0.server.cert"]); got.SerialNumber.Cmp(second.SerialNumber) != 0 {
		t.Error("a new unit re-issued another unit's certificate")
	}

	// A departed unit's answers go.
	delete(rel.Units, "etcd/3")
	s.mustRun("client-relation-departed client:1 etcd/3")
	if _, ok := own["etcd_3.server.cert"]; ok {
		t.Error("departed unit's certificate still published")
	}
}

func TestNewerCertRequests(t *testing.T) {
	s := newScenario(t, "easyrsa/0", true)
	rel := s.tools.AddRelation("client:4", "kubernetes-control-plane")
	bag := etcdRequest("kubernetes-control-plane/0", "10.0.0.7", "10.0.0.7")
	bag["cert_requests"] = `{"kube-apiserver":{"sans":["10.152.183.1","kubernetes.default"]},"bad":{"sans":"x"}}`
	rel.Units["kubernetes-control-plane/0"] = bag
	s.mustRun("client-relation-changed client:4 kubernetes-control-plane/0")

	own := rel.LocalUnitData
	s.verify(own["kubernetes-control-plane_0.server.cert"], "10.0.0.7", "10.0.0.7")
	var processed map[string]tlscerts.Pair
	if err := json.Unmarshal([]byte(own["kubernetes-control-plane_0.processed_requests"]), &processed); err != nil {
		t.Fatal(err)
	}
	if len(processed) != 1 {
		t.Fatalf("processed %v, want only kube-apiserver", processed)
	}
	s.verify(processed["kube-apiserver"].Cert, "kube-apiserver", "10.152.183.1", "kubernetes.default")

	// client_cert_requests get client certificates.
	bag["client_cert_requests"] = `{"system:kube-controller-manager":{"sans":[]}}`
	s.mustRun("client-relation-changed client:4 kubernetes-control-plane/0")
	var clients map[string]tlscerts.Pair
	if err := json.Unmarshal([]byte(own["kubernetes-control-plane_0.processed_client_requests"]), &clients); err != nil {
		t.Fatal(err)
	}
	cert, err := tlscerts.ParseCert(clients["system:kube-controller-manager"].Cert)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "system:kube-controller-manager" || !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("client cert CN %q EKU %v", cert.Subject.CommonName, cert.ExtKeyUsage)
	}
	issued := s.pki.servers
	s.mustRun("update-status")
	if s.pki.servers != issued {
		t.Error("an unchanged request was re-issued")
	}
}

func TestLeadershipMoves(t *testing.T) {
	old := newScenario(t, "easyrsa/0", true)
	rel := old.tools.AddRelation("client:1", "etcd")
	rel.Units["etcd/0"] = etcdRequest("etcd/0", "10.0.0.1", "10.0.0.1")
	old.mustRun("client-relation-changed client:1 etcd/0")

	// easyrsa/1 becomes leader with the same leader data and an empty PKI.
	next := newScenario(t, "easyrsa/1", true)
	next.tools.LeaderData = old.tools.LeaderData
	nrel := next.tools.AddRelation("client:1", "etcd")
	nrel.Units["etcd/0"] = rel.Units["etcd/0"]
	next.mustRun("leader-elected")
	if next.pki.restored != 1 {
		t.Fatalf("RestoreCA calls = %d, want 1", next.pki.restored)
	}
	next.verify(nrel.LocalUnitData["etcd_0.server.cert"], "10.0.0.1", "10.0.0.1")
	if nrel.LocalUnitData["client.cert"] != old.tools.LeaderData[LeaderClient] {
		t.Error("new leader published another client certificate")
	}
	// Juju trims leader-set values: a CA without its trailing newline is
	// still the same CA.
	for k, v := range next.tools.LeaderData {
		next.tools.LeaderData[k] = strings.TrimSpace(v)
	}
	next.mustRun("update-status")
	if next.pki.restored != 1 {
		t.Error("the PKI was restored again though it matches leader data")
	}

	// The old leader, now a follower, withdraws its answers.
	old.tools.Leader = false
	old.mustRun("leader-settings-changed")
	for k := range rel.LocalUnitData {
		if k == "ca" || strings.HasSuffix(k, ".server.cert") || strings.HasPrefix(k, "client.") {
			t.Errorf("follower still publishes %s", k)
		}
	}
}

func TestBrokenRelationNotWritten(t *testing.T) {
	s := newScenario(t, "easyrsa/0", true)
	s.tools.AddRelation("client:1", "etcd")
	s.mustRun("client-relation-broken client:1")
	for _, c := range s.tools.Calls {
		if strings.HasPrefix(c, "relation-") && strings.Contains(c, "client:1") {
			t.Errorf("broken relation touched: %s", c)
		}
	}
}

func TestListIssued(t *testing.T) {
	s := newScenario(t, "easyrsa/0", true)
	rel := s.tools.AddRelation("client:1", "etcd")
	rel.Units["etcd/0"] = etcdRequest("etcd/0", "10.0.0.1", "10.0.0.1")
	s.mustRun("client-relation-changed client:1 etcd/0")

	s.tools.ActionParams = map[string]any{}
	ev := juju.Event{Kind: juju.ActionKind, Name: "list-issued", Unit: "easyrsa/0"}
	if code := s.tools.Run(context.Background(), ev, s.charm.Handle, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	cert, _ := tlscerts.ParseCert(rel.LocalUnitData["etcd_0.server.cert"])
	want := "V 2 /CN=client\nV " + strings.ToUpper(cert.SerialNumber.Text(16)) + " /CN=10.0.0.1"
	if s.tools.ActionResults["count"] != "2" || s.tools.ActionResults["certificates"] != want {
		t.Errorf("results %v, want certificates %q", s.tools.ActionResults, want)
	}

	follower := newScenario(t, "easyrsa/1", false)
	follower.tools.ActionParams = map[string]any{}
	ev.Unit = "easyrsa/1"
	if code := follower.tools.Run(context.Background(), ev, follower.charm.Handle, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(follower.tools.ActionFailed, "holds no CA") {
		t.Errorf("follower action failure %q", follower.tools.ActionFailed)
	}
}

func TestCertNameIsSafeAndDistinct(t *testing.T) {
	a := certName("client:1", tlscerts.Request{Unit: "etcd/0", CN: "a b/c"})
	b := certName("client:1", tlscerts.Request{Unit: "etcd/0", CN: "a b/d"})
	c := certName("client:2", tlscerts.Request{Unit: "etcd/0", CN: "a b/c"})
	if a == b || a == c || !strings.HasPrefix(a, "etcd_0-") || strings.ContainsAny(a, " /") {
		t.Errorf("names %q %q %q", a, b, c)
	}
	if net.ParseIP(a) != nil {
		t.Error("name parses as an IP")
	}
}

func TestRelationGoneMidHook(t *testing.T) {
	s := newScenario(t, "easyrsa/0", true)
	s.tools.AddRelation("client:1", "etcd").Units["etcd/0"] = etcdRequest("etcd/0", "10.0.0.1")
	// relation-ids still lists client:1, but the relation is gone when
	// relation-list asks.
	s.tools.Fail["relation-list"] = &juju.ToolError{Tool: "relation-list", Code: 2, Stderr: "ERROR invalid value \"client:1\" for option -r: relation not found\n"}
	s.mustRun("update-status")
	if s.tools.Status.Message != StatusConnected {
		t.Errorf("status %v", s.tools.Status)
	}
	s.tools.Fail["relation-list"] = &juju.ToolError{Tool: "relation-list", Code: 1, Stderr: "ERROR connection refused\n"}
	if code := s.run("update-status"); code != 1 {
		t.Errorf("a relation-list failure exited %d, want 1", code)
	}
}
