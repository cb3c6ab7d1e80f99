package charm

import (
	"strconv"

	"github.com/etcd-charm/etcd-charm/relations"
)

// DecideStart says how this member's etcd starts. Once etcd has run (its
// data directory holds a member), the initial-cluster settings are ignored
// by etcd, so the ones it first started with are kept and the rendered file
// does not change. Before that: a member of the leader's bootstrap cluster
// starts "new" with it; a unit the leader admitted starts "existing" with
// its admission; any other unit waits for the leader.
func DecideStart(name string, leader relations.Leader, hasData bool, stored Start) (Start, string) {
	if hasData && stored.State != "" {
		return stored, ""
	}
	if initial, err := relations.ParseInitialCluster(leader.Cluster); err == nil {
		for _, m := range initial {
			if m.Name == name {
				return Start{InitialCluster: leader.Cluster, State: "new", Token: leader.Token}, ""
			}
		}
	}
	if join := leader.Joins[name]; join != "" {
		return Start{InitialCluster: join, State: "existing", Token: leader.Token}, ""
	}
	if leader.Cluster == "" {
		return Start{}, "Waiting for the leader to bootstrap the cluster"
	}
	return Start{}, "Waiting for the leader to admit this unit"
}

// PeersMessage is layer-etcd's "N known peers" phrase.
func PeersMessage(n int) string {
	if n == 1 {
		return "1 known peer"
	}
	return strconv.Itoa(n) + " known peers"
}
