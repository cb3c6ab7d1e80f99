package charm

import "github.com/etcd-charm/etcd-charm/relations"

// The rolling-restart lock (leader setting "restart-lock") lets one
// running member at a time restart into new config, a new CA or a new
// channel, so the cluster keeps its quorum.
//
// What wakes whom decides where the lock moves (juju-hook-semantics.md
// §4): a member's change of its peer data runs cluster-relation-changed
// at the others, the leader included; a leader-set runs
// leader-settings-changed at every unit but the leader; nothing runs at
// a unit for its own writes. So the leader moves the lock whenever it
// observes the peers (a non-leader holder's finished restart wakes it),
// and again in the hook where its own restart finishes or its own
// request appears, since no later hook would tell it.

// NextRestartLock is who holds the restart lock next, given its holder
// ("" none) and every unit's peer data as the leader sees it in this hook
// (its own included, as it publishes it): the holder keeps it while its
// restart is pending; otherwise it goes to the first unit (in
// relations.SortedByUnit order) that asks to restart; "" when none does. A holder that left
// the relation no longer counts.
func NextRestartLock(holder string, peers []relations.Peer) string {
	for _, p := range peers {
		if p.Unit == holder && p.RestartRequest != "" {
			return holder
		}
	}
	for _, p := range relations.SortedByUnit(peers) {
		if p.RestartRequest != "" {
			return p.Unit
		}
	}
	return ""
}
