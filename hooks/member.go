package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/workload"
)

// memberResult is what ensureMember did.
type memberResult struct {
	serving  bool   // the local etcd answers
	starting bool   // etcd runs but cannot serve before more members start
	request  string // the rolling-restart request to publish ("" none)
	done     string // the restart request this hook completed
	lost     bool   // the member's data is gone (see dataloss.go)
}

// maxMemberSteps bounds one hook's member steps: refresh, update the peer
// URL, then restart is the longest way, twice for the leader granting
// itself the lock.
const maxMemberSteps = 8

// ensureMember gets the local etcd running with the config it should
// have: it observes, lets charm.PlanMember name the next step, applies
// it, and goes on until a step ends the member's work for this hook.
//
// The leader's own restart request appears only in this hook, after its
// duties ran, and Juju never runs relation-changed on the unit that wrote
// the data, so no later hook would grant it: the leader grants it here,
// and restarts in this hook when the lock is free.
func ensureMember(ctx context.Context, d Deps, w *world, installed *snap.Snap) (memberResult, error) {
	storage := w.storageLocation(ctx, d)
	var done charm.MemberProgress
	granted := false
	for i := 0; i < maxMemberSteps; i++ {
		v, err := w.memberView(ctx, d, installed, storage, done)
		if err != nil {
			return memberResult{}, err
		}
		step, err := charm.PlanMember(v)
		if err != nil {
			return memberResult{}, err
		}
		res, more, err := applyMember(ctx, d, w, step, &done)
		if err != nil || more {
			if err != nil {
				return res, err
			}
			continue
		}
		if w.leader && res.request != "" && !granted {
			granted = true
			pending := w.self
			pending.RestartRequest = res.request
			w.announce(pending)
			if err := grantRestartLock(ctx, d, w); err != nil {
				return res, err
			}
			if w.leaderData.RestartLock == w.ev.Unit {
				continue
			}
		}
		return res, nil
	}
	return memberResult{}, fmt.Errorf("cannot settle etcd: still changing after %d steps", maxMemberSteps)
}

