// Ports, network, actions, logs, resources, storage and charm state of
// the fake.

package jujuctest

import (
	"fmt"
	"sort"
	"strings"

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
	c.pendingPorts = append(c.pendingPorts, portOp{open: true, r: r})
	return nil
}

// ClosePortRange implements jujuc.Context.
func (c *Context) ClosePortRange(r jujuc.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pendingPorts = append(c.pendingPorts, portOp{open: false, r: r})
	return nil
}

// OpenedPortRanges implements jujuc.Context.
func (c *Context) OpenedPortRanges() ([]jujuc.PortRange, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]jujuc.PortRange(nil), c.Ports...), nil
}

func removeRange(list []jujuc.PortRange, r jujuc.PortRange) []jujuc.PortRange {
	out := list[:0:0]
	for _, x := range list {
		if x.From != r.From || x.To != r.To || x.Protocol != r.Protocol {
			out = append(out, x)
		}
	}
	return out
}

// PrivateAddress implements jujuc.Context.
func (c *Context) PrivateAddress() (string, error) { return c.Private, nil }

// PublicAddress implements jujuc.Context.
func (c *Context) PublicAddress() (string, error) { return c.Public, nil }

// NetworkInfo implements jujuc.Context.
func (c *Context) NetworkInfo(binding string, relationID int) (jujuc.NetworkInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.Networks[binding]
	if !ok {
		return jujuc.NetworkInfo{}, jujuc.ErrBindingNotFound
	}
	return ni, nil
}

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
	m := c.Action.Results
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
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

// DownloadResource implements jujuc.Context.
func (c *Context) DownloadResource(name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	path, ok := c.Resources[name]
	if !ok {
		return "", jujuc.ErrResourceNotFound
	}
	return path, nil
}

// StorageIDs implements jujuc.Context.
func (c *Context) StorageIDs(name string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for id := range c.Storages {
		if name == "" || strings.HasPrefix(id, name+"/") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Storage implements jujuc.Context.
func (c *Context) Storage(id string) (jujuc.StorageInstance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.Storages[id]
	if !ok {
		return jujuc.StorageInstance{}, fmt.Errorf("storage %q not found", id)
	}
	return st, nil
}

// HookStorageID implements jujuc.Context.
func (c *Context) HookStorageID() (string, bool) { return c.HookStorage, c.HookStorage != "" }

// CharmState implements jujuc.Context.
func (c *Context) CharmState() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := overlay(c.State, nil)
	for k, v := range c.pendingState {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out, nil
}

// SetCharmStateValue implements jujuc.Context.
func (c *Context) SetCharmStateValue(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pendingState == nil {
		c.pendingState = map[string]*string{}
	}
	c.pendingState[key] = &value
	return nil
}

// DeleteCharmStateValue implements jujuc.Context.
func (c *Context) DeleteCharmStateValue(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pendingState == nil {
		c.pendingState = map[string]*string{}
	}
	c.pendingState[key] = nil
	return nil
}
