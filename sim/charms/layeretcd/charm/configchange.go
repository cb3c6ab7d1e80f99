package charm

import (
	"context"
	"encoding/json"
	"fmt"
)

// watched are the options whose config.changed.* flags the original's
// handlers react to, as the previous hook saw them.
type watched struct {
	Port                int    `json:"port"`
	ManagementPort      int    `json:"management_port"`
	SnapshotCount       string `json:"snapshot_count"`
	ElectionTimeout     int    `json:"election_timeout"`
	HeartbeatInterval   int    `json:"heartbeat_interval"`
	BindToAllInterfaces bool   `json:"bind_to_all_interfaces"`
	TLSCipherSuites     string `json:"tls_cipher_suites"`
}

func (c Config) watched() watched {
	return watched{c.Port, c.ManagementPort, c.SnapshotCount, c.ElectionTimeout, c.HeartbeatInterval,
		c.BindToAllInterfaces, c.TLSCipherSuites}
}

// configChanged is leader_config_changed, follower_config_changed,
// bind_to_all_interfaces_changed and tls_cipher_suites_changed. On the
// first hook there is no previous config: nothing has been started that
// a change could concern.
func (u *unit) configChanged(ctx context.Context) error {
	now := u.cfg.watched()
	raw := u.st.get(statePrevious)
	data, _ := json.Marshal(now)
	u.st.set(statePrevious, string(data))
	if raw == "" || !u.installed {
		return nil
	}
	var prev watched
	if err := json.Unmarshal([]byte(raw), &prev); err != nil {
		return fmt.Errorf("cannot read the previous config: %w", err)
	}
	tuning := prev.Port != now.Port || prev.ManagementPort != now.ManagementPort ||
		prev.SnapshotCount != now.SnapshotCount || prev.ElectionTimeout != now.ElectionTimeout ||
		prev.HeartbeatInterval != now.HeartbeatInterval
	if prev.BindToAllInterfaces != now.BindToAllInterfaces || prev.TLSCipherSuites != now.TLSCipherSuites {
		u.st.set(flagRerender, "true")
	}
	if !tuning {
		return nil
	}
	if !u.leader {
		u.st.set(flagRerender, "true")
		return nil
	}
	// The leader's runtime update. Its `member update <id> <url>` per
	// member goes through etcdctl's v3 API, which takes no positional URL
	// (it wants --peer-urls): it fails and is only logged, so the
	// stand-in leaves the members as they are, as the original does.
	if err := u.render(ctx); err != nil {
		return err
	}
	addr, err := u.ingressAddress(ctx, EndpointCluster)
	if err != nil {
		return err
	}
	// QUIRK kept: leader_address moves to the management port here.
	if err := u.leaderSet(ctx, map[string]string{LeaderAddress: ConnectionString([]string{addr}, u.cfg.ManagementPort)}); err != nil {
		return err
	}
	return u.c.Snap.Restart(ctx, Service)
}

// rerender is rerender_config, on the etcd.rerender-config flag
// (upgrade-charm, a channel change, the config handlers): render, and
// restart etcd if it runs.
func (u *unit) rerender(ctx context.Context) error {
	if !u.installed || !u.st.flag(flagRerender) {
		return nil
	}
	u.logf(ctx, "INFO", "Rendering config file for %s", u.name())
	if err := u.render(ctx); err != nil {
		return err
	}
	active, err := u.c.Snap.Active(ctx, Service)
	if err != nil {
		return err
	}
	if active {
		return u.c.Snap.Restart(ctx, Service)
	}
	return nil
}
