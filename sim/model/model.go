package model

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// New returns an empty model.
func New(name, uuid string, seed int64, now time.Time) *Model {
	return &Model{
		UUID:                 uuid,
		Name:                 name,
		Seed:                 seed,
		Isolation:            "none",
		Subnet:               "127.0.1.0/24",
		Created:              now,
		UpdateStatusInterval: 5 * time.Minute,
		RetryBackoff:         5 * time.Second,
		RetryBackoffMax:      5 * time.Minute,
		NextRelation:         0,
		NextTask:             1,
		Applications:         map[string]*Application{},
		Units:                map[string]*Unit{},
		Machines:             map[string]*Machine{},
		Relations:            map[int]*Relation{},
		Actions:              map[int]*Action{},
	}
}

// Load reads a model saved by Save.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read model: %w", err)
	}
	m := &Model{}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("cannot parse model %s: %w", path, err)
	}
	for _, u := range m.Units {
		if u.AgentState.Relations == nil {
			u.AgentState.Relations = map[int]*UnitRelation{}
		}
	}
	return m, nil
}

// Save writes the model atomically (write to a temp file, rename).
func (m *Model) Save(path string) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("cannot encode model: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("cannot save model: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("cannot save model: %w", err)
	}
	return nil
}

// UnitTag is Juju's tag form of a unit name: "etcd/0" → "unit-etcd-0".
func UnitTag(unit string) string {
	return "unit-" + strings.ReplaceAll(unit, "/", "-")
}

// UnitNumber returns N of "app/N" (-1 if malformed).
func UnitNumber(unit string) int {
	i := strings.LastIndex(unit, "/")
	if i < 0 {
		return -1
	}
	n, err := strconv.Atoi(unit[i+1:])
	if err != nil {
		return -1
	}
	return n
}

// AppOfUnit returns the application of "app/N".
func AppOfUnit(unit string) string {
	if i := strings.LastIndex(unit, "/"); i >= 0 {
		return unit[:i]
	}
	return unit
}

// SortUnits sorts unit names by application, then numerically.
func SortUnits(names []string) {
	sort.Slice(names, func(i, j int) bool {
		ai, aj := AppOfUnit(names[i]), AppOfUnit(names[j])
		if ai != aj {
			return ai < aj
		}
		return UnitNumber(names[i]) < UnitNumber(names[j])
	})
}

// UnitNames returns all unit names, sorted.
func (m *Model) UnitNames() []string {
	names := make([]string, 0, len(m.Units))
	for n := range m.Units {
		names = append(names, n)
	}
	SortUnits(names)
	return names
}

// AppUnits returns the unit names of app, sorted.
func (m *Model) AppUnits(app string) []string {
	var names []string
	for n, u := range m.Units {
		if u.App == app {
			names = append(names, n)
		}
	}
	SortUnits(names)
	return names
}

// RelationIDs returns all relation ids, sorted.
func (m *Model) RelationIDs() []int {
	return slices.Sorted(maps.Keys(m.Relations))
}

// Unit returns the unit or an error naming it.
func (m *Model) Unit(name string) (*Unit, error) {
	u, ok := m.Units[name]
	if !ok {
		return nil, fmt.Errorf("unit %q not found", name)
	}
	return u, nil
}

// Application returns the application or an error naming it.
func (m *Model) Application(name string) (*Application, error) {
	a, ok := m.Applications[name]
	if !ok {
		return nil, fmt.Errorf("application %q not found", name)
	}
	return a, nil
}

// SetWorkload sets a unit's workload status and records it in the history.
func (u *Unit) SetWorkload(s StatusInfo) {
	u.Workload = s
	s.Kind = "workload"
	u.record(s)
}

// SetAgent sets a unit's agent status and records it in the history.
func (u *Unit) SetAgent(s StatusInfo) {
	if u.Agent.Status == s.Status && u.Agent.Message == s.Message {
		return
	}
	u.Agent = s
	s.Kind = "juju-unit"
	u.record(s)
}

const maxHistory = 100

