// Ports and charm state of the fake: buffered in the hook's overlay until
// Commit; opened-ports lists committed ranges only.

package jujuctest

import (
	"fmt"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// OpenPortRange implements jujuc.Context.
func (c *Context) OpenPortRange(r jujuc.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for unit, taken := range c.PortsTaken {
		for _, t := range taken {
			if t.Protocol == r.Protocol && t.From <= r.To && r.From <= t.To {
				return fmt.Errorf("cannot open %s (unit %q): port range conflicts with %s (unit %q)", r, c.Unit, t, unit)
			}
		}
	}
	c.writes.OpenPort(r)
	return nil
}

// ClosePortRange implements jujuc.Context.
func (c *Context) ClosePortRange(r jujuc.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes.ClosePort(r)
	return nil
}

// OpenedPortRanges implements jujuc.Context.
func (c *Context) OpenedPortRanges() ([]jujuc.PortRange, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]jujuc.PortRange(nil), c.Ports...), nil
}

// CharmState implements jujuc.Context.
func (c *Context) CharmState() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes.State(c.State), nil
}

// SetCharmStateValue implements jujuc.Context.
func (c *Context) SetCharmStateValue(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes.SetState(key, value)
	return nil
}

// DeleteCharmStateValue implements jujuc.Context.
func (c *Context) DeleteCharmStateValue(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes.DeleteState(key)
	return nil
}
