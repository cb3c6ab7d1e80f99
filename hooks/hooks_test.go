package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
	"github.com/etcd-charm/etcd-charm/workload"
)

// unit is one etcd unit of a scenario: its hook tools, its snapd and its
// filesystem, sharing one fake etcd cluster with the other units.
type unit struct {
	name  string
	n     int
	tools *jujutest.Tools
	snapd *snaptest.Fake
	paths charm.Paths
	// volume stands in for the machine's mkfs and mount (nil: none used).
	volume *fakeVolume
	// v2custom: the member's data dir holds v2 keys, as etcdutl check
	// v2store would find them.
	v2custom bool
}

// scenario is an application of etcd units with one certificate authority.
type scenario struct {
	t     *testing.T
	etcd  *etcdtest.Fake
	units []*unit
	// leaderData is the application's leader settings, shared by all units.
	leaderData map[string]string
	now        time.Time
	// dialFails makes the next dials fail, as when etcd was just started
	// and does not listen yet.
	dialFails int
	// silent client URLs answer no Status until their unit restarts etcd.
	silent map[string]bool
	// tick advances the clock at every reading (0: a fixed clock).
	tick time.Duration
	// changed holds, per unit, the peers whose committed bag changed since
	// that unit last ran cluster-relation-changed.
	changed map[string]map[string]bool
	// leaderSeen holds, per unit, the leader settings as its last
	// leader-settings-changed saw them: Juju runs that hook again at a
	// non-leader once they differ.
	leaderSeen map[string]map[string]string
	// channel is the channel option of every unit added ("" auto).
	channel string
	// waits replaces the hooks' short test waits when set.
	waits *Waits
	// ca is the certificates provider's authority.
	ca testCA
	// busy are the host:port addresses other processes listen on.
	busy map[string]bool
	// onMembers runs before every member list a hook asks for: what
	// other units do meanwhile (Juju runs them beside this hook).
	onMembers func()
	// onRestart runs after snapd restarts a unit's etcd (a restart or a
	// revert), as etcd reads its config and snap again.
	onRestart func(u *unit)
	// held: restarts left pending once nothing more runs are a change
	// held back on purpose (a reverted change in its backoff), not a
	// stall.
	held bool
}

// silentCluster is a client whose Status fails for the scenario's silent
// endpoints.
type silentCluster struct {
	etcd.Cluster
	s *scenario
}

func (c silentCluster) Members(ctx context.Context) ([]etcd.Member, error) {
	if c.s.onMembers != nil {
		c.s.onMembers()
	}
	return c.Cluster.Members(ctx)
}

func (c silentCluster) Status(ctx context.Context, endpoint string) (etcd.Status, error) {
	if c.s.silent[endpoint] {
		return etcd.Status{}, errors.New("context deadline exceeded")
	}
	return c.Cluster.Status(ctx, endpoint)
}

func addr(net string, n int) string { return "10.0." + net + "." + string(rune('0'+n)) }

func newScenario(t *testing.T, n int) *scenario {
	s := &scenario{t: t, leaderData: map[string]string{}, changed: map[string]map[string]bool{}, leaderSeen: map[string]map[string]string{}, now: certBase, ca: newTestCA(t, "easyrsa")}
	for i := 0; i < n; i++ {
		s.addUnit()
	}
	return s
}

func (s *scenario) addUnit() *unit {
	n := len(s.units)
	u := &unit{name: "etcd/" + string(rune('0'+n)), n: n, snapd: snaptest.NewEtcd(), paths: charm.Paths{Root: s.t.TempDir()}}
	u.tools = jujutest.New(u.name)
	u.tools.Leader = n == 0
	if s.channel != "" {
		u.tools.Config["channel"] = s.channel
	}
	u.tools.LeaderData = s.leaderData
	u.tools.Network["db"] = juju.Network{IngressAddresses: []string{addr("0", n)}, BindAddresses: []string{addr("0", n)}}
	u.tools.Network["cluster"] = juju.Network{IngressAddresses: []string{addr("1", n)}, BindAddresses: []string{addr("1", n)}}
	ca := u.tools.AddRelation("certificates:9", "easyrsa")
	ca.Units["easyrsa/0"] = unitCerts(s.ca, s.t, n)
	u.tools.AddRelation("cluster:0", "etcd")
	s.units = append(s.units, u)
	s.syncPeers()
	return u
}

