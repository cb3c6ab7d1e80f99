package hooks

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// A unit configured for 3.6 added to a 3.4 cluster installs nothing in
// its install hook, where Juju has not brought the peers' data in yet:
// the leader's recorded channel says what the cluster runs, and a 3.6
// learner would break the 3.4 voters. Nothing is announced, so the
// leader adds no member.
func TestInstallRefusesAChannelTheClusterCannotTakeBeforePeerData(t *testing.T) {
	s := formedOn(t, 3, "3.4/stable")
	if got := relations.DecodeLeader(s.leaderData).EtcdChannel; got != "3.4/stable" {
		t.Fatalf("leader settings etcd_channel = %q, want 3.4/stable recorded by the leader", got)
	}
	s.setConfig("channel", "3.6/stable")
	u := s.addUnit()
	u.tools.Config["channel"] = "3.6/stable"
	u.tools.Relations["cluster:0"].Units = map[string]map[string]string{}
	s.mustRun(u, juju.Event{Name: "install"})
	want := juju.Status{Name: juju.StatusBlocked, Message: "Channel 3.6/stable skips 3.5; change channel to 3.5/stable first, then 3.6/stable."}
	if u.tools.Status != want {
		t.Fatalf("status %+v, want %+v", u.tools.Status, want)
	}
	if got := u.snapd.Installed("etcd"); got != nil {
		t.Fatalf("installed %+v before joining a 3.4 cluster", got)
	}
	if bag := u.tools.Relations["cluster:0"].LocalUnitData; len(bag) != 0 {
		t.Errorf("announced %v while refused", bag)
	}

	// Back on the cluster's channel, the same unit installs 3.4 and joins.
	s.setConfig("channel", "3.4/stable")
	u.tools.Config["channel"] = "3.4/stable"
	s.mustRun(u, juju.Event{Name: "config-changed"})
	if got := u.snapd.Installed("etcd"); got == nil || got.Channel != "3.4/stable" {
		t.Fatalf("after the channel was corrected: installed %+v", got)
	}
}

// A unit that installed 3.6 before it knew the cluster runs 3.4 (no peer
// data, no leader channel yet) does not announce itself once it sees the
// started 3.4 members: the leader adds no 3.6 learner to the 3.4 voters.
func TestJoinerWithATooNewEtcdDoesNotAnnounce(t *testing.T) {
	s := formedOn(t, 3, "3.4/stable")
	s.setConfig("channel", "3.6/stable")
	u := s.addUnit()
	u.tools.Config["channel"] = "3.6/stable"
	if err := u.snapd.Install(t.Context(), "etcd", "3.6/stable"); err != nil {
		t.Fatal(err)
	}
	s.mustRun(u, juju.Event{Name: "config-changed"})
	want := juju.Status{Name: juju.StatusBlocked, Message: "This unit runs etcd 3.6, which cannot join a cluster running etcd 3.4; change channel to 3.4/stable or auto, then replace this unit (remove-unit, add-unit)."}
	if u.tools.Status != want {
		t.Fatalf("status %+v, want %+v", u.tools.Status, want)
	}
	if bag := u.tools.Relations["cluster:0"].LocalUnitData; len(bag) != 0 {
		t.Errorf("announced %v while refused", bag)
	}
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed", RemoteUnit: u.name})
	if n := len(s.etcd.List()); n != 3 {
		t.Errorf("the leader changed the membership to %d members for a unit that cannot join", n)
	}
}
