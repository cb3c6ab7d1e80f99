// Package actions implements the operator actions of the etcd charm. Juju
// runs <charm>/dispatch with JUJU_DISPATCH_PATH=actions/<name>; params come
// from action-get (schema defaults already filled in by Juju), results go
// out through action-set, and a failure the operator can act on is reported
// with action-fail (juju.Failf) rather than a non-zero exit, because Juju
// replaces the message of an action that exits non-zero with "exit status N".
package actions

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
)

// Deps are what actions observe and act on.
type Deps struct {
	Tools juju.Tools
	Paths charm.Paths
	Snap  snap.Client
	Dial  etcd.Dialer
	Log   io.Writer
	// Etcd runs the snap's offline utilities; nil: the snap's binaries
	// under Paths.
	Etcd EtcdTool
	// System runs machine commands (systemctl, apt-get) for the Debian
	// migration; nil: the host's (refused under a non-"/" root).
	System System
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

func (d Deps) logf(format string, args ...any) {
	if d.Log != nil {
		fmt.Fprintf(d.Log, format+"\n", args...)
	}
}

// action runs one action for ev.
type action func(ctx context.Context, d Deps, ev juju.Event) error

// registry holds every action declared in actions.yaml, implemented or not.
// contract_test.go checks it against actions.yaml.
var registry = map[string]action{
	"health":                     health,
	"snapshot":                   snapshot,
	"restore":                    restore,
	"rebuild-cluster":            rebuildCluster,
	"snap-upgrade":               snapUpgrade,
	"package-client-credentials": packageClientCredentials,
	"compact":                    compact,
	"defrag":                     defrag,
	"alarm-list":                 alarmList,
	"alarm-disarm":               alarmDisarm,
}

// Names lists the actions this charm handles.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Handler routes an action event to its implementation.
func Handler(d Deps) juju.Handler {
	return func(ctx context.Context, ev juju.Event) error {
		run, ok := registry[ev.Name]
		if !ok {
			// Juju only runs actions declared in actions.yaml, so this
			// is a charm built from mismatched sources.
			return juju.Failf("action %q is not defined by this charm", ev.Name)
		}
		if d.Etcd == nil {
			d.Etcd = NewSnapTool(d.Paths)
		}
		if d.Dial == nil {
			d.Dial = etcd.Dial
		}
		return run(ctx, d, ev)
	}
}

// copyCmd is the command an operator runs to fetch a file an action wrote,
// as layer-etcd reports it.
func copyCmd(unit, path string) string {
	return fmt.Sprintf("juju scp %s:%s .", unit, path)
}
