package hooks

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// Typed state in, typed state out: the fake's bags are read back through
// the same types the charm writes them with.

func leaderOf(s *scenario) relations.Leader { return relations.DecodeLeader(s.leaderData) }
func stateOf(u *unit) charm.UnitState       { return charm.DecodeUnitState(u.tools.State) }
func peerOf(u *unit) relations.Peer {
	return relations.DecodePeer(u.name, u.tools.Relations["cluster:0"].LocalUnitData)
}

func TestBootstrapTypedStateOut(t *testing.T) {
	s := newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	u := s.units[0]
	s.mustRun(u, juju.Event{Name: "install"})

	leader := leaderOf(s)
	wantLeader := relations.Leader{
		Token:              leader.Token,
		Cluster:            "etcd0=https://10.0.1.0:2380",
		LeaderAddress:      "https://10.0.1.0:2379",
		SnapdRefresh:       "sat3",
		SnapdRefreshSource: "max",
		EtcdChannel:        "3.6/stable", // "auto" resolved to the store's newest
		Joins:              map[string]string{},
	}
	if len(leader.Token) != 6 || !reflect.DeepEqual(leader, wantLeader) {
		t.Errorf("leader settings\n%+v\nwant\n%+v", leader, wantLeader)
	}
	st := stateOf(u)
	wantStart := charm.Start{InitialCluster: wantLeader.Cluster, State: "new", Token: leader.Token}
	if st.Start != wantStart || st.EtcdCA != charm.Hash([]byte(s.ca.PEM)) || st.Resource != "" {
		t.Errorf("unit state %+v, want start %+v and the CA's digest", st, wantStart)
	}
	if !st.ReadySince.Equal(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("ready since %v", st.ReadySince)
	}
	wantMemo := charm.Memo{
		CertRequest: st.Memo.CertRequest, Clients: st.Memo.Clients, Monitoring: st.Memo.Monitoring,
		Port: "2379/tcp", Version: "3.6.16", Status: "active: Healthy with 1 known peer",
		StatusAt: "2026-11-22T03:00:00Z", Leading: "true",
		Config: st.Memo.Config, Network: st.Memo.Network, Peers: st.Memo.Peers, Storage: st.Memo.Storage,
	}
	if st.Memo != wantMemo || st.Memo.CertRequest == "" || st.Memo.Monitoring == "" {
		t.Errorf("memo %+v, want %+v", st.Memo, wantMemo)
	}
	wantPeer := relations.Peer{Unit: "etcd/0", Name: "etcd0", PeerURL: "https://10.0.1.0:2380",
		ClientURL: "https://10.0.0.0:2379", DBAddress: "10.0.0.0", State: relations.PeerStarted, Version: "3.6.16"}
	// What the unit observed, for its quiet hooks (memo.go).
	var seenCfg charm.Config
	if !decodeSeen(st.Memo.Config, &seenCfg) || seenCfg.Port != 2379 || seenCfg.ManagementPort != 2380 {
		t.Errorf("memo of the config %q", st.Memo.Config)
	}
	var seenNet seenNetwork
	if !decodeSeen(st.Memo.Network, &seenNet) || seenNet != (seenNetwork{"10.0.1.0", "10.0.1.0", "10.0.0.0", "10.0.0.0"}) {
		t.Errorf("memo of the addresses %q", st.Memo.Network)
	}
	var seenPeer seenPeers
	if !decodeSeen(st.Memo.Peers, &seenPeer) || seenPeer.Relation != "cluster:0" || len(seenPeer.Bags) != 1 ||
		relations.DecodePeer(seenPeer.Bags[0].Unit, seenPeer.Bags[0].Bag) != wantPeer {
		t.Errorf("memo of the peers %q, want this unit's bag as published", st.Memo.Peers)
	}
	if p := peerOf(u); p != wantPeer {
		t.Errorf("peer data %+v, want %+v", p, wantPeer)
	}
}

