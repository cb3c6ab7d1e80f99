package hooks

import (
	"bytes"
	"context"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/workload"
)

// heldBack is the member step to take instead of step while the change
// step restarts into failed before and its backoff runs
// (charm.RestartFailure): none, with the request kept published, so the
// member keeps the restart lock and no other member takes the change;
// the unit stays blocked with the reason. ok is false when step may go
// ahead.
func heldBack(d Deps, w *world, step charm.MemberStep) (res memberResult, err error, ok bool) {
	switch step.Kind {
	case charm.MemberRefresh, charm.MemberUpdatePeerURL, charm.MemberRestart:
	default:
		return res, nil, false
	}
	if step.Request == "" || !w.state.Failed.Holds(step.Request, d.Now()) {
		return res, nil, false
	}
	res.request = step.Request
	return res, juju.Blocked("%s", w.state.Failed.Message()), true
}

// revertChange puts back what this member ran before a restart into
// step whose etcd does not serve within Waits.Serve: the etcd.conf.yml
// it ran (previous), the snap revision and tracking channel it had when
// this hook refreshed it (snapd keeps the previous revision and its data
// for exactly this), and the peer URL the cluster knew it by when this
// hook moved it. It then waits for etcd to serve again and records the
// failure, so the change is tried again only after a backoff. The member
// keeps its restart request, and so the lock: at most one member is ever
// down for a change, and only for one hook's bounded wait. The reason is
// etcd's own, from its journal.
func revertChange(ctx context.Context, d Deps, w *world, step charm.MemberStep, previous []byte, done charm.MemberProgress, said string) (memberResult, error) {
	res := memberResult{request: step.Request}
	reason := "etcd stopped within " + d.Waits.Serve.String() + " of restarting into the change."
	if said != "" {
		reason = "etcd did not serve after restarting into the change: " + said + "."
	}
	d.note(ctx, levelWarning, "%s Reverting it.", reason)
	if previous != nil && !bytes.Equal(previous, step.Rendered) {
		if err := writeEtcdConfig(d, previous); err != nil {
			return res, err
		}
	}
	if done.Refreshed {
		if err := d.Snap.Revert(ctx, charm.SnapName); err != nil {
			return res, juju.Blocked("%s Reverting the etcd snap failed too: %v", reason, err)
		}
		// snapd's revert keeps tracking the new channel: track the one
		// the member ran again, or snapd's own refreshes would bring the
		// failed revision back (same revision: a switch, no restart).
		if done.RefreshedFrom != "" {
			if err := d.Snap.Refresh(ctx, charm.SnapName, done.RefreshedFrom); err != nil {
				d.logf("cannot track channel %s again after the revert: %v", done.RefreshedFrom, err)
			}
		}
	} else if err := d.Snap.Restart(ctx, charm.ServiceName); err != nil {
		return res, fmt.Errorf("cannot restart etcd into its previous config: %w", err)
	}
	if done.PeerURLSettled {
		movePeerURLBack(ctx, d, w, previous)
	}
	serving, err := waitServing(ctx, d, w, true)
	if err != nil {
		return res, err
	}
	w.state.Failed = w.state.Failed.Failed(step.Request, reason, d.Now())
	res.serving = serving
	if !serving {
		return res, juju.Blocked("%s The previous config does not serve either.", reason)
	}
	return res, juju.Blocked("%s", w.state.Failed.Message())
}

// etcdLogged is the set of etcd's last journal lines before a restart
// (nil when they cannot be read): only a line not among them was written
// by the etcd the restart started.
func etcdLogged(ctx context.Context, d Deps) map[string]bool {
	seen, err := workload.EtcdLogged(ctx, d.Snap)
	if err != nil {
		d.logf("%v", err)
	}
	return seen
}

// etcdStopped tells an etcd that will not run from one that is slow to
// serve after a restart: it logged a fatal record since (logged: the
// lines before), which is why (why), or its service is no longer active.
// Only a stopped etcd is reverted: a slow one keeps the lock and is
// looked at again by the next hook.
func etcdStopped(ctx context.Context, d Deps, logged map[string]bool) (why string, stopped bool) {
	if why, err := workload.EtcdFatalSince(ctx, d.Snap, logged); err != nil {
		d.logf("%v", err)
	} else if why != "" {
		return why, true
	}
	active, err := d.Snap.Active(ctx, charm.ServiceName)
	return "", err == nil && !active
}

// movePeerURLBack gives the cluster this member's previous peer URL
// again (the one in the etcd.conf.yml it runs once more) when this hook
// moved it for the change: otherwise the others would dial a port the
// member does not listen on. The other members that serve are asked;
// when they cannot be reached, the next hook's heal (ensureOwnPeerURL,
// once etcd serves) does it.
func movePeerURLBack(ctx context.Context, d Deps, w *world, previous []byte) {
	ec, err := charm.ParseEtcdConfig(previous)
	if err != nil || ec.PeerURL() == "" {
		return
	}
	cl := servingPeers(ctx, d, w)
	if cl == nil {
		return
	}
	defer cl.Close()
	members, err := cl.Members(ctx)
	if err != nil {
		d.logf("cannot list members to move the peer URL back: %v", err)
		return
	}
	for _, m := range members {
		if m.Name == w.member.Name && (len(m.PeerURLs) != 1 || m.PeerURLs[0] != ec.PeerURL()) {
			d.note(ctx, levelInfo, "moving %s's peer URL back to %s", m.Name, ec.PeerURL())
			if err := cl.UpdatePeerURLs(ctx, m.ID, []string{ec.PeerURL()}); err != nil {
				d.logf("cannot move the peer URL back: %v", err)
			}
		}
	}
}

// previousConfig is the etcd.conf.yml on disk before a restart rewrites
// it (nil when there is none).
func previousConfig(d Deps) []byte {
	_, raw, _ := workload.ReadEtcdConfig(d.Paths)
	return raw
}

// runningPeerURL is the peer URL of the etcd.conf.yml etcd runs with,
// the one it listens on (the configured one when the file cannot be
// read): the URL the cluster must know this member by until a restart
// moves it.
func runningPeerURL(d Deps, w *world) string {
	if ec, _, err := workload.ReadEtcdConfig(d.Paths); err == nil && ec.PeerURL() != "" {
		return ec.PeerURL()
	}
	return w.member.PeerURL(w.cfg)
}
