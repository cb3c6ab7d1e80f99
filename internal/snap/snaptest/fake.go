// Package snaptest is a stateful in-memory snapd implementing snap.Client,
// for tests of the charm. It keeps the snapd rules the charm relies on:
//
//   - Install of a snap the store lacks, or at a channel the store does
//     not serve, fails; Install of an installed snap fails with
//     snap.ErrAlreadyInstalled;
//   - Refresh of a snap that is not installed fails with
//     snap.ErrNotInstalled; Refresh to the channel it already tracks with
//     nothing newer succeeds doing nothing (the real client's
//     snap-no-update-available, which the adapter maps to nil); Refresh
//     replaces a sideloaded revision (amend);
//   - InstallPath makes local revisions x1, x2, … and keeps the tracking
//     channel;
//   - a snap's services ("etcd.etcd") exist once it is installed and are
//     inactive until started; unknown services are errors;
//   - Conf of an unset key is "", and "system" is "core"; SetConf fails on
//     a snap without a configure hook (every snap but core, unless
//     SetConfigureHook), as the etcd snap's does.
//
// Every call is logged (Calls) and any method can be made to fail next
// (FailNext), e.g. with a snapd change error.
package snaptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/etcd-charm/etcd-charm/internal/snap"
)

// Fake is a snapd. Use New.
type Fake struct {
	mu        sync.Mutex
	installed map[string]*snap.Snap
	// previous are the revisions each snap had before, oldest first
	// (snapd's sequence up to the current one), for Revert.
	previous  map[string][]*snap.Snap
	revisions map[string]int // store revision counter per snap
	locals    map[string]int // last local revision per snap
	store     map[string]map[string]string
	services  map[string]map[string]bool // snap -> service -> active
	apps      map[string][]string        // snap -> its service names
	conf      map[string]map[string]string
	hooks     map[string]bool // snaps with a configure hook
	failures  map[string][]error
	conns     map[string]bool     // "etcd:removable-media" connected
	logs      map[string][]string // service -> its journal lines
	calls     []string
}

// New returns a snapd with an empty store and only core installed.
func New() *Fake {
	return &Fake{
		installed: map[string]*snap.Snap{
			"core": {Name: "core", Version: "16-2.61", Revision: "16928", Channel: "latest/stable"},
		},
		previous:  map[string][]*snap.Snap{},
		revisions: map[string]int{},
		locals:    map[string]int{},
		store:     map[string]map[string]string{},
		services:  map[string]map[string]bool{},
		apps:      map[string][]string{},
		conf:      map[string]map[string]string{},
		hooks:     map[string]bool{},
		failures:  map[string][]error{},
	}
}

// NewEtcd returns a snapd whose store serves the etcd snap the way the
// charm expects: 3.4/stable → 3.4.23, 3.5/stable → 3.5.17 and
// 3.6/stable → 3.6.16 (plus candidate/edge of 3.6), with the etcd.etcd
// service.
func NewEtcd() *Fake {
	f := New()
	f.SetStore("etcd", map[string]string{
		"3.4/stable": "3.4.23", "3.5/stable": "3.5.17", "3.6/stable": "3.6.16",
		"3.6/candidate": "3.6.16", "3.6/edge": "3.6.16",
	})
	f.SetServices("etcd", "etcd.etcd")
	return f
}

// SetStore sets the channels (full "<track>/<risk>" names) the store
// serves for name, each with its version.
func (f *Fake) SetStore(name string, channels map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := map[string]string{}
	for ch, v := range channels {
		c[fullChannel(ch)] = v
	}
	f.store[name] = c
}

// SetServices declares a snap's services ("etcd.etcd").
func (f *Fake) SetServices(name string, services ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps[name] = append([]string(nil), services...)
}

// SetConfigureHook gives a snap a configure hook, so SetConf on it
// works; without one (the etcd snap has none) snapd's change fails.
func (f *Fake) SetConfigureHook(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks[name] = true
}

// FailNext makes the next call of method ("Install", "Restart", …) fail
// with err; queued errors are used in order.
func (f *Fake) FailNext(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[method] = append(f.failures[method], err)
}

// Calls returns the calls so far ("Install etcd 3.4/stable") and forgets
// them.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// Installed returns a copy of an installed snap (nil if absent), without
// logging a call.
func (f *Fake) Installed(name string) *snap.Snap {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.installed[name]
	if !ok {
		return nil
	}
	c := *s
	return &c
}

// SetActive sets a service's state without logging a call (as if it had
// crashed or systemd had restarted it).
func (f *Fake) SetActive(service string, active bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	name, _, _ := strings.Cut(service, ".")
	if _, ok := f.services[name][service]; !ok {
		return fmt.Errorf("no service %q", service)
	}
	f.services[name][service] = active
	return nil
}

// begin logs a call and returns an injected failure, if any; f.mu is held.
func (f *Fake) begin(ctx context.Context, method string, args ...string) error {
	f.calls = append(f.calls, strings.Join(append([]string{method}, args...), " "))
	if err := ctx.Err(); err != nil {
		return err
	}
	if q := f.failures[method]; len(q) > 0 {
		f.failures[method] = q[1:]
		return q[0]
	}
	return nil
}

