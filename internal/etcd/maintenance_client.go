package etcd

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Compact implements Maintenance.
func (c *Client) Compact(ctx context.Context, rev int64, physical bool) error {
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	if rev <= 0 {
		resp, err := c.cli.Get(ctx, "health", clientv3.WithCountOnly())
		if err != nil {
			return fmt.Errorf("cannot compact etcd: cannot read the current revision: %w", err)
		}
		rev = resp.Header.Revision
	}
	var opts []clientv3.CompactOption
	if physical {
		opts = append(opts, clientv3.WithCompactPhysical())
	}
	if _, err := c.cli.Compact(ctx, rev, opts...); err != nil {
		return fmt.Errorf("cannot compact etcd to revision %d: %w", rev, err)
	}
	return nil
}

// Defragment implements Maintenance.
func (c *Client) Defragment(ctx context.Context, endpoint string) error {
	if _, err := c.Status(ctx, endpoint); err != nil {
		return fmt.Errorf("cannot defragment etcd: %w", err)
	}
	ctx, cancel := bound(ctx, longCallTimeout)
	defer cancel()
	if _, err := c.cli.Defragment(ctx, endpoint); err != nil {
		return fmt.Errorf("cannot defragment etcd at %s: %w", endpoint, err)
	}
	return nil
}

// AlarmDisarm implements Maintenance: an empty AlarmMember makes clientv3
// list the alarms and disarm each.
func (c *Client) AlarmDisarm(ctx context.Context) error {
	ctx, cancel := bound(ctx, callTimeout)
	defer cancel()
	if _, err := c.cli.AlarmDisarm(ctx, &clientv3.AlarmMember{}); err != nil {
		return fmt.Errorf("cannot disarm etcd alarms: %w", err)
	}
	return nil
}
