// Action tools and juju-log of the fake: they act at once.

package jujuctest

import "github.com/etcd-charm/etcd-charm/sim/jujuc"

// ActionParams implements jujuc.Context.
func (c *Context) ActionParams() (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return nil, jujuc.ErrNotAction
	}
	return c.Action.Params, nil
}

// UpdateActionResults sets value at the key path, replacing a scalar on
// the way by a map (Juju's addValueToMap).
func (c *Context) UpdateActionResults(keys []string, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return jujuc.ErrNotAction
	}
	if c.Action.Results == nil {
		c.Action.Results = map[string]any{}
	}
	jujuc.SetResult(c.Action.Results, keys, value)
	return nil
}

// SetActionFailed implements jujuc.Context.
func (c *Context) SetActionFailed(message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return jujuc.ErrNotAction
	}
	c.Action.Failed, c.Action.FailMessage = true, message
	return nil
}

// LogActionMessage implements jujuc.Context.
func (c *Context) LogActionMessage(message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return jujuc.ErrNotAction
	}
	c.Action.Logs = append(c.Action.Logs, message)
	return nil
}

// Log implements jujuc.Context.
func (c *Context) Log(level, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Logs = append(c.Logs, LogEntry{level, message})
	return nil
}