// syncPeers gives every unit the committed peer data of the others, as
// Juju does once their hooks committed, and notes which peer bags changed:
// those are the cluster-relation-changed hooks Juju would fire.
func (s *scenario) syncPeers() {
	for _, u := range s.units {
		rel := u.tools.Relations["cluster:0"]
		seen := rel.Units
		rel.Units = map[string]map[string]string{}
		for _, o := range s.units {
			if o == u {
				continue
			}
			bag := maps.Clone(o.tools.Relations["cluster:0"].LocalUnitData)
			rel.Units[o.name] = bag
			if old, ok := seen[o.name]; !ok || !maps.Equal(old, bag) {
				if s.changed[u.name] == nil {
					s.changed[u.name] = map[string]bool{}
				}
				s.changed[u.name][o.name] = true
			}
		}
	}
}

// deliverable checks that ev is a hook Juju would run at u: a
// cluster-relation-changed only after a peer's committed bag changed (the
// peer it names, if it names one). A failed hook stays pending and is
// retried, so only a committed one marks the change seen (markSeen).
func (s *scenario) deliverable(u *unit, ev juju.Event) {
	s.t.Helper()
	if ev.Name != "cluster-relation-changed" {
		return
	}
	pending := s.changed[u.name]
	if ev.RemoteUnit != "" && !pending[ev.RemoteUnit] {
		s.t.Fatalf("Juju runs no cluster-relation-changed for %s at %s: its committed data did not change", ev.RemoteUnit, u.name)
	}
	if len(pending) == 0 {
		s.t.Fatalf("Juju runs no cluster-relation-changed at %s: no peer's committed data changed", u.name)
	}
}

func (s *scenario) markSeen(u *unit, ev juju.Event) {
	if ev.Name != "cluster-relation-changed" {
		return
	}
	if ev.RemoteUnit != "" {
		delete(s.changed[u.name], ev.RemoteUnit)
		return
	}
	delete(s.changed, u.name)
}

// linkedSnapd starts the unit's member in the fake etcd when snapd starts
// its service, as the real etcd announces its name when it starts.
type linkedSnapd struct {
	snap.Client
	start   func()
	restart func()
}

func (l linkedSnapd) Restart(ctx context.Context, svc string) error {
	return then(l.Client.Restart(ctx, svc), l.restart)
}

// Revert: snapd restarts the snap's services into the revision it goes
// back to.
func (l linkedSnapd) Revert(ctx context.Context, name string) error {
	return then(l.Client.Revert(ctx, name), l.restart)
}

func (l linkedSnapd) Start(ctx context.Context, svc string) error {
	return then(l.Client.Start(ctx, svc), l.start)
}

// then runs hook (if any) after a snapd call that succeeded.
func then(err error, hook func()) error {
	if err == nil && hook != nil {
		hook()
	}
	return err
}

