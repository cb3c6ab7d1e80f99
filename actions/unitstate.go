package actions

import (
	"context"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/relations"
)

// Actions change the hooks' records through the same typed state the
// hooks keep: unit state (charm.UnitState; state-set is committed when
// the action exits 0) and leader settings (relations.Leader; leader-set
// acts at once).

// readUnitState reads the unit state the hooks keep.
func readUnitState(ctx context.Context, d Deps) (charm.UnitState, error) {
	m, err := d.Tools.StateGet(ctx)
	if err != nil {
		return charm.UnitState{}, fmt.Errorf("cannot read unit state: %w", err)
	}
	return charm.DecodeUnitState(m), nil
}

// writeUnitState writes what changed from the unit state read (Juju
// commits it when the action exits 0).
func writeUnitState(ctx context.Context, d Deps, from, to charm.UnitState) error {
	updates := charm.UnitStateChanges(from, to)
	if len(updates) == 0 {
		return nil
	}
	return d.Tools.StateSet(ctx, updates)
}

// writeLeader changes the leader settings with change and writes what
// changed with one leader-set.
func writeLeader(ctx context.Context, d Deps, change func(*relations.Leader)) error {
	current, err := d.Tools.LeaderGet(ctx)
	if err != nil {
		return fmt.Errorf("cannot read leader settings: %w", err)
	}
	from := relations.DecodeLeader(current)
	to := from.Clone()
	change(&to)
	updates := relations.LeaderChanges(from, to)
	if len(updates) == 0 {
		return nil
	}
	return d.Tools.LeaderSet(ctx, updates)
}
