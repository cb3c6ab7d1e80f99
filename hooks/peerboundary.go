package hooks

import (
	"context"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/relations"
)

// ensurePeerBoundary raises the peer boundary (charm.DecidePeerName) once
// every member serves a certificate with this application's peer name:
// the leader records the name in leader settings, every unit renders it
// into etcd.conf.yml and restarts into it in its turn. It runs before the
// membership steps, so a cluster this charm bootstraps starts with the
// boundary up and never restarts for it. Once up it costs nothing.
func ensurePeerBoundary(ctx context.Context, d Deps, w *world, cl etcd.Cluster) error {
	v := charm.PeerBoundaryView{
		Want:         peerName(w),
		Current:      w.leaderData.PeerName,
		Peers:        w.peers,
		Bootstrapped: w.leaderData.Cluster != "",
	}
	if v.Current == v.Want {
		return nil
	}
	if v.Bootstrapped && cl != nil {
		v.Members = listMembers(ctx, d, cl, "the peer boundary")
	}
	next := charm.DecidePeerName(v)
	if next == v.Current {
		return nil
	}
	d.note(ctx, levelInfo, "peer port: allowing only certificates naming %s", next)
	return w.setLeader(ctx, d, func(l *relations.Leader) { l.PeerName = next })
}
