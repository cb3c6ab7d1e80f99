package hooks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// leaderDuties is what only the Juju leader does: keep the cluster token,
// take the next membership step, and grant the rolling-restart lock. Leader
// settings are written with leader-set, which acts at once (even if this
// hook later fails) and wakes the followers with leader-settings-changed.
// It returns a waiting reason when membership is mid-change.
func leaderDuties(ctx context.Context, d Deps, w *world, cl etcd.Cluster) (string, error) {
	if w.leaderData.Token == "" {
		if err := w.setLeader(ctx, d, func(l *relations.Leader) { l.Token = workload.NewToken() }); err != nil {
			return "", err
		}
	}
	if err := ensurePeerBoundary(ctx, d, w, cl); err != nil {
		return "", err
	}
	reason := ""
	// Up to a few steps per hook: finishing a change (promote, remove,
	// republish) may let the next one start at once. Bootstrap ends the
	// hook's membership work: the next step needs the other units. An
	// admission wakes the new unit at once (leader-set), which starts its
	// learner by itself: the leader watches the member list for it here,
	// within Waits.Join, and promotes it in this same hook rather than in
	// the hook the new unit's "started" wakes later.
	var watchUntil time.Time
	for steps := 0; steps < 4; {
		var members []etcd.Member
		if cl != nil && w.leaderData.Cluster != "" {
			members = listMembers(ctx, d, cl, "")
		}
		step := charm.PlanMembership(charm.ClusterView{
			Self:       w.member.Name,
			Peers:      w.peers,
			Leader:     w.leaderData,
			Members:    members,
			Departing:  w.departing(),
			ReadySince: w.readySince(),
			Now:        d.Now(),
		})
		if step.Kind == charm.StepNone {
			reason = step.Reason
			if step.Await && d.Now().Before(watchUntil) {
				if err := sleep(ctx, d.Waits.joinPoll()); err != nil {
					return "", err
				}
				continue
			}
			break
		}
		steps++
		d.note(ctx, levelInfo, "membership: %s %s%s", step.Kind, step.Peer.Unit, memberLabel(step.Member))
		promoteWait, promotePoll := d.Waits.Promote, d.Waits.Poll
		if !watchUntil.IsZero() {
			// Promoting the learner admitted in this hook: it has just
			// caught up or is about to. If it lags, its unit's
			// "started" wakes this leader again to retry.
			promoteWait, promotePoll = d.Waits.Join, d.Waits.joinPoll()
		}
		done, why, err := applyStep(ctx, d, w, cl, members, step, promoteWait, promotePoll)
		if err != nil {
			return "", err
		}
		if !done {
			reason = why
			break
		}
		if step.Kind == charm.StepBootstrap {
			break
		}
		if step.Kind == charm.StepAdmit {
			watchUntil = d.Now().Add(d.Waits.Join)
		}
	}
	return reason, grantRestartLock(ctx, d, w)
}

func memberLabel(m etcd.Member) string {
	if m.ID == 0 {
		return ""
	}
	return fmt.Sprintf(" member %x (%s)", m.ID, m.Name)
}

// applyStep carries out one step. done is false (with a reason) when etcd
// asked to try again later, which is a wait, not a failure.
func applyStep(ctx context.Context, d Deps, w *world, cl etcd.Cluster, members []etcd.Member, step charm.Step, promoteWait, promotePoll time.Duration) (done bool, reason string, err error) {
	switch step.Kind {
	case charm.StepBootstrap:
		return true, "", w.setLeader(ctx, d, func(l *relations.Leader) {
			l.Cluster = step.InitialCluster
			l.LeaderAddress = relations.URL(w.member.ClusterAddress, w.cfg.Port)
		})
	case charm.StepAdmit:
		var after []etcd.Member
		err := retryMembership(ctx, d, d.Waits.Admit, func() (err error) {
			_, after, err = cl.AddLearner(ctx, step.Peer.PeerURL)
			return err
		})
		if retryLater(err) {
			return false, fmt.Sprintf("Waiting to add %s: %v", step.Peer.Unit, err), nil
		}
		if err != nil {
			return false, "", fmt.Errorf("cannot add %s as a learner: %w", step.Peer.Unit, err)
		}
		join := charm.JoinCluster(after, step.Peer.Name, step.Peer.PeerURL)
		return true, "", w.setLeader(ctx, d, func(l *relations.Leader) { l.Joins[step.Peer.Name] = join })
	case charm.StepPublishJoin:
		join := charm.JoinCluster(members, step.Peer.Name, step.Peer.PeerURL)
		return true, "", w.setLeader(ctx, d, func(l *relations.Leader) { l.Joins[step.Peer.Name] = join })
	case charm.StepPromote:
		if err := promote(ctx, d, cl, step.Member, promoteWait, promotePoll); err != nil {
			if retryLater(err) {
				return false, fmt.Sprintf("Waiting to promote %s: %v", step.Peer.Unit, err), nil
			}
			return false, "", err
		}
		// The admission stays while the member exists: a unit whose data
		// directory is lost restarts from it. Changing "voters" wakes every
		// unit (leader-settings-changed): no other hook would run on the
		// promoted unit, which last saw itself a learner.
		return true, "", w.setLeader(ctx, d, func(l *relations.Leader) { l.Voters = votersAfter(members, step.Member.ID) })
	case charm.StepRemove:
		if err := removeMember(ctx, d, cl, members, step.Member); err != nil {
			if retryLater(err) {
				return false, fmt.Sprintf("Waiting to remove member %s: %v", step.Member.Name, err), nil
			}
			return false, "", err
		}
		if step.Member.Name == "" {
			return true, "", nil
		}
		return true, "", w.setLeader(ctx, d, func(l *relations.Leader) { delete(l.Joins, step.Member.Name) })
	}
	return false, "", fmt.Errorf("cannot apply membership step %q", step.Kind)
}

