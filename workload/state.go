package workload

import (
	"context"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// The hooks and the actions keep the charm's records only through the
// typed state: unit state (charm.UnitState; state-set is committed with
// the hook or action, when it exits 0) and leader settings
// (relations.Leader; leader-set acts at once). Only the keys that changed
// are written.

// ReadUnitState reads this unit's charm state.
func ReadUnitState(ctx context.Context, tools juju.Tools) (charm.UnitState, error) {
	m, err := tools.StateGet(ctx)
	if err != nil {
		return charm.UnitState{}, fmt.Errorf("cannot read unit state: %w", err)
	}
	return charm.DecodeUnitState(m), nil
}

// WriteUnitState writes what changed from the unit state read, with at
// most one state-set.
func WriteUnitState(ctx context.Context, tools juju.Tools, from, to charm.UnitState) error {
	updates := charm.UnitStateChanges(from, to)
	if len(updates) == 0 {
		return nil
	}
	if err := tools.StateSet(ctx, updates); err != nil {
		return fmt.Errorf("cannot write unit state: %w", err)
	}
	return nil
}

// SetLeader changes leader settings from with change and writes what
// changed with at most one leader-set. It returns the settings now in
// force (from, when the write failed).
func SetLeader(ctx context.Context, tools juju.Tools, from relations.Leader, change func(*relations.Leader)) (relations.Leader, error) {
	next := from.Clone()
	change(&next)
	updates := relations.LeaderChanges(from, next)
	if len(updates) == 0 {
		return from, nil
	}
	if err := tools.LeaderSet(ctx, updates); err != nil {
		return from, fmt.Errorf("cannot write leader settings: %w", err)
	}
	return next, nil
}
