// Package jujuctest provides Context, a stateful in-memory jujuc.Context for
// tests of the hook tools and of code that drives them. It models the Juju
// semantics the tools rely on: buffered relation/port/state writes visible to
// the own unit at once and to others only after Commit, immediate status,
// leader settings and logs, leadership checks, action-only tools. Server
// serves contexts on a socket, for tests that run the tool binaries.
package jujuctest

import (
	"maps"
	"strings"
	"sync"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
	"github.com/etcd-charm/etcd-charm/sim/jujuc"
)

// Relation is one relation of the unit as the fake sees it.
type Relation struct {
	ID        int
	Endpoint  string // local endpoint name
	RemoteApp string // for peers: the own application
	Peer      bool
	// Members are the remote units in scope.
	Members []string
	// Units holds committed unit bags by unit name (remote and own);
	// Apps committed application bags by application name.
	Units map[string]map[string]string
	Apps  map[string]map[string]string
}

// LogEntry is one juju-log line.
type LogEntry struct{ Level, Message string }

// Action is the running action, nil in a hook.
type Action struct {
	Params      map[string]any
	Results     map[string]any
	Failed      bool
	FailMessage string
	Logs        []string
}

// Context is a fake hook context of one unit. Set the exported fields
// before use; the tools mutate them through the jujuc.Context methods.
// All methods are safe for concurrent use.
type Context struct {
	mu sync.Mutex

	Unit       string
	HookRelID  int // -1 when not a relation hook
	RemoteUnit string
	RemoteApp  string
	Relations  map[int]*Relation

	Config map[string]any

	Status       jujuc.Status
	AppStatus    jujuc.Status
	UnitStatuses map[string]jujuc.Status // the application's units, for status-get --application
	AppVersion   string
	Leader       bool
	Leadership   map[string]string

	Ports []jujuc.PortRange // committed
	// PortsTaken are ranges other units on the machine hold, by unit.
	PortsTaken map[string][]jujuc.PortRange

	Private, Public string
	Networks        map[string]jujuc.NetworkInfo

	Action *Action
	Logs   []LogEntry

	Resources map[string]string // name → local path; absent → not found

	Storages    map[string]jujuc.StorageInstance
	HookStorage string

	State map[string]string // committed

	// writes are the hook's buffered relation, port and state writes.
	writes overlay.Writes[int]
}

// New returns an empty context of unit (not a relation hook, not an
// action, not the leader).
func New(unit string) *Context {
	return &Context{
		Unit:         unit,
		HookRelID:    -1,
		Relations:    map[int]*Relation{},
		Config:       map[string]any{},
		UnitStatuses: map[string]jujuc.Status{},
		Leadership:   map[string]string{},
		PortsTaken:   map[string][]jujuc.PortRange{},
		Networks:     map[string]jujuc.NetworkInfo{},
		Resources:    map[string]string{},
		Storages:     map[string]jujuc.StorageInstance{},
		State:        map[string]string{},
	}
}

// AddRelation adds relation id on endpoint to remoteApp with members.
func (c *Context) AddRelation(id int, endpoint, remoteApp string, peer bool, members ...string) *Relation {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Relation{
		ID: id, Endpoint: endpoint, RemoteApp: remoteApp, Peer: peer,
		Members: members,
		Units:   map[string]map[string]string{},
		Apps:    map[string]map[string]string{},
	}
	c.Relations[id] = r
	return r
}

// Commit applies the buffered writes as Juju does when the hook exits 0.
func (c *Context) Commit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes.Commit(store{c})
}

// store is the fake's committed data as the overlay commits into it.
type store struct{ c *Context }

func (s store) RelationBag(id int, app bool) map[string]string {
	r := s.c.Relations[id]
	if r == nil || (app && !s.c.Leader) {
		return nil
	}
	bags, name := r.Units, s.c.Unit
	if app {
		bags, name = r.Apps, appOf(s.c.Unit)
	}
	if bags[name] == nil {
		bags[name] = map[string]string{}
	}
	return bags[name]
}

func (store) RelationChanged(int, bool) {}

func (s store) State() map[string]string {
	if s.c.State == nil {
		s.c.State = map[string]string{}
	}
	return s.c.State
}

func (s store) Ports() []overlay.Port     { return s.c.Ports }
func (s store) SetPorts(p []overlay.Port) { s.c.Ports = p }

func appOf(unit string) string {
	if i := strings.Index(unit, "/"); i >= 0 {
		return unit[:i]
	}
	return unit
}

// UnitName implements jujuc.Context.
func (c *Context) UnitName() string { return c.Unit }

// HookRelationID implements jujuc.Context.
func (c *Context) HookRelationID() (int, bool) { return c.HookRelID, c.HookRelID >= 0 }

// RemoteUnitName implements jujuc.Context.
func (c *Context) RemoteUnitName() string { return c.RemoteUnit }

// RemoteAppName implements jujuc.Context.
func (c *Context) RemoteAppName() string { return c.RemoteApp }

// ConfigSettings implements jujuc.Context.
func (c *Context) ConfigSettings() (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]any, len(c.Config))
	for k, v := range c.Config {
		out[k] = v
	}
	return out, nil
}

// UnitStatus implements jujuc.Context.
func (c *Context) UnitStatus() (jujuc.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Status, nil
}

// SetUnitStatus implements jujuc.Context.
func (c *Context) SetUnitStatus(s jujuc.Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Status = s
	c.UnitStatuses[c.Unit] = s
	return nil
}

// ApplicationStatus implements jujuc.Context.
func (c *Context) ApplicationStatus() (jujuc.Status, map[string]jujuc.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Leader {
		return jujuc.Status{}, nil, jujuc.ErrNotLeader
	}
	units := make(map[string]jujuc.Status, len(c.UnitStatuses))
	for k, v := range c.UnitStatuses {
		units[k] = v
	}
	return c.AppStatus, units, nil
}

// SetApplicationStatus implements jujuc.Context.
func (c *Context) SetApplicationStatus(s jujuc.Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Leader {
		return jujuc.ErrNotLeader
	}
	c.AppStatus = s
	return nil
}

// SetApplicationVersion implements jujuc.Context.
func (c *Context) SetApplicationVersion(v string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.AppVersion = v
	return nil
}

// IsLeader implements jujuc.Context.
func (c *Context) IsLeader() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Leader, nil
}

// LeaderSettings implements jujuc.Context.
func (c *Context) LeaderSettings() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.Leadership), nil
}

// WriteLeaderSettings implements jujuc.Context.
func (c *Context) WriteLeaderSettings(settings map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Leader {
		return jujuc.ErrNotLeader
	}
	if c.Leadership == nil {
		c.Leadership = map[string]string{}
	}
	overlay.Apply(c.Leadership, settings)
	return nil
}

var _ jujuc.Context = (*Context)(nil)
