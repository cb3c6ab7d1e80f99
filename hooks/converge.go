package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// Status messages shared with layer-etcd (layer-etcd-reference.md §4).
const (
	msgMissingCA       = "Missing relation to certificate authority."
	msgWaitingForCerts = "Waiting for certificates"
)

// converge brings the unit one step closer to a healthy cluster member:
// valid config → etcd installed → certificates placed → announced to the
// peers → (leader) membership step → local etcd started or restarted →
// clients told → status. Each stage returns an outcome when it cannot go on
// (blocked or waiting), and every stage is idempotent.
func converge(ctx context.Context, d Deps, ev juju.Event) (err error) {
	if ev.Departing() {
		// The dying unit's cluster-relation-departed: its stop hook
		// removes its member.
		return nil
	}
	state, err := workload.ReadUnitState(ctx, d.Tools)
	if err != nil {
		return err
	}
	trust := trusted(ev.Name, state)
	cfg, err := readConfig(ctx, d, state, trust)
	if err != nil {
		if berr := noteConfigOutcome(ctx, d, state, err); berr != nil {
			return berr
		}
		return err
	}
	w, err := observe(ctx, d, ev, cfg, state, trust)
	if err != nil {
		return err
	}
	// Unit state is written once, as the hook ends without an error
	// (a blocked or waiting outcome still commits, as Juju does).
	defer func() {
		w.closeOwn()
		var outcome *juju.Outcome
		if err == nil || errors.As(err, &outcome) {
			w.noteOutcome(ctx, d, err)
			if ferr := w.flushState(ctx, d); ferr != nil {
				err = ferr
			}
		}
	}()
	if err := adoptOriginal(ctx, d, w); err != nil {
		return err
	}
	installed, err := ensureSnap(ctx, d, w)
	if err != nil {
		return err
	}
	if err := recordAppChannel(ctx, d, w, installed); err != nil {
		return err
	}
	if err := ensureVersion(ctx, d, w, installed.Version); err != nil {
		return err
	}
	if err := ensureRefreshTimer(ctx, d, w); err != nil {
		return err
	}
	if err := ensureCertificates(ctx, d, w); err != nil {
		return err
	}
	// Refuse a channel or ports etcd would not survive before this unit
	// announces anything or moves (see channel.go, ports.go).
	if err := checkChannel(ctx, d, w, installed); err != nil {
		return err
	}
	if err := checkPorts(ctx, d, w); err != nil {
		return err
	}
	if err := ensureStorage(ctx, d, w, installed); err != nil {
		return err
	}
	// After a restore or rebuild on the leader: leave the old cluster.
	if err := rejoinIfAsked(ctx, d, w); err != nil {
		return err
	}
	// Ready: announce this unit to its peers.
	if w.state.ReadySince.IsZero() {
		w.state.ReadySince = d.Now().UTC().Truncate(time.Second)
	}
	want := w.self
	want.Name, want.PeerURL, want.ClientURL, want.DBAddress = w.member.Name, w.member.PeerURL(cfg), w.member.ClientURL(cfg), w.member.DBAddress
	want.Version = installed.Version
	want.PeerName = servedPeerName(d, w)
	if want.State == "" {
		want.State = relations.PeerReady
	}
	w.announce(want)

	var waitReason string
	if w.leader {
		cl := servingPeers(ctx, d, w)
		var err error
		waitReason, err = leaderDuties(ctx, d, w, cl)
		if cl != nil {
			cl.Close()
		}
		if err != nil {
			return err
		}
	}
	res, err := ensureMember(ctx, d, w, installed)
	var outcome *juju.Outcome
	if err != nil && !errors.As(err, &outcome) {
		return err
	}
	if w.leader {
		// The leader's own lost member is replaced in this hook (dataloss.go).
		if res, err = replaceOwnMember(ctx, d, w, installed, res, err); err != nil && !errors.As(err, &outcome) {
			return err
		}
	}
	switch {
	case res.lost:
		want.State = relations.PeerLost
		if cerr := publishLostClients(ctx, d, w, installed.Version); cerr != nil {
			return cerr
		}
	case res.serving:
		want.State = relations.PeerStarted
	case res.starting:
		want.State = relations.PeerStarting
	}
	want.RestartRequest = res.request
	if res.done != "" && res.request == "" {
		want.RestartDone, want.RestartRequest = res.done, ""
	}
	if perr := w.publishPeer(ctx, d, want); perr != nil {
		return perr
	}
	if w.leader {
		// The leader's own restart may have finished in this hook: hand
		// the lock on now, since no peer's data changes to wake the
		// leader again (charm.NextRestartLock).
		if gerr := grantRestartLock(ctx, d, w); gerr != nil {
			return gerr
		}
	}
	if err != nil {
		return err
	}
	if res.starting {
		return juju.Waiting("Waiting for a quorum of members to start")
	}
	if !res.serving {
		return juju.Waiting("Waiting for etcd to start")
	}
	return reportServing(ctx, d, w, installed.Version, waitReason, res.request != "")
}

