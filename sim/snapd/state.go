package snapd

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// persisted is what survives a daemon restart, like snapd's state.json:
// installed snaps, configuration and connections. Changes do not survive
// (snapd would resume them; the fake's are short-lived).
type persisted struct {
	Snaps map[string]*installedSnap `json:"snaps"`
	Conf  map[string]map[string]any `json:"conf"`
	Conns map[string]bool           `json:"conns,omitempty"`
}

func (d *Daemon) statePath() string {
	return filepath.Join(d.cfg.Root, "var", "lib", "snapd", "state.json")
}

// saveLocked writes the state atomically. Called with d.mu held.
func (d *Daemon) saveLocked() error {
	data, err := json.MarshalIndent(persisted{Snaps: d.snaps, Conf: d.conf, Conns: d.conns}, "", " ")
	if err != nil {
		return fmt.Errorf("cannot save state: %w", err)
	}
	tmp := d.statePath() + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("cannot save state: %w", err)
	}
	if err := os.Rename(tmp, d.statePath()); err != nil {
		return fmt.Errorf("cannot save state: %w", err)
	}
	return nil
}

// loadState reads a previous daemon's state and registers the services of
// the snaps it had installed.
func (d *Daemon) loadState() error {
	data, err := os.ReadFile(d.statePath())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read state: %w", err)
	}
	var p persisted
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("cannot parse state %s: %w", d.statePath(), err)
	}
	for name, s := range p.Snaps {
		if s == nil || len(s.Sequence) == 0 || s.Current < 0 || s.Current >= len(s.Sequence) {
			return fmt.Errorf("cannot parse state %s: snap %q has no current revision", d.statePath(), name)
		}
		d.snaps[name] = s
		d.registerServices(s)
	}
	for name, doc := range p.Conf {
		if doc != nil {
			d.conf[name] = doc
		}
	}
	for k, v := range p.Conns {
		d.conns[k] = v
	}
	return nil
}

// startAtBoot starts the enabled services of every installed snap, as
// systemd does when the machine comes up.
func (d *Daemon) startAtBoot() {
	d.mu.Lock()
	names := slices.Collect(maps.Keys(d.snaps))
	d.mu.Unlock()
	for _, n := range names {
		_ = d.startSnapServices(n)
	}
}
