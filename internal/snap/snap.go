// Package snap is the charm's view of snapd: the few operations the etcd
// charm needs, over github.com/snapcore/snapd/client talking to
// <root>/run/snapd.socket. Asynchronous operations return once snapd's
// change is Done (or fail with its err text).
package snap

import (
	"context"
	"errors"
)

// ErrNotInstalled: the snap is not installed (snapd's snap-not-found on
// GET /v2/snaps/{name}).
var ErrNotInstalled = errors.New("snap not installed")

// ErrAlreadyInstalled: Install of a snap that is installed (snapd's
// snap-already-installed); use Refresh to change its channel.
var ErrAlreadyInstalled = errors.New("snap already installed")

// Snap is an installed snap.
type Snap struct {
	Name     string
	Version  string // e.g. "3.5.17"
	Revision string // e.g. "233" or "x1" for a sideloaded snap
	// Channel is the tracking channel ("3.5/stable"); "" for a sideloaded
	// snap that never tracked one.
	Channel string
	// Local is true for a sideloaded (--dangerous) revision.
	Local bool
}

// Client is the charm's snapd interface. Service names are snapd app names
// ("etcd.etcd"), not systemd units.
type Client interface {
	// Snap returns the installed snap, or ErrNotInstalled.
	Snap(ctx context.Context, name string) (*Snap, error)
	// Install installs name from the store at channel.
	Install(ctx context.Context, name, channel string) error
	// InstallPath sideloads a .snap file (dangerous), as a new local revision.
	InstallPath(ctx context.Context, path string) error
	// Refresh moves an installed snap to channel (amend, so a sideloaded
	// snap is replaced from the store). Nothing newer is not an error.
	Refresh(ctx context.Context, name, channel string) error
	// Revert goes back to the revision installed before the current one
	// (snapd keeps it, and its data, for this); snapd restarts the
	// snap's services into it. Nothing to revert to is an error.
	Revert(ctx context.Context, name string) error
	// Channels lists the store's channels of name ("3.5/stable") with the
	// version each serves.
	Channels(ctx context.Context, name string) (map[string]string, error)

	Start(ctx context.Context, service string) error
	Stop(ctx context.Context, service string) error
	Restart(ctx context.Context, service string) error
	// Active reports whether service is running.
	Active(ctx context.Context, service string) (bool, error)
	// Logs returns the last n lines service wrote (its journal, as snap
	// logs -n shows them), oldest first.
	Logs(ctx context.Context, service string, n int) ([]string, error)

	// Conf returns a snap option ("" when unset); SetConf sets it.
	Conf(ctx context.Context, snap, key string) (string, error)
	SetConf(ctx context.Context, snap, key, value string) error

	// Connect connects snap's plug to the system slot of the same
	// interface (snap connect <snap>:<plug> :<plug>); connecting what is
	// connected already is not an error.
	Connect(ctx context.Context, snap, plug string) error
}
