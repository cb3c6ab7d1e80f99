package etcdtest

import (
	"context"
	"fmt"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// conn is a client of the fake through endpoints, as Dial returns it. As
// clientv3 does, it sends every request that is not addressed to one
// endpoint (Status, Health, Defragment and SnapshotStream are) to its
// endpoints in turn, skipping those that do not answer; and, as etcd
// 3.4-3.6 do, a learner refuses all of them ("rpc not supported for
// learner"). A client with a learner among its endpoints therefore fails
// some membership calls and not others, as a real one does.
type conn struct {
	*Fake
	endpoints []string
	next      int // the endpoint the next routed request tries first
}

// route picks the endpoint of the next request and fails it when that
// endpoint is a learner's. With no endpoint answering, the request goes
// on as on the fake itself (Dial made sure one answered).
func (c *conn) route(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.endpoints {
		ep := c.endpoints[(c.next+i)%len(c.endpoints)]
		m, err := c.endpoint(ep)
		if err != nil {
			continue
		}
		c.next = (c.next + i + 1) % len(c.endpoints)
		if m.IsLearner {
			c.record("%s refused by learner %s", op, ep)
			return fmt.Errorf("cannot %s through %s: etcdserver: %w", op, ep, etcd.ErrLearnerRefused)
		}
		return nil
	}
	return nil
}

func (c *conn) Members(ctx context.Context) ([]etcd.Member, error) {
	if err := c.route("list members"); err != nil {
		return nil, err
	}
	return c.Fake.Members(ctx)
}

func (c *conn) AddLearner(ctx context.Context, peerURL string) (etcd.Member, []etcd.Member, error) {
	if err := c.route("add learner " + peerURL); err != nil {
		return etcd.Member{}, nil, err
	}
	return c.Fake.AddLearner(ctx, peerURL)
}

func (c *conn) Promote(ctx context.Context, id uint64) error {
	if err := c.route(fmt.Sprintf("promote member %x", id)); err != nil {
		return err
	}
	return c.Fake.Promote(ctx, id)
}

func (c *conn) Remove(ctx context.Context, id uint64) error {
	if err := c.route(fmt.Sprintf("remove member %x", id)); err != nil {
		return err
	}
	return c.Fake.Remove(ctx, id)
}

func (c *conn) UpdatePeerURLs(ctx context.Context, id uint64, peerURLs []string) error {
	if err := c.route(fmt.Sprintf("update member %x", id)); err != nil {
		return err
	}
	return c.Fake.UpdatePeerURLs(ctx, id, peerURLs)
}

func (c *conn) MoveLeader(ctx context.Context, id uint64) error {
	if err := c.route(fmt.Sprintf("move leader to %x", id)); err != nil {
		return err
	}
	return c.Fake.MoveLeader(ctx, id)
}

func (c *conn) Alarms(ctx context.Context) ([]etcd.Alarm, error) {
	if err := c.route("list alarms"); err != nil {
		return nil, err
	}
	return c.Fake.Alarms(ctx)
}

func (c *conn) Compact(ctx context.Context, rev int64, physical bool) error {
	if err := c.route("compact"); err != nil {
		return err
	}
	return c.Fake.Compact(ctx, rev, physical)
}

func (c *conn) AlarmDisarm(ctx context.Context) error {
	if err := c.route("disarm alarms"); err != nil {
		return err
	}
	return c.Fake.AlarmDisarm(ctx)
}

var (
	_ etcd.Cluster     = (*conn)(nil)
	_ etcd.Maintenance = (*conn)(nil)
)
