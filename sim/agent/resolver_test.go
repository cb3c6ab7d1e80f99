package agent

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

var t0 = time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)

// fixture: app "a" (2 units, a/0 leader, peer relation 0) and app "b"
// (1 unit) related on relation 1 (a:db provider, b:backend requirer).
func fixture() *model.Model {
	m := model.New("m", "uuid", 1, t0)
	for _, app := range []string{"a", "b"} {
		m.Applications[app] = &model.Application{Name: app, Life: model.Alive, ConfigSeq: 1, CharmSeq: 1, LeaderSettingsSeq: 1, LeaderSettings: map[string]string{}}
	}
	m.Applications["a"].Leader = "a/0"
	m.Applications["b"].Leader = "b/0"
	for i, n := range []string{"a/0", "a/1", "b/0"} {
		id := string(rune('0' + i))
		m.Machines[id] = &model.Machine{ID: id, Address: "127.0.1." + string(rune('1'+i))}
		m.Units[n] = &model.Unit{Name: n, App: model.AppOfUnit(n), Machine: id, Life: model.Alive,
			AgentState: model.UnitAgent{CharmSeq: 1, Relations: map[int]*model.UnitRelation{}}}
	}
	mk := func(id int, eps ...model.Endpoint) {
		m.Relations[id] = &model.Relation{ID: id, Life: model.Alive, Endpoints: eps,
			UnitSettings: map[string]*model.Bag{}, AppSettings: map[string]*model.Bag{}, Scope: map[string]bool{}}
	}
	mk(0, model.Endpoint{App: "a", Name: "cluster", Interface: "p", Role: "peer"})
	mk(1, model.Endpoint{App: "a", Name: "db", Interface: "x", Role: "provider"}, model.Endpoint{App: "b", Name: "backend", Interface: "x", Role: "requirer"})
	return m
}

// settle marks u as having run everything up to start.
func started(m *model.Model, unit string) {
	u := m.Units[unit]
	st := &u.AgentState
	st.Installed, st.Started = true, true
	st.ConfigSeq, st.LeaderSettingsSeq = 1, 1
	st.LeaderElected = true
	st.NextUpdateStatus = t0.Add(time.Hour)
	for _, id := range m.RelationsOf(u.App) {
		st.Relations[id] = &model.UnitRelation{Created: true, Members: map[string]int64{}}
		m.EnterScope(m.Relations[id], unit)
	}
}

func hookOf(t *testing.T, m *model.Model, unit string) string {
	t.Helper()
	op, ok, _ := NextOp(m, unit, t0)
	if !ok {
		return "-"
	}
	switch op.Kind {
	case OpAction:
		return "action"
	case OpRemove:
		return "drop"
	}
	s := HookName(op.Hook)
	if op.Hook.RemoteUnit != "" {
		s += "(" + op.Hook.RemoteUnit + ")"
	}
	if op.Hook.DepartingUnit != "" {
		s += "[" + op.Hook.DepartingUnit + "]"
	}
	return s
}

// startedWith is a setup for unit, started, then changed by f.
func startedWith(unit string, f func(u *model.Unit)) func(*model.Model) {
	return func(m *model.Model) { started(m, unit); f(m.Units[unit]) }
}

