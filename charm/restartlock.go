package charm

import (
	"fmt"
	"time"

	"github.com/etcd-charm/etcd-charm/relations"
)

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

// A member whose restart into a change (new config, a channel refresh)
// does not serve again within the hook's bound goes back to what it ran
// (the previous snap revision, the previous etcd.conf.yml) and keeps the
// lock: its request stays published, so NextRestartLock leaves the lock
// with it and no other member takes the change that took this one down.
// It is blocked with etcd's own reason, and tries the same change again
// only after a backoff (RestartFailure.RetryAt), on whatever hook comes
// then (update-status at the latest); a different change (the operator
// fixed the config) goes ahead at once, and going back to what runs ends
// the request, which frees the lock.

// RestartFailure is the last change this member failed to restart into
// and reverted (unit state); the zero value is none.
type RestartFailure struct {
	Request  string    // the restart request (RestartRequest) that failed
	Reason   string    // what etcd said, or what the charm saw
	At       time.Time // when the last attempt failed (second precision)
	Attempts int       // failed attempts at Request so far
}

// Backoff bounds: the first retry after restartRetryBase, doubling per
// attempt, at most restartRetryMax apart. Juju runs update-status every
// 5 minutes, so a retry comes at most that late.
const (
	restartRetryBase = 5 * time.Minute
	restartRetryMax  = time.Hour
)

// RetryAt is when the failed change may be tried again.
func (f RestartFailure) RetryAt() time.Time {
	wait := restartRetryBase
	for i := 1; i < f.Attempts && wait < restartRetryMax; i++ {
		wait *= 2
	}
	if wait > restartRetryMax {
		wait = restartRetryMax
	}
	return f.At.Add(wait)
}

// Holds reports whether request is the failed change and its backoff has
// not run out at now: the member must not try it yet.
func (f RestartFailure) Holds(request string, now time.Time) bool {
	return f.Request != "" && request == f.Request && now.Before(f.RetryAt())
}

// Failed records another failed attempt at request at now.
func (f RestartFailure) Failed(request, reason string, now time.Time) RestartFailure {
	attempts := 1
	if f.Request == request {
		attempts = f.Attempts + 1
	}
	return RestartFailure{Request: request, Reason: reason, At: now.UTC().Truncate(time.Second), Attempts: attempts}
}

// Message is the blocked status of a member whose change was reverted.
func (f RestartFailure) Message() string {
	return fmt.Sprintf("%s Reverted to what ran before; trying again after %s (attempt %d failed). Fix or undo the change to go on.",
		f.Reason, f.RetryAt().UTC().Format("15:04 MST"), f.Attempts)
}
