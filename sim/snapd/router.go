package snapd

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ServeHTTP routes the snapd API. Unknown paths are 404 "not found", wrong
// methods 405 `method "X" not allowed`, as in daemon/daemon.go.
func (d *Daemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v2/logs" && r.Method == http.MethodGet {
		d.serveLogs(w, r) // json-seq, not the envelope
		return
	}
	rep := d.route(r)
	rep.write(w, d.maintenance())
}

func (d *Daemon) route(r *http.Request) reply {
	path := r.URL.Path
	parts := strings.Split(strings.Trim(path, "/"), "/")
	method := func(allowed map[string]func() reply) reply {
		if h, ok := allowed[r.Method]; ok {
			return h()
		}
		return errorReply(&apiError{status: http.StatusMethodNotAllowed,
			Message: "method " + `"` + r.Method + `"` + " not allowed"})
	}
	switch {
	case path == "/v2/snaps":
		return method(map[string]func() reply{
			http.MethodGet:  func() reply { return d.listSnaps(r) },
			http.MethodPost: func() reply { return d.postSnaps(r) },
		})
	case len(parts) == 3 && parts[0] == "v2" && parts[1] == "snaps":
		name := parts[2]
		return method(map[string]func() reply{
			http.MethodGet:  func() reply { return d.getSnap(name) },
			http.MethodPost: func() reply { return d.postSnap(name, r) },
		})
	case len(parts) == 4 && parts[0] == "v2" && parts[1] == "snaps" && parts[3] == "conf":
		name := parts[2]
		return method(map[string]func() reply{
			http.MethodGet: func() reply { return d.getConf(name, r) },
			http.MethodPut: func() reply { return d.setConf(name, r) },
		})
	case path == "/v2/find":
		return method(map[string]func() reply{http.MethodGet: func() reply { return d.find(r) }})
	case path == "/v2/apps":
		return method(map[string]func() reply{
			http.MethodGet:  func() reply { return d.getApps(r) },
			http.MethodPost: func() reply { return d.postApps(r) },
		})
	case path == "/v2/logs":
		return errorReply(&apiError{status: http.StatusMethodNotAllowed,
			Message: `method "` + r.Method + `" not allowed`})
	case path == "/v2/changes":
		return method(map[string]func() reply{http.MethodGet: func() reply { return d.listChanges(r) }})
	case len(parts) == 3 && parts[0] == "v2" && parts[1] == "changes":
		id := parts[2]
		return method(map[string]func() reply{
			http.MethodGet:  func() reply { return d.getChange(id) },
			http.MethodPost: func() reply { return d.postChange(id, r) },
		})
	case path == "/v2/interfaces":
		return method(map[string]func() reply{http.MethodPost: func() reply { return d.postInterfaces(r) }})
	case path == "/v2/system-info":
		return method(map[string]func() reply{http.MethodGet: func() reply { return d.sysInfo() }})
	case path == "/jujusim/signal":
		return method(map[string]func() reply{http.MethodPost: func() reply { return d.postSignal(r) }})
	case path == "/jujusim/faults":
		return method(map[string]func() reply{
			http.MethodGet:  func() reply { return syncReply(d.Faults()) },
			http.MethodPost: func() reply { return d.postFaults(r) },
		})
	}
	return errorReply(notFound("not found"))
}

// postFaults arms faults at run time; jujusim's own control endpoint, not
// part of snapd's API.
func (d *Daemon) postFaults(r *http.Request) reply {
	var f Faults
	if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
		return errorReply(badRequest("cannot decode faults: %v", err))
	}
	if f.Maintenance != "" && f.Maintenance != maintenanceDaemonRestart && f.Maintenance != maintenanceSystemRestart {
		return errorReply(badRequest("maintenance must be %q or %q, not %q",
			maintenanceDaemonRestart, maintenanceSystemRestart, f.Maintenance))
	}
	d.SetFaults(f)
	return syncReply(f)
}
