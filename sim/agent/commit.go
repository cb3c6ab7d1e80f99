package agent

import (
	"encoding/base64"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Commit flushes the context's buffered writes (relation settings, ports,
// charm state) into the model in one step, as Juju's context Flush does on
// hook exit 0. Settings versions are bumped only for bags that changed, so
// remote units get one -changed for several writes. The caller holds Mu.
func (c *Context) Commit() {
	m := c.s.Model
	u := m.Units[c.unit]
	if u == nil {
		c.writes.Discard()
		return
	}
	c.writes.Commit(store{m: m, u: u, a: m.Applications[u.App]})
}

// store is the model's committed data of one unit, as the overlay commits
// into it.
type store struct {
	m *model.Model
	u *model.Unit
	a *model.Application
}

func (s store) bag(id int, app bool) *model.Bag {
	r := s.m.Relations[id]
	switch {
	case r == nil:
		return nil
	case !app:
		return r.UnitBag(s.u.Name)
	case s.a.Leader != s.u.Name:
		return nil // leadership is checked again at commit
	}
	return r.AppBag(s.a.Name)
}

func (s store) RelationBag(id int, app bool) map[string]string {
	if b := s.bag(id, app); b != nil {
		return b.Data
	}
	return nil
}

func (s store) RelationChanged(id int, app bool) {
	b := s.bag(id, app)
	b.Version++
	if app && s.m.Relations[id].IsPeer() {
		// The leader gets no app-level -changed for its own writes.
		ur := s.u.AgentState.Relations[id]
		if ur == nil {
			ur = &model.UnitRelation{Members: map[string]int64{}}
			s.u.AgentState.Relations[id] = ur
		}
		ur.AppVersion = b.Version
	}
}

func (s store) State() map[string]string {
	if s.u.State == nil {
		s.u.State = map[string]string{}
	}
	return s.u.State
}

func (s store) Ports() []overlay.Port {
	out := make([]overlay.Port, 0, len(s.u.Ports))
	for _, p := range s.u.Ports {
		out = append(out, overlay.Port{From: p.From, To: p.To, Protocol: p.Protocol, Endpoints: p.Endpoints})
	}
	return out
}

func (s store) SetPorts(ports []overlay.Port) {
	s.u.Ports = s.u.Ports[:0:0]
	for _, p := range ports {
		s.u.Ports = append(s.u.Ports, model.PortRange{From: p.From, To: p.To, Protocol: p.Protocol, Endpoints: p.Endpoints})
	}
}

// FinishAction records an action's outcome (§5.3): results from action-set
// plus return-code and the captured streams; failed if action-fail was
// called or the exit code is non-zero (message "exit status N" then).
// The caller holds Mu.
func (c *Context) FinishAction(code int, stdout, stderr []byte, now time.Time) {
	act := c.s.Model.Actions[c.op.ActionID]
	if act == nil {
		return
	}
	res := c.results
	res["return-code"] = code
	putStream(res, "stdout", stdout)
	putStream(res, "stderr", stderr)
	act.Results = res
	act.Completed = now
	act.Status = "completed"
	act.Message = ""
	if c.failed {
		act.Status = "failed"
		act.Message = c.failMessage
	}
	if code != 0 {
		act.Status = "failed"
		act.Message = fmt.Sprintf("exit status %d", code)
	}
}

// NotImplemented fails an action whose charm has no handler for it.
func NotImplemented(m *model.Model, id int, now time.Time) {
	act := m.Actions[id]
	act.Status = "failed"
	act.Message = fmt.Sprintf("action not implemented on unit %q", act.Unit)
	act.Completed = now
}

func putStream(res map[string]any, key string, data []byte) {
	if len(data) == 0 {
		return
	}
	if utf8.Valid(data) {
		res[key] = string(data)
		return
	}
	res[key] = base64.StdEncoding.EncodeToString(data)
	res[key+"-encoding"] = "base64"
}
