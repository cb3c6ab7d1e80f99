package hooks

import (
	"context"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
)

// installChannel is the channel a fresh store install uses, or the
// blocked outcome refusing it (charm.DecideInstall): with "auto", the
// release the peers run or, before their data is in (install), the one
// the leader recorded, so a unit added to an adopted layer-etcd 3.4
// cluster installs 3.4, not the store's newest; an explicit channel the
// cluster could not take in installs nothing.
func installChannel(ctx context.Context, d Deps, w *world) (string, error) {
	f := charm.InstallFacts{Configured: w.cfg.Channel, LeaderChannel: w.leaderData.EtcdChannel, PeerVersions: peerVersions(w)}
	offered, err := d.Snap.Channels(ctx, charm.SnapName)
	if err != nil {
		d.logf("cannot list etcd's channels: %v", err)
		f.StoreError = err.Error()
	} else {
		f.Offered = offered
	}
	dec := charm.DecideInstall(f)
	if dec.Refusal != "" {
		return "", juju.Blocked("%s", dec.Refusal)
	}
	return dec.Channel, nil
}

// recordAppChannel keeps the channel the leader's etcd snap tracks in
// leader settings (etcd_channel), which a unit's install hook can read.
func recordAppChannel(ctx context.Context, d Deps, w *world, installed *snap.Snap) error {
	if !w.leader || installed == nil || installed.Channel == "" || installed.Local || w.leaderData.EtcdChannel == installed.Channel {
		return nil
	}
	return w.setLeader(ctx, d, func(l *relations.Leader) { l.EtcdChannel = installed.Channel })
}
