package charm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// Reactive flags and unitdata keys the stand-in acts on, by their names
// in the original.
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
)

// The files in the charm directory where the original keeps its state,
// outside Juju: charms.reactive's unitdata (flags as "reactive.states.<flag>"
// and the databag's "etcd.cluster", "etcd.cluster-state") and charmhelpers'
// previous config, which config.changed.<option> compares with. The real
// unitdata is SQLite (.unit-state.db); the stand-in writes the same keys as
// JSON, so nothing it does shows in Juju's unit state, as with the original.
const (
	UnitStateFile        = ".unit-state.json"
	PersistentConfigFile = ".juju-persistent-config"
	reactiveFlagPrefix   = "reactive.states."
)

// state is the unit's flags and unitdata as the hook began, with its
// changes, written back when the hook commits (charms.reactive flushes
// unitdata only when the hook succeeds).
type state struct {
	dir string
	kv  map[string]string
	// prev is the previous hook's config, nil in the first hook.
	prev map[string]any
}

func loadState(dir string) (*state, error) {
	s := &state{dir: dir, kv: map[string]string{}}
	raw := map[string]any{}
	if err := readJSON(filepath.Join(dir, UnitStateFile), &raw); err != nil {
		return nil, err
	}
	for k, v := range raw {
		if name, ok := strings.CutPrefix(k, reactiveFlagPrefix); ok {
			s.kv[name] = "true"
		} else if str, ok := v.(string); ok {
			s.kv[k] = str
		}
	}
	var prev map[string]any
	if err := readJSON(filepath.Join(dir, PersistentConfigFile), &prev); err != nil {
		return nil, err
	}
	s.prev = prev
	return s, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read unit state: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("cannot read unit state %s: %w", path, err)
	}
	return nil
}

func (s *state) get(k string) string { return s.kv[k] }
func (s *state) flag(k string) bool  { return s.kv[k] != "" }

// set records k=v; "" clears k.
func (s *state) set(k, v string) {
	if v == "" {
		delete(s.kv, k)
	} else {
		s.kv[k] = v
	}
}

// changed is config.changed.<option>: true in the first hook, and when the
// option differs from the previous hook's.
func (s *state) changed(raw map[string]any, option string) bool {
	if s.prev == nil {
		return true
	}
	return !sameJSON(s.prev[option], raw[option])
}

// hadPrevious is whether a previous hook's config exists
// (config().previous(...) is not None).
func (s *state) hadPrevious() bool { return s.prev != nil }

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

// save writes the flags, the unitdata and this hook's config.
func (s *state) save(raw map[string]any) error {
	out := map[string]any{}
	for k, v := range s.kv {
		if k == stateCluster || k == stateClusterState {
			out[k] = v
		} else {
			out[reactiveFlagPrefix+k] = nil
		}
	}
	for path, v := range map[string]any{UnitStateFile: out, PersistentConfigFile: raw} {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("cannot save unit state: %w", err)
		}
		if err := writeFile(filepath.Join(s.dir, path), data, 0o600); err != nil {
			return fmt.Errorf("cannot save unit state: %w", err)
		}
	}
	return nil
}