// votersAfter identifies the voting members once learner id is promoted.
func votersAfter(members []etcd.Member, promoted uint64) string {
	var ids []string
	for _, m := range members {
		if !m.IsLearner || m.ID == promoted {
			ids = append(ids, strconv.FormatUint(m.ID, 16))
		}
	}
	sort.Strings(ids)
	return charm.Hash([]byte(strings.Join(ids, ",")))
}

// retryLater reports etcd refusals that resolve by themselves.
func retryLater(err error) bool {
	return errors.Is(err, etcd.ErrUnhealthy) || errors.Is(err, etcd.ErrLearnerNotReady) || errors.Is(err, etcd.ErrTooManyLearners)
}

// promote retries every poll while the learner catches up, within wait.
func promote(ctx context.Context, d Deps, cl etcd.Cluster, m etcd.Member, wait, poll time.Duration) error {
	return retryEvery(ctx, d, wait, poll, func() error { return cl.Promote(ctx, m.ID) })
}

// retryMembership runs a membership change until etcd takes it or
// refuses it for good, retrying refusals that resolve by themselves
// (retryLater) for up to wait. They resolve within seconds: a learner
// catches up, and etcd takes the next change once every voter has been
// connected for its health window (5 s), as right after a promotion.
// Waiting here matters: a hook that gives up has no later hook to go on
// (nothing changes to wake the leader but update-status).
func retryMembership(ctx context.Context, d Deps, wait time.Duration, change func() error) error {
	return retryEvery(ctx, d, wait, d.Waits.Poll, change)
}

// retryEvery is retryMembership trying every poll.
func retryEvery(ctx context.Context, d Deps, wait, poll time.Duration, change func() error) error {
	deadline := d.Now().Add(wait)
	for {
		err := change()
		if err == nil || !retryLater(err) || d.Now().After(deadline) {
			return err
		}
		if err := sleep(ctx, poll); err != nil {
			return err
		}
	}
}

// removeMember removes m, first moving raft leadership away from it so the
// cluster does not wait out an election.
func removeMember(ctx context.Context, d Deps, cl etcd.Cluster, members []etcd.Member, m etcd.Member) error {
	if m.Started() && len(m.ClientURLs) > 0 {
		if st, err := cl.Status(ctx, m.ClientURLs[0]); err == nil && st.Leader == m.ID {
			if to, ok := otherVoter(members, m.ID); ok {
				if err := cl.MoveLeader(ctx, to); err != nil {
					d.note(ctx, levelWarning, "cannot move raft leadership away from %s before removing it: %v", m.Name, err)
				}
			}
		}
	}
	return retryMembership(ctx, d, d.Waits.Promote, func() error { return cl.Remove(ctx, m.ID) })
}

func otherVoter(members []etcd.Member, not uint64) (uint64, bool) {
	for _, m := range members {
		if m.ID != not && m.Started() && !m.IsLearner {
			return m.ID, true
		}
	}
	return 0, false
}

// grantRestartLock moves the rolling-restart lock as
// charm.NextRestartLock decides from the peers as this hook sees them
// (this unit's peer data as it is about to publish it).
func grantRestartLock(ctx context.Context, d Deps, w *world) error {
	next := charm.NextRestartLock(w.leaderData.RestartLock, w.peers)
	if next == w.leaderData.RestartLock {
		return nil
	}
	if next != "" {
		d.note(ctx, levelInfo, "granting the restart lock to %s", next)
	}
	return w.setLeader(ctx, d, func(l *relations.Leader) { l.RestartLock = next })
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// listMembers lists the cluster's members within 5 s; a failure is logged
// (naming what the list was for, when for is set) and lists none.
func listMembers(ctx context.Context, d Deps, cl etcd.Cluster, forWhat string) []etcd.Member {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	members, err := cl.Members(lctx)
	if err != nil {
		if forWhat != "" {
			forWhat = " for " + forWhat
		}
		d.logf("cannot list members%s: %v", forWhat, err)
		return nil
	}
	return members
}
