package hooks

import (
	"context"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// checkChannel refuses a channel change etcd would not survive before
// this unit moves (charm.CheckChannel): it runs before the leader's
// duties and the member's plan, so a refused channel requests no lock,
// refreshes and restarts nothing, and publishes nothing that would wake
// the peers; the unit reports blocked and the hook commits. Only a unit
// that would refresh asks the store, so quiet hooks stay quiet.
func checkChannel(ctx context.Context, d Deps, w *world, installed *snap.Snap) error {
	if err := checkJoin(w, installed.Version); err != nil {
		return err
	}
	view := charm.SnapView{Tracking: installed.Channel, Local: installed.Local}
	if !view.WantRefresh(w.cfg.Channel, w.state.Resource != "") {
		// No move pending: no verdict to publish.
		return publishV2Check(ctx, d, w, relations.V2Check{})
	}
	offered, err := d.Snap.Channels(ctx, charm.SnapName)
	if err != nil {
		return juju.Blocked("Cannot check channel %s in the snap store: %v", w.cfg.Channel, err)
	}
	if err := judgeChannel(w, offered, installed.Version); err != nil {
		return err
	}
	return checkV2Store(ctx, d, w, installed.Version, offered[charm.FullChannel(w.cfg.Channel)])
}

// checkJoin refuses, before this unit announces itself (so before the
// leader adds its member), to join started members whose etcd its own
// cannot join (charm.CheckJoin): a unit that installed before it knew
// what the cluster runs. Once it has started, or the leader admitted it,
// it is a member and this no longer applies.
func checkJoin(w *world, own string) error {
	if w.state.Start != (charm.Start{}) || w.leaderData.Joins[w.member.Name] != "" ||
		w.self.State == relations.PeerStarting || w.self.State == relations.PeerStarted {
		return nil
	}
	var members []string
	for _, p := range w.peers {
		if p.Unit != w.ev.Unit && p.State == relations.PeerStarted && p.Version != "" {
			members = append(members, p.Version)
		}
	}
	if msg := charm.CheckJoin(own, members); msg != "" {
		return juju.Blocked("%s", msg)
	}
	return nil
}

// checkV2Store refuses a move to a release without the v2 store while
// any member's data still carries v2 keys, in the same place as a
// refused channel: nothing moves. Each unit checks the data dir its
// running etcd.conf.yml names and publishes the verdict in its peer bag
// (which wakes the others: their next hook judges it); a unit moves only
// once every member's unit published clean data (charm.DecideV2Store),
// so one member's v2 keys hold every unit back. A unit without member
// data carries nothing, and still waits for the members' verdicts.
func checkV2Store(ctx context.Context, d Deps, w *world, installed, target string) error {
	if !charm.NeedsV2StoreCheck(installed, target) {
		return publishV2Check(ctx, d, w, relations.V2Check{})
	}
	own := charm.V2StoreCheck{Installed: installed, Target: target, Verdict: charm.V2Clean}
	running, _, err := workload.ReadEtcdConfig(d.Paths)
	hasData := err == nil && running.DataDir != "" && workload.HasMemberData(running.DataDir)
	if hasData {
		own.Verdict, own.Detail = d.V2Store(ctx, running.DataDir)
	}
	var published relations.V2Check
	if hasData {
		published = charm.PublishedV2Check(own)
	}
	if err := publishV2Check(ctx, d, w, published); err != nil {
		return err
	}
	dec := charm.DecideV2Store(charm.V2StoreCluster{Unit: w.ev.Unit, Own: own, Peers: w.peers})
	if dec.Waiting != "" {
		return juju.Waiting("%s", dec.Waiting)
	}
	r := dec.Refusal
	if r.Status == "" {
		return nil
	}
	// The steps do not fit a status line: they go to the log, which the
	// status points to, once per refusal the unit did not show already.
	if w.state.Memo.Status != string(juju.StatusBlocked)+": "+r.Status {
		d.note(ctx, levelWarning, "%s", r.Steps)
	}
	return juju.Blocked("%s", r.Status)
}

// publishV2Check makes v this unit's published v2-store verdict, at once:
// a refused or waiting hook ends before the unit's other peer data is
// published, and the others wait for this verdict. Only the verdict is
// written; the rest of what this hook announces is published as usual.
func publishV2Check(ctx context.Context, d Deps, w *world, v relations.V2Check) error {
	self := w.self
	self.V2Store = v
	if w.published.V2Store != v {
		p := w.published
		p.V2Store = v
		if err := w.publishPeer(ctx, d, p); err != nil {
			return err
		}
		w.published = p
	}
	w.announce(self)
	return nil
}

// judgeChannel is charm.CheckChannel on this unit's version (own, ""
// when nothing is installed) and its peers'.
func judgeChannel(w *world, offered map[string]string, own string) error {
	running := peerVersions(w)
	if own != "" {
		running = append([]string{own}, running...)
	}
	if msg := charm.CheckChannel(charm.ChannelCheck{Channel: w.cfg.Channel, Offered: offered, Running: running}); msg != "" {
		return juju.Blocked("%s", msg)
	}
	return nil
}

// peerVersions are the etcd versions the other units publish.
func peerVersions(w *world) []string {
	var out []string
	for _, p := range w.peers {
		if p.Unit != w.ev.Unit && p.Version != "" {
			out = append(out, p.Version)
		}
	}
	return out
}
