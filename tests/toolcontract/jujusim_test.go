// Package toolcontract runs the juju.Tools contract suite against
// juju.NewExecTools talking to jujusim's real hook-tool stack: the
// cmd/jujuc client binary, the sim/jujuc server on a unix socket and a
// sim/agent hook context over a sim/model model. The charm side cannot
// import sim/, so this backend lives here.
package toolcontract

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	tc "github.com/etcd-charm/etcd-charm/internal/juju/jujutest/toolcontract"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// jujusim keeps the contract.
func TestJujusim(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the jujuc binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "jujuc")
	if err := testkit.GoBuild(bin, "./cmd/jujuc", true); err != nil {
		t.Fatal(err)
	}
	toolsDir := filepath.Join(dir, "tools")
	if err := jujuc.InstallTools(toolsDir, bin); err != nil {
		t.Fatal(err)
	}
	charmDir := writeCharm(t)
	tc.Run(t, func(t *testing.T, leader bool) tc.Env { return newSim(t, toolsDir, charmDir, leader) })
}

const metadata = `name: etcd
summary: etcd for the tool contract
description: etcd for the tool contract
peers:
  cluster:
    interface: etcd
provides:
  db:
    interface: etcd
resources:
  etcd:
    type: file
    filename: etcd.snap
    description: the etcd snap
  core:
    type: file
    filename: core.snap
    description: the core snap
storage:
  data:
    type: filesystem
    location: /srv/etcd-data
`

const config = `options:
  port: {type: int, default: 2379, description: client port}
  name: {type: string, default: etcd, description: a name}
  debug: {type: boolean, default: false, description: debug}
  ratio: {type: float, default: 0.5, description: a ratio}
  token: {type: string, description: no default}
`