// applyMember carries out one member step; more says the member's work
// goes on with another plan in this hook.
func applyMember(ctx context.Context, d Deps, w *world, step charm.MemberStep, done *charm.MemberProgress) (res memberResult, more bool, err error) {
	if step.Kind == charm.MemberWait {
		return res, false, juju.Waiting("%s", step.Reason)
	}
	if step.Kind == charm.MemberDataLost {
		res, err := applyDataLost(ctx, d, w, step)
		return res, false, err
	}
	if res, err, held := heldBack(d, w, step); held {
		return res, false, err
	}
	if step.Kind == charm.MemberRefresh || step.Kind == charm.MemberRestart {
		stale, err := configMoved(ctx, d, w)
		if err != nil {
			return res, false, err
		}
		if stale {
			// Keep the request (and so the lock) for the config-changed
			// Juju has queued; it plans again with what the operator
			// set now.
			d.note(ctx, levelInfo, "the config changed since this unit last read it; the restart waits for config-changed")
			res.request, res.serving = step.Request, true
			return res, false, nil
		}
	}
	w.state.Start = step.Start
	ca := workload.CADigest(d.Paths)
	switch step.Kind {
	case charm.MemberRefresh:
		d.note(ctx, levelInfo, "refreshing etcd to channel %s", w.cfg.Channel)
		from, err := d.Snap.Snap(ctx, charm.SnapName)
		if err != nil {
			return res, false, fmt.Errorf("cannot read the etcd snap before refreshing it: %w", err)
		}
		if err := d.Snap.Refresh(ctx, charm.SnapName, w.cfg.Channel); err != nil {
			return res, false, juju.Blocked("Cannot refresh etcd to channel %s: %v", w.cfg.Channel, err)
		}
		done.Refreshed, done.RefreshedFrom = true, from.Channel
		return res, true, nil
	case charm.MemberUpdatePeerURL:
		// The peer URL moves only once etcd serves on the new listener:
		// after the restart, as the heal in reportServing follows the
		// config etcd runs (runningPeerURL). Moved first, a restart that
		// then failed left the member registered where it does not
		// listen. Meanwhile the others still reach it: etcd's raft
		// streams are dialled from both ends, and the restarted member
		// dials theirs.
		done.PeerURLSettled = true
		return res, true, nil
	case charm.MemberRequestRestart:
		if step.Request != w.published.RestartRequest {
			d.note(ctx, levelInfo, "etcd needs a restart into new config; waiting for the restart lock")
		}
		res.request, res.serving = step.Request, true
		return res, false, nil
	case charm.MemberStart:
		d.note(ctx, levelInfo, "starting etcd (%s cluster)", step.Start.State)
		if err := moveData(ctx, d, step.Rendered); err != nil {
			return res, false, err
		}
		if err := writeEtcdConfig(d, step.Rendered); err != nil {
			return res, false, err
		}
		if err := d.Snap.Start(ctx, charm.ServiceName); err != nil {
			return res, false, fmt.Errorf("cannot start etcd: %w", err)
		}
		w.state.EtcdCA = ca
		if step.Join {
			res.serving, err = waitJoined(ctx, d, w)
		} else {
			res.serving, err = waitServing(ctx, d, w, step.WaitServe)
		}
		res.starting = !res.serving
		return res, false, err
	case charm.MemberRestart:
		d.note(ctx, levelInfo, "restarting etcd into new config")
		if err := moveData(ctx, d, step.Rendered); err != nil {
			return res, false, err
		}
		previous, logged := previousConfig(d), etcdLogged(ctx, d)
		if err := writeEtcdConfig(d, step.Rendered); err != nil {
			return res, false, err
		}
		if err := d.Snap.Restart(ctx, charm.ServiceName); err != nil {
			return res, false, fmt.Errorf("cannot restart etcd: %w", err)
		}
		// etcd reads the CA in place from now on, even reverted (its
		// previous config names the same files).
		w.state.EtcdCA = ca
		res.serving, err = waitServing(ctx, d, w, true)
		if err != nil {
			return res, false, err
		}
		if !res.serving {
			if why, stopped := etcdStopped(ctx, d, logged); stopped {
				// Keep the lock, go back to what ran, say why (revert.go).
				res, err := revertChange(ctx, d, w, step, previous, *done, why)
				return res, false, err
			}
			// Alive but not serving yet (a slow start): the request,
			// and so the lock, stays; the next hook looks again.
			res.request = step.Request
			return res, false, nil
		}
		w.state.Failed = charm.RestartFailure{}
		res.done = step.Request
		return res, false, nil
	case charm.MemberNone:
		if step.Rewrite {
			d.note(ctx, levelInfo, "rewriting etcd.conf.yml in this charm's layout (nothing etcd acts on changes: no restart)")
			if err := writeEtcdConfig(d, step.Rendered); err != nil {
				return res, false, err
			}
		}
		// A running etcd the state says nothing about is assumed to run
		// with the CA in place.
		w.state.EtcdCA = ca
		res.serving, err = waitServing(ctx, d, w, step.WaitServe)
		res.starting = !res.serving
		if res.serving {
			// A restart is done only once etcd serves in it: until
			// then the request, and so the restart lock, stays.
			res.done = step.Done
		} else {
			res.request = step.Done
		}
		return res, false, err
	}
	return res, false, fmt.Errorf("cannot apply member step %q", step.Kind)
}

func writeEtcdConfig(d Deps, rendered []byte) error {
	if _, err := workload.WriteFile(d.Paths.ConfigFile(), rendered, 0o644); err != nil {
		return fmt.Errorf("cannot write etcd.conf.yml: %w", err)
	}
	return nil
}