func TestNextOp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(m *model.Model)
		unit  string
		want  string
	}{
		{"fresh unit installs", func(m *model.Model) {}, "a/1", "install"},
		{"storage before install", func(m *model.Model) {
			m.Units["a/1"].Storage = []model.StorageInstance{{ID: "data/0"}}
		}, "a/1", "data-storage-attached"},
		{"relation-created after install", func(m *model.Model) { m.Units["a/1"].AgentState.Installed = true }, "a/1", "cluster-relation-created"},
		{"non-leader gets leader-settings-changed", startedWith("a/1", func(u *model.Unit) { u.AgentState.LeaderSettingsSeq = 0 }), "a/1", "leader-settings-changed"},
		{"leader gets leader-elected", startedWith("a/0", func(u *model.Unit) { u.AgentState.LeaderElected = false }), "a/0", "leader-elected"},
		{"actions outrank config-changed", func(m *model.Model) {
			started(m, "a/1")
			m.Units["a/1"].AgentState.ConfigSeq = 0
			m.Actions[2] = &model.Action{ID: 2, Unit: "a/1", Name: "x", Status: "pending"}
		}, "a/1", "action"},
		{"start queued after config-changed", startedWith("a/1", func(u *model.Unit) { u.AgentState.Started = false }), "a/1", "start"},
		{"upgrade-charm before config-changed", func(m *model.Model) {
			started(m, "a/1")
			m.Applications["a"].CharmSeq, m.Applications["a"].ConfigSeq = 2, 2
		}, "a/1", "upgrade-charm"},
		{"joined for a new peer", func(m *model.Model) { started(m, "a/0"); started(m, "a/1") }, "a/1", "cluster-relation-joined(a/0)"},
		{"changed right after joined", func(m *model.Model) {
			started(m, "a/0")
			started(m, "a/1")
			ur := m.Units["a/1"].AgentState.Relations[0]
			ur.Members["a/0"] = -1
			ur.ChangedPending = "a/0"
		}, "a/1", "cluster-relation-changed(a/0)"},
		{"app-level changed before joined", func(m *model.Model) {
			started(m, "a/0")
			started(m, "a/1")
			m.Relations[0].AppBag("a").Version = 1
		}, "a/1", "cluster-relation-changed"},
		{"departed when a member leaves", func(m *model.Model) {
			started(m, "a/0")
			started(m, "a/1")
			m.Units["a/1"].AgentState.Relations[0].Members["a/0"] = 1
			m.Units["a/0"].Life = model.Dying
		}, "a/1", "cluster-relation-departed(a/0)[a/0]"},
		{"broken after a dying relation's departures", func(m *model.Model) {
			started(m, "b/0")
			m.Relations[1].Life = model.Dying
		}, "b/0", "backend-relation-broken"},
		{"dying unit departs naming itself", startedWith("a/1", func(u *model.Unit) {
			u.AgentState.Relations[0].Members["a/0"] = 1
			u.Life = model.Dying
		}), "a/1", "cluster-relation-departed(a/0)[a/1]"},
		{"dying unit breaks non-peer relations, then stops", startedWith("b/0", func(u *model.Unit) { u.Life = model.Dying }), "b/0", "backend-relation-broken"},
		{"dying unit stops", startedWith("a/1", func(u *model.Unit) {
			u.Life = model.Dying
			u.AgentState.Relations[1].Broken = true
		}), "a/1", "stop"},
		{"dying unit removes after stop", startedWith("a/1", func(u *model.Unit) {
			u.Life = model.Dying
			u.AgentState.Relations[1].Broken = true
			u.AgentState.Stopped = true
		}), "a/1", "remove"},
		{"never-installed dying unit is dropped", func(m *model.Model) { m.Units["a/1"].Life = model.Dying }, "a/1", "drop"},
		{"hook error: only actions", startedWith("a/1", func(u *model.Unit) {
			u.AgentState.ConfigSeq = 0
			u.AgentState.Failed = &model.FailedHook{Hook: model.Hook{Kind: "install", RelationID: -1}, NextRetry: t0.Add(time.Second)}
		}), "a/1", "-"},
		{"hook error: retry when due", startedWith("a/1", func(u *model.Unit) {
			u.AgentState.Failed = &model.FailedHook{Hook: model.Hook{Kind: "config-changed", RelationID: -1}, NextRetry: t0}
		}), "a/1", "config-changed"},
		{"idle unit: update-status when due", startedWith("a/1", func(u *model.Unit) {
			u.AgentState.Relations[0].Broken = true
			u.AgentState.NextUpdateStatus = t0
		}), "a/1", "update-status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fixture()
			tc.setup(m)
			if got := hookOf(t, m, tc.unit); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 7: 5 * time.Minute, 20: 5 * time.Minute} {
		if got := Backoff(5*time.Second, 5*time.Minute, n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

func newCtx(m *model.Model, unit string, op Op) *Context {
	s := &Shared{Mu: &sync.Mutex{}, Model: m, Charms: &model.Charms{}, Log: func(string, string, string, string) {}, Now: func() time.Time { return t0 }}
	op.Unit = unit
	return NewContext(s, "ctx", op, UnitPaths("/nonexistent", unit))
}

// Relation writes are buffered: invisible to others until Commit, one
// version bump for several writes; app bags are leader-only; reads follow
// Juju's permissions.
func TestContextRelationSemantics(t *testing.T) {
	m := fixture()
	for _, u := range []string{"a/0", "a/1", "b/0"} {
		started(m, u)
	}
	v0 := m.Relations[1].UnitSettings["a/1"].Version
	c := newCtx(m, "a/1", Op{Kind: OpHook, Hook: model.Hook{Kind: "update-status", RelationID: -1}})
	if err := c.SetRelationSettings(1, false, map[string]string{"k": "v", "j": "w"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.RelationSettings(1, "a/1", false); got["k"] != "v" {
		t.Errorf("own pending write not visible to itself: %v", got)
	}
	if m.Relations[1].UnitSettings["a/1"].Data["k"] != "" {
		t.Errorf("write visible before commit")
	}
	if err := c.SetRelationSettings(1, true, map[string]string{"x": "y"}); !errors.Is(err, jujuc.ErrNotLeader) {
		t.Errorf("non-leader app write: %v", err)
	}
	if _, err := c.RelationSettings(1, "a", true); !errors.Is(err, jujuc.ErrPermissionDenied) {
		t.Errorf("non-leader reading own app bag of a regular relation: %v", err)
	}
	if _, err := c.RelationSettings(0, "a", true); err != nil {
		t.Errorf("non-leader reading own app bag of a peer relation: %v", err)
	}
	if _, err := c.RelationSettings(1, "a/0", false); !errors.Is(err, jujuc.ErrPermissionDenied) {
		t.Errorf("reading a non-remote unit: %v", err)
	}
	if got, err := c.RelationSettings(1, "b/0", false); err != nil || got["private-address"] != "127.0.1.3" {
		t.Errorf("remote unit bag: %v %v", got, err)
	}
	if _, err := c.RelationSettings(7, "b/0", false); !errors.Is(err, jujuc.ErrRelationNotFound) {
		t.Errorf("unknown relation: %v", err)
	}
	c.Commit()
	b := m.Relations[1].UnitSettings["a/1"]
	if b.Data["k"] != "v" || b.Data["j"] != "w" || b.Version != v0+1 {
		t.Errorf("after commit: %+v (version was %d)", b, v0)
	}
	// A remote bag is cached for the rest of the hook.
	c2 := newCtx(m, "b/0", Op{Kind: OpHook, Hook: model.Hook{Kind: "update-status", RelationID: -1}})
	first, _ := c2.RelationSettings(1, "a/1", false)
	m.Relations[1].UnitSettings["a/1"].Data["k"] = "changed"
	if again, _ := c2.RelationSettings(1, "a/1", false); again["k"] != first["k"] {
		t.Errorf("remote data not cached within a hook: %v then %v", first, again)
	}
}

// Ports and state are buffered too; status and leader settings are not.
func TestContextImmediateVersusBuffered(t *testing.T) {
	m := fixture()
	started(m, "a/0")
	c := newCtx(m, "a/0", Op{Kind: OpHook, Hook: model.Hook{Kind: "start", RelationID: -1}})
	_ = c.OpenPortRange(jujuc.PortRange{From: 80, To: 80, Protocol: "tcp"})
	_ = c.SetCharmStateValue("s", "1")
	_ = c.SetUnitStatus(jujuc.Status{Status: "active", Message: "up"})
	_ = c.WriteLeaderSettings(map[string]string{"l": "1"})
	if got, _ := c.OpenedPortRanges(); len(got) != 0 {
		t.Errorf("pending port listed by opened-ports: %v", got)
	}
	if st, _ := c.CharmState(); st["s"] != "1" {
		t.Errorf("own pending state not visible: %v", st)
	}
	u := m.Units["a/0"]
	if len(u.Ports) != 0 || u.State["s"] != "" {
		t.Errorf("buffered writes applied before commit: %v %v", u.Ports, u.State)
	}
	if u.Workload.Status != "active" || m.Applications["a"].LeaderSettings["l"] != "1" || m.Applications["a"].LeaderSettingsSeq != 2 {
		t.Errorf("immediate writes not applied: %+v %v", u.Workload, m.Applications["a"].LeaderSettings)
	}
	c.Commit()
	if len(u.Ports) != 1 || u.State["s"] != "1" {
		t.Errorf("after commit: %v %v", u.Ports, u.State)
	}
	if _, err := c.ActionParams(); !errors.Is(err, jujuc.ErrNotAction) {
		t.Errorf("action tool in a hook: %v", err)
	}
	c1 := newCtx(m, "a/1", Op{Kind: OpHook, Hook: model.Hook{Kind: "start", RelationID: -1}})
	if err := c1.WriteLeaderSettings(map[string]string{"l": "2"}); !errors.Is(err, jujuc.ErrNotLeader) {
		t.Errorf("non-leader leader-set: %v", err)
	}
}
