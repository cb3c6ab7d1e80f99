package actions

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/relations"
)

// unitState is the fake's unit state, typed.
func unitState(bag map[string]string) charm.UnitState { return charm.DecodeUnitState(bag) }

// changeState changes the fake's unit state through the typed state, as
// a hook would have written it.
func changeState(bag map[string]string, change func(*charm.UnitState)) {
	from := charm.DecodeUnitState(bag)
	to := from
	change(&to)
	for k, v := range charm.UnitStateChanges(from, to) {
		bag[k] = v // as state-set stores it, "" included
	}
}

func TestRecordRestoredWritesTypedState(t *testing.T) {
	w := newWorld(t, 1)
	w.tools.LeaderData["join-etcd3"] = "etcd0=https://a:2380,etcd3=https://b:2380"
	w.tools.LeaderData["restart-lock"] = "etcd/3"
	w.tools.LeaderData["snapd_refresh"] = "sat3"
	changeState(w.tools.State, func(s *charm.UnitState) { s.Resource = "abc"; s.Memo.Port = "2379/tcp" })
	before := unitState(w.tools.State)
	local := localMember{ClientURL: "https://10.0.0.1:2379", PeerURL: "https://10.0.1.1:2380"}
	initial := "etcd0=https://10.0.1.1:2380"
	if err := w.tools.Hook(func() error {
		return recordRestored(t.Context(), w.d, local, initial, "XYZ789", "f00d")
	}); err != nil {
		t.Fatal(err)
	}
	wantState := before
	wantState.Start = charm.Start{InitialCluster: initial, State: "new", Token: "XYZ789"}
	wantState.Rejoin = "f00d"
	if got := unitState(w.tools.State); got != wantState {
		t.Errorf("unit state %+v, want %+v", got, wantState)
	}
	want := relations.Leader{
		Token: "XYZ789", Cluster: initial, LeaderAddress: "https://10.0.1.1:2379",
		SnapdRefresh: "sat3", Joins: map[string]string{},
	}
	got := relations.DecodeLeader(w.tools.LeaderData)
	if got.Token != want.Token || got.Cluster != want.Cluster || got.LeaderAddress != want.LeaderAddress ||
		got.SnapdRefresh != want.SnapdRefresh || got.RestartLock != "" || len(got.Joins) != 0 || got.ForceRejoin != "f00d" {
		t.Errorf("leader settings %+v, want %+v", got, want)
	}
}
