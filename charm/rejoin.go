package charm

import "github.com/etcd-charm/etcd-charm/relations"

// A restore or a rebuild of the cluster starts a new one-member cluster
// on the leader's member (a new cluster ID) and sets the leader setting
// force_rejoin to a new token, as layer-etcd's restore does. Every other
// unit's member then belongs to a cluster that is gone: the unit moves
// its data aside (never deleting it), forgets how its member first
// started, and announces itself ready, so that the leader admits it to
// the new cluster as it admits any new unit (a learner, promoted once it
// caught up).

// RejoinStep is what a unit does about the leader's force_rejoin token.
type RejoinStep string

const (
	// RejoinNone: no token, or this unit already acted on it.
	RejoinNone RejoinStep = ""
	// RejoinAck: record the token, nothing to move: the unit never
	// started a member, or its member is the one the cluster was rebuilt
	// on.
	RejoinAck RejoinStep = "ack"
	// RejoinMoveAside: stop etcd, move the data directory aside, forget
	// the start record, record the token and announce the unit ready.
	RejoinMoveAside RejoinStep = "move-aside"
)

// RejoinView is what DecideRejoin decides from.
type RejoinView struct {
	Name   string           // this member, "etcd1"
	Leader relations.Leader // ForceRejoin, Cluster and Token
	// Acked is the token this unit last acted on (UnitState.Rejoin).
	Acked string
	// IsLeader: the Juju leader ran the restore or rebuild itself, on its
	// own member.
	IsLeader bool
	// HasData whether the data directory holds a member; Stored the
	// start record in unit state.
	HasData bool
	Stored  Start
}

// DecideRejoin decides a unit's answer to force_rejoin.
func DecideRejoin(v RejoinView) RejoinStep {
	token := v.Leader.ForceRejoin
	if token == "" || token == v.Acked {
		return RejoinNone
	}
	if !v.HasData && v.Stored.State == "" {
		return RejoinAck
	}
	// The member the new cluster was started on: the leader that ran the
	// action, or the one member the leader's cluster names that started
	// with it (a leadership change since).
	if v.IsLeader || (v.Stored.InitialCluster == v.Leader.Cluster && v.Stored.Token == v.Leader.Token) {
		return RejoinAck
	}
	return RejoinMoveAside
}
