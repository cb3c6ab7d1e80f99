package controller

import (
	"fmt"
	"sort"

	"github.com/etcd-charm/etcd-charm/sim/model"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

// UnitInfo is `juju show-unit`'s entry for one unit (cmd/juju/application
// showunit.go's UnitInfo), fields in Juju's order.
type UnitInfo struct {
	WorkloadVersion string         `json:"workload-version,omitempty" yaml:"workload-version,omitempty"`
	Machine         string         `json:"machine,omitempty" yaml:"machine,omitempty"`
	OpenedPorts     []string       `json:"opened-ports" yaml:"opened-ports"`
	PublicAddress   string         `json:"public-address,omitempty" yaml:"public-address,omitempty"`
	Charm           string         `json:"charm" yaml:"charm"`
	Leader          bool           `json:"leader" yaml:"leader"`
	Life            string         `json:"life" yaml:"life"`
	RelationInfo    []RelationInfo `json:"relation-info,omitempty" yaml:"relation-info,omitempty"`
}

// RelationInfo is one relation of a shown unit.
type RelationInfo struct {
	RelationID      int                     `json:"relation-id" yaml:"relation-id"`
	Endpoint        string                  `json:"endpoint" yaml:"endpoint"`
	RelatedEndpoint string                  `json:"related-endpoint" yaml:"related-endpoint"`
	ApplicationData map[string]string       `json:"application-data" yaml:"application-data"`
	LocalUnit       *RelationUnit           `json:"local-unit,omitempty" yaml:"local-unit,omitempty"`
	RelatedUnits    map[string]RelationUnit `json:"related-units,omitempty" yaml:"related-units,omitempty"`
}

// RelationUnit is one unit's side of a relation.
type RelationUnit struct {
	InScope bool              `json:"in-scope" yaml:"in-scope"`
	Data    map[string]string `json:"data" yaml:"data"`
}

// ShowUnit answers `jujusim show-unit`: the unit's machine, ports, charm,
// leadership, life and, per relation, the remote application's data and
// every unit's databag with whether it is in scope.
func (c *Controller) ShowUnit(name string) (UnitInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.model
	u, err := c.resolveUnitLocked(name)
	if err != nil {
		return UnitInfo{}, err
	}
	a := m.Applications[u.App]
	info := UnitInfo{
		WorkloadVersion: a.Version, Machine: u.Machine, OpenedPorts: status.PortStrings(u.Ports),
		Charm: fmt.Sprintf("local:%s-%d", a.CharmName, a.CharmRev), Leader: a.Leader == u.Name, Life: string(u.Life),
	}
	if info.OpenedPorts == nil {
		info.OpenedPorts = []string{}
	}
	if mc := m.Machines[u.Machine]; mc != nil {
		info.PublicAddress = mc.Address
	}
	for _, id := range m.RelationsOf(u.App) {
		r := m.Relations[id]
		local, _ := r.EndpointFor(u.App)
		ri := RelationInfo{RelationID: id, Endpoint: local.Name, RelatedEndpoint: local.Name, ApplicationData: map[string]string{}}
		remoteApp := u.App
		for _, ep := range r.Endpoints {
			if ep.App != u.App {
				ri.RelatedEndpoint, remoteApp = ep.Name, ep.App
			}
		}
		if b := r.AppSettings[remoteApp]; b != nil {
			ri.ApplicationData = copyData(b.Data)
		}
		bag := func(unit string) map[string]string {
			if b := r.UnitSettings[unit]; b != nil {
				return copyData(b.Data)
			}
			return map[string]string{}
		}
		ri.LocalUnit = &RelationUnit{InScope: r.Scope[u.Name], Data: bag(u.Name)}
		var remotes []string
		for unit := range r.Scope {
			if unit != u.Name && model.AppOfUnit(unit) == remoteApp {
				remotes = append(remotes, unit)
			}
		}
		sort.Strings(remotes)
		for _, unit := range remotes {
			if ri.RelatedUnits == nil {
				ri.RelatedUnits = map[string]RelationUnit{}
			}
			ri.RelatedUnits[unit] = RelationUnit{InScope: r.Scope[unit], Data: bag(unit)}
		}
		info.RelationInfo = append(info.RelationInfo, ri)
	}
	return info, nil
}

func copyData(d map[string]string) map[string]string {
	out := make(map[string]string, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}

// WaitState is what `jujusim wait-for` evaluates queries against: the
// status, and the life of every application and unit still in the model
// (one that is gone is dead).
type WaitState struct {
	Status StatusResult      `json:"status"`
	Life   map[string]string `json:"life"`
}

// WaitState returns the status and lives.
func (c *Controller) WaitState() WaitState {
	st := c.Status()
	c.mu.Lock()
	defer c.mu.Unlock()
	life := map[string]string{}
	for n, a := range c.model.Applications {
		life[n] = string(a.Life)
	}
	for n, u := range c.model.Units {
		life[n] = string(u.Life)
	}
	return WaitState{Status: st, Life: life}
}
