// Package hooks routes Juju's hook events to the etcd charm's handlers.
//
// Juju runs <charm>/dispatch for every hook with JUJU_DISPATCH_PATH set to
// hooks/<name>. A handler observes the unit's world, decides one step and
// applies it; it must be safe to run again after a crash at any point,
// because a hook that exits non-zero is retried with its relation, port and
// state writes discarded (status and leader writes are not discarded).
package hooks

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// Deps are what hook handlers observe and act on.
type Deps struct {
	Tools juju.Tools
	Paths charm.Paths
	Log   io.Writer
}

type handler func(ctx context.Context, d Deps, ev juju.Event) error

// unitHooks are the hooks that are not about a relation or storage.
var unitHooks = map[string]handler{
	"install":                 converge,
	"start":                   converge,
	"config-changed":          converge,
	"upgrade-charm":           converge,
	"update-status":           converge,
	"leader-elected":          converge,
	"leader-settings-changed": converge,
	"stop":                    nothing,
	"remove":                  nothing,
	"pre-series-upgrade":      nothing,
	"post-series-upgrade":     converge,
}

// endpoints are the charm's relation endpoints (metadata.yaml) and the
// handler of each of their hooks (-created, -joined, -changed, -departed,
// -broken). contract_test.go checks the list against metadata.yaml.
var endpoints = map[string]handler{
	"cluster":              converge,
	"certificates":         converge,
	"db":                   converge,
	"proxy":                converge,
	"prometheus":           nothing,
	"grafana":              nothing,
	"nrpe-external-master": nothing,
}

var relationSuffixes = []string{"created", "joined", "changed", "departed", "broken"}

// storages are the charm's storage names and the handler of their
// -attached/-detaching hooks.
var storages = map[string]handler{
	"data": converge,
}

// Endpoints lists the relation endpoints the router knows.
func Endpoints() []string {
	names := make([]string, 0, len(endpoints))
	for n := range endpoints {
		names = append(names, n)
	}
	return names
}

// lookup finds the handler of a hook name.
func lookup(name string) (handler, bool) {
	if h, ok := unitHooks[name]; ok {
		return h, true
	}
	for ep, h := range endpoints {
		for _, s := range relationSuffixes {
			if name == ep+"-relation-"+s {
				return h, true
			}
		}
	}
	for st, h := range storages {
		if name == st+"-storage-attached" || name == st+"-storage-detaching" {
			return h, true
		}
	}
	return nil, false
}

// Handler routes hook events. A hook the charm does not know (a newer Juju
// may add some) succeeds with a log line, as Juju itself treats a missing
// hook handler.
func Handler(d Deps) juju.Handler {
	return func(ctx context.Context, ev juju.Event) error {
		h, ok := lookup(ev.Name)
		if !ok {
			fmt.Fprintf(d.Log, "no handler for hook %q; nothing to do\n", ev.Name)
			return nil
		}
		return h(ctx, d, ev)
	}
}

// nothing is the handler of hooks the charm has no work for yet (prometheus
// and grafana requests, nrpe checks, stop before membership removal lands).
func nothing(_ context.Context, d Deps, ev juju.Event) error {
	fmt.Fprintf(d.Log, "hook %s: nothing to do in this charm revision\n", ev.Name)
	return nil
}

// isRelationHook reports whether name is a hook of endpoint.
func isRelationHook(name, endpoint string) bool {
	return strings.HasPrefix(name, endpoint+"-relation-")
}