// ensureOwnPeerURL sets this member's peer URL to want when it differs
// (members: the member list when already read).
func ensureOwnPeerURL(ctx context.Context, d Deps, w *world, cl etcd.Cluster, members []etcd.Member, want string) error {
	if members == nil {
		var err error
		if members, err = cl.Members(ctx); err != nil {
			return fmt.Errorf("cannot list members to update this member's peer URL: %w", err)
		}
	}
	for _, m := range members {
		if m.Name == w.member.Name && (len(m.PeerURLs) != 1 || m.PeerURLs[0] != want) {
			d.note(ctx, levelInfo, "updating %s's peer URL to %s", m.Name, want)
			if err := cl.UpdatePeerURLs(ctx, m.ID, []string{want}); err != nil {
				return fmt.Errorf("cannot update this member's peer URL: %w", err)
			}
		}
	}
	return nil
}

// dialCluster is how the hooks reach etcd: the given client URLs, with
// the charm's TLS identity. No endpoint is an error.
func dialCluster(ctx context.Context, d Deps, endpoints []string) (etcd.Cluster, error) {
	if len(endpoints) == 0 {
		return nil, errNoMemberServes
	}
	cl, err := d.Dial(ctx, endpoints, workload.TLS(d.Paths))
	if err != nil {
		return nil, fmt.Errorf("cannot reach the cluster at %v: %w", endpoints, err)
	}
	return cl, nil
}

var errNoMemberServes = fmt.Errorf("cannot reach the cluster: no member serves")

// dialVoters connects to the cluster for membership operations through
// the voters among endpoints (charm.VoterEndpoints): it dials them all,
// reads the member list, retrying past a learner's refusal (each try goes
// to the next endpoint, as clientv3 spreads requests), and when a
// learner's client URL is among them dials again without it. On etcd 3.4
// a learner in the leader's endpoints stalled scale-out: the member list
// failed, so no promotion ever happened. Not learning the member list is
// no error here: the calls that follow report what is wrong.
func dialVoters(ctx context.Context, d Deps, endpoints []string) (etcd.Cluster, error) {
	cl, err := dialCluster(ctx, d, endpoints)
	if err != nil || len(endpoints) < 2 {
		return cl, err
	}
	var members []etcd.Member
	for range endpoints {
		if members, err = cl.Members(ctx); !errors.Is(err, etcd.ErrLearnerRefused) {
			break
		}
	}
	if err != nil {
		d.logf("cannot list members to find the voters among %v: %v", endpoints, err)
		return cl, nil
	}
	voters := charm.VoterEndpoints(endpoints, members)
	if len(voters) == len(endpoints) || len(voters) == 0 {
		return cl, nil
	}
	cl.Close()
	return dialCluster(ctx, d, voters)
}

// servingPeers connects to the voters among the members whose units
// report their etcd serving (dialVoters). It returns nil when there is
// nothing to dial or the dial fails: asking an etcd that does not serve
// yet only waits out a timeout.
func servingPeers(ctx context.Context, d Deps, w *world) etcd.Cluster {
	endpoints := w.clusterEndpoints("")
	if len(endpoints) == 0 {
		return nil
	}
	cl, err := dialVoters(ctx, d, endpoints)
	if err != nil {
		d.logf("%v", err)
		return nil
	}
	return cl
}

// waitServing checks that the local etcd answers, waiting up to
// Waits.Serve when wait is set, else asking once. The client that got the
// answer is kept in w.own for the rest of the hook (one TLS handshake
// fewer).
func waitServing(ctx context.Context, d Deps, w *world, wait bool) (bool, error) {
	w.closeOwn()
	own := w.member.ClientURL(w.cfg)
	deadline := d.Now().Add(d.Waits.Serve)
	// Just after a start etcd does not listen yet: Dial fails at once
	// until it does.
	var cl etcd.Cluster
	for {
		var err error
		if cl, err = dialCluster(ctx, d, []string{own}); err == nil {
			break
		}
		if !wait || d.Now().After(deadline) {
			d.logf("etcd does not listen at %s yet: %v", own, err)
			return false, nil
		}
		if err := sleep(ctx, d.Waits.Poll); err != nil {
			return false, err
		}
	}
	kept := false
	defer func() {
		if !kept {
			cl.Close()
		}
	}()
	for {
		sctx, cancel := context.WithTimeout(ctx, 2*d.Waits.Poll+time.Second)
		st, err := cl.Status(sctx, own)
		cancel()
		if err == nil {
			w.own, w.ownLearner, kept = cl, st.IsLearner, true
			return true, nil
		}
		if !wait || d.Now().After(deadline) {
			d.logf("etcd does not answer at %s yet: %v", own, err)
			return false, nil
		}
		if err := sleep(ctx, d.Waits.Poll); err != nil {
			return false, err
		}
	}
}

