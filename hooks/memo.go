package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// A hook costs a few milliseconds per hook-tool call (each is a process
// that asks the unit agent over its socket), and most hooks change
// nothing. The charm therefore remembers in unit state what it last
// published (its certificate request, its client relation data, the port
// it opened, the workload version) and skips the calls that would only
// repeat it. This is safe because of what Juju guarantees:
//
//   - unit state, relation settings and ports are committed together, and
//     only when the hook succeeds, so the memo never claims a write that
//     was lost;
//   - a change in a remote unit's relation data always runs a -changed
//     hook on this unit, and relations come and go only in their own
//     -created/-joined/-departed/-broken hooks, so outside those hooks
//     the relation data the charm last saw is still current.
//
// Hooks that may find a different world (install, start, upgrade-charm,
// config-changed) and the endpoint's own relation hooks always do the
// full work.
//
// The memo itself is charm.Memo in the typed unit state.

// remembered reports whether the memo memo holds value.
func remembered(memo, value string) bool {
	return value != "" && memo == value
}

// settingsDigest identifies relation settings (any number of bags).
func settingsDigest(bags ...map[string]string) string {
	var b strings.Builder
	for _, bag := range bags {
		keys := make([]string, 0, len(bag))
		for k := range bag {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%q=%q\n", k, bag[k])
		}
		b.WriteString("\x00")
	}
	return charm.Hash([]byte(b.String()))
}

// ensureVersion sets the application version (shown by juju status) when
// it is not the one this unit set last. application-version-set acts at
// once, even if the hook then fails; the memo is committed only with
// the hook, so a failed hook sets it again next time.
func ensureVersion(ctx context.Context, d Deps, w *world, version string) error {
	if !w.fullCheck("") && remembered(w.state.Memo.Version, version) {
		return nil
	}
	if err := d.Tools.ApplicationVersionSet(ctx, version); err != nil {
		return err
	}
	w.state.Memo.Version = version
	return nil
}

// What a quiet hook does not ask again.
//
// Besides what it published, the unit remembers what it last observed of
// Juju's side (charm.Memo's Config, Network, Peers, Leader, Leading,
// Storage), and a hook that Juju guarantees cannot bring a change to one
// of them reads it from there, saving one hook-tool call (a process and an
// API round trip on real Juju) per input:
//
//   - config and addresses: a config change runs config-changed on every
//     unit, and so does a change of the machine's addresses
//     (juju-hook-semantics.md §4); config-changed, install, start,
//     upgrade-charm and post-series-upgrade ask again;
//   - the peer relation and every peer's bag: a peer that writes runs
//     cluster-relation-changed here, peers come and go in -joined and
//     -departed, and the relation itself exists from deploy; a unit's
//     cluster-relation-changed reads that unit's bag again, the other
//     cluster-relation-* hooks (and an application-level -changed) ask
//     for everything;
//   - the leader settings, on a non-leader: a leader-set runs
//     leader-settings-changed on every other unit. The leader always
//     reads them: its own leader-set acts at once, even in a hook that
//     then fails, so its memo could lag;
//   - leadership, when the unit was not the leader: gaining it runs
//     leader-elected. Losing it runs no hook (leader-deposed is never
//     run), so a unit that led asks is-leader every hook;
//   - the data storage: it comes and goes in data-storage-attached and
//     -detaching.
//
// The memo is written with the hook's other state, committed only when
// the hook succeeds together with its relation writes, so it never holds
// what a failed hook saw; a failed hook is retried and asks again only
// what its event makes it ask. An empty memo (a unit of an earlier
// revision: upgrade-charm asks everything anyway) is asked for.

// inputs says which of Juju's inputs this hook reads from the memo.
type inputs struct {
	config, peers, leader, storage bool
	// remote: the peers but the one whose -changed this is.
	remote bool
}

// trusted returns the inputs hook name may read from state's memo.
func trusted(name string, state charm.UnitState) inputs {
	switch name {
	case "install", "start", "upgrade-charm", "config-changed", "post-series-upgrade":
		return inputs{}
	}
	m := state.Memo
	return inputs{
		config:  m.Config != "" && m.Network != "",
		peers:   m.Peers != "" && !isRelationHook(name, "cluster"),
		remote:  m.Peers != "" && name == "cluster-relation-changed",
		leader:  m.Leading == "false" && m.Leader != "" && name != "leader-elected" && name != "leader-settings-changed",
		storage: m.Storage != "" && name != "data-storage-attached" && name != "data-storage-detaching",
	}
}

