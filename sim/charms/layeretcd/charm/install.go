package charm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
)

// snapInstall is snap_install and channel_changed, on
// config.changed.channel (true in the first hook): core, then etcd at the
// target channel; a later change re-renders and restarts.
func (u *unit) snapInstall(ctx context.Context) error {
	if !u.st.changed(u.raw, "channel") {
		return nil
	}
	if err := u.c.Snap.Install(ctx, "core", "stable"); err != nil && !errors.Is(err, snap.ErrAlreadyInstalled) {
		return fmt.Errorf("cannot install core: %w", err)
	}
	if ch := u.cfg.TargetChannel(u.installed); ch != "" {
		if err := u.installEtcd(ctx, ch); err != nil {
			return err
		}
		u.st.set(flagSSLExported, "")
	}
	if u.st.hadPrevious() {
		u.st.set(flagRerender, "true")
	}
	return nil
}

// installEtcd is layer:snap's install/refresh of etcd: a non-empty `etcd`
// resource is sideloaded (--dangerous), otherwise the store's channel.
func (u *unit) installEtcd(ctx context.Context, channel string) error {
	if path, err := u.c.Tools.ResourceGet(ctx, "etcd"); err == nil {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			if err := u.c.Snap.InstallPath(ctx, path); err != nil {
				return fmt.Errorf("cannot install the etcd resource: %w", err)
			}
			return u.refreshInstalled(ctx)
		}
	}
	var err error
	if u.installed {
		err = u.c.Snap.Refresh(ctx, "etcd", channel)
	} else {
		err = u.c.Snap.Install(ctx, "etcd", channel)
	}
	if err != nil {
		return fmt.Errorf("cannot install etcd from %s: %w", channel, err)
	}
	return u.refreshInstalled(ctx)
}

// snapdTimer is layer:snap's refresh.timer from snapd_refresh plus
// process_snapd_timer / set_snapd_timer: the leader shares core's timer in
// leader data, followers apply the leader's.
func (u *unit) snapdTimer(ctx context.Context) error {
	if u.st.changed(u.raw, "snapd_refresh") {
		if err := u.c.Snap.SetConf(ctx, "core", "refresh.timer", RefreshTimer(u.cfg.SnapdRefresh, u.c.Now())); err != nil {
			return fmt.Errorf("cannot set core's refresh.timer: %w", err)
		}
	}
	current, err := u.c.Snap.Conf(ctx, "core", "refresh.timer")
	if err != nil {
		return fmt.Errorf("cannot read core's refresh.timer: %w", err)
	}
	shared := u.leaderData[LeaderSnapdRefresh]
	if u.leader {
		if current == "" {
			// A subordinate blanked it: put back the shared value, or
			// the one the option gives.
			current = shared
			if current == "" {
				current = RefreshTimer(u.cfg.SnapdRefresh, u.c.Now())
			}
			if err := u.c.Snap.SetConf(ctx, "core", "refresh.timer", current); err != nil {
				return fmt.Errorf("cannot set core's refresh.timer: %w", err)
			}
		}
		if shared != current {
			return u.leaderSet(ctx, map[string]string{LeaderSnapdRefresh: current})
		}
		return nil
	}
	if shared != "" && shared != current {
		if err := u.c.Snap.SetConf(ctx, "core", "refresh.timer", shared); err != nil {
			return fmt.Errorf("cannot set core's refresh.timer: %w", err)
		}
	}
	return nil
}

// RefreshTimer is layer:snap's snapd_refresh → refresh.timer: "max" is one
// day a month, the weekday and its week of yesterday's date ("thu2").
func RefreshTimer(option string, now time.Time) string {
	if option != "max" {
		return option
	}
	y := now.AddDate(0, 0, -1)
	return fmt.Sprintf("%s%d", strings.ToLower(y.Weekday().String()[:3]), (y.Day()-1)/7+1)
}

// AlwaysRestartDropIn is templates/service-always-restart.systemd-latest.conf.
const AlwaysRestartDropIn = "[Unit]\nStartLimitIntervalSec=0\n\n[Service]\nRestartSec=10\n"

// systemdDropIn is add_systemd_restart_always (the daemon-reload and the
// restart of the original are a systemd matter; jujusim's snapd supervises
// the service itself).
func (u *unit) systemdDropIn() error {
	if u.st.flag(flagRestartDropIn) {
		return nil
	}
	if err := writeFile(u.c.Paths.RestartDropIn(), []byte(AlwaysRestartDropIn), 0o644); err != nil {
		return fmt.Errorf("cannot write the etcd service drop-in: %w", err)
	}
	u.st.set(flagRestartDropIn, "true")
	return nil
}

