package hooks

import "github.com/etcd-charm/etcd-charm/charm"

// appChannel is the channel a fresh install uses: with "auto", the
// release the peers run (charm.JoinChannel), so a unit added to an
// adopted layer-etcd 3.4 cluster installs 3.4, not the store's newest.
func (w *world) appChannel() string {
	return charm.JoinChannel(w.cfg.Channel, peerVersions(w))
}
