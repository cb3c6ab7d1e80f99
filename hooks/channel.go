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
		return nil
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
// the data etcd runs on still carries v2 keys (charm.CheckV2Store), in
// the same place as a refused channel: nothing moves. It reads the data
// dir the running etcd.conf.yml names; without one nothing has run here
// and there is nothing to carry.
func checkV2Store(ctx context.Context, d Deps, w *world, installed, target string) error {
	if !charm.NeedsV2StoreCheck(installed, target) {
		return nil
	}
	running, _, err := workload.ReadEtcdConfig(d.Paths)
	if err != nil || running.DataDir == "" || !workload.HasMemberData(running.DataDir) {
		return nil
	}
	verdict, detail := d.V2Store(ctx, running.DataDir)
	r := charm.CheckV2Store(charm.V2StoreCheck{Installed: installed, Target: target, Verdict: verdict, Detail: detail})
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
