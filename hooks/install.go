package hooks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
)

const (
	snapName    = "etcd"
	serviceName = "etcd.etcd"
	// fallbackChannel is layer-etcd's default for "auto".
	fallbackChannel = "3.4/stable"
	// minTrack is the oldest track the charm drives (v3 API with learners).
	minMajor, minMinor = 3, 4
)

// ensureSnap installs etcd if it is missing: from the `etcd` resource when
// one is attached and non-empty (sideload), else from the store at the
// configured channel. It returns the installed snap. A store or channel
// failure is a blocked status naming the channel; the next hook retries.
func ensureSnap(ctx context.Context, d Deps, w *world) (*snap.Snap, error) {
	installed, err := d.Snap.Snap(ctx, snapName)
	if err != nil && !errors.Is(err, snap.ErrNotInstalled) {
		return nil, fmt.Errorf("cannot ask snapd about etcd: %w", err)
	}
	if installed != nil {
		// A resource attached later is the snap-upgrade action's: no
		// resource-get (on Juju it may download the file) every hook.
		return installed, nil
	}
	resource, sum, err := charm.EtcdResource(ctx, d.Tools)
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
		if err := d.Snap.InstallPath(ctx, resource); err != nil {
			return nil, juju.Blocked("Cannot install the attached etcd resource: %v", err)
		}
		if err := w.setState(ctx, d, map[string]string{stateResource: sum}); err != nil {
			return nil, err
		}
	default:
		channel, err := installChannel(ctx, d, w.cfg.Channel)
		if err != nil {
			return nil, err
		}
		if err := d.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusMaintenance, Message: "Installing etcd."}, false); err != nil {
			return nil, err
		}
		if err := d.Snap.Install(ctx, snapName, channel); err != nil {
			return nil, juju.Blocked("Cannot install etcd from channel %s: %v", channel, err)
		}
	}
	installed, err = d.Snap.Snap(ctx, snapName)
	if err != nil {
		return nil, fmt.Errorf("cannot read the installed etcd snap: %w", err)
	}
	return installed, nil
}

// installChannel resolves the channel for a fresh install: "auto" is the
// highest supported track (3.4 or later) the store offers as stable,
// falling back to layer-etcd's 3.4/stable.
func installChannel(ctx context.Context, d Deps, configured string) (string, error) {
	if configured != "auto" {
		return configured, nil
	}
	channels, err := d.Snap.Channels(ctx, snapName)
	if err != nil {
		d.logf("cannot list etcd's channels, using %s: %v", fallbackChannel, err)
		return fallbackChannel, nil
	}
	var tracks []string
	for ch := range channels {
		track, risk, ok := strings.Cut(ch, "/")
		if ok && risk == "stable" && supportedTrack(track) {
			tracks = append(tracks, track)
		}
	}
	if len(tracks) == 0 {
		return fallbackChannel, nil
	}
	sort.Slice(tracks, func(i, j int) bool { return trackLess(tracks[i], tracks[j]) })
	return tracks[len(tracks)-1] + "/stable", nil
}

func parseTrack(track string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(track, ".")
	if !found {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, err1 == nil && err2 == nil
}

func supportedTrack(track string) bool {
	major, minor, ok := parseTrack(track)
	return ok && (major > minMajor || (major == minMajor && minor >= minMinor))
}

func trackLess(a, b string) bool {
	am, an, _ := parseTrack(a)
	bm, bn, _ := parseTrack(b)
	return am < bm || (am == bm && an < bn)
}

// wantRefresh reports whether the installed snap should move to the
// configured channel: only for an explicit channel ("auto" keeps what is
// installed) that differs from the tracked one, and never away from the
// attached `etcd` resource the charm installed (fromResource: a local
// revision recorded in unit state). The resource wins, as metadata.yaml
// says, until the operator attaches an empty one and runs snap-upgrade;
// an offline machine would otherwise be blocked on a store refresh.
func wantRefresh(installed *snap.Snap, configured string, fromResource bool) bool {
	if configured == "auto" || installed == nil || (installed.Local && fromResource) {
		return false
	}
	return charm.FullChannel(configured) != charm.FullChannel(installed.Channel)
}