func (s *scenario) run(u *unit, ev juju.Event) (int, string) {
	s.t.Helper()
	if ev.Name == "update-status" {
		// Juju runs update-status only when nothing else is pending: the
		// leadership and relation hooks that committed changes fire come
		// first (juju-hook-semantics.md §4), and the charm relies on
		// that (hooks/memo.go).
		if code, log := s.runPending(u); code != 0 {
			return code, log
		}
	}
	var log bytes.Buffer
	ev.Kind, ev.Unit = juju.HookKind, u.name
	d := Deps{
		Tools: u.tools,
		Paths: u.paths,
		Snap: linkedSnapd{u.snapd, func() {
			// etcd writes its WAL into the data dir its config names.
			wal := u.paths.DataDir("etcd"+string(rune('0'+u.n)), "") + "/member/wal"
			if conf, _, err := workload.ReadEtcdConfig(u.paths); err == nil && conf.DataDir != "" {
				wal = conf.DataDir + "/member/wal"
			}
			_ = os.MkdirAll(wal, 0o700)
			_ = os.WriteFile(wal+"/0000000000000000-0000000000000000.wal", nil, 0o600)
			_ = s.etcd.StartMember("https://"+addr("1", u.n)+":2380", "etcd"+string(rune('0'+u.n)), "https://"+addr("0", u.n)+":2379")
		}, func() {
			delete(s.silent, "https://"+addr("0", u.n)+":2379")
			if s.onRestart != nil {
				s.onRestart(u)
			}
		}},
		Dial: func(ctx context.Context, endpoints []string, tls etcd.TLS) (etcd.Cluster, error) {
			if s.dialFails > 0 {
				s.dialFails--
				return nil, errors.New("connection refused")
			}
			cl, err := s.etcd.Dial(ctx, endpoints, tls)
			if err != nil {
				return nil, err
			}
			return silentCluster{cl, s}, nil
		},
		Log:      &log,
		Now:      func() time.Time { s.now = s.now.Add(s.tick); return s.now },
		Hostname: func() (string, error) { return "host-" + string(rune('0'+u.n)), nil },
		Waits:    Waits{Serve: time.Millisecond, Promote: time.Millisecond, Publish: time.Millisecond, Poll: time.Millisecond},
		ListenFree: func(address string) error {
			if s.busy[address] {
				return fmt.Errorf("cannot listen on %s: %w", address, syscall.EADDRINUSE)
			}
			return nil
		},
		V2Store: func(ctx context.Context, dataDir string) (charm.V2StoreVerdict, string) {
			if u.v2custom {
				return charm.V2Custom, "Error: detected custom v2 content in WAL records"
			}
			return charm.V2Clean, "No custom content found in both v2store and WAL records."
		},
	}
	if s.waits != nil {
		d.Waits = *s.waits
	}
	if u.volume != nil {
		d.Volume = u.volume
	}
	s.deliverable(u, ev)
	code := u.tools.Run(context.Background(), ev, Handler(d), &log)
	if code == 0 {
		if ev.Name == "leader-settings-changed" {
			s.leaderSeen[u.name] = maps.Clone(s.leaderData)
		}
		s.markSeen(u, ev)
		s.syncPeers()
	}
	return code, log.String()
}

// runPending runs at u the hooks Juju would run before a timer hook:
// leader-settings-changed when u's view of the leader settings is stale,
// then cluster-relation-changed for each peer whose committed bag
// changed. It stops at a hook that fails (Juju retries it before
// anything else).
func (s *scenario) runPending(u *unit) (int, string) {
	s.t.Helper()
	if !u.tools.Leader && !maps.Equal(s.leaderSeen[u.name], s.leaderData) {
		if code, log := s.run(u, juju.Event{Name: "leader-settings-changed"}); code != 0 {
			return code, log
		}
	}
	for _, p := range slices.Sorted(maps.Keys(s.changed[u.name])) {
		if !s.changed[u.name][p] {
			continue
		}
		if code, log := s.run(u, juju.Event{Name: "cluster-relation-changed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: p}); code != 0 {
			return code, log
		}
	}
	return 0, ""
}

func (s *scenario) mustRun(u *unit, ev juju.Event) {
	s.t.Helper()
	if code, log := s.run(u, ev); code != 0 {
		s.t.Fatalf("%s %s: exit %d\n%s", u.name, ev.Name, code, log)
	}
}

func TestSingleUnitFormsCluster(t *testing.T) {
	s := newScenario(t, 1)
	u := s.units[0]
	// The founding member exists in the fake as soon as etcd starts.
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	u.tools.AddRelation("db:5", "kubernetes-control-plane").Units["kubernetes-control-plane/0"] = map[string]string{}
	s.mustRun(u, juju.Event{Name: "install"})

	if got := u.snapd.Installed("etcd"); got == nil || got.Channel != "3.6/stable" {
		t.Fatalf("installed %+v, want etcd from 3.6/stable (auto: highest stable track)", got)
	}
	if leaderOf(s).Cluster != "etcd0=https://10.0.1.0:2380" || len(leaderOf(s).Token) != 6 {
		t.Errorf("leader data = %v", s.leaderData)
	}
	conf, err := os.ReadFile(u.paths.ConfigFile())
	if err != nil || !strings.Contains(string(conf), "initial-cluster-state: new") {
		t.Errorf("etcd.conf.yml = %q, %v", conf, err)
	}
	answer := u.tools.Relations["certificates:9"].Units["easyrsa/0"]
	for path, want := range map[string]string{u.paths.ServerKey(): answer["etcd_0.server.key"], u.paths.CACert(): s.ca.PEM} {
		b, _ := os.ReadFile(path)
		st, _ := os.Stat(path)
		if string(b) != want || (strings.HasSuffix(path, ".key") && st.Mode().Perm() != 0o600) {
			t.Errorf("%s = %q (%v), want %q", path, b, st.Mode(), want)
		}
	}
	if u.tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 1 known peer"}) {
		t.Errorf("status = %+v", u.tools.Status)
	}
	if strings.Join(u.tools.Ports, ",") != "2379/tcp" {
		t.Errorf("ports = %v", u.tools.Ports)
	}
	peer := u.tools.Relations["cluster:0"].LocalUnitData
	if peer["state"] != "started" || peer["db-ingress-address"] != "10.0.0.0" || peer["member-name"] != "etcd0" {
		t.Errorf("peer data = %v", peer)
	}
	db := u.tools.Relations["db:5"].LocalUnitData
	if db["connection_string"] != "https://10.0.0.0:2379" || db["client_cert"] != answer["client.cert"] || db["client_key"] != answer["client.key"] || db["client_ca"] != s.ca.PEM || db["version"] != "3.6.16" {
		t.Errorf("db data = %v", db)
	}
	if u.tools.Version != "3.6.16" {
		t.Errorf("workload version = %q", u.tools.Version)
	}
	if tm, _ := u.snapd.Conf(context.Background(), "core", "refresh.timer"); tm != "sat3" {
		t.Errorf("refresh.timer = %q, want sat3 (yesterday, 21 Nov 2026, was the third Saturday)", tm)
	}
	// Running again changes nothing and restarts nothing.
	u.snapd.Calls()
	s.mustRun(u, juju.Event{Name: "update-status"})
	for _, c := range u.snapd.Calls() {
		if strings.HasPrefix(c, "Restart") || strings.HasPrefix(c, "Start") || strings.HasPrefix(c, "Install") {
			t.Errorf("update-status did %s", c)
		}
	}
}

