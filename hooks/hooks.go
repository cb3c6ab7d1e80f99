// Package hooks routes Juju's hook events to the etcd charm's handlers.
//
// Juju runs <charm>/dispatch for every hook with JUJU_DISPATCH_PATH set to
// hooks/<name>. Almost every hook runs the same converge: observe the
// unit's world (config, peers, leader data, certificates, snapd, etcd),
// take the next steps that are safe, and report status. A handler must be
// safe to run again after a crash at any point, because a hook that exits
// non-zero is retried with its relation, port and state writes discarded
// (status and leader writes are not discarded).
package hooks

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/workload"
)

// Deps are what hook handlers observe and act on.
type Deps struct {
	Tools juju.Tools
	Paths charm.Paths
	Snap  snap.Client
	Dial  etcd.Dialer
	Log   io.Writer
	// Now and Hostname are the clock and os.Hostname; tests replace them.
	Now      func() time.Time
	Hostname func() (string, error)
	// Waits bounds how long one hook waits for etcd.
	Waits Waits
	// ListenFree checks that etcd could listen on host:port
	// (workload.ListenFree); tests replace it.
	ListenFree func(address string) error
	// Volume formats and mounts the data storage's block device (nil:
	// the machine's mkfs.ext4 and mount).
	Volume workload.Volume
	// V2Store is etcd's check of a data dir's v2 store before a move to
	// a release without one (workload.CheckV2Store); tests replace it.
	V2Store func(ctx context.Context, dataDir string) (charm.V2StoreVerdict, string)
}

func (d Deps) volume() workload.Volume {
	if d.Volume == nil {
		return workload.ExecVolume{}
	}
	return d.Volume
}

// Waits are the bounded waits inside one hook.
type Waits struct {
	// Serve: for the local etcd to answer after a (re)start.
	Serve time.Duration
	// Promote: for a learner to catch up so it can be promoted, or for
	// etcd to take a removal.
	Promote time.Duration
	// Admit: for etcd to take a new learner, which it refuses until every
	// voter has been connected for its health window (5 s), as right
	// after a promotion. Shorter than Promote: a voter that is down
	// keeps refusing, and the leader's hook should not wait it out.
	Admit time.Duration
	// Publish: for a joining member its peers list by name to serve
	// before the charm takes it for stuck in etcd's lost-publish wait and
	// restarts it (see waitJoined). A joiner that is not stuck applies
	// its publish with the next message from the leader (a heartbeat is
	// 100 ms), so a few heartbeats are enough.
	Publish time.Duration
	// Join: for a learner the leader admitted in this hook to start (its
	// unit starts it on the admission) and then to catch up, so that the
	// leader promotes it in the same hook.
	Join time.Duration
	// Poll is the interval of every wait but the leader's watch of a
	// learner it admitted in this hook.
	Poll time.Duration
	// JoinPoll is the interval of that watch (for the learner to be
	// named, then for etcd to take its promotion): each interval is
	// latency on scale-out's critical path, twice, and a member list or
	// a refused promotion on the cluster costs about a millisecond. Zero
	// means Poll.
	JoinPoll time.Duration
}

func (w Waits) joinPoll() time.Duration {
	if w.JoinPoll > 0 {
		return w.JoinPoll
	}
	return w.Poll
}

// DefaultWaits are used under Juju.
var DefaultWaits = Waits{Serve: 60 * time.Second, Promote: 60 * time.Second, Admit: 10 * time.Second, Publish: 500 * time.Millisecond, Join: 3 * time.Second, Poll: 50 * time.Millisecond, JoinPoll: 20 * time.Millisecond}

func (d *Deps) defaults() {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Hostname == nil {
		d.Hostname = os.Hostname
	}
	if d.ListenFree == nil {
		d.ListenFree = workload.ListenFree
	}
	if d.V2Store == nil {
		paths := d.Paths
		d.V2Store = func(ctx context.Context, dataDir string) (charm.V2StoreVerdict, string) {
			return workload.CheckV2Store(ctx, paths, dataDir)
		}
	}
	if d.Waits == (Waits{}) {
		d.Waits = DefaultWaits
	}
	if d.Log == nil {
		d.Log = io.Discard
	}
}

func (d Deps) logf(format string, args ...any) {
	fmt.Fprintf(d.Log, format+"\n", args...)
}

// juju-log levels the charm uses.
const (
	levelInfo    = "INFO"
	levelWarning = "WARNING"
)

// note tells the operator what the charm did (juju-log, shown by juju
// debug-log at level) as well as the hook's stdout, which Juju logs at
// DEBUG. Only steps the charm applies and status changes are noted, so a
// quiet hook makes no juju-log call. A failing juju-log fails nothing.
func (d Deps) note(ctx context.Context, level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.logf("%s", msg)
	if err := d.Tools.Log(ctx, level, msg); err != nil {
		d.logf("cannot log to juju: %v", err)
	}
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
	"stop":                    stop,
	"remove":                  nothing,
	"pre-series-upgrade":      nothing,
	"post-series-upgrade":     converge,
}

// endpoints are the charm's relation endpoints (metadata.yaml) and the
// handler of each of their hooks (-created, -joined, -changed, -departed,
// -broken). TestRouterMatchesMetadata checks the list against
// metadata.yaml.
var endpoints = map[string]handler{
	"cluster":              converge,
	"certificates":         converge,
	"db":                   converge,
	"proxy":                converge,
	"prometheus":           converge,
	"grafana":              converge,
	"nrpe-external-master": convergeNRPE,
	"cos-agent":            converge,
}

var relationSuffixes = []string{"created", "joined", "changed", "departed", "broken"}

// storages are the charm's storage names and the handler of their
// -attached/-detaching hooks.
var storages = map[string]handler{
	"data": converge,
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
	d.defaults()
	return func(ctx context.Context, ev juju.Event) error {
		h, ok := lookup(ev.Name)
		if !ok {
			d.logf("no handler for hook %q; nothing to do", ev.Name)
			return nil
		}
		return h(ctx, d, ev)
	}
}

// nothing is the handler of hooks the charm has no work for.
func nothing(_ context.Context, d Deps, ev juju.Event) error {
	d.logf("hook %s: nothing to do in this charm revision", ev.Name)
	return nil
}

// isRelationHook reports whether name is a hook of endpoint.
func isRelationHook(name, endpoint string) bool {
	return strings.HasPrefix(name, endpoint+"-relation-")
}
