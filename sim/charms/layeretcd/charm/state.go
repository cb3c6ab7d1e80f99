package charm

import (
	"context"
	"maps"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// The original keeps reactive flags and unitdata keys in its charm
// directory's .unit-state.db; the stand-in keeps the ones it acts on in
// Juju unit state under the same names.
const (
	flagRegistered       = "etcd.registered"
	flagLeaderConfigured = "etcd.leader.configured"
	flagSSLPlaced        = "etcd.ssl.placed"
	flagSSLExported      = "etcd.ssl.exported"
	flagRerender         = "etcd.rerender-config"
	flagRestartDropIn    = "etcd.service-restart.configured"
	flagVolumeAttached   = "data.volume.attached"
	flagRemovableMedia   = "snap.connected.removable_media"
	flagSeriesUpgrade    = "upgrade.series.in-progress"
	stateCluster         = "etcd.cluster"
	stateClusterState    = "etcd.cluster-state"
	// stateChannel is the channel option the snap was last installed or
	// refreshed for (the original's config.changed.channel).
	stateChannel = "config.channel"
	// statePrevious is the options as the previous hook saw them (what
	// charmhelpers' config().previous() reads).
	statePrevious = "config.previous"
	// stateSnapdRefresh is the snapd_refresh option last applied.
	stateSnapdRefresh = "config.snapd_refresh"
)

// state is the unit state read at the start of the hook, with the
// changes to write at its end (state-set commits with the hook).
type state struct {
	kv      map[string]string
	changed map[string]string
}

func loadState(ctx context.Context, t juju.Tools) (*state, error) {
	kv, err := t.StateGet(ctx)
	if err != nil {
		return nil, err
	}
	if kv == nil {
		kv = map[string]string{}
	}
	return &state{kv: kv, changed: map[string]string{}}, nil
}

func (s *state) get(k string) string { return s.kv[k] }
func (s *state) flag(k string) bool  { return s.kv[k] != "" }

// set records k=v; "" clears k.
func (s *state) set(k, v string) {
	if s.kv[k] == v {
		return
	}
	if v == "" {
		delete(s.kv, k)
	} else {
		s.kv[k] = v
	}
	s.changed[k] = v
}

func (s *state) save(ctx context.Context, t juju.Tools) error {
	set := map[string]string{}
	for k, v := range s.changed {
		if v == "" {
			if err := t.StateDelete(ctx, k); err != nil {
				return err
			}
			continue
		}
		set[k] = v
	}
	if len(set) == 0 {
		return nil
	}
	return t.StateSet(ctx, maps.Clone(set))
}
