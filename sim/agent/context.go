package agent

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Shared is what every hook Context of one controller shares. Mu guards
// Model; Context methods take it, so the caller must not hold it while a
// hook process runs.
type Shared struct {
	Mu     *sync.Mutex
	Model  *model.Model
	Charms *model.Charms
	// Log writes one debug-log line for entity (a unit name).
	Log func(unit, level, logger, message string)
	Now func() time.Time
}

// Context is the jujuc.Context of one running hook, action or exec
// command. Relation settings, ports and charm state are buffered and only
// flushed by Commit (hook exit 0); status, leader settings, application
// version, logs and action logs go to the model at once.
type Context struct {
	s     *Shared
	id    string
	unit  string
	op    Op
	paths Paths

	// writes are the hook's buffered relation, port and state writes.
	writes overlay.Writes[int]
	cache  map[string]map[string]string

	// Action results (actions only).
	results     map[string]any
	failed      bool
	failMessage string
}

var _ jujuc.Context = (*Context)(nil)

// NewContext returns the context of op, identified by id (JUJU_CONTEXT_ID).
func NewContext(s *Shared, id string, op Op, paths Paths) *Context {
	return &Context{
		s: s, id: id, unit: op.Unit, op: op, paths: paths,
		cache:   map[string]map[string]string{},
		results: map[string]any{},
	}
}

// ID is the context id.
func (c *Context) ID() string { return c.id }

func (c *Context) lock() (*model.Model, *model.Unit, *model.Application, func()) {
	c.s.Mu.Lock()
	m := c.s.Model
	u := m.Units[c.unit]
	var a *model.Application
	if u != nil {
		a = m.Applications[u.App]
	}
	return m, u, a, c.s.Mu.Unlock
}

// UnitName implements jujuc.Context.
func (c *Context) UnitName() string { return c.unit }

// HookRelationID implements jujuc.Context.
func (c *Context) HookRelationID() (int, bool) {
	if c.op.Kind == OpHook && c.op.Hook.RelationID >= 0 {
		return c.op.Hook.RelationID, true
	}
	return 0, false
}

// RemoteUnitName implements jujuc.Context.
func (c *Context) RemoteUnitName() string {
	if c.op.Kind != OpHook {
		return ""
	}
	return c.op.Hook.RemoteUnit
}

// RemoteAppName implements jujuc.Context.
func (c *Context) RemoteAppName() string {
	if c.op.Kind != OpHook {
		return ""
	}
	return c.op.Hook.RemoteApp
}

// relation returns relation id if the unit's app takes part in it.
func (c *Context) relation(m *model.Model, u *model.Unit, id int) (*model.Relation, error) {
	r := m.Relations[id]
	if r == nil || u == nil {
		return nil, jujuc.ErrRelationNotFound
	}
	if _, ok := r.EndpointFor(u.App); !ok {
		return nil, jujuc.ErrRelationNotFound
	}
	return r, nil
}

// RelationIDs implements jujuc.Context: live relations on endpoint, left
// out once broken for this unit, sorted as strings.
func (c *Context) RelationIDs(endpoint string) ([]string, error) {
	m, u, _, unlock := c.lock()
	defer unlock()
	var out []string
	for _, id := range m.RelationsOf(u.App) {
		r := m.Relations[id]
		ep, _ := r.EndpointFor(u.App)
		if ep.Name != endpoint {
			continue
		}
		ur := u.AgentState.Relations[id]
		if ur != nil && ur.Broken {
			continue
		}
		if r.Life != model.Alive && !r.IsPeer() && (ur == nil || len(ur.Members) == 0) {
			continue
		}
		if c.op.Kind == OpHook && c.op.Hook.Kind == RelationBroken && c.op.Hook.RelationID == id {
			continue
		}
		out = append(out, fmt.Sprintf("%s:%d", ep.Name, id))
	}
	sort.Strings(out)
	return out, nil
}

