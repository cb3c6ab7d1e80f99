package charm

import (
	"fmt"
	"strings"
)

// RebuildView is what the rebuild-cluster action observed before acting.
type RebuildView struct {
	// IsLeader: Juju's leader runs it (it alone may set force_rejoin).
	IsLeader bool
	// HasData: this member's data directory holds a member (a WAL).
	HasData bool
	// Answered: this unit's etcd answered (its member list, without a
	// quorum); Voters is that list's voters, Up those whose etcd answered
	// a status request (local to a member: no leader needed).
	Answered bool
	Voters   []string
	Up       []string
	Force    bool
}

// DecideRebuild says whether the rebuild may go on, or the operator-facing
// refusal: it runs on the leader, on a member that has data, and only when
// a majority of the voters is unreachable, unless forced.
func DecideRebuild(v RebuildView) (refusal string) {
	if !v.IsLeader {
		return "Run rebuild-cluster on the leader unit: only the leader can tell the other units to rejoin. " +
			"If the leader's machine is gone for good, remove its unit (juju remove-unit --force) so that a surviving unit becomes leader."
	}
	if !v.HasData {
		return "This unit's member has no data to rebuild the cluster from: run rebuild-cluster where a surviving member's data is, " +
			"or restore a snapshot (the restore action)."
	}
	if v.Force {
		return ""
	}
	if !v.Answered {
		return "etcd on this unit does not answer, so whether a majority is lost cannot be told: start it (snap start etcd), " +
			"or run rebuild-cluster with force=true to rebuild from its data anyway."
	}
	up := map[string]bool{}
	for _, u := range v.Up {
		up[u] = true
	}
	var down []string
	for _, m := range v.Voters {
		if !up[m] {
			down = append(down, m)
		}
	}
	if len(v.Voters)-len(down) > len(v.Voters)/2 {
		msg := fmt.Sprintf("Quorum holds: %d of %d members answer", len(v.Voters)-len(down), len(v.Voters))
		if len(down) > 0 {
			msg += " (down: " + strings.Join(down, ", ") + ")"
		}
		return msg + "; rebuild-cluster only recovers a lost majority. Run it with force=true to rebuild on this member anyway " +
			"(the other members then rejoin empty, their data moved aside)."
	}
	return ""
}
