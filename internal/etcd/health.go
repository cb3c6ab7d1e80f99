package etcd

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// Health implements Cluster with etcdctl's rule (endpoint health): one
// client per endpoint, all at once; an endpoint is healthy when a
// linearizable Get("health") succeeds (permission denied also proves the
// member serves requests through raft) and no NOSPACE or CORRUPT alarm
// is raised. A learner fails the linearizable read, so it is reported
// unhealthy with etcd's "rpc not supported for learner". Took is the
// Get's round trip.
func (c *Client) Health(ctx context.Context, endpoints []string) []Health {
	out := make([]Health, len(endpoints))
	var wg sync.WaitGroup
	for i, ep := range endpoints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.health(ctx, ep)
		}()
	}
	wg.Wait()
	return out
}

func (c *Client) health(ctx context.Context, endpoint string) Health {
	h := Health{Endpoint: endpoint}
	ctx, cancel := bound(ctx, probeTimeout)
	defer cancel()
	if err := reachable(ctx, endpoint); err != nil {
		h.Error = err.Error()
		return h
	}
	cli := c.cli
	if len(c.cfg.Endpoints) != 1 || c.cfg.Endpoints[0] != endpoint {
		// A client of this endpoint alone, as etcdctl uses per endpoint
		// (a client already dialled to it alone serves as is).
		one, err := c.one(endpoint)
		if err != nil {
			h.Error = err.Error()
			return h
		}
		defer one.Close()
		cli = one
	}
	start := time.Now()
	_, err := cli.Get(ctx, "health")
	h.Took = time.Since(start)
	if err != nil && !isRPC(err, rpctypes.ErrPermissionDenied) {
		h.Error = err.Error()
		return h
	}
	resp, err := cli.AlarmList(ctx)
	if err != nil {
		h.Error = "cannot list alarms: " + err.Error()
		return h
	}
	var active []string
	for _, a := range resp.Alarms {
		if a.Alarm == etcdserverpb.AlarmType_NOSPACE || a.Alarm == etcdserverpb.AlarmType_CORRUPT {
			active = append(active, a.Alarm.String())
		}
	}
	if len(active) > 0 {
		h.Error = "Active Alarm(s): " + strings.Join(active, " ")
		return h
	}
	h.Healthy = true
	return h
}
