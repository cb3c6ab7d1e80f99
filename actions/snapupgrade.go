package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/workload"
)

// snapUpgrade brings this unit to the etcd snap the charm wants, one unit
// per run so the operator can roll through the cluster:
//
//   - a Debian-package etcd (the pre-snap charms) is migrated to the snap
//     (see migrateDeb);
//   - an attached `etcd` resource this unit does not run yet is sideloaded:
//     one whose sha256 differs from the one this unit installed, or any
//     when a store revision runs (the resource was attached after a store
//     install, or a channel refresh replaced the sideloaded file);
//   - else, with no resource attached, the snap is refreshed to the
//     configured channel when it tracks another one. A non-empty resource
//     wins over the channel, as in layer-etcd and metadata.yaml ("attach
//     an empty file to use the store"): refreshing it away here would be
//     undone by the next run, which sideloads it again.
//
// snapd restarts etcd into the new revision; the action then waits for
// the member to serve again and reports the versions. A member that does
// not serve within the bound is reverted to the revision it ran before
// (see revertUpgrade), and the action fails saying so. When none of these
// applies it fails, saying what it checked. layer-etcd's action only did
// the Debian migration (and read params it never declared: a QUIRK).
//
// Param use-resource is layer-etcd's "Default to using the resource
// (offline environments)" (its actions.yaml; its code never read it):
// with it set, the action installs etcd only from the attached `etcd`
// resource, for the Debian migration too, and never asks the snap store;
// without a resource attached it fails before touching anything.
func snapUpgrade(ctx context.Context, d Deps, ev juju.Event) error {
	if d.Snap == nil {
		return errors.New("cannot upgrade etcd: the charm was built without a snapd client")
	}
	p, err := getParams(ctx, d)
	if err != nil {
		return err
	}
	useResource := p.bool("use-resource", false)
	if p.err != nil {
		return p.err
	}
	cfg, err := configOf(ctx, d)
	if err != nil {
		return juju.Failf("Cannot read the charm config: %v", err)
	}
	installed, err := d.Snap.Snap(ctx, charm.SnapName)
	if err != nil && !errors.Is(err, snap.ErrNotInstalled) {
		return fmt.Errorf("cannot ask snapd about etcd: %w", err)
	}
	resource, sum, err := workload.EtcdResource(ctx, d.Tools)
	if err != nil {
		return err
	}
	if useResource && resource == "" {
		return juju.Failf("Param use-resource is set but no etcd resource is attached: attach the etcd snap (juju attach-resource %s etcd=<file.snap>), then run snap-upgrade again; nothing was changed.", ev.App())
	}
	if deb, ok, err := findDebEtcd(d); err != nil {
		return err
	} else if ok {
		offline := ""
		if useResource {
			offline = resource
		}
		return migrateDeb(ctx, d, ev, cfg, installed, deb, offline)
	}
	if installed == nil {
		return juju.Failf("etcd is not installed on this unit yet: wait for the install hook to finish")
	}
	// What etcd logged before the upgrade: only a record written after
	// it says the upgraded etcd failed (waitUpgraded).
	logged, _ := workload.EtcdLogged(ctx, d.Snap) // nil: not known
	before := describeSnap(installed)
	results := map[string]string{"snap.before": before}
	state, err := workload.ReadUnitState(ctx, d.Tools)
	if err != nil {
		return err
	}
	// A sideload makes a local revision (x1, x2, …); snapd keeps a store
	// install's tracking channel, so only Local tells the two apart.
	resourceRuns := resource != "" && installed.Local && sum == state.Resource
	view := charm.SnapView{Tracking: installed.Channel, Local: installed.Local}
	switch {
	case resource != "" && !resourceRuns:
		d.phase(ctx, "snap-upgrade: installing the attached etcd resource (%s, sha256 %s) over %s", humanSize(fileSize(resource)), sum, before)
		if err := d.Snap.InstallPath(ctx, resource); err != nil {
			return juju.Failf("Cannot install the attached etcd resource: %v", err)
		}
		// Recording it keeps the next hook from installing the same
		// file again.
		next := state
		next.Resource = sum
		if err := workload.WriteUnitState(ctx, d.Tools, state, next); err != nil {
			return fmt.Errorf("cannot record the installed resource: %w", err)
		}
		results["result"] = "installed the attached etcd resource (sha256 " + sum + ")"
	case resource == "" && view.WantRefresh(cfg.Channel, false):
		// No resource (or an empty one) attached: follow the channel,
		// away from a sideloaded revision too.
		d.phase(ctx, "snap-upgrade: refreshing etcd %s to channel %s", before, charm.FullChannel(cfg.Channel))
		if err := d.Snap.Refresh(ctx, charm.SnapName, cfg.Channel); err != nil {
			return juju.Failf("Cannot refresh etcd to channel %s: %v", cfg.Channel, err)
		}
		results["result"] = "refreshed etcd to channel " + charm.FullChannel(cfg.Channel)
	case resourceRuns:
		return juju.Failf("Nothing to upgrade: this unit runs etcd %s, and the attached etcd resource is the one installed (sha256 %s). Attach a new etcd resource (juju attach-resource %s etcd=<file.snap>), or an empty one to follow the channel config, then run snap-upgrade again.", before, sum, ev.App())
	default:
		why := "the channel config is auto"
		if cfg.Channel != "auto" {
			why = "it already tracks the configured channel " + charm.FullChannel(cfg.Channel)
		}
		return juju.Failf("Nothing to upgrade: this unit runs etcd %s, %s, and no etcd resource is attached. Attach a new etcd resource (juju attach-resource %s etcd=<file.snap>) or set the channel config, then run snap-upgrade again.", before, why, ev.App())
	}
	after, err := d.Snap.Snap(ctx, charm.SnapName)
	if err != nil {
		return fmt.Errorf("cannot read the upgraded etcd snap: %w", err)
	}
	results["snap.after"] = describeSnap(after)
	d.phase(ctx, "snap-upgrade: %s; waiting for etcd to serve", results["result"])
	if local, err := readLocal(d); err == nil {
		st, err := waitUpgraded(ctx, d, local.ClientURL, logged)
		if err != nil {
			return revertUpgrade(ctx, d, results, state, local.ClientURL, err)
		}
		results["etcd.version"] = st.Version
	}
	return d.Tools.ActionSet(ctx, results)
}

