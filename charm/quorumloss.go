package charm

import (
	"fmt"
	"time"
)

// QuorumLostAfter is how long a majority of the voters must stay
// unreachable before a unit tells the operator to rebuild the cluster.
// A leader election, a restart of two members at once or a short
// partition heals well within it (etcd's election timeout is a second by
// default); hooks see a loss again at the latest on the next
// update-status.
const QuorumLostAfter = 30 * time.Second

// RebuildAction is the action that recovers from a lost majority (the
// name charmed-etcd-operator's users know).
const RebuildAction = "rebuild-cluster"

// QuorumLoss turns the health of a unit that saw a majority of the
// voters down into its status, given when the loss was first seen
// (since, zero: not seen before) and now: while it is younger than
// QuorumLostAfter, a wait naming the members down (they may come back);
// after that, blocked naming the rebuild-cluster action and where to run
// it (this unit when it is the leader, which the action requires). It
// returns the time to record: zero once quorum is back.
func QuorumLoss(h Health, since, now time.Time, leader bool) (Health, time.Time) {
	if !h.QuorumLost {
		return h, time.Time{}
	}
	if since.IsZero() || since.After(now) {
		since = now
	}
	if now.Sub(since) < QuorumLostAfter {
		h.Level = "waiting"
		h.Message = fitStatus(fmt.Sprintf("No quorum: %d of %d members unreachable", len(h.Missing), h.Voters), h.Missing,
			"; waiting for them to come back")
		return h, since
	}
	where := "on this unit"
	if !leader {
		where = "on the leader unit"
	}
	h.Level = "blocked"
	h.Message = fitStatus(fmt.Sprintf("Quorum lost: %d of %d members down", len(h.Missing), h.Voters), h.Missing,
		". If gone for good, run the "+RebuildAction+" action "+where+".")
	return h, since
}
