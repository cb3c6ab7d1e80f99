package snapd

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
)

func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// resolveApps is daemon/snap.go appInfosFor: each name is <snap> (all its
// apps, or services) or <snap>.<app>. No names means every app of every
// snap. Called with d.mu held.
func (d *Daemon) resolveApps(names []string, servicesOnly, forPost bool) ([]appJSON, *apiError) {
	if len(names) == 0 {
		for n := range d.snaps {
			names = append(names, n)
		}
	}
	seen := map[string]bool{}
	var out []appJSON
	add := func(s *installedSnap, app string) {
		key := serviceID(s.Name, app)
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, d.appInfos(s, []string{app})...)
	}
	for _, name := range names {
		snapName, app, dotted := strings.Cut(name, ".")
		s, ok := d.snaps[snapName]
		if !ok {
			return nil, kindError(http.StatusNotFound, kindSnapNotFound, snapName, "snap %q not found", snapName)
		}
		meta := s.cur().Meta
		if dotted {
			a, ok := meta.Apps[app]
			if !ok {
				return nil, kindError(http.StatusNotFound, kindAppNotFound, nil, "snap %q has no app %q", snapName, app)
			}
			if (servicesOnly || forPost) && a.Daemon == "" {
				return nil, kindError(http.StatusNotFound, kindAppNotFound, nil, "snap %q has no service %q", snapName, app)
			}
			add(s, app)
			continue
		}
		found := 0
		for _, a := range meta.appNames() {
			if (servicesOnly || forPost) && meta.Apps[a].Daemon == "" {
				continue
			}
			add(s, a)
			found++
		}
		if found == 0 && forPost {
			return nil, kindError(http.StatusNotFound, kindAppNotFound, nil, "snap %q has no services", snapName)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Snap != out[j].Snap {
			return out[i].Snap < out[j].Snap
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// getApps serves GET /v2/apps?names=…[&select=service].
func (d *Daemon) getApps(r *http.Request) reply {
	q := r.URL.Query()
	sel := q.Get("select")
	if sel != "" && sel != "service" {
		return errorReply(badRequest("invalid select parameter: %q", sel))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	apps, aerr := d.resolveApps(splitNames(q.Get("names")), sel == "service", false)
	if aerr != nil {
		return errorReply(aerr)
	}
	if apps == nil {
		apps = []appJSON{}
	}
	return syncReply(apps)
}

// serviceInstruction is the body of POST /v2/apps.
type serviceInstruction struct {
	Action  string   `json:"action"`
	Names   []string `json:"names"`
	Enable  bool     `json:"enable"`
	Disable bool     `json:"disable"`
	Reload  bool     `json:"reload"`
}

// postApps serves POST /v2/apps: start/stop/restart through a
// service-control change with one exec-command task per systemctl verb.
func (d *Daemon) postApps(r *http.Request) reply {
	var inst serviceInstruction
	if err := decodeJSON(r, &inst); err != nil {
		return errorReply(badRequest("cannot decode request body into service operation: %v", err.Message))
	}
	if len(inst.Names) == 0 {
		return errorReply(badRequest("cannot perform operation on services without a list of services to operate on"))
	}
	var verbs []string
	switch inst.Action {
	case "start":
		if inst.Enable {
			verbs = append(verbs, "enable")
		}
		verbs = append(verbs, "start")
	case "stop":
		verbs = append(verbs, "stop")
		if inst.Disable {
			verbs = append(verbs, "disable")
		}
	case "restart":
		if inst.Reload {
			verbs = append(verbs, "reload-or-restart")
		} else {
			verbs = append(verbs, "restart")
		}
	default:
		return errorReply(badRequest("unknown action %q", inst.Action))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	apps, aerr := d.resolveApps(inst.Names, true, true)
	if aerr != nil {
		return errorReply(aerr)
	}
	var snapNames, ids []string
	for _, a := range apps {
		if !contains(snapNames, a.Snap) {
			snapNames = append(snapNames, a.Snap)
		}
		ids = append(ids, serviceID(a.Snap, a.Name))
	}
	sort.Strings(snapNames)
	if aerr := d.conflictFor(snapNames); aerr != nil {
		// daemon/api.go postApps: a type-assertion bug turns the 409
		// into a 400 without a kind.
		return errorReply(badRequest("%s", aerr.Message))
	}
	var tasks []*task
	for _, verb := range verbs {
		tasks = append(tasks, d.newTask("exec-command", fmt.Sprintf("%s of %v", verb, ids), d.serviceVerb(verb, apps)))
	}
	c := d.addChange("service-control", "Running service command", snapNames,
		map[string]any{"snap-names": snapNames}, tasks...)
	return asyncReply(c.id)
}

// serviceVerb applies one systemctl verb to apps.
func (d *Daemon) serviceVerb(verb string, apps []appJSON) func(context.Context) error {
	return func(context.Context) error {
		for _, a := range apps {
			id := serviceID(a.Snap, a.Name)
			var err error
			switch verb {
			case "enable", "disable":
				d.mu.Lock()
				if s := d.snaps[a.Snap]; s != nil {
					if s.SvcDisabled == nil {
						s.SvcDisabled = map[string]bool{}
					}
					s.SvcDisabled[a.Name] = verb == "disable"
				}
				err = d.saveLocked()
				d.mu.Unlock()
			case "start":
				err = d.sup.start(id)
			case "stop":
				err = d.sup.stop(id)
			case "restart", "reload-or-restart":
				err = d.sup.restart(id)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// registerServices gives the supervisor the current revision's service
// units. Called with d.mu held.
func (d *Daemon) registerServices(s *installedSnap) {
	cur := s.cur()
	for _, app := range cur.Meta.appNames() {
		a := cur.Meta.Apps[app]
		if a.Daemon == "" {
			continue
		}
		env := append([]string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"HOME=" + d.snapDataDir(s.Name, cur.Revision),
			"LANG=C.UTF-8",
		}, d.snapEnv(cur.Meta, cur.Revision)...)
		d.sup.register(serviceID(s.Name, app), procSpec{
			argv: []string{filepath.Join(d.snapMountDir(s.Name, cur.Revision), a.Command)},
			env:  env,
			dir:  d.snapDataDir(s.Name, cur.Revision),
		})
	}
}

// unregisterServices drops a removed snap's units. Called with d.mu held.
func (d *Daemon) unregisterServices(name string) {
	s := d.snaps[name]
	if s == nil {
		return
	}
	for _, app := range s.cur().Meta.appNames() {
		d.sup.forget(serviceID(name, app))
	}
}

// snapServices lists a snap's service ids and whether each is enabled.
func (d *Daemon) snapServices(name string) (ids []string, enabled map[string]bool, snapDisabled bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.snaps[name]
	if s == nil {
		return nil, nil, false
	}
	enabled = map[string]bool{}
	meta := s.cur().Meta
	for _, app := range meta.appNames() {
		if meta.Apps[app].Daemon == "" {
			continue
		}
		id := serviceID(name, app)
		ids = append(ids, id)
		enabled[id] = !s.SvcDisabled[app]
	}
	return ids, enabled, s.Disabled
}

func (d *Daemon) stopSnapServices(name string) error {
	ids, _, _ := d.snapServices(name)
	for _, id := range ids {
		if err := d.sup.stop(id); err != nil {
			return err
		}
	}
	return nil
}

// startSnapServices starts the enabled services of an enabled snap, as
// snapd's start-snap-services task does after a link.
func (d *Daemon) startSnapServices(name string) error {
	ids, enabled, disabled := d.snapServices(name)
	if disabled {
		return nil
	}
	for _, id := range ids {
		if !enabled[id] {
			continue
		}
		if err := d.sup.start(id); err != nil {
			return err
		}
	}
	return nil
}