func writeCharm(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "charm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"metadata.yaml": metadata, "config.yaml": config} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sim is one unit's hook-tool stack with the fixture in its model.
type sim struct {
	shared *agent.Shared
	paths  agent.Paths

	srv    *jujuctest.Server
	mu     sync.Mutex
	n      int
	logs   []string
	action int // the last action's id
}

func newSim(t *testing.T, toolsDir, charmDir string, leader bool) *sim {
	m := model.New("contract", "uuid-contract", 1, t0)
	s := &sim{paths: agent.UnitPaths(t.TempDir(), tc.Unit)}
	s.shared = &agent.Shared{
		Mu: &sync.Mutex{}, Model: m, Charms: &model.Charms{}, Now: func() time.Time { return t0 },
		Log: func(unit, level, logger, message string) {
			if strings.HasSuffix(logger, ".juju-log") {
				s.logs = append(s.logs, level+": "+message)
			}
		},
	}
	arrange(t, m, charmDir, leader)

	// The socket path must stay short (108 bytes): not under t.TempDir().
	sockDir, err := os.MkdirTemp("", "toolcontract")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	s.srv = jujuctest.Serve(t, filepath.Join(sockDir, "agent.socket"))
	// juju.NewExecTools runs the tools from PATH with the process's
	// environment, as the charm does in a hook.
	t.Setenv("PATH", toolsDir)
	t.Setenv("JUJU_AGENT_SOCKET_ADDRESS", s.srv.Sock)
	t.Setenv("JUJU_AGENT_SOCKET_NETWORK", "unix")
	return s
}

// arrange puts the fixture into m.
func arrange(t *testing.T, m *model.Model, charmDir string, leader bool) {
	blob := filepath.Join(t.TempDir(), "etcd.snap")
	if err := os.WriteFile(blob, []byte(tc.ResourceContent), 0o644); err != nil {
		t.Fatal(err)
	}
	fp, err := agent.Fingerprint(blob)
	if err != nil {
		t.Fatal(err)
	}
	etcd := &model.Application{
		Name: tc.App, CharmPath: charmDir, Life: model.Alive, Leader: tc.Peer,
		Config:         map[string]any{"name": "custom"},
		LeaderSettings: maps.Clone(tc.LeaderData),
		Resources:      map[string]model.Resource{"etcd": {Blob: blob, Revision: 1, Fingerprint: fp}},
	}
	if leader {
		etcd.Leader = tc.Unit
	}
	m.Applications[tc.App] = etcd
	m.Applications[tc.RemoteApp] = &model.Application{Name: tc.RemoteApp, Life: model.Alive, Leader: tc.RemoteUnit, LeaderSettings: map[string]string{}}
	for i, name := range []string{tc.Unit, tc.Peer, tc.RemoteUnit} {
		id := fmt.Sprint(i)
		addr := tc.Address
		if name != tc.Unit {
			addr = fmt.Sprintf("10.9.0.%d", 20+i)
		}
		m.Machines[id] = &model.Machine{ID: id, Address: addr, CIDR: "10.9.0.0/24", Iface: "eth0", MAC: "00:16:3e:00:00:0" + id}
		m.Units[name] = &model.Unit{Name: name, App: model.AppOfUnit(name), Machine: id, Life: model.Alive,
			AgentState: model.UnitAgent{Installed: true, Started: true, Relations: map[int]*model.UnitRelation{}}}
	}
	u := m.Units[tc.Unit]
	u.State = maps.Clone(tc.State)
	for _, p := range tc.Ports {
		pr, err := jujuc.ParsePortRange(p)
		if err != nil {
			t.Fatal(err)
		}
		u.Ports = append(u.Ports, model.PortRange{From: pr.From, To: pr.To, Protocol: pr.Protocol})
	}
	u.Storage = []model.StorageInstance{{ID: "data/0", Kind: "filesystem", Location: tc.StorageLocation}}

	relate := func(id int, members []string, eps ...model.Endpoint) *model.Relation {
		r := &model.Relation{ID: id, Life: model.Alive, Endpoints: eps,
			UnitSettings: map[string]*model.Bag{}, AppSettings: map[string]*model.Bag{}, Scope: map[string]bool{}}
		m.Relations[id] = r
		for _, n := range append([]string{tc.Unit}, members...) {
			m.EnterScope(r, n)
		}
		ur := &model.UnitRelation{Created: true, Members: map[string]int64{}}
		for _, n := range members {
			ur.Members[n] = r.UnitBag(n).Version
		}
		u.AgentState.Relations[id] = ur
		return r
	}
	peer := relate(0, []string{tc.Peer}, model.Endpoint{App: tc.App, Name: tc.PeerEndpoint, Interface: "etcd", Role: "peer"})
	maps.Copy(peer.UnitBag(tc.Peer).Data, tc.PeerBag)
	maps.Copy(peer.AppBag(tc.App).Data, tc.PeerAppBag)
	db := relate(1, []string{tc.RemoteUnit},
		model.Endpoint{App: tc.App, Name: tc.DBEndpoint, Interface: "etcd", Role: "provider"},
		model.Endpoint{App: tc.RemoteApp, Name: "etcd", Interface: "etcd", Role: "requirer"})
	maps.Copy(db.UnitBag(tc.RemoteUnit).Data, tc.RemoteBag)
	maps.Copy(db.AppBag(tc.RemoteApp).Data, tc.RemoteAppBag)
	m.NextRelation = 2
}

// Hook runs fn with a fresh hook (or action) context registered on the
// server, then commits it on success as the controller does on exit 0.
func (s *sim) Hook(t *testing.T, params map[string]any, fn func(juju.Tools) error) {
	s.mu.Lock()
	s.n++
	id := fmt.Sprintf("%s-config-changed-%d", tc.Unit, s.n)
	s.mu.Unlock()
	op := agent.Op{Kind: agent.OpHook, Unit: tc.Unit, Hook: model.Hook{Kind: "config-changed", RelationID: -1}}
	if params != nil {
		s.shared.Mu.Lock()
		m := s.shared.Model
		s.action = m.NextTask
		m.NextTask++
		m.Actions[s.action] = &model.Action{ID: s.action, Unit: tc.Unit, Name: "snapshot", Params: maps.Clone(params), Status: "running", Enqueued: t0, Started: t0}
		s.shared.Mu.Unlock()
		op = agent.Op{Kind: agent.OpAction, Unit: tc.Unit, ActionID: s.action}
	}
	hctx := agent.NewContext(s.shared, id, op, s.paths)
	s.srv.Set(id, hctx)
	t.Setenv("JUJU_CONTEXT_ID", id)

	err := fn(juju.NewExecTools())

	s.srv.Remove(id)
	s.shared.Mu.Lock()
	defer s.shared.Mu.Unlock()
	if params != nil {
		code := 0
		if err != nil {
			code = 1
		}
		hctx.FinishAction(code, nil, nil, t0)
	}
	if err == nil {
		hctx.Commit()
	}
}

func (s *sim) Observe(*testing.T) tc.Observed {
	s.shared.Mu.Lock()
	defer s.shared.Mu.Unlock()
	m := s.shared.Model
	u := m.Units[tc.Unit]
	a := m.Applications[tc.App]
	o := tc.Observed{
		UnitBags: map[string]map[string]string{}, AppBags: map[string]map[string]string{},
		State:      maps.Clone(u.State),
		Status:     juju.Status{Name: juju.StatusName(u.Workload.Status), Message: u.Workload.Message},
		AppStatus:  juju.Status{Name: juju.StatusName(a.Status.Status), Message: a.Status.Message},
		Version:    a.Version,
		LeaderData: maps.Clone(a.LeaderSettings),
		Logs:       append([]string(nil), s.logs...),
	}
	for id, r := range m.Relations {
		ep, _ := r.EndpointFor(tc.App)
		key := fmt.Sprintf("%s:%d", ep.Name, id)
		if b := r.UnitSettings[tc.Unit]; b != nil {
			o.UnitBags[key] = maps.Clone(b.Data)
		}
		if b := r.AppSettings[tc.App]; b != nil {
			o.AppBags[key] = maps.Clone(b.Data)
		}
	}
	for _, p := range u.Ports {
		o.Ports = append(o.Ports, jujuc.PortRange{From: p.From, To: p.To, Protocol: p.Protocol}.String())
	}
	if act := m.Actions[s.action]; act != nil {
		o.ActionResults = map[string]string{}
		flatten(o.ActionResults, "", act.Results)
		delete(o.ActionResults, "return-code")
		if act.Status == "failed" {
			o.ActionFailed = act.Message
		}
		for _, l := range act.Log {
			o.ActionLogs = append(o.ActionLogs, l.Message)
		}
	}
	return o
}

// flatten turns nested action results into dotted keys, the form the
// charm sets them in.
func flatten(out map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			flatten(out, prefix+k+".", sub)
			continue
		}
		out[prefix+k] = fmt.Sprint(v)
	}
}

// CommitRemote commits a write of the remote unit as its hook would, with
// the settings version bumped.
func (s *sim) CommitRemote(_ *testing.T, settings map[string]string) {
	s.shared.Mu.Lock()
	defer s.shared.Mu.Unlock()
	b := s.shared.Model.Relations[1].UnitBag(tc.RemoteUnit)
	maps.Copy(b.Data, settings)
	b.Version++
}