// reportServing opens the port, tells the clients and sets the status of
// a unit whose etcd answers.
func reportServing(ctx context.Context, d Deps, w *world, version, waitReason string, restartPending bool) error {
	cl := w.own
	if cl == nil {
		var err error
		if cl, err = dialCluster(ctx, d, []string{w.member.ClientURL(w.cfg)}); err != nil {
			return juju.Waiting("Waiting for etcd to answer")
		}
		defer cl.Close()
	}
	// A member without a leader answers no member list until the request
	// times out: its own status (local, no raft) says so at once.
	if st, serr := cl.Status(ctx, w.member.ClientURL(w.cfg)); serr == nil && st.Leader == 0 && !st.IsLearner {
		return silentStatus(ctx, d, cl, w, errors.New("etcd has no leader"))
	}
	members, err := cl.Members(ctx)
	if err != nil {
		if w.ownLearner {
			// etcd 3.6 answers no member list on a learner; the leader's
			// promotion wakes this unit (leader setting "voters").
			return juju.Waiting("Waiting to be promoted from learner")
		}
		return silentStatus(ctx, d, cl, w, err)
	}
	// Heal a peer URL left behind (a management_port change whose update
	// did not reach the cluster before a restart), to the one etcd
	// listens on: never ahead of a restart still to come (revert.go).
	if err := ensureOwnPeerURL(ctx, d, w, cl, members, runningPeerURL(d, w)); err != nil {
		return err
	}
	if err := ensurePort(ctx, d, w, w.cfg.Port); err != nil {
		return err
	}
	if err := publishClients(ctx, d, w, members, version); err != nil {
		return err
	}
	if err := ensureMonitoring(ctx, d, w, members); err != nil {
		return err
	}
	st := clusterStatus(ctx, d, w, cl, members)
	switch {
	case st.Name != juju.StatusActive:
	case restartPending:
		st = juju.Status{Name: juju.StatusWaiting, Message: "Waiting for a turn to restart with new config"}
	case waitReason != "":
		st = juju.Status{Name: juju.StatusWaiting, Message: waitReason}
	}
	return w.setStatus(ctx, d, st)
}

// readConfig returns the validated config, or a blocked outcome naming the
// bad option (the hook then commits and changes nothing else).
func readConfig(ctx context.Context, d Deps, state charm.UnitState, trust inputs) (charm.Config, error) {
	var seen charm.Config
	if trust.config && decodeSeen(state.Memo.Config, &seen) {
		// Validated when it was recorded (memo.go).
		return seen, nil
	}
	m, err := d.Tools.ConfigGet(ctx)
	if err != nil {
		return charm.Config{}, fmt.Errorf("cannot read config: %w", err)
	}
	cfg, err := charm.ParseConfig(m)
	if err == nil {
		err = cfg.Validate()
	}
	var ce *charm.ConfigError
	if errors.As(err, &ce) {
		return cfg, juju.Blocked("Invalid config: %s: %s", ce.Option, ce.Reason)
	}
	return cfg, err
}

// noteConfigOutcome notes the blocked status of an invalid config (the
// hook goes no further than reading the config) and commits the memo of
// it, so the next quiet hook with the same config logs nothing.
func noteConfigOutcome(ctx context.Context, d Deps, state charm.UnitState, err error) error {
	var outcome *juju.Outcome
	if !errors.As(err, &outcome) {
		return nil
	}
	w := &world{state: state, stored: state}
	// An invalid config is never remembered: every hook reads it again
	// until it is fixed.
	w.state.Memo.Config = ""
	w.noteStatus(ctx, d, outcome.Status)
	return w.flushState(ctx, d)
}