// RelationEndpoint implements jujuc.Context.
func (c *Context) RelationEndpoint(id int) (string, error) {
	m, u, _, unlock := c.lock()
	defer unlock()
	r, err := c.relation(m, u, id)
	if err != nil {
		return "", err
	}
	ep, _ := r.EndpointFor(u.App)
	return ep.Name, nil
}

// RelationMembers implements jujuc.Context: the members the agent knows,
// including the unit joining in its -joined and excluding the one
// departing in its -departed.
func (c *Context) RelationMembers(id int) ([]string, error) {
	m, u, _, unlock := c.lock()
	defer unlock()
	if _, err := c.relation(m, u, id); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	if ur := u.AgentState.Relations[id]; ur != nil {
		for n := range ur.Members {
			set[n] = true
		}
	}
	if c.op.Kind == OpHook && c.op.Hook.RelationID == id && c.op.Hook.RemoteUnit != "" {
		switch c.op.Hook.Kind {
		case RelationJoined:
			set[c.op.Hook.RemoteUnit] = true
		case RelationDeparted:
			delete(set, c.op.Hook.RemoteUnit)
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	model.SortUnits(out)
	return out, nil
}

// RelationRemoteApp implements jujuc.Context.
func (c *Context) RelationRemoteApp(id int) (string, error) {
	m, u, _, unlock := c.lock()
	defer unlock()
	r, err := c.relation(m, u, id)
	if err != nil {
		return "", err
	}
	return r.RemoteApp(u.App), nil
}

func bagData(b *model.Bag) map[string]string {
	if b == nil {
		return nil
	}
	return b.Data
}

// RelationSettings implements jujuc.Context.
func (c *Context) RelationSettings(id int, name string, app bool) (map[string]string, error) {
	m, u, a, unlock := c.lock()
	defer unlock()
	r, err := c.relation(m, u, id)
	if err != nil {
		return nil, err
	}
	remoteApp := r.RemoteApp(u.App)
	if !app {
		if name == c.unit {
			return c.writes.Relation(id, false, bagData(r.UnitSettings[name])), nil
		}
		if model.AppOfUnit(name) != remoteApp {
			return nil, jujuc.ErrPermissionDenied
		}
		return c.cached(r, "u/"+name, r.UnitSettings[name]), nil
	}
	if name == u.App && !(r.IsPeer() && a.Leader != c.unit) {
		if a.Leader != c.unit {
			return nil, jujuc.ErrPermissionDenied
		}
		return c.writes.Relation(id, true, bagData(r.AppSettings[name])), nil
	}
	if name != remoteApp {
		return nil, jujuc.ErrPermissionDenied
	}
	return c.cached(r, "a/"+name, r.AppSettings[name]), nil
}

// cached returns remote committed data, read once per hook (Juju's cache).
func (c *Context) cached(r *model.Relation, key string, b *model.Bag) map[string]string {
	k := strconv.Itoa(r.ID) + "/" + key
	if d, ok := c.cache[k]; ok {
		return copyMap(d)
	}
	d := map[string]string{}
	if b != nil {
		d = copyMap(b.Data)
	}
	c.cache[k] = d
	return copyMap(d)
}

func copyMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// SetRelationSettings implements jujuc.Context (buffered until Commit).
func (c *Context) SetRelationSettings(id int, app bool, settings map[string]string) error {
	m, u, a, unlock := c.lock()
	defer unlock()
	if _, err := c.relation(m, u, id); err != nil {
		return err
	}
	if app && a.Leader != c.unit {
		return jujuc.ErrNotLeader
	}
	c.writes.SetRelation(id, app, settings)
	return nil
}

// ConfigSettings implements jujuc.Context.
func (c *Context) ConfigSettings() (map[string]any, error) {
	_, _, a, unlock := c.lock()
	defer unlock()
	ch, err := c.s.Charms.Get(a.CharmPath)
	if err != nil {
		return nil, err
	}
	return model.EffectiveConfig(ch, a.Config), nil
}
