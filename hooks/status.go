package hooks

import (
	"context"
	"fmt"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// clusterStatus is the unit's honest status once its etcd serves: active
// "Healthy with N known peers" (layer-etcd's words) only when every member
// answers and no alarm is raised; otherwise blocked, naming what is wrong.
// Learners are not probed: they answer no linearizable read, are outside
// the quorum, and one that has just joined may not serve clients for
// seconds (etcd waits out its request timeout when its first publish
// crosses the snapshot that brings it up to date), which would stall every
// unit's hook for the probe's timeout.
func clusterStatus(ctx context.Context, cl etcd.Cluster, self string, members []etcd.Member) juju.Status {
	n := len(members)
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
	var problems []string
	unstarted := 0
	for _, m := range members {
		if !m.Started() {
			unstarted++
		}
	}
	down := 0
	for _, h := range cl.Health(ctx, endpoints) {
		if !h.Healthy {
			down++
			problems = append(problems, fmt.Sprintf("%s unhealthy", names[h.Endpoint]))
		}
	}
	if alarms, err := cl.Alarms(ctx); err == nil {
		for _, a := range alarms {
			problems = append(problems, "alarm "+a.Type)
		}
	}
	voters := 0
	for _, m := range members {
		if !m.IsLearner {
			voters++
		}
	}
	if voters > 0 && (voters-down-unstarted) <= voters/2 {
		problems = append([]string{"quorum lost or at risk"}, problems...)
	}
	if len(problems) == 0 && unstarted == 0 {
		return juju.Status{Name: juju.StatusActive, Message: "Healthy with " + charm.PeersMessage(n)}
	}
	if len(problems) == 0 {
		return juju.Status{Name: juju.StatusWaiting, Message: fmt.Sprintf("Waiting for %d member(s) to start; %s", unstarted, charm.PeersMessage(n))}
	}
	return juju.Status{Name: juju.StatusBlocked, Message: "Unhealthy: " + strings.Join(problems, ", ") + "; " + charm.PeersMessage(n)}
}
