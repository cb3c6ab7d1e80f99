package hooks

import (
	"context"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
)

// appChannel is the channel a fresh install uses: with "auto", the
// release the peers run, or before their data is in (install) the one
// the leader recorded (charm.JoinChannel), so a unit added to an adopted
// layer-etcd 3.4 cluster installs 3.4, not the store's newest.
func (w *world) appChannel() string {
	return charm.JoinChannel(w.cfg.Channel, w.leaderData.EtcdChannel, peerVersions(w))
}

// recordAppChannel keeps the channel the leader's etcd snap tracks in
// leader settings (etcd_channel), which a unit's install hook can read.
func recordAppChannel(ctx context.Context, d Deps, w *world, installed *snap.Snap) error {
	if !w.leader || installed == nil || installed.Channel == "" || installed.Local || w.leaderData.EtcdChannel == installed.Channel {
		return nil
	}
	return w.setLeader(ctx, d, func(l *relations.Leader) { l.EtcdChannel = installed.Channel })
}
