package hooks

import (
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

func calledAny(calls []string, prefixes ...string) []string {
	var hit []string
	for _, c := range calls {
		for _, p := range prefixes {
			if strings.HasPrefix(c, p) {
				hit = append(hit, c)
			}
		}
	}
	return hit
}

// Hooks that change nothing skip the calls that would only repeat what
// the unit published; hooks that may see a different world do them all.
func TestQuietHooksSkipRepeatedCalls(t *testing.T) {
	repeated := []string{"resource-get", "application-version-set", "relation-ids certificates",
		"relation-set -r certificates", "opened-ports", "open-port", "relation-ids db", "relation-ids proxy", "state-set"}
	for _, tc := range []struct {
		ev   juju.Event
		full bool // reads certificates and client relations again
	}{
		{juju.Event{Name: "update-status"}, false},
		{juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: "etcd/2"}, false},
		{juju.Event{Name: "leader-settings-changed"}, false},
		{juju.Event{Name: "config-changed"}, true},
		{juju.Event{Name: "upgrade-charm"}, true},
		{juju.Event{Name: "certificates-relation-changed", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"}, true},
	} {
		t.Run(tc.ev.Name, func(t *testing.T) {
			s := formed(t, 3)
			u := s.units[1]
			s.mustRun(u, juju.Event{Name: "update-status"}) // memo written
			if tc.ev.Name == "cluster-relation-changed" {
				// A change in etcd/2's bag the charm does not read (Juju
				// writes egress-subnets itself) wakes etcd/1 quietly.
				s.units[2].tools.Relations["cluster:0"].LocalUnitData["egress-subnets"] = addr("0", 2) + "/32"
				s.syncPeers()
			}
			u.tools.Calls = nil
			s.mustRun(u, tc.ev)
			hit := calledAny(u.tools.Calls, repeated...)
			if !tc.full && len(hit) > 0 {
				t.Errorf("%s repeated %v; calls %v", tc.ev.Name, hit, u.tools.Calls)
			}
			if tc.full && len(calledAny(u.tools.Calls, "relation-ids certificates")) == 0 {
				t.Errorf("%s did not read the certificates relation; calls %v", tc.ev.Name, u.tools.Calls)
			}
			assertStatus(t, u, healthy3)
		})
	}
}

// What the memo skips still happens when the thing it stands for
// changed: a new peer changes the certificate request, a lost CA
// relation blocks every later hook, not only the -broken one.
func TestMemoFollowsChanges(t *testing.T) {
	s := formed(t, 3)
	u := s.units[1]
	s.mustRun(u, juju.Event{Name: "update-status"})
	before := u.tools.Relations["certificates:9"].LocalUnitData["sans"]

	s.mustRun(s.addUnit(), juju.Event{Name: "install"})
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: "etcd/3"})
	after := u.tools.Relations["certificates:9"].LocalUnitData["sans"]
	if before == after || !strings.Contains(after, addr("0", 3)) {
		t.Errorf("certificate SANs %s → %s, want etcd/3's address added", before, after)
	}

	delete(u.tools.Relations, "certificates:9")
	s.mustRun(u, juju.Event{Name: "certificates-relation-broken", RelationID: "certificates:9"})
	if u.tools.Status.Name != juju.StatusBlocked {
		t.Fatalf("after the CA left: %+v", u.tools.Status)
	}
	s.mustRun(u, juju.Event{Name: "update-status"})
	if u.tools.Status.Name != juju.StatusBlocked {
		t.Errorf("update-status after the CA left: %+v", u.tools.Status)
	}
}

// A quiet update-status on a healthy cluster asks the hook tools only
// what Juju does not guarantee unchanged (memo.go): every call is a
// process and an API round trip on a real unit. Issue #17 budgets 6.
func TestQuietUpdateStatusCallBudget(t *testing.T) {
	const budget = 6
	s := formed(t, 3)
	for _, u := range s.units {
		t.Run(u.name, func(t *testing.T) {
			s.mustRun(u, juju.Event{Name: "update-status"})
			u.tools.Calls = nil
			s.mustRun(u, juju.Event{Name: "update-status"})
			if len(u.tools.Calls) > budget {
				t.Errorf("quiet update-status made %d hook-tool calls, budget %d: %v", len(u.tools.Calls), budget, u.tools.Calls)
			}
			t.Logf("%d calls: %v", len(u.tools.Calls), u.tools.Calls)
			assertStatus(t, u, healthy3)
		})
	}
}

// A status the unit already shows is not set again by a quiet hook,
// until an hour has passed (statusReassert); a changed one is set at
// once.
func TestQuietHookSetsOnlyChangedStatus(t *testing.T) {
	s := formed(t, 3)
	u := s.units[1]
	s.mustRun(u, juju.Event{Name: "update-status"})
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	if hit := calledAny(u.tools.Calls, "status-set"); len(hit) > 0 {
		t.Errorf("an unchanged status was set again: %v", u.tools.Calls)
	}
	s.now = s.now.Add(statusReassert)
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	if hit := calledAny(u.tools.Calls, "status-set active Healthy with 3 known peers"); len(hit) != 1 {
		t.Errorf("after an hour the status was not set again: %v", u.tools.Calls)
	}
	s.etcd.SetDown("https://"+addr("0", 2)+":2379", "connection refused")
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	if u.tools.Status.Name == juju.StatusActive || len(calledAny(u.tools.Calls, "status-set")) != 1 {
		t.Errorf("with etcd2 silent: status %+v, calls %v", u.tools.Status, u.tools.Calls)
	}
}

