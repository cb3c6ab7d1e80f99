package agent

import (
	"encoding/base64"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

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
		return
	}
	a := m.Applications[u.App]
	for _, id := range sortedIDs(c.pendingUnit) {
		if r := m.Relations[id]; r != nil {
			applyBag(r.UnitBag(c.unit), c.pendingUnit[id])
		}
	}
	for _, id := range sortedIDs(c.pendingApp) {
		r := m.Relations[id]
		if r == nil || a.Leader != c.unit {
			continue // leadership is checked again at commit
		}
		b := r.AppBag(a.Name)
		if applyBag(b, c.pendingApp[id]) && r.IsPeer() {
			// The leader gets no app-level -changed for its own writes.
			ur := u.AgentState.Relations[id]
			if ur == nil {
				ur = &model.UnitRelation{Members: map[string]int64{}}
				u.AgentState.Relations[id] = ur
			}
			ur.AppVersion = b.Version
		}
	}
	for _, p := range c.portOps {
		pr := model.PortRange{From: p.r.From, To: p.r.To, Protocol: p.r.Protocol, Endpoints: p.r.Endpoints}
		u.Ports = applyPort(u.Ports, pr, p.open)
	}
	if len(c.state) > 0 && u.State == nil {
		u.State = map[string]string{}
	}
	for k, v := range c.state {
		if v == nil {
			delete(u.State, k)
		} else {
			u.State[k] = *v
		}
	}
}

func sortedIDs(m map[int]map[string]string) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// applyBag writes pending into b ("" deletes) and bumps its version if
// anything changed.
func applyBag(b *model.Bag, pending map[string]string) bool {
	changed := false
	for k, v := range pending {
		old, had := b.Data[k]
		switch {
		case v == "" && had:
			delete(b.Data, k)
			changed = true
		case v != "" && (!had || old != v):
			b.Data[k] = v
			changed = true
		}
	}
	if changed {
		b.Version++
	}
	return changed
}

func samePorts(a, b model.PortRange) bool {
	return a.From == b.From && a.To == b.To && a.Protocol == b.Protocol
}

// applyPort opens (idempotently) or closes a range and keeps the list
// sorted by protocol, then port.
func applyPort(ports []model.PortRange, p model.PortRange, open bool) []model.PortRange {
	out := ports[:0:0]
	found := false
	for _, q := range ports {
		if samePorts(q, p) {
			found = true
			if open {
				out = append(out, p)
			}
			continue
		}
		out = append(out, q)
	}
	if open && !found {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Protocol != out[j].Protocol {
			return out[i].Protocol < out[j].Protocol
		}
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
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
