package etcdtest

import (
	"context"
	"fmt"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// Status implements etcd.Cluster.
func (f *Fake) Status(ctx context.Context, endpoint string) (etcd.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Status %s", endpoint); err != nil {
		return etcd.Status{}, err
	}
	m, err := f.endpoint(endpoint)
	if err != nil {
		return etcd.Status{}, fmt.Errorf("cannot get status of %s: %w", endpoint, err)
	}
	st := etcd.Status{
		Endpoint: endpoint, MemberID: m.ID, Leader: f.leader, Version: f.version,
		Revision: m.revision, RaftIndex: m.raftIndex, DBSize: m.dbSize, IsLearner: m.IsLearner,
	}
	for _, a := range f.alarms {
		if a.MemberID == m.ID {
			st.Errors = append(st.Errors, "memberID:"+fmt.Sprint(m.ID)+" alarm:"+a.Type)
		}
	}
	return st, nil
}

// LocalMembers implements etcd.Cluster: the member at endpoint answers
// with the membership whether or not a quorum runs.
func (f *Fake) LocalMembers(ctx context.Context, endpoint string) ([]etcd.Member, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "LocalMembers %s", endpoint); err != nil {
		return nil, err
	}
	if _, err := f.endpoint(endpoint); err != nil {
		return nil, fmt.Errorf("cannot list members at %s: %w", endpoint, err)
	}
	return f.list(), nil
}

// Health implements etcd.Cluster with etcdctl's rule.
func (f *Fake) Health(ctx context.Context, endpoints []string) []etcd.Health {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Health %v", endpoints)
	out := make([]etcd.Health, 0, len(endpoints))
	for _, ep := range endpoints {
		h := etcd.Health{Endpoint: ep, Took: time.Millisecond}
		m, err := f.endpoint(ep)
		switch {
		case ctx.Err() != nil:
			h.Error = ctx.Err().Error()
		case err != nil:
			h.Error = err.Error()
		case m.IsLearner:
			h.Error = "etcdserver: rpc not supported for learner"
		case f.leader == 0:
			h.Error = "etcdserver: no leader"
		default:
			h.Healthy = true
			for _, a := range f.alarms {
				if a.Type == "NOSPACE" || a.Type == "CORRUPT" {
					h.Healthy, h.Error = false, "Active Alarm(s): "+a.Type
					break
				}
			}
		}
		out = append(out, h)
	}
	return out
}

// Alarms implements etcd.Cluster.
func (f *Fake) Alarms(ctx context.Context) ([]etcd.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, "list alarms", "Alarms"); err != nil {
		return nil, err
	}
	return append([]etcd.Alarm(nil), f.alarms...), nil
}

// Close implements etcd.Cluster; the fake stays usable (each hook dials
// and closes its own client, the cluster lives on).
func (f *Fake) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return nil
}

// Dial is an etcd.Dialer connecting to the fake: it fails when none of
// the endpoints is a started member's client URL that answers, or when
// FailDial set an error. The client routes requests over its endpoints
// and learners refuse them, as etcd's do (see conn).
func (f *Fake) Dial(ctx context.Context, endpoints []string, tls etcd.TLS) (etcd.Cluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Dial %v", endpoints)
	if f.dialErr != nil {
		return nil, f.dialErr
	}
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("cannot connect to etcd: no endpoints")
	}
	if !f.reachable(endpoints) {
		return nil, fmt.Errorf("cannot connect to etcd at %v: context deadline exceeded", endpoints)
	}
	return &conn{Fake: f, endpoints: append([]string(nil), endpoints...)}, nil
}
