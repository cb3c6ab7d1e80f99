package actions

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/workload"
)

// health checks every member, etcdctl's way (a linearizable read on each
// member plus the alarm list), and reports it in the text form of the
// v2 `etcdctl cluster-health` layer-etcd ran, which operators and scripts
// grep for "cluster is healthy":
//
//	member 8e9e05c52164694d is healthy: got healthy result from https://10.0.0.1:2379
//	member 91bc3c398fb3c146 is unhealthy: got unhealthy result from https://10.0.0.2:2379: context deadline exceeded
//	cluster is unhealthy
//
// An unhealthy cluster fails the action with the same text (layer-etcd
// instead set output.status, a QUIRK we fix). The member list comes from
// any reachable member: the local one first, then the peers' published
// client URLs, so a unit whose own etcd is down still reports the others.
func health(ctx context.Context, d Deps, _ juju.Event) error {
	local, err := readLocal(d)
	if err != nil {
		return err
	}
	peers, err := peerClientURLs(ctx, d)
	if err != nil {
		return err
	}
	endpoints := append([]string{local.ClientURL}, peers...)
	if d.Dial == nil {
		return errNoClient
	}
	cl, err := d.Dial(ctx, endpoints, workload.TLS(d.Paths))
	if err != nil {
		out := fmt.Sprintf("cannot reach any member at %s: %v\ncluster is unhealthy", strings.Join(endpoints, ","), err)
		return failWithOutput(ctx, d, out)
	}
	defer cl.Close()
	members, err := cl.Members(ctx)
	if err != nil {
		out := fmt.Sprintf("cannot list members: %v\ncluster is unhealthy", err)
		return failWithOutput(ctx, d, out)
	}
	out, healthy := healthReport(ctx, cl, members)
	if !healthy {
		return failWithOutput(ctx, d, out)
	}
	return d.Tools.ActionSet(ctx, map[string]string{"output": out})
}

// healthReport checks every started member on its first client URL.
// Members that have not started (learners just added) have no client URL
// and count as unhealthy, as etcdctl v2 reported them unreachable.
func healthReport(ctx context.Context, cl etcd.Cluster, members []etcd.Member) (string, bool) {
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	var endpoints []string
	for _, m := range members {
		if len(m.ClientURLs) > 0 {
			endpoints = append(endpoints, m.ClientURLs[0])
		}
	}
	byEndpoint := map[string]etcd.Health{}
	if len(endpoints) > 0 {
		for _, h := range cl.Health(ctx, endpoints) {
			byEndpoint[h.Endpoint] = h
		}
	}
	var b strings.Builder
	healthy := len(members) > 0
	for _, m := range members {
		if len(m.ClientURLs) == 0 {
			healthy = false
			fmt.Fprintf(&b, "member %x is unreachable: no available published client urls\n", m.ID)
			continue
		}
		ep := m.ClientURLs[0]
		h, ok := byEndpoint[ep]
		switch {
		case ok && h.Healthy:
			fmt.Fprintf(&b, "member %x is healthy: got healthy result from %s\n", m.ID, ep)
		case ok:
			healthy = false
			fmt.Fprintf(&b, "member %x is unhealthy: got unhealthy result from %s: %s\n", m.ID, ep, h.Error)
		default:
			healthy = false
			fmt.Fprintf(&b, "member %x is unhealthy: no result from %s\n", m.ID, ep)
		}
	}
	if len(members) == 0 {
		b.WriteString("no members\n")
	}
	if healthy {
		b.WriteString("cluster is healthy")
	} else {
		b.WriteString("cluster is unhealthy")
	}
	return b.String(), healthy
}

// failWithOutput sets output and fails the action with the same text, so
// `juju run` shows it both as the message and as the result.
func failWithOutput(ctx context.Context, d Deps, out string) error {
	if err := d.Tools.ActionSet(ctx, map[string]string{"output": out}); err != nil {
		return err
	}
	return juju.Failf("%s", out)
}