func (u *Unit) record(s StatusInfo) {
	u.History = append(u.History, s)
	if len(u.History) > maxHistory {
		u.History = u.History[len(u.History)-maxHistory:]
	}
}

// ElectLeader makes the lowest-numbered alive unit of app its leader when
// the app has none (or its leader is dying or gone). It reports whether the
// leader changed. The new leader's agent then runs leader-elected and the
// others leader-settings-changed, as after a Juju lease expiry.
func (m *Model) ElectLeader(app string) bool {
	a := m.Applications[app]
	if a == nil {
		return false
	}
	if l, ok := m.Units[a.Leader]; ok && l.Life == Alive {
		return false
	}
	for _, name := range m.AppUnits(app) {
		u := m.Units[name]
		if u.Life != Alive {
			continue
		}
		a.Leader = name
		u.AgentState.LeaderElected = false
		return true
	}
	a.Leader = ""
	return false
}

// EndpointFor returns the relation's endpoint belonging to app.
func (r *Relation) EndpointFor(app string) (Endpoint, bool) {
	for _, ep := range r.Endpoints {
		if ep.App == app {
			return ep, true
		}
	}
	return Endpoint{}, false
}

// IsPeer reports whether r is a peer relation.
func (r *Relation) IsPeer() bool { return len(r.Endpoints) == 1 }

// RemoteApp returns the application on the other side of r from app (app
// itself for peers).
func (r *Relation) RemoteApp(app string) string {
	for _, ep := range r.Endpoints {
		if ep.App != app {
			return ep.App
		}
	}
	return app
}

// Key is Juju's relation key: "a:ep b:ep" (provider first) or "a:ep".
func (r *Relation) Key() string {
	parts := make([]string, len(r.Endpoints))
	for i, ep := range r.Endpoints {
		parts[i] = ep.App + ":" + ep.Name
	}
	return strings.Join(parts, " ")
}

// RemoteMembers returns the units of the other side (other peers for a
// peer relation) that are in scope and alive, sorted: the membership a
// unit's agent converges to. A dying relation has no members.
func (m *Model) RemoteMembers(r *Relation, unit string) []string {
	if r.Life != Alive {
		return nil
	}
	app := AppOfUnit(unit)
	remote := r.RemoteApp(app)
	var out []string
	for name := range r.Scope {
		u, ok := m.Units[name]
		if !ok || u.Life != Alive || name == unit || u.App != remote {
			continue
		}
		out = append(out, name)
	}
	SortUnits(out)
	return out
}

// EnterScope puts unit into r's scope and writes the addresses Juju's
// EnterScope writes into its unit bag (private-address, ingress-address,
// egress-subnets), bumping the settings version.
func (m *Model) EnterScope(r *Relation, unit string) {
	if r.Scope[unit] {
		return
	}
	r.Scope[unit] = true
	u := m.Units[unit]
	addr := ""
	if mc := m.Machines[u.Machine]; mc != nil {
		addr = mc.Address
	}
	b := r.UnitBag(unit)
	b.Data["private-address"] = addr
	b.Data["ingress-address"] = addr
	b.Data["egress-subnets"] = addr + "/32"
	b.Version++
}

// UnitBag returns (creating) unit's bag in r.
func (r *Relation) UnitBag(unit string) *Bag { return bagIn(r.UnitSettings, unit) }

// AppBag returns (creating) app's bag in r.
func (r *Relation) AppBag(app string) *Bag { return bagIn(r.AppSettings, app) }

// bagIn returns (creating) the bag of name in bags.
func bagIn(bags map[string]*Bag, name string) *Bag {
	b := bags[name]
	if b == nil {
		b = &Bag{Data: map[string]string{}}
		bags[name] = b
	}
	return b
}

// RelationsOf returns the ids of relations app takes part in, sorted.
func (m *Model) RelationsOf(app string) []int {
	var ids []int
	for _, id := range m.RelationIDs() {
		if _, ok := m.Relations[id].EndpointFor(app); ok {
			ids = append(ids, id)
		}
	}
	return ids
}
