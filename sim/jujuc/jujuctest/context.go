// Package jujuctest provides Context, a stateful in-memory jujuc.Context for
// tests of the hook tools and of code that drives them. It models the Juju
// semantics the tools rely on: buffered relation/port/state writes visible to
// the own unit at once and to others only after Commit, immediate status,
// leader settings and logs, leadership checks, action-only tools.
package jujuctest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

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

	pendingUnit map[string]string // own unit bag writes ("" = delete)
	pendingApp  map[string]string // own app bag writes
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

	Ports        []jujuc.PortRange // committed
	pendingPorts []portOp
	// PortsTaken are ranges other units on the machine hold, by unit.
	PortsTaken map[string][]jujuc.PortRange

	Private, Public string
	Networks        map[string]jujuc.NetworkInfo

	Action *Action
	Logs   []LogEntry

	Resources map[string]string // name → local path; absent → not found

	Storages    map[string]jujuc.StorageInstance
	HookStorage string

	State        map[string]string // committed
	pendingState map[string]*string
}

type portOp struct {
	open bool
	r    jujuc.PortRange
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
	for _, r := range c.Relations {
		apply(r.Units, c.Unit, r.pendingUnit)
		apply(r.Apps, appOf(c.Unit), r.pendingApp)
		r.pendingUnit, r.pendingApp = nil, nil
	}
	for _, op := range c.pendingPorts {
		c.Ports = removeRange(c.Ports, op.r)
		if op.open {
			c.Ports = append(c.Ports, op.r)
		}
	}
	c.pendingPorts = nil
	for k, v := range c.pendingState {
		if v == nil {
			delete(c.State, k)
		} else {
			c.State[k] = *v
		}
	}
	c.pendingState = nil
}

func apply(bags map[string]map[string]string, name string, pending map[string]string) {
	if len(pending) == 0 {
		return
	}
	bag := bags[name]
	if bag == nil {
		bag = map[string]string{}
		bags[name] = bag
	}
	for k, v := range pending {
		if v == "" {
			delete(bag, k)
		} else {
			bag[k] = v
		}
	}
}

func appOf(unit string) string {
	if i := strings.Index(unit, "/"); i >= 0 {
		return unit[:i]
	}
	return unit
}

func (c *Context) UnitName() string { return c.Unit }

func (c *Context) HookRelationID() (int, bool) { return c.HookRelID, c.HookRelID >= 0 }

func (c *Context) RemoteUnitName() string { return c.RemoteUnit }

func (c *Context) RemoteAppName() string { return c.RemoteApp }

func (c *Context) RelationIDs(endpoint string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for _, r := range c.Relations {
		if r.Endpoint == endpoint {
			ids = append(ids, r.Endpoint+":"+strconv.Itoa(r.ID))
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (c *Context) relation(id int) (*Relation, error) {
	r, ok := c.Relations[id]
	if !ok {
		return nil, jujuc.ErrRelationNotFound
	}
	return r, nil
}

func (c *Context) RelationEndpoint(id int) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return "", err
	}
	return r.Endpoint, nil
}

func (c *Context) RelationMembers(id int) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return nil, err
	}
	members := append([]string(nil), r.Members...)
	sort.Strings(members)
	return members, nil
}

func (c *Context) RelationRemoteApp(id int) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return "", err
	}
	return r.RemoteApp, nil
}

// RelationSettings follows Juju's read rules: own unit and (leader) own app
// include pending writes; a non-leader reads its own app bag only on peer
// relations; anything outside the relation is permission denied.
func (c *Context) RelationSettings(id int, name string, app bool) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return nil, err
	}
	own := appOf(c.Unit)
	switch {
	case !app && name == c.Unit:
		return overlay(r.Units[name], r.pendingUnit), nil
	case app && name == own:
		if c.Leader {
			return overlay(r.Apps[name], r.pendingApp), nil
		}
		if !r.Peer {
			return nil, jujuc.ErrPermissionDenied
		}
		return overlay(r.Apps[name], nil), nil
	case app && name == r.RemoteApp:
		return overlay(r.Apps[name], nil), nil
	case !app && appOf(name) == r.RemoteApp:
		if bag, ok := r.Units[name]; ok || contains(r.Members, name) {
			return overlay(bag, nil), nil
		}
	}
	return nil, jujuc.ErrPermissionDenied
}

