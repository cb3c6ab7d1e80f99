package hooks

import (
	"context"
	"path/filepath"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// adoptOriginal takes over what layer-etcd left, in the first hook this
// charm runs after `juju refresh` from it (upgrade-charm), or in any first
// hook that finds an etcd it did not start (see charm.PlanAdoption).
//
// Juju upgrades each unit on its own, so for a while the new charm runs
// beside units still on layer-etcd. Those publish only db-ingress-address
// on `cluster`: they are read as started members (charm.LegacyPeer), so
// the leader reaches the cluster through them, and this unit counts them
// as running members (a restart then waits for the restart lock). What
// they read stays as they wrote it: leader settings token, cluster and
// leader_address (this charm's relations.Leader keeps those keys and
// their meanings) and this unit's db-ingress-address, which it goes on
// publishing.
func adoptOriginal(ctx context.Context, d Deps, w *world) error {
	legacy := 0
	for i, p := range w.peers {
		if p.Unit == w.ev.Unit {
			continue
		}
		if lp, ok := charm.LegacyPeer(p, w.cfg); ok {
			w.peers[i] = lp
			legacy++
		}
	}
	if w.leader && legacy > 0 && w.leaderData.Cluster != "" {
		// layer-etcd's leader points leader_address at itself; a unit
		// still on it that must (re)register asks there.
		want := relations.URL(w.member.ClusterAddress, w.cfg.Port)
		if err := w.setLeader(ctx, d, func(l *relations.Leader) { l.LeaderAddress = want }); err != nil {
			return err
		}
	}
	_, running, _ := workload.ReadEtcdConfig(d.Paths)
	a, err := charm.PlanAdoption(charm.AdoptView{
		Name:    w.member.Name,
		Stored:  w.state,
		Running: running,
		HasMember: func(dir string) bool {
			return workload.Exists(filepath.Join(dir, "member"))
		},
	})
	if err != nil || a.DataDir == "" {
		// A file that does not parse is not a member to adopt; the
		// ordinary start reports what it finds.
		return nil
	}
	d.note(ctx, levelInfo, "adopting the etcd member %s running on %s (token %q, initial cluster %s)",
		w.member.Name, d.Paths.Unroot(a.DataDir), a.Start.Token, a.Start.InitialCluster)
	w.state.DataDir, w.state.Start = a.DataDir, a.Start
	return nil
}

// dataDir is this member's data directory: the adopted one, else the
// charm's own layout.
func (w *world) dataDir(d Deps, storage string) string {
	if w.state.DataDir != "" {
		return w.state.DataDir
	}
	return d.Paths.DataDir(w.member.Name, storage)
}