// Which inputs a hook takes from the memo: only those its event cannot
// have changed, and only when the memo holds them.
func TestTrustedInputs(t *testing.T) {
	full := charm.UnitState{Memo: charm.Memo{Config: "c", Network: "n", Peers: "p", Leader: "l", Leading: "false", Storage: "s"}}
	leading := full
	leading.Memo.Leading, leading.Memo.Leader = "true", ""
	all := inputs{config: true, peers: true, leader: true, storage: true}
	for _, tc := range []struct {
		hook  string
		state charm.UnitState
		want  inputs
	}{
		{"update-status", full, all},
		{"update-status", leading, inputs{config: true, peers: true, storage: true}},
		{"update-status", charm.UnitState{}, inputs{}},
		{"db-relation-changed", full, all},
		{"certificates-relation-changed", full, all},
		{"cluster-relation-changed", full, inputs{config: true, leader: true, storage: true, remote: true}},
		{"cluster-relation-departed", full, inputs{config: true, leader: true, storage: true}},
		{"leader-settings-changed", full, inputs{config: true, peers: true, storage: true}},
		{"leader-elected", full, inputs{config: true, peers: true, storage: true}},
		{"data-storage-attached", full, inputs{config: true, peers: true, leader: true}},
		{"config-changed", full, inputs{}},
		{"install", full, inputs{}},
		{"start", full, inputs{}},
		{"upgrade-charm", full, inputs{}},
		{"post-series-upgrade", full, inputs{}},
	} {
		if got := trusted(tc.hook, tc.state); got != tc.want {
			t.Errorf("%s with memo %+v: trusted %+v, want %+v", tc.hook, tc.state.Memo, got, tc.want)
		}
	}
}

// An invalid config is never taken from the memo: the hooks after the
// config-changed that found it stay blocked until it is fixed, and the
// fixed config is the one they use.
func TestInvalidConfigIsNotRemembered(t *testing.T) {
	s := formed(t, 3)
	u := s.units[1]
	u.tools.Config["heartbeat_interval"] = int64(0)
	s.mustRun(u, juju.Event{Name: "config-changed"})
	if u.tools.Status.Name != juju.StatusBlocked || stateOf(u).Memo.Config != "" {
		t.Fatalf("after an invalid config: status %+v, memo of the config %q", u.tools.Status, stateOf(u).Memo.Config)
	}
	s.mustRun(u, juju.Event{Name: "update-status"})
	if u.tools.Status.Name != juju.StatusBlocked {
		t.Errorf("update-status after an invalid config: %+v", u.tools.Status)
	}
	u.tools.Config["heartbeat_interval"] = int64(100)
	s.mustRun(u, juju.Event{Name: "config-changed"})
	s.mustRun(u, juju.Event{Name: "update-status"})
	if u.tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 3 known peers"}) {
		t.Errorf("after the config was fixed: %+v", u.tools.Status)
	}
}

// A unit that led asks is-leader in every hook: losing leadership runs
// no hook, and a deposed leader must not act as one.
func TestDeposedLeaderAsks(t *testing.T) {
	s := formed(t, 3)
	u := s.units[0]
	if !u.tools.Leader {
		t.Fatal("etcd/0 does not lead")
	}
	s.mustRun(u, juju.Event{Name: "update-status"})
	u.tools.Leader = false
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	if len(calledAny(u.tools.Calls, "is-leader", "leader-get")) != 2 || stateOf(u).Memo.Leading != "false" {
		t.Errorf("a deposed leader's update-status: calls %v, memo of leadership %q", u.tools.Calls, stateOf(u).Memo.Leading)
	}
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	if hit := calledAny(u.tools.Calls, "is-leader", "leader-get"); len(hit) != 0 {
		t.Errorf("a unit that knows it does not lead asked again: %v", u.tools.Calls)
	}
}

// A peer's cluster-relation-changed reads that peer's bag again, and only
// it: every other peer's change runs its own hook.
func TestPeerChangedReadsThatPeer(t *testing.T) {
	s := formed(t, 3)
	u := s.units[1]
	s.mustRun(u, juju.Event{Name: "update-status"})
	s.units[2].tools.Relations["cluster:0"].LocalUnitData["etcd-version"] = "3.6.99"
	s.syncPeers()
	u.tools.Calls = nil
	s.mustRun(u, juju.Event{Name: "cluster-relation-changed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: "etcd/2"})
	if hit := calledAny(u.tools.Calls, "relation-ids cluster", "relation-list -r cluster:0", "relation-get -r cluster:0 etcd/0", "relation-get -r cluster:0 etcd/1"); len(hit) > 0 {
		t.Errorf("read more than etcd/2's bag: %v", u.tools.Calls)
	}
	if len(calledAny(u.tools.Calls, "relation-get -r cluster:0 etcd/2")) != 1 {
		t.Errorf("did not read etcd/2's bag: %v", u.tools.Calls)
	}
	var seen seenPeers
	if !decodeSeen(stateOf(u).Memo.Peers, &seen) {
		t.Fatalf("memo of the peers %q", stateOf(u).Memo.Peers)
	}
	for _, b := range seen.Bags {
		if b.Unit == "etcd/2" && relations.DecodePeer(b.Unit, b.Bag).Version != "3.6.99" {
			t.Errorf("the memo kept etcd/2's old bag: %v", b.Bag)
		}
	}
}
