package hooks

import (
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
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

// A cluster this charm forms, with certificates that carry the peer name
// from the first answer, starts with the boundary up: no member restarts
// for it, and a unit added later starts inside it.
func TestPeerBoundaryUpFromTheStart(t *testing.T) {
	name := charm.PeerName("", "etcd")
	s := newScenario(t, 0)
	add := func() *unit {
		u := s.addUnit()
		u.tools.Relations["certificates:9"].Units["easyrsa/0"] = unitCerts(s.ca, t, u.n, name)
		return u
	}
	var restarts []string
	run := func(u *unit, ev string) {
		u.snapd.Calls()
		s.mustRun(u, juju.Event{Name: ev})
		if restarted(u) {
			restarts = append(restarts, u.name+" in "+ev)
		}
	}
	add()
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	run(s.units[0], "install")
	for i := 1; i < 3; i++ {
		u := add()
		run(u, "install")
		run(s.units[0], "cluster-relation-changed")
		run(u, "leader-settings-changed")
		run(s.units[0], "cluster-relation-changed")
	}
	restarts = append(restarts, s.settle(1, 60, nil)...)
	if got := relations.DecodeLeader(s.leaderData).PeerName; got != name {
		t.Fatalf("boundary %q, want %q", got, name)
	}
	if len(restarts) != 0 {
		t.Errorf("restarts %v: the boundary should be there from each member's first start", restarts)
	}
	for _, u := range s.units {
		if conf, _, err := workload.ReadEtcdConfig(u.paths); err != nil || conf.AllowedPeer() != name {
			t.Errorf("%s runs with allowed peer %q (%v), want %q", u.name, conf.AllowedPeer(), err, name)
		}
	}
	for _, m := range s.etcd.List() {
		if !m.Started() || m.IsLearner {
			t.Errorf("cluster not formed: %+v", s.etcd.List())
		}
	}
}