func TestUnitJoinsAsLearnerAndIsPromoted(t *testing.T) {
	// The joiner gets ready (snap, certificates) and waits for admission.
	s, leader, joiner := withJoiner(t)
	if joiner.tools.Status != (juju.Status{Name: juju.StatusWaiting, Message: "Waiting for the leader to admit this unit"}) {
		t.Errorf("joiner status = %+v", joiner.tools.Status)
	}
	// The leader admits it as a learner.
	s.mustRun(leader, juju.Event{Name: "cluster-relation-changed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: "etcd/1"})
	if want := "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380"; leaderOf(s).Joins["etcd1"] != want {
		t.Fatalf("admission = %q, want %q", leaderOf(s).Joins["etcd1"], want)
	}
	var learner etcd.Member
	for _, m := range s.etcd.List() {
		if m.IsLearner {
			learner = m
		}
	}
	if learner.ID == 0 {
		t.Fatalf("no learner added: %+v", s.etcd.List())
	}
	// The joiner starts with state existing and reports started, waiting
	// out the moment its etcd does not listen yet.
	s.dialFails = 2
	s.mustRun(joiner, juju.Event{Name: "leader-settings-changed"})
	conf, _ := os.ReadFile(joiner.paths.ConfigFile())
	if !strings.Contains(string(conf), "initial-cluster-state: existing") {
		t.Errorf("joiner etcd.conf.yml:\n%s", conf)
	}
	if peerOf(joiner).State != "started" {
		t.Fatalf("joiner peer data = %v", joiner.tools.Relations["cluster:0"].LocalUnitData)
	}
	// The leader promotes it (etcd first says it is not in sync).
	s.etcd.PromoteNotReady(1)
	s.mustRun(leader, juju.Event{Name: "cluster-relation-changed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: "etcd/1"})
	for _, m := range s.etcd.List() {
		if m.IsLearner {
			t.Errorf("still a learner after the leader's hook: %+v", m)
		}
	}
	// The promotion changes leader settings, so Juju wakes the joiner.
	if leaderOf(s).Voters == "" {
		t.Fatalf("promotion left no trace in leader settings: %v", s.leaderData)
	}
	s.mustRun(joiner, juju.Event{Name: "leader-settings-changed"})
	want := juju.Status{Name: juju.StatusActive, Message: "Healthy with 2 known peers"}
	if joiner.tools.Status != want {
		t.Errorf("joiner status = %+v, want %+v", joiner.tools.Status, want)
	}
}

func TestStopRemovesOwnMemberMovingLeadership(t *testing.T) {
	s, _, other := withJoiner(t)
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed"})
	s.mustRun(other, juju.Event{Name: "leader-settings-changed"})
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed"})
	if len(s.etcd.List()) != 2 {
		t.Fatalf("members = %+v", s.etcd.List())
	}
	// etcd/0 holds raft leadership and goes away.
	s.mustRun(s.units[0], juju.Event{Name: "stop"})
	ms := s.etcd.List()
	if len(ms) != 1 || ms[0].Name != "etcd1" {
		t.Errorf("members after stop = %+v", ms)
	}
	calls := strings.Join(s.etcd.Calls(), "\n")
	if !strings.Contains(calls, "MoveLeader") || strings.Index(calls, "MoveLeader") > strings.Index(calls, "Remove") {
		t.Errorf("leadership not moved before removal:\n%s", calls)
	}
	if active, _ := s.units[0].snapd.Active(context.Background(), "etcd.etcd"); active {
		t.Error("etcd still running after stop")
	}
}

func TestConvergeOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(*unit)
		want    juju.Status
	}{{
		name:    "invalid config blocks naming the option",
		arrange: func(u *unit) { u.tools.Config["management_port"] = int64(2379) },
		want:    juju.Status{Name: juju.StatusBlocked, Message: "Invalid config: management_port: must differ from port (both 2379)"},
	}, {
		name:    "no certificate authority",
		arrange: func(u *unit) { delete(u.tools.Relations, "certificates:9") },
		want:    juju.Status{Name: juju.StatusBlocked, Message: "Missing relation to certificate authority."},
	}, {
		name:    "related, no certificates yet",
		arrange: func(u *unit) { u.tools.Relations["certificates:9"].Units["easyrsa/0"] = map[string]string{"ca": "CA"} },
		want:    juju.Status{Name: juju.StatusWaiting, Message: "Waiting for certificates"},
	}, {
		name:    "store lacks the channel",
		arrange: func(u *unit) { u.tools.Config["channel"] = "3.9/stable" },
		want:    juju.Status{Name: juju.StatusBlocked, Message: "Cannot install etcd from channel 3.9/stable"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t, 1)
			s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
			u := s.units[0]
			tt.arrange(u)
			s.mustRun(u, juju.Event{Name: "config-changed"})
			if u.tools.Status.Name != tt.want.Name || !strings.HasPrefix(u.tools.Status.Message, tt.want.Message) {
				t.Errorf("status = %+v, want %+v", u.tools.Status, tt.want)
			}
		})
	}
}

func TestRouting(t *testing.T) {
	for _, tt := range []struct {
		hook  string
		known bool
	}{
		{"install", true}, {"cluster-relation-departed", true}, {"data-storage-attached", true},
		{"prometheus-relation-joined", true}, {"stop", true},
		{"secret-rotate", false}, {"certificates-relation-exploded", false},
	} {
		if _, ok := lookup(tt.hook); ok != tt.known {
			t.Errorf("lookup(%q) known = %v, want %v", tt.hook, ok, tt.known)
		}
	}
	s := newScenario(t, 1)
	code, log := s.run(s.units[0], juju.Event{Name: "secret-rotate"})
	if code != 0 || !strings.Contains(log, `no handler for hook "secret-rotate"; nothing to do`) {
		t.Errorf("unknown hook: exit %d, log %q", code, log)
	}
}

func TestToolFailureRetries(t *testing.T) {
	s := newScenario(t, 1)
	u := s.units[0]
	u.tools.Fail["config-get"] = &juju.ToolError{Tool: "config-get", Code: 1, Stderr: "ERROR connection refused\n"}
	code, log := s.run(u, juju.Event{Name: "install"})
	if code != 1 || !strings.Contains(log, "cannot read config") {
		t.Errorf("exit %d, log %q; want 1 and the reason", code, log)
	}
}
