package controller

import (
	"fmt"

	"github.com/etcd-charm/etcd-charm/sim/agent"
)

// Resolved clears a unit's hook error: the hook is retried now, or with
// noRetry its bookkeeping is committed without running it (its changes
// are lost), like `juju resolved [--no-retry]`.
func (c *Controller) Resolved(unit string, noRetry bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.model.Unit(unit)
	if err != nil {
		return err
	}
	f := u.AgentState.Failed
	if f == nil {
		return fmt.Errorf("unit %q is not in an error state", unit)
	}
	if noRetry {
		now := c.now()
		op := agent.Op{Kind: agent.OpHook, Unit: unit, Hook: f.Hook, Retry: true}
		op.Version = agent.CurrentVersion(c.model, u, f.Hook)
		agent.Committed(c.model, op, now)
		c.opsLine("%s %s resolved-no-retry", unit, agent.HookName(f.Hook))
	} else {
		f.NextRetry = c.now()
	}
	c.kick()
	return c.saveLocked()
}
