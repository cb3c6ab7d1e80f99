package snapd

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/snapcore/snapd/snap/channel"
)

// snapAction is the body of POST /v2/snaps/{name} (daemon/api.go
// snapInstruction): the action plus client.SnapOptions flattened in.
type snapAction struct {
	Action    string `json:"action"`
	Channel   string `json:"channel"`
	Revision  string `json:"revision"`
	Amend     bool   `json:"amend"`
	Purge     bool   `json:"purge"`
	Classic   bool   `json:"classic"`
	DevMode   bool   `json:"devmode"`
	JailMode  bool   `json:"jailmode"`
	Dangerous bool   `json:"dangerous"`
}

// postSnap serves POST /v2/snaps/{name}.
func (d *Daemon) postSnap(name string, r *http.Request) reply {
	var act snapAction
	if err := decodeJSON(r, &act); err != nil {
		return errorReply(err)
	}
	var ch channel.Channel
	if act.Channel != "" {
		var err error
		if ch, err = channel.Parse(act.Channel, d.cfg.Arch); err != nil {
			return errorReply(badRequest("%v", err))
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch act.Action {
	case "install":
		return d.install(name, act, ch)
	case "refresh":
		return d.refresh(name, act, ch)
	case "remove":
		return d.remove(name, act)
	case "revert":
		return d.revert(name)
	case "switch":
		return d.switchChannel(name, act, ch)
	case "enable", "disable":
		return d.enableDisable(name, act.Action == "enable")
	}
	return errorReply(badRequest("unknown action %s", act.Action))
}

// storeRelease picks what a store install/refresh of name gets, and
// refuses while another change holds name. Called with d.mu held.
func (d *Daemon) storeRelease(name, action string, act snapAction, ch channel.Channel) (*StoreSnap, resolved, *apiError) {
	s, rel, aerr := d.resolveRelease(name, action, act, ch)
	if aerr == nil {
		aerr = d.conflictFor([]string{name})
	}
	if aerr != nil {
		return nil, resolved{}, aerr
	}
	return s, rel, nil
}

func (d *Daemon) resolveRelease(name, action string, act snapAction, ch channel.Channel) (*StoreSnap, resolved, *apiError) {
	cat, err := d.store.get()
	if err != nil {
		return nil, resolved{}, internalError("%v", err)
	}
	s := cat.snap(name)
	if s == nil {
		return nil, resolved{}, kindError(http.StatusNotFound, kindSnapNotFound, name, "snap not found")
	}
	if act.Revision != "" {
		n, err := strconv.Atoi(act.Revision)
		if err != nil || n <= 0 {
			return nil, resolved{}, badRequest("invalid snap revision: %q", act.Revision)
		}
		rel, ok := s.byRevision(n)
		if !ok {
			return nil, resolved{}, kindError(http.StatusNotFound, kindRevisionNotAvailable, name,
				"no snap revision available as specified")
		}
		if act.Channel != "" {
			rel.Channel = ch.Full()
		}
		return s, rel, nil
	}
	rel, ok := s.resolve(ch)
	if !ok {
		var releases []map[string]string
		for _, n := range s.channelNames() {
			releases = append(releases, map[string]string{"architecture": d.cfg.Arch, "channel": n})
		}
		requested := ch.Full()
		if act.Channel == "" {
			requested = "latest/stable"
			if s.DefaultTrack != "" {
				requested = s.DefaultTrack + "/stable"
			}
		}
		return nil, resolved{}, kindError(http.StatusNotFound, kindChannelNotAvailable,
			map[string]any{"snap-name": name, "action": action, "channel": requested,
				"architecture": d.cfg.Arch, "releases": releases},
			"no snap revision on specified channel")
	}
	return s, rel, nil
}

func channelSuffix(ch string) string {
	if ch == "" || ch == "stable" {
		return ""
	}
	return fmt.Sprintf(" from %q channel", ch)
}

func (d *Daemon) install(name string, act snapAction, ch channel.Channel) reply {
	if _, ok := d.snaps[name]; ok {
		return errorReply(kindError(http.StatusBadRequest, kindSnapAlreadyInstalled, name,
			"snap %q is already installed", name))
	}
	s, rel, aerr := d.storeRelease(name, "install", act, ch)
	if aerr != nil {
		return errorReply(aerr)
	}
	rev := strconv.Itoa(rel.Revision)
	c := d.addChange("install-snap", fmt.Sprintf("Install %q snap", name)+channelSuffix(act.Channel),
		[]string{name}, nil, d.storeTasks(s, nil, rev, rel)...)
	return asyncReply(c.id)
}

// storeTasks are the tasks of a store install or refresh of s to rel; old
// is the snap as installed (nil for an install).
func (d *Daemon) storeTasks(s *StoreSnap, old *installedSnap, rev string, rel resolved) []*task {
	var meta snapMeta
	name := s.Name
	tasks := []*task{
		d.newTask("download-snap", fmt.Sprintf("Download snap %q (%s) from channel %q", name, rev, rel.Channel), nil),
		d.newTask("mount-snap", fmt.Sprintf("Mount snap %q (%s)", name, rev), func(context.Context) error {
			var err error
			meta, err = d.mountStoreRelease(s, rev, rel.Release)
			return err
		}),
	}
	return append(tasks, d.linkTasks(name, old, func() snapRevision {
		return snapRevision{Revision: rev, Channel: rel.Channel, Meta: meta}
	}, rel.Channel)...)
}

// linkTasks stop the old revision's services, copy its data, make the new
// revision current and start its services: the second half of every
// install, refresh and sideload. tracking "" keeps the old tracking channel.
func (d *Daemon) linkTasks(name string, old *installedSnap, newRev func() snapRevision, tracking string) []*task {
	var oldRev string
	if old != nil {
		oldRev = old.cur().Revision
	}
	var tasks []*task
	if old != nil {
		tasks = append(tasks, d.newTask("stop-snap-services", fmt.Sprintf("Stop snap %q (%s) services", name, oldRev),
			func(context.Context) error { return d.stopSnapServices(name) }))
	}
	tasks = append(tasks,
		d.newTask("copy-snap-data", fmt.Sprintf("Copy snap %q data", name), func(context.Context) error {
			return d.copySnapData(name, oldRev, newRev().Revision)
		}),
		d.newTask("link-snap", fmt.Sprintf("Make snap %q available to the system", name), func(context.Context) error {
			nr := newRev()
			if err := d.linkRevision(nr.Meta, nr.Revision); err != nil {
				return err
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			s := d.snaps[name]
			if s == nil {
				s = &installedSnap{Name: name, InstallDate: time.Now().UTC()}
				d.snaps[name] = s
			}
			// Revisions after the current one (left by a revert) and an
			// older copy of this revision leave the sequence; the new one
			// goes last.
			var seq []snapRevision
			for i, r := range s.Sequence {
				switch {
				case r.Revision == nr.Revision:
				case i <= s.Current:
					seq = append(seq, r)
				default:
					d.removeRevisionFiles(name, r.Revision)
				}
			}
			s.Sequence = append(seq, nr)
			s.Current = len(s.Sequence) - 1
			if tracking != "" {
				s.Tracking = tracking
			}
			s.Disabled = false
			for len(s.Sequence) > retain {
				d.removeRevisionFiles(name, s.Sequence[0].Revision)
				s.Sequence = s.Sequence[1:]
				s.Current--
			}
			d.registerServices(s)
			return d.saveLocked()
		}),
		d.newTask("start-snap-services", fmt.Sprintf("Start snap %q services", name), func(context.Context) error {
			return d.startSnapServices(name)
		}),
	)
	return tasks
}

func (d *Daemon) refresh(name string, act snapAction, ch channel.Channel) reply {
	s, ok := d.snaps[name]
	if !ok {
		return errorReply(errSnapNotInstalled(name))
	}
	cur := s.cur()
	if cur.local() && !act.Amend {
		return errorReply(kindError(http.StatusBadRequest, kindSnapLocal, "", "cannot perform operation on local snap"))
	}
	if act.Channel == "" && s.Tracking != "" && act.Revision == "" {
		var err error
		if ch, err = channel.Parse(s.Tracking, d.cfg.Arch); err != nil {
			return errorReply(internalError("%v", err))
		}
		act.Channel = s.Tracking
	}
	store, rel, aerr := d.storeRelease(name, "refresh", act, ch)
	if aerr != nil {
		return errorReply(aerr)
	}
	rev := strconv.Itoa(rel.Revision)
	summary := fmt.Sprintf("Refresh %q snap", name) + channelSuffix(act.Channel)
	if rev == cur.Revision {
		if rel.Channel == s.Tracking {
			return errorReply(kindError(http.StatusBadRequest, kindNoUpdateAvailable, "", "snap has no updates available"))
		}
		// Same revision on another channel: only the tracking changes.
		from := s.Tracking
		c := d.addChange("refresh-snap", summary, []string{name}, nil,
			d.newTask("switch-snap-channel", fmt.Sprintf("Switch snap %q from channel %q to %q", name, from, rel.Channel),
				func(context.Context) error {
					d.mu.Lock()
					defer d.mu.Unlock()
					if s := d.snaps[name]; s != nil {
						s.Tracking = rel.Channel
					}
					return d.saveLocked()
				}))
		return asyncReply(c.id)
	}
	c := d.addChange("refresh-snap", summary, []string{name}, nil, d.storeTasks(store, s, rev, rel)...)
	return asyncReply(c.id)
}

func (d *Daemon) remove(name string, act snapAction) reply {
	if _, ok := d.snaps[name]; !ok {
		return errorReply(errSnapNotInstalled(name))
	}
	if act.Revision != "" {
		return errorReply(badRequest("cannot remove a single revision with the fake snapd"))
	}
	if aerr := d.conflictFor([]string{name}); aerr != nil {
		return errorReply(aerr)
	}
	c := d.addChange("remove-snap", fmt.Sprintf("Remove %q snap", name), []string{name}, nil,
		d.newTask("stop-snap-services", fmt.Sprintf("Stop snap %q services", name),
			func(context.Context) error { return d.stopSnapServices(name) }),
		d.newTask("discard-snap", fmt.Sprintf("Remove snap %q from the system", name), func(context.Context) error {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.unregisterServices(name)
			delete(d.snaps, name)
			delete(d.conf, name)
			for k := range d.conns {
				if len(k) > len(name) && k[:len(name)+1] == name+":" {
					delete(d.conns, k)
				}
			}
			d.removeSnapFiles(name)
			return d.saveLocked()
		}))
	return asyncReply(c.id)
}

// revert goes back to the previous revision in the sequence, with the data
// that revision had (snapd keeps it for exactly this).
func (d *Daemon) revert(name string) reply {
	s, ok := d.snaps[name]
	if !ok {
		return errorReply(errSnapNotInstalled(name))
	}
	if s.Current == 0 {
		return errorReply(badRequest("no revision to revert to"))
	}
	if aerr := d.conflictFor([]string{name}); aerr != nil {
		return errorReply(aerr)
	}
	prev := s.Sequence[s.Current-1]
	c := d.addChange("revert-snap", fmt.Sprintf("Revert %q snap", name), []string{name}, nil,
		d.newTask("stop-snap-services", fmt.Sprintf("Stop snap %q services", name),
			func(context.Context) error { return d.stopSnapServices(name) }),
		d.newTask("link-snap", fmt.Sprintf("Make snap %q (%s) available to the system", name, prev.Revision),
			func(context.Context) error {
				if err := d.linkRevision(prev.Meta, prev.Revision); err != nil {
					return err
				}
				d.mu.Lock()
				defer d.mu.Unlock()
				if s := d.snaps[name]; s != nil && s.Current > 0 {
					s.Current--
					d.registerServices(s)
				}
				return d.saveLocked()
			}),
		d.newTask("start-snap-services", fmt.Sprintf("Start snap %q services", name),
			func(context.Context) error { return d.startSnapServices(name) }))
	return asyncReply(c.id)
}

func (d *Daemon) switchChannel(name string, act snapAction, ch channel.Channel) reply {
	if _, ok := d.snaps[name]; !ok {
		return errorReply(errSnapNotInstalled(name))
	}
	if act.Channel == "" {
		return errorReply(badRequest("switch with no channel"))
	}
	if aerr := d.conflictFor([]string{name}); aerr != nil {
		return errorReply(aerr)
	}
	full := ch.Full()
	c := d.addChange("switch-snap", fmt.Sprintf("Switch %q snap to %s", name, full), []string{name}, nil,
		d.newTask("switch-snap", fmt.Sprintf("Switch snap %q to %s", name, full), func(context.Context) error {
			d.mu.Lock()
			defer d.mu.Unlock()
			if s := d.snaps[name]; s != nil {
				s.Tracking = full
			}
			return d.saveLocked()
		}))
	return asyncReply(c.id)
}

func (d *Daemon) enableDisable(name string, enable bool) reply {
	s, ok := d.snaps[name]
	if !ok {
		return errorReply(errSnapNotInstalled(name))
	}
	verb := "Disable"
	if enable {
		verb = "Enable"
	}
	if enable == !s.Disabled {
		return errorReply(badRequest("snap %q already %sd", name, map[bool]string{true: "enable", false: "disable"}[enable]))
	}
	if aerr := d.conflictFor([]string{name}); aerr != nil {
		return errorReply(aerr)
	}
	kind := map[bool]string{true: "enable-snap", false: "disable-snap"}[enable]
	c := d.addChange(kind, fmt.Sprintf("%s %q snap", verb, name), []string{name}, nil,
		d.newTask(kind, fmt.Sprintf("%s snap %q", verb, name), func(context.Context) error {
			if !enable {
				if err := d.stopSnapServices(name); err != nil {
					return err
				}
			}
			d.mu.Lock()
			if s := d.snaps[name]; s != nil {
				s.Disabled = !enable
			}
			err := d.saveLocked()
			d.mu.Unlock()
			if err != nil || !enable {
				return err
			}
			return d.startSnapServices(name)
		}))
	return asyncReply(c.id)
}