// seenNetwork is the memo of the endpoints' addresses.
type seenNetwork struct {
	ClusterAddress, ClusterBind, DBAddress, DBBind string
}

// seenPeers is the memo of the peer relation: its id and every unit's
// bag as committed (this unit first).
type seenPeers struct {
	Relation string
	Bags     []seenBag
}

type seenBag struct {
	Unit string
	Bag  map[string]string
}

func encodeSeen(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// decodeSeen reads a memo into v; false when it cannot (the hook then
// asks the tools).
func decodeSeen(s string, v any) bool {
	return s != "" && json.Unmarshal([]byte(s), v) == nil
}

// rememberSeen records in the unit state what this hook observed (or
// took from the memo), for the next quiet hook.
func (w *world) rememberSeen() {
	m := &w.state.Memo
	m.Config = encodeSeen(w.cfg)
	m.Network = encodeSeen(seenNetwork{w.member.ClusterAddress, w.member.ClusterBind, w.member.DBAddress, w.member.DBBind})
	sp := seenPeers{Relation: w.peerRelation}
	for _, p := range w.seenPeers {
		bag := p.Settings()
		if p.Unit == w.ev.Unit {
			bag = w.ownBag.Settings()
		}
		sp.Bags = append(sp.Bags, seenBag{Unit: p.Unit, Bag: bag})
	}
	m.Peers = encodeSeen(sp)
	m.Leading = strconv.FormatBool(w.leader)
	m.Leader = ""
	if !w.leader {
		m.Leader = encodeSeen(w.leaderData.Settings())
	}
	if w.storage != nil {
		m.Storage = encodeSeen(seenStorage{Kind: w.storage.kind, Location: w.storage.location})
	}
}

// seenStorage is the memo of the data storage.
type seenStorage struct {
	Kind, Location string
}

// statusReassert is how often a quiet hook sets an unchanged status
// again. status-set acts at once while the memo of it is committed with
// the hook: a hook that set a new status and then failed to commit
// leaves the memo behind what juju status shows, and this bounds how
// long that lasts. Nothing else sets this unit's workload status: Juju
// only before the first hook sets one, and the actions set none.
const statusReassert = time.Hour

// setStatus sets the unit's workload status when it is not the one this
// unit set last, or that was set over statusReassert ago. It comes last
// in the hook, after the state-set that records it (buffered, so both
// commit with the hook).
func (w *world) setStatus(ctx context.Context, d Deps, st juju.Status) error {
	key := string(st.Name) + ": " + st.Message
	now := d.Now().UTC()
	if at, err := time.Parse(time.RFC3339, w.stored.Memo.StatusAt); err == nil &&
		w.stored.Memo.Status == key && now.Sub(at) < statusReassert && !now.Before(at) {
		return nil
	}
	w.noteStatus(ctx, d, st)
	w.state.Memo.StatusAt = now.Truncate(time.Minute).Format(time.RFC3339)
	if err := w.flushState(ctx, d); err != nil {
		return err
	}
	return d.Tools.StatusSet(ctx, st, false)
}

// configMoved reports whether this hook's config came from the memo and
// the operator has changed it since: Juju runs config-changed for every
// change, but may run a leader-settings-changed (which can hand this unit
// the restart lock) before it. A step that takes etcd down therefore
// reads the config once more rather than act on what the last
// config-changed saw.
func configMoved(ctx context.Context, d Deps, w *world) (bool, error) {
	if !w.trust.config {
		return false, nil
	}
	m, err := d.Tools.ConfigGet(ctx)
	if err != nil {
		return false, fmt.Errorf("cannot read config: %w", err)
	}
	cfg, err := charm.ParseConfig(m)
	if err != nil {
		// Invalid now: config-changed will block with the reason.
		return true, nil
	}
	return encodeSeen(cfg) != encodeSeen(w.cfg), nil
}
