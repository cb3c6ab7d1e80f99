package hooks

import (
	"context"
	"errors"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
)

// A member whose data directory is gone while unit state says it started
// (charm.MemberDataLost) is replaced through the normal join path: the
// unit keeps etcd stopped and publishes peer state "lost", the leader
// removes its member and admits it again as a learner, and the unit joins
// with an empty directory once its new admission is published, to be
// promoted when caught up (charm.PlanMembership). Meanwhile its client
// data lists the other members only.

// observeOwnMember asks the started peers where this unit's member stands;
// the member list is kept for the client data.
func observeOwnMember(ctx context.Context, d Deps, w *world) charm.OwnMember {
	cl := servingPeers(ctx, d, w)
	if cl == nil {
		return charm.OwnUnknown
	}
	defer cl.Close()
	members, err := cl.Members(ctx)
	if err != nil {
		d.logf("cannot list members to find this unit's: %v", err)
		return charm.OwnUnknown
	}
	w.lostMembers = nil
	own := charm.OwnAbsent
	peerURL := w.member.PeerURL(w.cfg)
	for _, m := range members {
		mine := false
		for _, u := range m.PeerURLs {
			mine = mine || u == peerURL
		}
		switch {
		case !mine:
			w.lostMembers = append(w.lostMembers, m)
		case m.IsLearner && !m.Started():
			own = charm.OwnLearner
		default:
			own = charm.OwnStarted
		}
	}
	return own
}

// applyDataLost keeps etcd stopped on the empty directory and says why;
// the first hook that finds the loss says it at WARNING.
func applyDataLost(ctx context.Context, d Deps, w *world, step charm.MemberStep) (memberResult, error) {
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return memberResult{}, fmt.Errorf("cannot stop etcd on a lost data directory: %w", err)
	}
	if w.published.State != relations.PeerLost {
		d.note(ctx, levelWarning, "etcd's data directory holds no member though this unit's member started: "+
			"etcd stays stopped; the leader replaces the member (removes it, admits this unit again empty)")
	}
	return memberResult{lost: true}, juju.Waiting("%s", step.Reason)
}

// publishLostClients gives the clients the other members while this one
// is being replaced.
func publishLostClients(ctx context.Context, d Deps, w *world, version string) error {
	if w.lostMembers == nil {
		return nil
	}
	return publishClients(ctx, d, w, w.lostMembers, version)
}

// replaceOwnMember goes on with the leader's own replacement in the hook
// that moved it: Juju runs no -changed hook on the unit that wrote the
// data, so once the leader's member is lost (or its new learner serves)
// nothing else would wake it before update-status. It announces the new
// state, takes its membership steps again (remove its member, admit
// itself; or promote its learner), and settles its member once more.
func replaceOwnMember(ctx context.Context, d Deps, w *world, installed *snap.Snap, res memberResult, err error) (memberResult, error) {
	for i := 0; i < 2; i++ {
		var next string
		switch {
		case res.lost:
			next = relations.PeerLost
		case res.serving && w.ownLearner:
			next = relations.PeerStarted
		default:
			return res, err
		}
		self := w.self
		self.State = next
		w.announce(self)
		cl := servingPeers(ctx, d, w)
		if cl == nil {
			return res, err
		}
		_, derr := leaderDuties(ctx, d, w, cl)
		cl.Close()
		if derr != nil {
			return res, derr
		}
		var outcome *juju.Outcome
		if res, err = ensureMember(ctx, d, w, installed); err != nil && !errors.As(err, &outcome) {
			return res, err
		}
		if next == relations.PeerStarted {
			return res, err
		}
	}
	return res, err
}