// waitJoined waits for a member that joins a running cluster to serve.
//
// etcd serves clients only once its own publish (its name and client
// URLs, proposed through raft as it starts) comes back applied. A joiner
// proposes it at once, and the leader often brings the joiner up to date
// with a snapshot that already holds the committed publish: the joiner
// then never applies that entry itself, and waits out its request
// timeout (5 s + 2 election timeouts) before it publishes again. So the
// hook asks its own etcd and, between, its peers: once they list this
// member by name and it still does not serve Waits.Publish later, it is
// in that wait, and a restart (charm.RestartJoiner says when that is
// safe) publishes again at once.
func waitJoined(ctx context.Context, d Deps, w *world) (bool, error) {
	deadline := d.Now().Add(d.Waits.Serve)
	var peers etcd.Cluster
	defer func() {
		if peers != nil {
			peers.Close()
		}
	}()
	var named time.Time // when the peers first listed this member by name
	restarted := false
	for {
		if ok, err := askServing(ctx, d, w); ok || err != nil {
			return ok, err
		}
		if !restarted {
			if peers == nil {
				peers = servingPeers(ctx, d, w)
			}
			var members []etcd.Member
			if peers != nil {
				members, _ = peers.Members(ctx)
			}
			if named.IsZero() && charm.Published(members, w.member.Name) {
				named = d.Now()
			}
			if !named.IsZero() && d.Now().Sub(named) >= d.Waits.Publish && charm.RestartJoiner(members, healthyVoters(ctx, peers, members, w.member.Name), w.member.Name) {
				d.note(ctx, levelInfo, "etcd published %s but does not serve yet: restarting it to skip etcd's publish retry wait", w.member.Name)
				if err := d.Snap.Restart(ctx, charm.ServiceName); err != nil {
					return false, fmt.Errorf("cannot restart etcd: %w", err)
				}
				restarted = true
				return waitServing(ctx, d, w, true)
			}
		}
		if d.Now().After(deadline) {
			d.logf("etcd does not serve at %s yet", w.member.ClientURL(w.cfg))
			return false, nil
		}
		if err := sleep(ctx, d.Waits.Poll); err != nil {
			return false, err
		}
	}
}

// healthyVoters probes the other voters when this member already is one
// (a learner's restart needs no quorum, so nothing is probed for it).
func healthyVoters(ctx context.Context, peers etcd.Cluster, members []etcd.Member, self string) map[string]bool {
	healthy := map[string]bool{}
	if peers == nil {
		return healthy
	}
	for _, m := range members {
		if m.Name == self && m.IsLearner {
			return healthy
		}
	}
	for _, h := range peers.Health(ctx, charm.OtherVoters(members, self)) {
		healthy[h.Endpoint] = h.Healthy
	}
	return healthy
}

// askServing asks the local etcd once whether it serves, keeping the
// client that got the answer in w.own (see waitServing), quietly: a
// joiner polls it.
func askServing(ctx context.Context, d Deps, w *world) (bool, error) {
	w.closeOwn()
	own := w.member.ClientURL(w.cfg)
	cl, err := dialCluster(ctx, d, []string{own})
	if err != nil {
		return false, nil
	}
	// Before etcd serves, its listener accepts but the handshake waits:
	// a short bound lets the caller look at its peers in between.
	sctx, cancel := context.WithTimeout(ctx, 5*d.Waits.Poll)
	st, err := cl.Status(sctx, own)
	cancel()
	if err != nil {
		cl.Close()
		return false, nil
	}
	w.own, w.ownLearner = cl, st.IsLearner
	return true, nil
}