// setVersion is set_app_version: etcdctl's version as the workload version.
func (u *unit) setVersion(ctx context.Context) error {
	v, err := u.c.Ctl.Version(ctx)
	if err != nil {
		u.logf(ctx, "WARNING", "%v", err)
		return nil
	}
	u.version = v
	return u.c.Tools.ApplicationVersionSet(ctx, v)
}

// bashAliases is render_default_user_ssl_exports: root's etcdctl
// environment with the client credentials (v3 names from etcd 3.3).
func (u *unit) bashAliases() error {
	if u.st.flag(flagSSLExported) || u.version == "" {
		return nil
	}
	parts := strings.SplitN(u.version, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	p := u.c.Paths
	names := [3]string{"ETCDCTL_KEY", "ETCDCTL_CERT", "ETCDCTL_CACERT"}
	// QUIRK kept: the original tests major >= 3 and minor >= 3.
	if !(major >= 3 && minor >= 3) {
		names = [3]string{"ETCDCTL_KEY_FILE", "ETCDCTL_CERT_FILE", "ETCDCTL_CA_FILE"}
	}
	data := fmt.Sprintf("export %s=%s\nexport %s=%s\nexport %s=%s\n",
		names[0], p.ClientKey(), names[1], p.ClientCert(), names[2], p.CA())
	if err := writeFile(p.BashAliases(), []byte(data), 0o644); err != nil {
		return fmt.Errorf("cannot write root's etcdctl environment: %w", err)
	}
	u.st.set(flagSSLExported, "true")
	return nil
}

// tls is prepare_tls_certificates, tls-client's saving and
// tls_state_control / tls_update.
func (u *unit) tls(ctx context.Context) error {
	ids, err := u.c.Tools.RelationIDs(ctx, EndpointCertificates)
	if err != nil {
		return err
	}
	available := false
	var bags []map[string]string
	for _, id := range ids {
		units, err := u.c.Tools.RelationList(ctx, id)
		if err != nil {
			return err
		}
		if len(units) == 0 {
			continue
		}
		available = true
		req, err := u.certRequest(ctx)
		if err != nil {
			return err
		}
		if err := u.c.Tools.RelationSet(ctx, id, false, req.Bag()); err != nil {
			return err
		}
		for _, r := range units {
			bag, err := u.c.Tools.RelationGet(ctx, id, r, false)
			if err != nil {
				return err
			}
			bags = append(bags, bag)
		}
	}
	if !available {
		return u.c.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: MsgMissingCA}, false)
	}
	req, err := u.certRequest(ctx)
	if err != nil {
		return err
	}
	var files TLSFiles
	for _, b := range bags {
		if f := FindTLS(b, req); f.Complete() {
			files = f
			break
		}
	}
	if !files.Complete() {
		return nil
	}
	changed, err := WriteTLS(u.c.Paths, u.ev.App(), files)
	if err != nil {
		return err
	}
	if changed && u.st.flag(flagSSLPlaced) && (u.st.flag(flagRegistered) || u.st.flag(flagLeaderConfigured)) {
		// tls_update: new certificates, restart, re-send credentials.
		if err := u.render(ctx); err != nil {
			return err
		}
		if err := u.c.Snap.Restart(ctx, Service); err != nil {
			return err
		}
	}
	if _, err := os.Stat(u.c.Paths.ConfDir()); err == nil {
		u.st.set(flagSSLPlaced, "true")
	}
	return nil
}

func (u *unit) certRequest(ctx context.Context) (CertRequest, error) {
	public, err := u.c.Tools.UnitGet(ctx, "public-address")
	if err != nil {
		return CertRequest{}, err
	}
	db, err := u.ingressAddresses(ctx, EndpointDB)
	if err != nil {
		return CertRequest{}, err
	}
	cluster, err := u.ingressAddresses(ctx, EndpointCluster)
	if err != nil {
		return CertRequest{}, err
	}
	peers, err := u.peerDBAddresses(ctx)
	if err != nil {
		return CertRequest{}, err
	}
	return NewCertRequest(u.ev.Unit, public, hostname(u.c), db, cluster, peers), nil
}
