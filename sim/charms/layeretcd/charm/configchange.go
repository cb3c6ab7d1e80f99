package charm

import "context"

// configChanged is leader_config_changed, follower_config_changed,
// bind_to_all_interfaces_changed and tls_cipher_suites_changed. The
// leader's handler needs a previous port and management port; in the
// first hook the others only re-render what the first start renders
// anyway, so the stand-in skips them there.
func (u *unit) configChanged(ctx context.Context) error {
	if !u.st.hadPrevious() || !u.installed {
		return nil
	}
	changed := func(options ...string) bool {
		for _, o := range options {
			if u.st.changed(u.raw, o) {
				return true
			}
		}
		return false
	}
	if changed("bind_to_all_interfaces", "tls_cipher_suites") {
		u.st.set(flagRerender, "true")
	}
	if !changed("port", "management_port", "snapshot_count", "election_timeout", "heartbeat_interval") {
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
