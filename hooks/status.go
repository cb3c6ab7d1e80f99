package hooks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// clusterStatus is the unit's honest status once its etcd serves: active
// "Healthy with N known peers" (layer-etcd's words) only when every member
// answers and no alarm is raised; otherwise what charm.ClusterHealth says.
// Learners are not probed: they answer no linearizable read, are outside
// the quorum, and one that has just joined may not serve clients for
// seconds (etcd waits out its request timeout when its first publish
// crosses the snapshot that brings it up to date), which would stall every
// unit's hook for the probe's timeout.
func clusterStatus(ctx context.Context, d Deps, w *world, cl etcd.Cluster, members []etcd.Member) juju.Status {
	self := w.member.Name
	var endpoints []string
	names := map[string]string{}
	selfLearner := false
	for _, m := range members {
		if m.Name == self && m.IsLearner {
			selfLearner = true
		}
		if !m.Started() || m.IsLearner {
			continue
		}
		for _, u := range m.ClientURLs {
			endpoints = append(endpoints, u)
			names[u] = m.Name
		}
	}
	if selfLearner {
		return juju.Status{Name: juju.StatusWaiting, Message: "Waiting to be promoted from learner"}
	}
	// The alarm list is asked while the probes run: one round trip
	// fewer for every hook that reports status.
	type alarmList struct {
		alarms []etcd.Alarm
		err    error
	}
	listed := make(chan alarmList, 1)
	go func() {
		alarms, err := cl.Alarms(ctx)
		listed <- alarmList{alarms, err}
	}()
	healthy := map[string]bool{}
	joining := charm.JoiningVoters(members, w.peers)
	for _, h := range probeHealth(ctx, d, cl, endpoints, joining) {
		if h.Healthy {
			healthy[names[h.Endpoint]] = true
		}
	}
	var report charm.HealthReport
	for _, m := range members {
		// A joiner that does not answer yet, whose unit does not say it
		// serves, is still starting (waiting), not down (blocked); it
		// counts as missing for the quorum all the same.
		started := m.Started() && (healthy[m.Name] || len(m.ClientURLs) == 0 || !joining[m.ClientURLs[0]])
		report.Members = append(report.Members, charm.MemberHealth{Name: m.Name, Learner: m.IsLearner,
			Started: started, Healthy: healthy[m.Name]})
	}
	if l := <-listed; l.err == nil {
		alarms := l.alarms
		report.AlarmsListed = true
		for _, a := range alarms {
			report.Alarms = append(report.Alarms, a.Type)
		}
	}
	h := w.quorumLoss(d, charm.ClusterHealth(report))
	return juju.Status{Name: juju.StatusName(h.Level), Message: h.Message}
}

// quorumLoss applies charm.QuorumLoss, recording in unit state when this
// unit first saw the majority down (and forgetting it once quorum is
// back), so the rebuild-cluster advice comes only once the loss lasted.
func (w *world) quorumLoss(d Deps, h charm.Health) charm.Health {
	h, w.state.QuorumLostSince = charm.QuorumLoss(h, w.state.QuorumLostSince, d.Now().UTC().Truncate(time.Second), w.leader)
	return h
}

// silentStatus is the outcome of a unit whose etcd did not answer the
// member list: quorum lost (charm.QuorumLoss: a wait at first, then
// blocked naming the rebuild-cluster action) when a majority of the
// voters does not answer at all (maintenance status is local to a member
// and answers without a leader, unlike a health probe), else a wait
// naming those down. The voters are those this unit's etcd knows (a
// serializable member list, which needs no quorum: units removed with
// --force leave no peer data, but their members still count); the
// started peers when it does not say.
func silentStatus(ctx context.Context, d Deps, cl etcd.Cluster, w *world, cause error) error {
	peers := w.startedPeers()
	if members, err := cl.LocalMembers(ctx, w.member.ClientURL(w.cfg)); err == nil {
		peers = nil
		for _, m := range members {
			if m.IsLearner {
				continue
			}
			p := relations.Peer{Name: m.Name}
			if len(m.ClientURLs) > 0 {
				p.ClientURL = m.ClientURLs[0]
			}
			if p.Name == "" {
				p.Name = fmt.Sprintf("%x", m.ID)
			}
			peers = append(peers, p)
		}
	}
	up := make([]bool, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		if p.ClientURL == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cl.Status(ctx, p.ClientURL)
			up[i] = err == nil
		}()
	}
	wg.Wait()
	var seen []charm.MemberHealth
	for i, p := range peers {
		seen = append(seen, charm.MemberHealth{Name: p.Name, Started: true, Healthy: up[i]})
	}
	h := w.quorumLoss(d, charm.SilentHealth(seen, cause.Error()))
	if h.Level == "blocked" {
		return juju.Blocked("%s", h.Message)
	}
	return juju.Waiting("%s", h.Message)
}

// probeHealth probes endpoints, those in joining (charm.JoiningVoters:
// their units do not report them serving yet) within a short bound: a
// joiner the leader promoted may not serve for seconds, and a full probe
// would hold this hook (the leader's among them) as long. Both groups are
// probed at once.
func probeHealth(ctx context.Context, d Deps, cl etcd.Cluster, endpoints []string, joining map[string]bool) []etcd.Health {
	var full, quick []string
	for _, ep := range endpoints {
		if joining[ep] {
			quick = append(quick, ep)
		} else {
			full = append(full, ep)
		}
	}
	if len(quick) == 0 {
		return cl.Health(ctx, full)
	}
	got := make(chan []etcd.Health, 1)
	go func() {
		qctx, cancel := context.WithTimeout(ctx, 5*d.Waits.Poll)
		defer cancel()
		got <- cl.Health(qctx, quick)
	}()
	var out []etcd.Health
	if len(full) > 0 {
		out = cl.Health(ctx, full)
	}
	return append(out, <-got...)
}
