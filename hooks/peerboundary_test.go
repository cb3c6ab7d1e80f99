package hooks

import (
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// A cluster whose certificates do not carry the peer name yet (one
// adopted from layer-etcd, whose requests lack it) raises the peer
// boundary only once every member serves a certificate with it, then
// rolls it in one member at a time; from then on a certificate without the
// name is refused, so no member can shut itself out.
func TestPeerBoundaryRollsInOnceEveryMemberServesTheName(t *testing.T) {
	s := formed(t, 3)
	name := charm.PeerName("", "etcd")
	raised := func() string { return relations.DecodeLeader(s.leaderData).PeerName }
	if got := raised(); got != "" {
		t.Fatalf("boundary %q raised with certificates that lack the name", got)
	}
	reissue := func(units ...*unit) map[string][]juju.Event {
		evs := map[string][]juju.Event{}
		for _, u := range units {
			u.tools.Relations["certificates:9"].Units["easyrsa/0"] = unitCerts(s.ca, t, u.n, name)
			evs[u.name] = []juju.Event{{Name: "certificates-relation-changed", Endpoint: "certificates", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"}}
		}
		return evs
	}
	if order := s.settle(1, 60, reissue(s.units[0], s.units[1])); len(order) != 0 || raised() != "" {
		t.Fatalf("with 2 of 3 members serving the name: boundary %q, restarts %v; want neither", raised(), order)
	}
	for _, u := range s.units[:2] {
		if p := relations.DecodePeer(u.name, u.tools.Relations["cluster:0"].LocalUnitData); p.PeerName != name {
			t.Errorf("%s announces peer name %q, want %q", u.name, p.PeerName, name)
		}
	}
	order := s.settle(1, 80, reissue(s.units[2]))
	if raised() != name {
		t.Fatalf("boundary %q once every member serves the name, want %q", raised(), name)
	}
	counts := map[string]int{}
	for _, u := range order {
		counts[u]++
	}
	for _, u := range s.units {
		if counts[u.name] != 1 {
			t.Errorf("%s restarted %d times for the boundary, want once (order %v)", u.name, counts[u.name], order)
		}
		conf, _, err := workload.ReadEtcdConfig(u.paths)
		if err != nil || conf.AllowedPeer() != name {
			t.Errorf("%s runs with allowed peer %q (%v), want %q", u.name, conf.AllowedPeer(), err, name)
		}
	}

	u := s.units[1]
	u.tools.Relations["certificates:9"].Units["easyrsa/0"] = unitCerts(s.ca, t, u.n)
	s.mustRun(u, juju.Event{Name: "certificates-relation-changed", Endpoint: "certificates", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"})
	if st := u.tools.Status; st.Name != juju.StatusBlocked || !strings.Contains(st.Message, "does not name "+name) {
		t.Errorf("a certificate without the peer name: status %+v, want blocked naming %s", st, name)
	}
	if conf, _, _ := workload.ReadEtcdConfig(u.paths); conf.AllowedPeer() != name {
		t.Errorf("the boundary went down: %q", conf.AllowedPeer())
	}
}
