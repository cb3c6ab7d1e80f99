package charm

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/relations"
)

func TestDecideRejoin(t *testing.T) {
	rebuilt := relations.Leader{Cluster: "etcd0=https://10.0.0.1:2380", Token: "NEW123", ForceRejoin: "f00d"}
	old := Start{InitialCluster: "etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380", State: "new", Token: "OLD123"}
	for _, tc := range []struct {
		name string
		v    RejoinView
		want RejoinStep
	}{
		{"no token", RejoinView{Name: "etcd1", Leader: relations.Leader{Cluster: rebuilt.Cluster}, HasData: true, Stored: old}, RejoinNone},
		{"token acted on already", RejoinView{Name: "etcd1", Leader: rebuilt, Acked: "f00d", HasData: true, Stored: old}, RejoinNone},
		{"a follower of the old cluster moves its data aside", RejoinView{Name: "etcd1", Leader: rebuilt, Acked: "beef", HasData: true, Stored: old}, RejoinMoveAside},
		{"a follower whose data is gone forgets its start", RejoinView{Name: "etcd1", Leader: rebuilt, Stored: old}, RejoinMoveAside},
		{"a unit that never started only records the token", RejoinView{Name: "etcd3", Leader: rebuilt}, RejoinAck},
		{"the leader that rebuilt keeps its data", RejoinView{Name: "etcd0", Leader: rebuilt, IsLeader: true, HasData: true, Stored: old}, RejoinAck},
		{"the rebuilt member, no longer leader, keeps its data", RejoinView{Name: "etcd0", Leader: rebuilt, HasData: true,
			Stored: Start{InitialCluster: rebuilt.Cluster, State: "new", Token: "NEW123"}}, RejoinAck},
		{"a member named in the new cluster but started with the old token moves aside", RejoinView{Name: "etcd0", Leader: rebuilt, HasData: true, Stored: old}, RejoinMoveAside},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DecideRejoin(tc.v); got != tc.want {
				t.Errorf("DecideRejoin = %q, want %q", got, tc.want)
			}
		})
	}
}