// State in: a unit whose state says it started with a cluster keeps
// rendering that cluster, whatever the leader publishes since.
func TestStartRecordInKeepsRenderedCluster(t *testing.T) {
	s := formed(t, 1)
	u := s.units[0]
	before := stateOf(u).Start
	ld := leaderOf(s)
	ld.Cluster = "etcd0=https://10.0.1.0:2380,etcd9=https://10.0.1.9:2380"
	for k, v := range relations.LeaderChanges(leaderOf(s), ld) {
		s.leaderData[k] = v
	}
	u.snapd.Calls()
	s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
	if got := stateOf(u).Start; got != before {
		t.Errorf("start record %+v, want it kept: %+v", got, before)
	}
	for _, c := range u.snapd.Calls() {
		if strings.HasPrefix(c, "Restart") {
			t.Errorf("restarted for a leader cluster change: %s", c)
		}
	}
}

// The member steps and the statuses the charm applies are told to the
// operator with juju-log; a hook that changes nothing logs nothing there.
func TestStepsAndStatusChangesGoToJujuLog(t *testing.T) {
	s := formed(t, 3)
	for _, u := range s.units {
		u.tools.Logs = nil
		s.mustRun(u, juju.Event{Name: "update-status"})
		if len(u.tools.Logs) != 0 {
			t.Errorf("%s logged in a quiet hook: %v", u.name, u.tools.Logs)
		}
	}
	for _, u := range s.units {
		u.tools.Config["heartbeat_interval"] = int64(150)
	}
	u := s.units[1]
	s.mustRun(u, juju.Event{Name: "config-changed"})
	if !hasLog(u, "INFO: etcd needs a restart into new config; waiting for the restart lock") {
		t.Errorf("restart request not logged: %v", u.tools.Logs)
	}
	leader := s.units[0]
	s.mustRun(leader, juju.Event{Name: "config-changed"})
	if !hasLog(leader, "INFO: granting the restart lock to etcd/1") {
		t.Errorf("lock grant not logged: %v", leader.tools.Logs)
	}
	u.tools.Logs = nil
	s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
	if !hasLog(u, "INFO: restarting etcd into new config") {
		t.Errorf("restart not logged: %v", u.tools.Logs)
	}

	// A blocked status is a warning, logged when it appears only.
	b := s.units[2]
	delete(b.tools.Relations, "certificates:9")
	b.tools.Logs = nil
	s.mustRun(b, juju.Event{Name: "certificates-relation-broken", RelationID: "certificates:9"})
	if !hasLog(b, "WARNING: status blocked: "+msgMissingCA) {
		t.Errorf("blocked status not logged: %v", b.tools.Logs)
	}
	b.tools.Logs, b.tools.Calls = nil, nil
	s.mustRun(b, juju.Event{Name: "update-status"})
	if len(b.tools.Logs) != 0 || len(calledAny(b.tools.Calls, "juju-log")) != 0 {
		t.Errorf("the same blocked status logged again: %v", b.tools.Logs)
	}
	if stateOf(b).Memo.Status != "blocked: "+msgMissingCA {
		t.Errorf("memo status %q", stateOf(b).Memo.Status)
	}
}

func TestInvalidConfigLoggedOnce(t *testing.T) {
	s := formed(t, 1)
	u := s.units[0]
	u.tools.Config["management_port"] = int64(2379)
	s.mustRun(u, juju.Event{Name: "config-changed"})
	want := "WARNING: status blocked: Invalid config: management_port: must differ from port (both 2379)"
	if !hasLog(u, want) {
		t.Errorf("logs %v, want %q", u.tools.Logs, want)
	}
	u.tools.Logs = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	if len(u.tools.Logs) != 0 {
		t.Errorf("logged again: %v", u.tools.Logs)
	}
}

func hasLog(u *unit, line string) bool {
	for _, l := range u.tools.Logs {
		if l == line {
			return true
		}
	}
	return false
}
