package agent

import (
	"fmt"
	"maps"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Status, leadership, ports and network: the tools of a unit's identity.

func toJujuc(s model.StatusInfo) jujuc.Status {
	return jujuc.Status{Status: s.Status, Message: s.Message, Data: s.Data}
}

// UnitStatus implements jujuc.Context.
func (c *Context) UnitStatus() (jujuc.Status, error) {
	_, u, _, unlock := c.lock()
	defer unlock()
	return toJujuc(u.Workload), nil
}

// SetUnitStatus implements jujuc.Context (immediate).
func (c *Context) SetUnitStatus(s jujuc.Status) error {
	_, u, _, unlock := c.lock()
	defer unlock()
	u.SetWorkload(model.StatusInfo{Status: s.Status, Message: s.Message, Data: s.Data, Since: c.s.Now()})
	u.WorkloadSetByCharm = true
	return nil
}

// ApplicationStatus implements jujuc.Context (leader only).
func (c *Context) ApplicationStatus() (jujuc.Status, map[string]jujuc.Status, error) {
	m, _, a, unlock := c.lock()
	defer unlock()
	if a.Leader != c.unit {
		return jujuc.Status{}, nil, jujuc.ErrNotLeader
	}
	units := map[string]jujuc.Status{}
	for _, n := range m.AppUnits(a.Name) {
		units[n] = toJujuc(m.Units[n].Workload)
	}
	return toJujuc(model.AppStatus(m, a)), units, nil
}

// SetApplicationStatus implements jujuc.Context (leader only, immediate).
func (c *Context) SetApplicationStatus(s jujuc.Status) error {
	_, _, a, unlock := c.lock()
	defer unlock()
	if a.Leader != c.unit {
		return jujuc.ErrNotLeader
	}
	a.Status = model.StatusInfo{Status: s.Status, Message: s.Message, Data: s.Data, Since: c.s.Now()}
	return nil
}

// SetApplicationVersion implements jujuc.Context (immediate).
func (c *Context) SetApplicationVersion(version string) error {
	_, _, a, unlock := c.lock()
	defer unlock()
	a.Version = version
	return nil
}

// IsLeader implements jujuc.Context.
func (c *Context) IsLeader() (bool, error) {
	_, _, a, unlock := c.lock()
	defer unlock()
	return a.Leader == c.unit, nil
}

// LeaderSettings implements jujuc.Context.
func (c *Context) LeaderSettings() (map[string]string, error) {
	_, _, a, unlock := c.lock()
	defer unlock()
	return copyMap(a.LeaderSettings), nil
}

// WriteLeaderSettings implements jujuc.Context: immediate; other units
// get leader-settings-changed when the settings actually change.
func (c *Context) WriteLeaderSettings(settings map[string]string) error {
	_, u, a, unlock := c.lock()
	defer unlock()
	if a.Leader != c.unit {
		return jujuc.ErrNotLeader
	}
	next := maps.Clone(a.LeaderSettings)
	if next == nil {
		next = map[string]string{}
	}
	if !overlay.Apply(next, settings) {
		return nil
	}
	a.LeaderSettings = next
	a.LeaderSettingsSeq++
	u.AgentState.LeaderSettingsSeq = a.LeaderSettingsSeq
	return nil
}

// OpenPortRange implements jujuc.Context (buffered).
func (c *Context) OpenPortRange(r jujuc.PortRange) error {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	c.writes.OpenPort(r)
	return nil
}

// ClosePortRange implements jujuc.Context (buffered).
func (c *Context) ClosePortRange(r jujuc.PortRange) error {
	c.s.Mu.Lock()
	defer c.s.Mu.Unlock()
	c.writes.ClosePort(r)
	return nil
}

// OpenedPortRanges implements jujuc.Context: committed ranges, sorted by
// protocol then port.
func (c *Context) OpenedPortRanges() ([]jujuc.PortRange, error) {
	_, u, _, unlock := c.lock()
	defer unlock()
	out := make([]jujuc.PortRange, 0, len(u.Ports))
	for _, p := range u.Ports {
		out = append(out, jujuc.PortRange{From: p.From, To: p.To, Protocol: p.Protocol, Endpoints: p.Endpoints})
	}
	return out, nil
}

// PrivateAddress implements jujuc.Context.
func (c *Context) PrivateAddress() (string, error) {
	m, u, _, unlock := c.lock()
	defer unlock()
	return m.Machines[u.Machine].Address, nil
}

// PublicAddress implements jujuc.Context.
func (c *Context) PublicAddress() (string, error) { return c.PrivateAddress() }

// NetworkInfo implements jujuc.Context: every binding (endpoint or extra
// binding, "" for the default) is on the machine's single interface.
func (c *Context) NetworkInfo(binding string, relationID int) (jujuc.NetworkInfo, error) {
	m, u, a, unlock := c.lock()
	defer unlock()
	ch, err := c.s.Charms.Get(a.CharmPath)
	if err != nil {
		return jujuc.NetworkInfo{}, err
	}
	meta := ch.Meta()
	_, isRel := meta.CombinedRelations()[binding]
	_, isExtra := meta.ExtraBindings[binding]
	if binding != "" && !isRel && !isExtra {
		return jujuc.NetworkInfo{}, fmt.Errorf("no network config found for binding %q", binding)
	}
	if relationID >= 0 {
		if _, err := c.relation(m, u, relationID); err != nil {
			return jujuc.NetworkInfo{}, err
		}
	}
	mc := m.Machines[u.Machine]
	return jujuc.NetworkInfo{
		BindAddresses: []jujuc.BindAddress{{
			MACAddress:    mc.MAC,
			InterfaceName: mc.Iface,
			Addresses:     []jujuc.InterfaceAddress{{Value: mc.Address, CIDR: mc.CIDR}},
		}},
		EgressSubnets:    []string{mc.Address + "/32"},
		IngressAddresses: []string{mc.Address},
	}, nil
}