// fullChannel is snapd's channel.Full for the forms the charm uses:
// "stable" → "latest/stable", "3.4" → "3.4/stable".
func fullChannel(ch string) string {
	switch {
	case ch == "":
		return "latest/stable"
	case ch == "stable" || ch == "candidate" || ch == "beta" || ch == "edge":
		return "latest/" + ch
	case !strings.Contains(ch, "/"):
		return ch + "/stable"
	}
	return ch
}

func (f *Fake) installServices(name string) {
	if _, ok := f.services[name]; ok {
		return
	}
	f.services[name] = map[string]bool{}
	for _, s := range f.apps[name] {
		f.services[name][s] = false
	}
}

// Snap implements snap.Client.
func (f *Fake) Snap(ctx context.Context, name string) (*snap.Snap, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Snap", name); err != nil {
		return nil, err
	}
	s, ok := f.installed[name]
	if !ok {
		return nil, fmt.Errorf("cannot get snap %q: %w", name, snap.ErrNotInstalled)
	}
	c := *s
	return &c, nil
}

// Install implements snap.Client.
func (f *Fake) Install(ctx context.Context, name, channel string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Install", name, channel); err != nil {
		return err
	}
	if _, ok := f.installed[name]; ok {
		return fmt.Errorf("cannot install snap %q: %w", name, snap.ErrAlreadyInstalled)
	}
	channels, ok := f.store[name]
	if !ok {
		return fmt.Errorf("cannot install snap %q: snap not found", name)
	}
	ch := fullChannel(channel)
	version, ok := channels[ch]
	if !ok {
		return fmt.Errorf("cannot install snap %q: no snap revision on specified channel %q", name, ch)
	}
	f.revisions[name]++
	f.installed[name] = &snap.Snap{Name: name, Version: version, Revision: strconv.Itoa(f.revisions[name]), Channel: ch}
	f.installServices(name)
	return nil
}

// InstallPath implements snap.Client: the snap's name comes from the file
// name (etcd_3.5.17_amd64.snap, or etcd.snap as a Juju resource is named).
func (f *Fake) InstallPath(ctx context.Context, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "InstallPath", path); err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("cannot install snap file: %w", err)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".snap")
	name, version, _ := strings.Cut(base, "_")
	version, _, _ = strings.Cut(version, "_")
	if name == "" {
		return fmt.Errorf("cannot install snap file %s: cannot tell its name", path)
	}
	if version == "" {
		version = "local"
	}
	f.locals[name]++
	s := &snap.Snap{Name: name, Version: version, Revision: "x" + strconv.Itoa(f.locals[name]), Local: true}
	if old, ok := f.installed[name]; ok {
		s.Channel = old.Channel
		f.previous[name] = append(f.previous[name], old)
	}
	f.installed[name] = s
	f.installServices(name)
	return nil
}

// Refresh implements snap.Client.
func (f *Fake) Refresh(ctx context.Context, name, channel string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Refresh", name, channel); err != nil {
		return err
	}
	s, ok := f.installed[name]
	if !ok {
		return fmt.Errorf("cannot refresh snap %q: %w", name, snap.ErrNotInstalled)
	}
	ch := s.Channel
	if channel != "" {
		ch = fullChannel(channel)
	}
	version, ok := f.store[name][ch]
	if !ok {
		return fmt.Errorf("cannot refresh snap %q: no snap revision on specified channel %q", name, ch)
	}
	if !s.Local && s.Version == version {
		s.Channel = ch // snapd's switch-snap-channel: same revision, new tracking
		return nil
	}
	f.revisions[name]++
	f.previous[name] = append(f.previous[name], s)
	f.installed[name] = &snap.Snap{Name: name, Version: version, Revision: strconv.Itoa(f.revisions[name]), Channel: ch}
	return nil
}

// Revert implements snap.Client: back to the previous revision, its
// services as they were (snapd stops and starts them around the switch).
func (f *Fake) Revert(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Revert", name); err != nil {
		return err
	}
	if _, ok := f.installed[name]; !ok {
		return fmt.Errorf("cannot revert snap %q: %w", name, snap.ErrNotInstalled)
	}
	prev := f.previous[name]
	if len(prev) == 0 {
		return fmt.Errorf("cannot revert snap %q: no revision to revert to", name)
	}
	// snapd keeps the tracking channel: a revert changes the revision
	// only.
	back := *prev[len(prev)-1]
	back.Channel = f.installed[name].Channel
	f.installed[name] = &back
	f.previous[name] = prev[:len(prev)-1]
	return nil
}

// Channels implements snap.Client.
func (f *Fake) Channels(ctx context.Context, name string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Channels", name); err != nil {
		return nil, err
	}
	channels, ok := f.store[name]
	if !ok {
		return nil, fmt.Errorf("cannot find snap %q: snap not found", name)
	}
	out := make(map[string]string, len(channels))
	for k, v := range channels {
		out[k] = v
	}
	return out, nil
}

var _ snap.Client = (*Fake)(nil)
