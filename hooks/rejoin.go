package hooks

import (
	"context"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// rejoinIfAsked answers the leader's force_rejoin token
// (charm.DecideRejoin): after a restore or a rebuild of the cluster on
// the leader's member, this unit's member belongs to a cluster that is
// gone. Its data is moved aside (kept, never deleted: it is the only copy
// of whatever the old cluster held that the new one does not), its start
// record forgotten and the unit announced ready, so the leader admits it
// to the new cluster as a learner, the normal add path.
func rejoinIfAsked(ctx context.Context, d Deps, w *world) error {
	storage := w.storageLocation(ctx, d)
	step := charm.DecideRejoin(charm.RejoinView{
		Name: w.member.Name, Leader: w.leaderData, Acked: w.state.Rejoin, IsLeader: w.leader,
		HasData: w.hasData(d, storage), Stored: w.state.Start,
	})
	token := w.leaderData.ForceRejoin
	switch step {
	case charm.RejoinNone:
		return nil
	case charm.RejoinAck:
		w.state.Rejoin = token
		return nil
	}
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return fmt.Errorf("cannot stop etcd to rejoin the rebuilt cluster: %w", err)
	}
	dirs := []string{w.dataDir(d, storage)}
	if running, _, err := workload.ReadEtcdConfig(d.Paths); err == nil && running.DataDir != "" && running.DataDir != dirs[0] {
		dirs = append(dirs, running.DataDir)
	}
	for _, dir := range dirs {
		if !workload.Exists(dir) {
			continue
		}
		aside := dir + ".pre-rejoin-" + shortToken(token)
		if err := os.Rename(dir, aside); err != nil {
			return fmt.Errorf("cannot move the old member's data aside: %w", err)
		}
		d.note(ctx, levelWarning, "the cluster was rebuilt on the leader's member (force_rejoin %s): "+
			"this member's data moved aside to %s; the unit joins the new cluster empty", shortToken(token), d.Paths.Unroot(aside))
	}
	w.state.Start, w.state.DataDir, w.state.Rejoin = charm.Start{}, "", token
	self := w.self
	self.State = relations.PeerReady
	w.announce(self)
	return nil
}

func shortToken(token string) string {
	if len(token) > 8 {
		return token[:8]
	}
	return token
}