func overlay(bag, pending map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range bag {
		out[k] = v
	}
	for k, v := range pending {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Context) SetRelationSettings(id int, app bool, settings map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.relation(id)
	if err != nil {
		return err
	}
	if app && !c.Leader {
		return jujuc.ErrNotLeader
	}
	pending := &r.pendingUnit
	if app {
		pending = &r.pendingApp
	}
	if *pending == nil {
		*pending = map[string]string{}
	}
	for k, v := range settings {
		(*pending)[k] = v
	}
	return nil
}

func (c *Context) ConfigSettings() (map[string]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]any, len(c.Config))
	for k, v := range c.Config {
		out[k] = v
	}
	return out, nil
}

func (c *Context) UnitStatus() (jujuc.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Status, nil
}

func (c *Context) SetUnitStatus(s jujuc.Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Status = s
	c.UnitStatuses[c.Unit] = s
	return nil
}

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

func (c *Context) SetApplicationStatus(s jujuc.Status) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Leader {
		return jujuc.ErrNotLeader
	}
	c.AppStatus = s
	return nil
}

func (c *Context) SetApplicationVersion(v string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.AppVersion = v
	return nil
}

func (c *Context) IsLeader() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Leader, nil
}

func (c *Context) LeaderSettings() (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return overlay(c.Leadership, nil), nil
}

func (c *Context) WriteLeaderSettings(settings map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.Leader {
		return jujuc.ErrNotLeader
	}
	c.Leadership = overlay(c.Leadership, settings)
	return nil
}

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

func (c *Context) ClosePortRange(r jujuc.PortRange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pendingPorts = append(c.pendingPorts, portOp{open: false, r: r})
	return nil
}

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

func (c *Context) PrivateAddress() (string, error) { return c.Private, nil }

func (c *Context) PublicAddress() (string, error) { return c.Public, nil }

func (c *Context) NetworkInfo(binding string, relationID int) (jujuc.NetworkInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.Networks[binding]
	if !ok {
		return jujuc.NetworkInfo{}, jujuc.ErrBindingNotFound
	}
	return ni, nil
}

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

func (c *Context) SetActionFailed(message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return jujuc.ErrNotAction
	}
	c.Action.Failed, c.Action.FailMessage = true, message
	return nil
}

func (c *Context) LogActionMessage(message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Action == nil {
		return jujuc.ErrNotAction
	}
	c.Action.Logs = append(c.Action.Logs, message)
	return nil
}

func (c *Context) Log(level, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Logs = append(c.Logs, LogEntry{level, message})
	return nil
}

func (c *Context) DownloadResource(name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	path, ok := c.Resources[name]
	if !ok {
		return "", jujuc.ErrResourceNotFound
	}
	return path, nil
}

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

func (c *Context) Storage(id string) (jujuc.StorageInstance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.Storages[id]
	if !ok {
		return jujuc.StorageInstance{}, fmt.Errorf("storage %q not found", id)
	}
	return st, nil
}

func (c *Context) HookStorageID() (string, bool) { return c.HookStorage, c.HookStorage != "" }

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

func (c *Context) SetCharmStateValue(key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pendingState == nil {
		c.pendingState = map[string]*string{}
	}
	c.pendingState[key] = &value
	return nil
}

func (c *Context) DeleteCharmStateValue(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pendingState == nil {
		c.pendingState = map[string]*string{}
	}
	c.pendingState[key] = nil
	return nil
}

var _ jujuc.Context = (*Context)(nil)