// describeSnap is "3.5.17 (revision 233, channel 3.5/stable)".
func describeSnap(s *snap.Snap) string {
	ch := s.Channel
	if ch == "" {
		ch = "none"
	}
	if s.Local {
		return fmt.Sprintf("%s (local revision %s, channel %s)", s.Version, s.Revision, ch)
	}
	return fmt.Sprintf("%s (revision %s, channel %s)", s.Version, s.Revision, ch)
}

// revertUpgrade puts back the revision this unit ran before an upgrade
// whose etcd does not serve within restoreServe (notServing says why):
// snapd's revert returns to the previous revision with the data it had
// (snapd keeps $SNAP_DATA per revision for exactly this) and restarts
// etcd into it, so the unit is not left down. The unit state is put back
// too, so the hooks do not take the reverted revision for the resource
// just attached. The action fails either way, saying what happened.
func revertUpgrade(ctx context.Context, d Deps, results map[string]string, before charm.UnitState, endpoint string, notServing error) error {
	upgraded := results["snap.after"]
	// How the upgraded etcd failed: it said why and exited, or it did not
	// serve within the bound.
	failed := fmt.Sprintf("does not serve within %s: %v", restoreServe, notServing)
	var exited errEtcdFailed
	if errors.As(notServing, &exited) {
		failed = "does not start: " + exited.reason
		results["etcd.error"] = exited.reason
	}
	if err := d.Tools.ActionLog(ctx, fmt.Sprintf("etcd %s %s; reverting to %s", upgraded, failed, results["snap.before"])); err != nil {
		return err
	}
	if err := d.Snap.Revert(ctx, charm.SnapName); err != nil {
		if aerr := d.Tools.ActionSet(ctx, results); aerr != nil {
			return aerr
		}
		return juju.Failf("etcd was upgraded (%s) but %s; reverting it failed too: %v", upgraded, failed, err)
	}
	now, err := workload.ReadUnitState(ctx, d.Tools)
	if err != nil {
		return err
	}
	if err := workload.WriteUnitState(ctx, d.Tools, now, before); err != nil {
		return fmt.Errorf("cannot put back the unit state after the revert: %w", err)
	}
	reverted, err := d.Snap.Snap(ctx, charm.SnapName)
	if err != nil {
		return fmt.Errorf("cannot read the reverted etcd snap: %w", err)
	}
	results["snap.reverted"] = describeSnap(reverted)
	st, err := waitServing(ctx, d, endpoint)
	if err != nil {
		if aerr := d.Tools.ActionSet(ctx, results); aerr != nil {
			return aerr
		}
		return juju.Failf("etcd was upgraded (%s) but %s. It was reverted to %s, which does not serve either: %v", upgraded, failed, results["snap.reverted"], err)
	}
	results["etcd.version"] = st.Version
	if err := d.Tools.ActionSet(ctx, results); err != nil {
		return err
	}
	return juju.Failf("etcd was upgraded (%s) but %s. It was reverted to %s, which serves again.", upgraded, failed, results["snap.reverted"])
}

// errEtcdFailed is an upgraded etcd that exited saying why.
type errEtcdFailed struct{ reason string }

func (e errEtcdFailed) Error() string { return "etcd exited: " + e.reason }

// waitUpgraded waits, as waitServing, for the upgraded etcd to serve,
// but gives up at once when etcd logs a fatal record it had not logged
// before the upgrade (logged): an etcd that cannot start says so and
// exits, and waiting out the bound would only keep the member down
// longer before the revert.
func waitUpgraded(ctx context.Context, d Deps, endpoint string, logged map[string]bool) (etcd.Status, error) {
	var giveUp func() error
	if logged != nil {
		giveUp = func() error {
			if reason, _ := workload.EtcdFatalSince(ctx, d.Snap, logged); reason != "" {
				return errEtcdFailed{reason}
			}
			return nil
		}
	}
	return waitFor(ctx, d, endpoint, nil, giveUp)
}
