package hooks

import (
	"context"
	"errors"
	"fmt"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/workload"
)

// ensureSnap installs etcd if it is missing: from the `etcd` resource when
// one is attached and non-empty (sideload), else from the store at the
// configured channel. It returns the installed snap. A store or channel
// failure is a blocked status naming the channel; the next hook retries.
func ensureSnap(ctx context.Context, d Deps, w *world) (*snap.Snap, error) {
	installed, err := d.Snap.Snap(ctx, charm.SnapName)
	if err != nil && !errors.Is(err, snap.ErrNotInstalled) {
		return nil, fmt.Errorf("cannot ask snapd about etcd: %w", err)
	}
	if installed != nil {
		// A resource attached later is the snap-upgrade action's: no
		// resource-get (on Juju it may download the file) every hook.
		return installed, nil
	}
	resource, sum, err := workload.EtcdResource(ctx, d.Tools)
	if err != nil {
		return nil, err
	}
	switch {
	// An attached resource installs etcd; a newer one attached later is
	// rolled out by the operator, unit by unit, with the snap-upgrade
	// action, never by every unit at once.
	case resource != "":
		if err := d.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusMaintenance, Message: "Installing etcd."}, false); err != nil {
			return nil, err
		}
		d.note(ctx, levelInfo, "installing etcd from the attached resource (sha256 %s)", sum)
		if err := d.Snap.InstallPath(ctx, resource); err != nil {
			return nil, juju.Blocked("Cannot install the attached etcd resource: %v", err)
		}
		w.state.Resource = sum
	default:
		channel, err := installChannel(ctx, d, w)
		if err != nil {
			return nil, err
		}
		if err := d.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusMaintenance, Message: "Installing etcd."}, false); err != nil {
			return nil, err
		}
		d.note(ctx, levelInfo, "installing etcd from channel %s", channel)
		if err := d.Snap.Install(ctx, charm.SnapName, channel); err != nil {
			return nil, juju.Blocked("Cannot install etcd from channel %s: %v", channel, err)
		}
	}
	installed, err = d.Snap.Snap(ctx, charm.SnapName)
	if err != nil {
		return nil, fmt.Errorf("cannot read the installed etcd snap: %w", err)
	}
	return installed, nil
}
