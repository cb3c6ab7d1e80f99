package hooks

import (
	"context"
	"errors"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// stop runs when the unit is being removed: it takes its member out of the
// cluster (moving raft leadership away first, so the cluster keeps
// serving) and stops etcd. The last member is not removed: removing it
// would destroy the cluster's data. If removal fails the leader prunes the
// member when the unit's relation departs; the stop hook itself does not
// fail, as a failing stop would hold the unit's removal forever.
func stop(ctx context.Context, d Deps, ev juju.Event) error {
	_, err := d.Snap.Snap(ctx, charm.SnapName)
	if errors.Is(err, snap.ErrNotInstalled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot ask snapd about etcd: %w", err)
	}
	if err := leaveCluster(ctx, d, ev); err != nil {
		d.note(ctx, levelWarning, "cannot remove this unit's member: %v", err)
		if serr := d.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: "Unregistration failed for the departing unit/s."}, false); serr != nil {
			return serr
		}
	}
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return fmt.Errorf("cannot stop etcd: %w", err)
	}
	return nil
}

func leaveCluster(ctx context.Context, d Deps, ev juju.Event) error {
	cfg, err := readConfig(ctx, d, charm.UnitState{}, inputs{})
	if err != nil {
		return err
	}
	state, err := workload.ReadUnitState(ctx, d.Tools)
	if err != nil {
		return err
	}
	w, err := observe(ctx, d, ev, cfg, state, inputs{})
	if err != nil {
		return err
	}
	running, _, _ := workload.ReadEtcdConfig(d.Paths)
	cl, err := dialVoters(ctx, d, w.clusterEndpoints(running.ClientURL()))
	if err != nil {
		return err
	}
	defer cl.Close()
	members, err := cl.Members(ctx)
	if err != nil {
		return fmt.Errorf("cannot list members: %w", err)
	}
	name := relations.MemberName(ev.Unit)
	var self etcd.Member
	for _, m := range members {
		if m.Name == name || (len(m.PeerURLs) > 0 && m.PeerURLs[0] == w.member.PeerURL(cfg)) {
			self = m
		}
	}
	if self.ID == 0 {
		return nil // never joined, or already removed by the leader
	}
	if len(members) == 1 {
		d.logf("this is the last member; keeping it so the data survives")
		return nil
	}
	d.note(ctx, levelInfo, "removing this unit's member %s from the cluster", self.Name)
	return removeMember(ctx, d, cl, members, self)
}
