package hooks

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// healthy3 is the status of a healthy unit among three.
var healthy3 = juju.Status{Name: juju.StatusActive, Message: "Healthy with 3 known peers"}

// assertStatus checks the status u shows.
func assertStatus(t *testing.T, u *unit, want juju.Status) {
	t.Helper()
	if u.tools.Status != want {
		t.Errorf("%s: status %+v, want %+v", u.name, u.tools.Status, want)
	}
}

// warnedAbout says whether a juju-log line at WARNING mentions about.
func warnedAbout(logs []string, about string) bool {
	for _, l := range logs {
		if strings.HasPrefix(l, "WARNING: ") && strings.Contains(l, about) {
			return true
		}
	}
	return false
}

// wipeMember loses member name's data on u and stops it, as etcd
// crash-loops on the empty directory, and returns its id. etcd recreates
// member/ as it refuses to start: only the WAL is gone.
func (s *scenario) wipeMember(t *testing.T, u *unit, name string) uint64 {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(u.paths.DataDir(name, ""), "member", "wal")); err != nil {
		t.Fatal(err)
	}
	var id uint64
	for _, m := range s.etcd.List() {
		if m.Name == name {
			id = m.ID
		}
	}
	if err := s.etcd.StopMember(id); err != nil {
		t.Fatal(err)
	}
	return id
}

// voters counts the started voting members.
func (s *scenario) voters() int {
	n := 0
	for _, m := range s.etcd.List() {
		if m.Started() && !m.IsLearner {
			n++
		}
	}
	return n
}

// formed returns a scenario whose n units run one healthy cluster.
func formed(t *testing.T, n int) *scenario {
	t.Helper()
	return formedOn(t, n, "")
}

// withJoiner returns a scenario whose leader has bootstrapped etcd alone
// and a second unit, installed, waiting for admission.
func withJoiner(t *testing.T) (s *scenario, leader, joiner *unit) {
	t.Helper()
	s = newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	leader = s.units[0]
	s.mustRun(leader, juju.Event{Name: "install"})
	joiner = s.addUnit()
	s.mustRun(joiner, juju.Event{Name: "install"})
	return s, leader, joiner
}

// formedOn is formed with the config option channel set ("" auto).
func formedOn(t *testing.T, n int, channel string) *scenario {
	t.Helper()
	s := newScenario(t, 0)
	s.channel = channel
	s.addUnit()

	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	s.mustRun(s.units[0], juju.Event{Name: "install"})
	for i := 1; i < n; i++ {
		u := s.addUnit()
		s.mustRun(u, juju.Event{Name: "install"})
		s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed"})
		s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
		s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed"})
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "update-status"})
	}
	for _, m := range s.etcd.List() {
		if !m.Started() || m.IsLearner {
			t.Fatalf("cluster not formed: %+v", s.etcd.List())
		}
	}
	return s
}

func TestHookDyingMidJoinConvergesOnRerun(t *testing.T) {
	s, leader, joiner := withJoiner(t)

	// The learner is added, then the hook dies before the admission is
	// published.
	leader.tools.Fail["leader-set"] = errors.New("connection to the controller lost")
	if code, _ := s.run(leader, juju.Event{Name: "cluster-relation-changed"}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if len(s.etcd.List()) != 2 || leaderOf(s).Joins["etcd1"] != "" {
		t.Fatalf("members %+v, leader data %v", s.etcd.List(), s.leaderData)
	}
	// Juju retries the hook: no second member, the admission appears.
	delete(leader.tools.Fail, "leader-set")
	s.mustRun(leader, juju.Event{Name: "cluster-relation-changed"})
	if len(s.etcd.List()) != 2 || leaderOf(s).Joins["etcd1"] == "" {
		t.Fatalf("after retry: members %+v, leader data %v", s.etcd.List(), s.leaderData)
	}
	s.mustRun(joiner, juju.Event{Name: "leader-settings-changed"})
	s.mustRun(leader, juju.Event{Name: "cluster-relation-changed"})
	for _, m := range s.etcd.List() {
		if m.IsLearner || !m.Started() {
			t.Errorf("not converged: %+v", m)
		}
	}
}

func TestFiveUnitsFormOneCluster(t *testing.T) {
	s := formed(t, 5)
	if n := len(s.etcd.List()); n != 5 {
		t.Fatalf("members = %d", n)
	}
	for _, u := range s.units {
		if u.tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 5 known peers"}) {
			t.Errorf("%s status = %+v", u.name, u.tools.Status)
		}
	}
}

// A change that needs every member restarted rolls through the cluster
// one member at a time, and each finished restart hands the lock on in
// the hook that finishes it: Juju's own wake-ups (a peer's changed bag,
// the leader's settings) carry it to the end, never update-status. Every
// case runs under several hook orders.
func TestRollingRestarts(t *testing.T) {
	// The authority easyrsa moves to in "new CA": it re-issues every
	// certificate from it.
	newCA := newTestCA(t, "easyrsa 2")
	changes := []struct {
		name string
		// channel is what the cluster forms on ("" auto).
		channel string
		// change makes it at unit u and returns the hook Juju runs there.
		change func(u *unit) juju.Event
		// check tells whether u runs what the change asks for.
		check func(u *unit) bool
	}{{
		name: "config change",
		change: func(u *unit) juju.Event {
			u.tools.Config["heartbeat_interval"] = int64(150)
			return juju.Event{Name: "config-changed"}
		},
		check: func(u *unit) bool {
			conf, _ := os.ReadFile(u.paths.ConfigFile())
			return strings.Contains(string(conf), "heartbeat-interval: 150")
		},
	}, {
		name: "new CA",
		change: func(u *unit) juju.Event {
			u.tools.Relations["certificates:9"].Units["easyrsa/0"] = unitCerts(newCA, t, u.n)
			return juju.Event{Name: "certificates-relation-changed", Endpoint: "certificates", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"}
		},
		check: func(u *unit) bool {
			ca, _ := os.ReadFile(u.paths.CACert())
			return string(ca) == newCA.PEM
		},
	}, {
		name:    "channel change",
		channel: "3.5/stable",
		change: func(u *unit) juju.Event {
			u.tools.Config["channel"] = "3.6/stable"
			return juju.Event{Name: "config-changed"}
		},
		check: func(u *unit) bool {
			got := u.snapd.Installed("etcd")
			return got != nil && got.Channel == "3.6/stable"
		},
	}}
	orders := []struct {
		name  string
		first []int // units whose hook for the change runs first, in order
	}{
		{"all at once", nil},
		{"leader first", []int{0}},
		{"leader last", []int{1, 2, 0}},
	}
	for _, c := range changes {
		for _, o := range orders {
			for _, seed := range []int64{1, 2, 3, 4, 747811} {
				t.Run(fmt.Sprintf("%s/%s/seed %d", c.name, o.name, seed), func(t *testing.T) {
					s := formedOn(t, 3, c.channel)
					initial := map[string][]juju.Event{}
					for _, u := range s.units {
						initial[u.name] = []juju.Event{c.change(u)}
					}
					// The first units run their hook before the others see
					// the change at all.
					var order []string
					for _, i := range o.first {
						u := s.units[i]
						u.snapd.Calls()
						s.mustRun(u, initial[u.name][0])
						delete(initial, u.name)
						if restartedOrRefreshed(u) {
							order = append(order, u.name)
						}
					}
					order = append(order, s.settle(seed, 60, initial)...)
					if n := s.pendingRestarts(); n != 0 {
						t.Fatalf("%d restarts still pending", n)
					}
					counts := map[string]int{}
					for _, u := range order {
						counts[u]++
					}
					for _, u := range s.units {
						if !c.check(u) {
							t.Errorf("%s does not run the change", u.name)
						}
						if counts[u.name] != 1 {
							t.Errorf("%s restarted %d times, want once (order %v)", u.name, counts[u.name], order)
						}
						if st := u.tools.Status; st.Name != juju.StatusActive {
							t.Errorf("%s status %+v", u.name, st)
						}
					}
				})
			}
		}
	}
}

func restarted(u *unit) bool {
	for _, c := range u.snapd.Calls() {
		if strings.HasPrefix(c, "Restart") {
			return true
		}
	}
	return false
}

func (s *scenario) pendingRestarts() int {
	n := 0
	for _, u := range s.units {
		if peerOf(u).RestartRequest != "" {
			n++
		}
	}
	return n
}

func TestRemovingAUnitRemovesItsMember(t *testing.T) {
	s := formed(t, 3)
	gone := s.units[2]
	s.mustRun(gone, juju.Event{Name: "stop"})
	// The others see it depart.
	s.units = s.units[:2]
	s.syncPeers()
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-departed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: "etcd/2", DepartingUnit: "etcd/2"})
	if n := len(s.etcd.List()); n != 2 {
		t.Errorf("members = %+v", s.etcd.List())
	}
	s.mustRun(s.units[1], juju.Event{Name: "update-status"})
	if s.units[1].tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 2 known peers"}) {
		t.Errorf("status = %+v", s.units[1].tools.Status)
	}
}

func TestLeaderPrunesMemberOfVanishedUnit(t *testing.T) {
	s := formed(t, 3)
	// etcd/2's machine died: no stop hook ran.
	s.units = s.units[:2]
	s.syncPeers()
	s.etcd.SetDown("https://10.0.0.2:2379", "connection refused")
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-departed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: "etcd/2", DepartingUnit: "etcd/2"})
	if n := len(s.etcd.List()); n != 2 {
		t.Errorf("members = %+v", s.etcd.List())
	}
}

func TestDegradedStatusNamesTheProblem(t *testing.T) {
	s := formed(t, 3)
	s.etcd.SetDown("https://10.0.0.2:2379", "connection refused")
	s.mustRun(s.units[0], juju.Event{Name: "update-status"})
	st := s.units[0].tools.Status
	if st.Name != juju.StatusBlocked || st.Message != "Degraded: quorum holds, 1 down (etcd2); 3 known peers" || !strings.Contains(st.Message, "3 known peers") {
		t.Errorf("status = %+v", st)
	}
	s.etcd.SetUp("https://10.0.0.2:2379")
	s.etcd.RaiseAlarm(s.etcd.List()[0].ID, "NOSPACE")
	s.mustRun(s.units[1], juju.Event{Name: "update-status"})
	if st := s.units[1].tools.Status; st.Name != juju.StatusBlocked || !strings.HasPrefix(st.Message, "NOSPACE alarm raised; ") {
		t.Errorf("status with alarm = %+v", st)
	}
}

// A voter whose unit has not reported it serving (a joiner the leader
// promoted while etcd holds back its serving) is waited for, not called
// down: it is probed within a short bound, and its unit's "started"
// wakes every unit to probe it in full.
func TestJoiningVoterIsWaitedForNotDown(t *testing.T) {
	s := formed(t, 3)
	s.units[2].tools.Relations["cluster:0"].LocalUnitData["state"] = "ready"
	s.syncPeers()
	s.etcd.SetDown("https://10.0.0.2:2379", "connection refused")
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: "etcd/2"})
	want := juju.Status{Name: juju.StatusWaiting, Message: "Waiting for 1 member(s) to start (etcd2); 3 known peers"}
	if st := s.units[0].tools.Status; st != want {
		t.Errorf("status = %+v, want %+v", st, want)
	}
}

// The leader's own restart request is granted in the hook that makes it:
// no later hook would run on the leader for its own relation data.
func TestLeaderRestartsItselfWhenTheLockIsFree(t *testing.T) {
	s := formed(t, 3)
	for _, u := range s.units {
		u.tools.Config["heartbeat_interval"] = int64(150)
		u.snapd.Calls()
	}
	s.mustRun(s.units[0], juju.Event{Name: "config-changed"})
	if !restarted(s.units[0]) {
		t.Fatalf("leader did not restart; lock %q", leaderOf(s).RestartLock)
	}
	if got := peerOf(s.units[0]).RestartRequest; got != "" {
		t.Fatalf("leader's request still pending: %q", got)
	}
	if got := s.units[0].tools.Status.Name; got != juju.StatusActive {
		t.Errorf("leader status = %+v", s.units[0].tools.Status)
	}
	// The others then restart one at a time as before.
	s.settle(1, 40, map[string][]juju.Event{"etcd/1": {{Name: "config-changed"}}, "etcd/2": {{Name: "config-changed"}}})
	if n := s.pendingRestarts(); n != 0 {
		t.Fatalf("%d restarts still pending", n)
	}
}

// A re-issued server certificate (easyrsa adds every new peer's address)
// is written but restarts nothing: etcd reads it again per connection. A
// new CA restarts every member, one at a time.
func TestCertificateChangesRestartOnlyForANewCA(t *testing.T) {
	s := formed(t, 3)
	for _, u := range s.units {
		u.snapd.Calls()
		// Re-issued with etcd/3's address, as easyrsa does when it joins.
		u.tools.Relations["certificates:9"].Units["easyrsa/0"] = unitCerts(s.ca, t, u.n, "10.0.0.3")
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "certificates-relation-changed", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"})
		got, err := os.ReadFile(u.paths.ServerCert())
		want := u.tools.Relations["certificates:9"].Units["easyrsa/0"]["etcd_"+string(rune('0'+u.n))+".server.cert"]
		if err != nil || string(got) != want {
			t.Fatalf("%s server.crt = %q, %v", u.name, got, err)
		}
		if restarted(u) {
			t.Errorf("%s restarted for a re-issued server certificate", u.name)
		}
		if req := peerOf(u).RestartRequest; req != "" {
			t.Errorf("%s asks to restart for a re-issued server certificate", u.name)
		}
	}

	// A new CA restarts every member: TestRollingRestarts.
}

// A learner is outside the quorum and answers no linearizable read:
// while one joins, the other units stay active instead of probing it.
func TestLearnerDoesNotMakePeersUnhealthy(t *testing.T) {
	s := formed(t, 2)
	joiner := s.addUnit()
	s.mustRun(joiner, juju.Event{Name: "install"})
	s.etcd.PromoteNotReady(1000)
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: joiner.name})
	s.mustRun(joiner, juju.Event{Name: "leader-settings-changed"})
	learners := 0
	for _, m := range s.etcd.List() {
		if m.IsLearner && m.Started() {
			learners++
		}
	}
	if learners != 1 {
		t.Fatalf("want one started learner: %+v", s.etcd.List())
	}
	s.mustRun(s.units[1], juju.Event{Name: "update-status"})
	if want := (juju.Status{Name: juju.StatusActive, Message: "Healthy with 3 known peers"}); s.units[1].tools.Status != want {
		t.Errorf("peer status while a learner joins = %+v, want %+v", s.units[1].tools.Status, want)
	}
}

// The leader that admits a unit watches the member list in the same hook
// and promotes the learner once the unit's etcd has started it (Juju runs
// that unit's leader-settings-changed at once, beside the leader's hook);
// a learner that does not start within Waits.Join is left to the hook its
// unit's "started" wakes.
func TestLeaderPromotesTheLearnerItAdmittedInTheSameHook(t *testing.T) {
	for _, tt := range []struct {
		name     string
		startsAt int // member list the learner starts before (0: never)
		voter    bool
	}{{"the learner starts while the leader watches", 4, true}, {"the learner does not start in time", 0, false}} {
		t.Run(tt.name, func(t *testing.T) {
			s := formed(t, 2)
			joiner := s.addUnit()
			s.mustRun(joiner, juju.Event{Name: "install"})
			s.waits = &Waits{Serve: time.Millisecond, Promote: time.Millisecond, Admit: time.Millisecond, Publish: time.Millisecond, Join: time.Second, Poll: time.Microsecond}
			s.tick = time.Millisecond
			lists := 0
			s.onMembers = func() {
				if lists++; lists == tt.startsAt {
					_ = s.etcd.StartMember("https://"+addr("1", joiner.n)+":2380", "etcd"+string(rune('0'+joiner.n)), "https://"+addr("0", joiner.n)+":2379")
				}
			}
			s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: joiner.name})
			s.onMembers = nil
			learners := 0
			for _, m := range s.etcd.List() {
				if m.IsLearner {
					learners++
				}
			}
			if got := learners == 0; got != tt.voter || len(s.etcd.List()) != 3 {
				t.Fatalf("joiner a voter = %v, want %v: %+v", got, tt.voter, s.etcd.List())
			}
			if !tt.voter {
				if want := "Waiting for etcd/2 to join the cluster"; s.units[0].tools.Status.Message != want {
					t.Errorf("leader status %+v, want %q", s.units[0].tools.Status, want)
				}
				return
			}
			if leaderOf(s).Voters == "" {
				t.Errorf("voters not recorded in leader settings: no unit would learn of the promotion")
			}
		})
	}
}

// A joiner whose etcd published its name but does not serve (etcd's
// publish retry wait) is restarted once, and then serves.
func TestJoinerStuckAfterPublishIsRestarted(t *testing.T) {
	s := formed(t, 2)
	joiner := s.addUnit()
	s.mustRun(joiner, juju.Event{Name: "install"})
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: joiner.name})
	own := "https://" + addr("0", joiner.n) + ":2379"
	s.silent = map[string]bool{own: true}
	s.tick = time.Millisecond
	joiner.snapd.Calls()
	s.mustRun(joiner, juju.Event{Name: "leader-settings-changed"})
	if !restarted(joiner) {
		t.Fatalf("joiner not restarted; snapd calls %v", joiner.snapd.Calls())
	}
	if got := peerOf(joiner).State; got != "started" {
		t.Errorf("joiner peer state %q, want started", got)
	}

	// A joiner the leader promoted before it served (the leader promotes
	// once etcd lists it by name) is restarted too while the other voters
	// are healthy and a quorum without it.
	s3 := formed(t, 3)
	j3 := s3.addUnit()
	s3.mustRun(j3, juju.Event{Name: "install"})
	s3.mustRun(s3.units[0], juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: j3.name})
	s3.silent = map[string]bool{"https://" + addr("0", j3.n) + ":2379": true}
	s3.tick = time.Millisecond
	s3.onMembers = func() {
		for _, m := range s3.etcd.List() {
			if m.Name == "etcd3" && m.IsLearner {
				cl, err := s3.etcd.Dial(context.Background(), []string{"https://" + addr("0", 0) + ":2379"}, etcd.TLS{})
				if err != nil {
					t.Fatal(err)
				}
				if err := cl.Promote(context.Background(), m.ID); err != nil {
					t.Fatal(err)
				}
				cl.Close()
			}
		}
	}
	j3.snapd.Calls()
	s3.mustRun(j3, juju.Event{Name: "leader-settings-changed"})
	s3.onMembers = nil
	if !restarted(j3) {
		t.Errorf("promoted joiner not restarted; snapd calls %v", j3.snapd.Calls())
	}

	// A joiner that serves in time is not restarted.
	s2 := formed(t, 2)
	j2 := s2.addUnit()
	s2.mustRun(j2, juju.Event{Name: "install"})
	s2.mustRun(s2.units[0], juju.Event{Name: "cluster-relation-changed", RelationID: "cluster:0", RemoteUnit: j2.name})
	j2.snapd.Calls()
	s2.mustRun(j2, juju.Event{Name: "leader-settings-changed"})
	if restarted(j2) {
		t.Errorf("a joiner that serves was restarted: %v", j2.snapd.Calls())
	}
}

// An attached etcd resource is what runs, even with an explicit channel
// configured: the hooks never refresh the sideloaded snap to the store
// (an offline machine would stay blocked), and a later config change of
// the channel does not either; snap-upgrade is the operator's tool.
func TestAttachedResourceIsNotRefreshedAway(t *testing.T) {
	s := newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	u := s.units[0]
	res := filepath.Join(t.TempDir(), "etcd_3.6.16.snap")
	if err := os.WriteFile(res, []byte("a snap"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.tools.Resources["etcd"] = res
	u.tools.Config["channel"] = "3.5/stable"
	s.mustRun(u, juju.Event{Name: "install"})
	s.mustRun(u, juju.Event{Name: "config-changed"})
	u.tools.Config["channel"] = "3.4/stable"
	s.mustRun(u, juju.Event{Name: "config-changed"})
	calls := u.snapd.Calls()
	installed := false
	for _, c := range calls {
		if strings.HasPrefix(c, "Refresh") {
			t.Errorf("refreshed away from the attached resource: %v", calls)
		}
		installed = installed || strings.HasPrefix(c, "InstallPath")
	}
	if !installed {
		t.Fatalf("the resource was not installed: %v", calls)
	}
	if u.tools.Status.Name != juju.StatusActive {
		t.Errorf("status %+v", u.tools.Status)
	}
}

// settle runs, as Juju would and never update-status, the hooks that
// committed changes fire until none is pending: leader-settings-changed
// at every non-leader whose last view of the leader settings is stale
// (Juju runs leadership hooks first), then cluster-relation-changed at
// every unit for each peer whose committed bag changed, one remote unit
// per hook. initial holds hooks to run first at each unit (after a
// leadership hook), such as config-changed. Units take turns in an order drawn from seed. It fails the
// test if more than limit hooks run, if a unit restarts etcd out of turn
// (a non-leader without holding the restart lock as its hook starts, the
// leader while another unit's restart is pending under the lock), or if
// restarts are still pending once nothing more would run: a rolling
// restart that only update-status could move on is a stall.
// It returns the units in the order they restarted or refreshed etcd.
func (s *scenario) settle(seed int64, limit int, initial map[string][]juju.Event) []string {
	s.t.Helper()
	rng := rand.New(rand.NewSource(seed))
	queued := map[string][]juju.Event{}
	for u, evs := range initial {
		queued[u] = slices.Clone(evs)
	}
	var order []string
	for n := 0; ; n++ {
		type pending struct {
			u  *unit
			ev juju.Event
		}
		var ready []pending
		for _, u := range s.units {
			if !u.tools.Leader && !maps.Equal(s.leaderSeen[u.name], s.leaderData) {
				ready = append(ready, pending{u, juju.Event{Name: "leader-settings-changed"}})
				continue
			}
			if q := queued[u.name]; len(q) > 0 {
				ready = append(ready, pending{u, q[0]})
				continue
			}
			peers := slices.Sorted(maps.Keys(s.changed[u.name]))
			if len(peers) > 0 {
				ready = append(ready, pending{u, juju.Event{Name: "cluster-relation-changed", Endpoint: "cluster", RelationID: "cluster:0", RemoteUnit: peers[0]}})
			}
		}
		if len(ready) == 0 {
			if p := s.pendingRestarts(); p > 0 && !s.held {
				s.t.Fatalf("stalled after %d hooks with %d restarts pending (lock %q): only update-status would run next", n, p, leaderOf(s).RestartLock)
			}
			return order
		}
		if n >= limit {
			s.t.Fatalf("still running hooks after %d", limit)
		}
		next := ready[rng.Intn(len(ready))]
		if q := queued[next.u.name]; len(q) > 0 && q[0].Name == next.ev.Name {
			queued[next.u.name] = q[1:]
		}
		lock := leaderOf(s).RestartLock
		holderPending := false
		for _, o := range s.units {
			if o.name == lock && peerOf(o).RestartRequest != "" {
				holderPending = true
			}
		}
		next.u.snapd.Calls()
		s.mustRun(next.u, next.ev)
		if restartedOrRefreshed(next.u) {
			switch {
			case !next.u.tools.Leader && lock != next.u.name:
				s.t.Fatalf("%s restarted etcd in %s while %q held the restart lock", next.u.name, next.ev.Name, lock)
			case next.u.tools.Leader && lock != next.u.name && holderPending:
				s.t.Fatalf("the leader %s restarted etcd while %s's restart was pending under the lock", next.u.name, lock)
			}
			order = append(order, next.u.name)
		}
	}
}

func restartedOrRefreshed(u *unit) bool {
	for _, c := range u.snapd.Calls() {
		if strings.HasPrefix(c, "Restart") || strings.HasPrefix(c, "Refresh") {
			return true
		}
	}
	return false
}

// Scaling out as Juju fires the hooks, never update-status: each new
// unit is admitted as a learner, started and promoted, and the next one
// is admitted once etcd's health window after the promotion has passed.
// On etcd 3.4 (learners refuse the member list) this stalled with the
// leader's client going through the learner's endpoint.
func TestScaleOutWithoutUpdateStatus(t *testing.T) {
	for _, version := range []string{"3.4", "3.5", "3.6"} {
		for _, seed := range []int64{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/seed %d", version, seed), func(t *testing.T) {
				s := newScenario(t, 0)
				s.channel = version + "/stable"
				s.addUnit()
				s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
				s.etcd.SetVersion(version + ".99")
				// The clock moves 100 ms at every reading; the hooks wait
				// up to a minute of it for etcd, as under Juju.
				s.tick = 100 * time.Millisecond
				s.waits = &Waits{Serve: time.Minute, Promote: time.Minute, Admit: 10 * time.Second, Publish: 2 * time.Second, Poll: time.Microsecond}
				s.etcd.SetHealthWindow(5*time.Second, func() time.Time { return s.now })
				s.mustRun(s.units[0], juju.Event{Name: "install"})
				initial := map[string][]juju.Event{}
				for i := 0; i < 2; i++ {
					u := s.addUnit()
					initial[u.name] = []juju.Event{{Name: "install"}, {Name: "config-changed"}, {Name: "start"}}
				}
				s.settle(seed, 80, initial)
				if n := len(s.etcd.List()); n != 3 {
					t.Fatalf("members %+v", s.etcd.List())
				}
				for _, m := range s.etcd.List() {
					if m.IsLearner || !m.Started() {
						t.Errorf("member %+v not a started voter", m)
					}
				}
				for _, u := range s.units {
					assertStatus(t, u, healthy3)
					// layer-etcd's v2 store where etcd has one.
					conf, _ := os.ReadFile(u.paths.ConfigFile())
					if v2 := strings.Contains(string(conf), "enable-v2: true"); v2 != (version != "3.6") {
						t.Errorf("%s on %s: enable-v2 rendered %v", u.name, version, v2)
					}
				}
			})
		}
	}
}

// With 2 of 3 members down the unit says quorum is lost and which members
// are down (not "cannot list etcd members: context deadline exceeded"):
// at first a wait (a partition may heal), then, once the loss lasted
// charm.QuorumLostAfter, blocked naming the rebuild-cluster action, at
// WARNING in juju-log; quorum back, the unit forgets when it was lost.
func TestQuorumLossNamesTheMembersDown(t *testing.T) {
	s := formed(t, 3)
	var stopped []uint64
	for _, m := range s.etcd.List() {
		if m.Name != "etcd0" {
			if err := s.etcd.StopMember(m.ID); err != nil {
				t.Fatal(err)
			}
			stopped = append(stopped, m.ID)
		}
	}
	u := s.units[0]
	u.tools.Logs = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	want := juju.Status{Name: juju.StatusWaiting, Message: "No quorum: 2 of 3 members unreachable (etcd1, etcd2); waiting for them to come back"}
	if st := u.tools.Status; st != want {
		t.Errorf("first hook: status = %+v, want %+v", st, want)
	}
	if since := charm.DecodeUnitState(u.tools.State).QuorumLostSince; !since.Equal(s.now.UTC().Truncate(time.Second)) {
		t.Errorf("quorum-lost-since %v, want %v", since, s.now)
	}
	s.now = s.now.Add(charm.QuorumLostAfter - time.Second)
	s.mustRun(u, juju.Event{Name: "update-status"})
	if st := u.tools.Status; st != want {
		t.Errorf("within the bound: status = %+v, want %+v", st, want)
	}
	s.now = s.now.Add(2 * time.Second)
	u.tools.Logs = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	want = juju.Status{Name: juju.StatusBlocked, Message: "Quorum lost: 2 of 3 members down (etcd1, etcd2). If gone for good, run the rebuild-cluster action on this unit."}
	if st := u.tools.Status; st != want {
		t.Errorf("past the bound: status = %+v, want %+v", st, want)
	}
	if !warnedAbout(u.tools.Logs, "rebuild-cluster") {
		t.Errorf("no WARNING in juju-log: %q", u.tools.Logs)
	}
	for _, m := range s.etcd.List() {
		if slices.Contains(stopped, m.ID) {
			if err := s.etcd.StartMember(m.PeerURLs[0], m.Name, m.ClientURLs[0]); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.mustRun(u, juju.Event{Name: "update-status"})
	if st := u.tools.Status; st.Name != juju.StatusActive {
		t.Errorf("quorum back: status = %+v", st)
	}
	if since := charm.DecodeUnitState(u.tools.State).QuorumLostSince; !since.IsZero() {
		t.Errorf("quorum back, quorum-lost-since still %v", since)
	}
}

// A member whose data directory is wiped while its unit state says it
// started is not started again on the empty directory: it says so (at
// WARNING), the leader removes its member and admits it again as a
// learner, it joins empty and is promoted: 3 voters again.
func TestWipedMemberIsReplaced(t *testing.T) {
	s := formed(t, 3)
	u := s.units[2]
	oldID := s.wipeMember(t, u, "etcd2")
	u.tools.Logs = nil
	s.mustRun(u, juju.Event{Name: "update-status"})
	want := juju.Status{Name: juju.StatusWaiting, Message: "Member data lost; waiting for the leader to remove it"}
	if u.tools.Status != want {
		t.Errorf("status = %+v, want %+v", u.tools.Status, want)
	}
	if active, _ := u.snapd.Active(context.Background(), charm.ServiceName); active {
		t.Error("etcd runs on an empty data directory")
	}
	if !warnedAbout(u.tools.Logs, "data directory holds no member") {
		t.Errorf("no WARNING in juju-log: %q", u.tools.Logs)
	}
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed"})
	var learner bool
	for _, m := range s.etcd.List() {
		if m.ID == oldID {
			t.Fatalf("lost member %x not removed: %+v", oldID, s.etcd.List())
		}
		learner = learner || m.IsLearner && !m.Started()
	}
	if !learner {
		t.Fatalf("no learner admitted for etcd/2: %+v", s.etcd.List())
	}
	s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
	s.mustRun(s.units[0], juju.Event{Name: "cluster-relation-changed"})
	for _, x := range s.units {
		s.mustRun(x, juju.Event{Name: "update-status"})
	}
	if v := s.voters(); v != 3 {
		t.Errorf("voters = %d, members %+v", v, s.etcd.List())
	}
	for _, x := range s.units {
		assertStatus(t, x, healthy3)
	}
}

// After a restore or rebuild on the leader's member (a one-member
// cluster, the others' members removed, force_rejoin set as layer-etcd's
// restore sets it), every follower moves its data aside (kept, at
// WARNING), forgets its start and is admitted again through the normal
// add path: 3 voters, all healthy, the leader's data untouched.
func TestForceRejoinAfterRebuild(t *testing.T) {
	s := formed(t, 3)
	leader := s.units[0]
	for _, m := range s.etcd.List() {
		if m.Name != "etcd0" {
			if err := s.etcd.Remove(context.Background(), m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// What the action records on the leader.
	before := relations.DecodeLeader(s.leaderData)
	after := before.Clone()
	after.Cluster, after.Token, after.ForceRejoin, after.Joins = "etcd0=https://10.0.1.0:2380", "NEW123", "f00dcafe0123456789", map[string]string{}
	maps.Copy(s.leaderData, relations.LeaderChanges(before, after))
	for k, v := range s.leaderData {
		if v == "" {
			delete(s.leaderData, k)
		}
	}
	st := charm.DecodeUnitState(leader.tools.State)
	next := st
	next.Start = charm.Start{InitialCluster: after.Cluster, State: "new", Token: "NEW123"}
	next.Rejoin = after.ForceRejoin
	maps.Copy(leader.tools.State, charm.UnitStateChanges(st, next))
	leaderData := filepath.Join(leader.paths.DataDir("etcd0", ""), "member", "wal")

	for _, u := range s.units[1:] {
		u.tools.Logs = nil
	}
	s.settle(1, 80, nil)
	if _, err := os.Stat(leaderData); err != nil {
		t.Errorf("the leader's data: %v", err)
	}
	if v := s.voters(); v != 3 {
		t.Errorf("voters = %d, members %+v", v, s.etcd.List())
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "update-status"})
		assertStatus(t, u, healthy3)
		if got := charm.DecodeUnitState(u.tools.State).Rejoin; got != after.ForceRejoin {
			t.Errorf("%s: rejoin recorded %q", u.name, got)
		}
	}
	for i, u := range s.units[1:] {
		name := fmt.Sprintf("etcd%d", i+1)
		aside := u.paths.DataDir(name, "") + ".pre-rejoin-f00dcafe"
		if _, err := os.Stat(filepath.Join(aside, "member", "wal")); err != nil {
			t.Errorf("%s: old data not kept aside: %v", u.name, err)
		}
		if !warnedAbout(u.tools.Logs, "moved aside") {
			t.Errorf("%s: no WARNING in juju-log: %q", u.name, u.tools.Logs)
		}
	}
}

// The Juju leader's own member loses its data: it keeps etcd stopped,
// removes its own member through the others, admits itself again as a
// learner, joins empty and is promoted, with no other unit's hook needed
// beyond the ones its own changes wake.
func TestWipedLeaderMemberIsReplaced(t *testing.T) {
	s := formed(t, 3)
	u := s.units[0]
	if !u.tools.Leader {
		t.Fatal("etcd/0 is not the leader")
	}
	oldID := s.wipeMember(t, u, "etcd0")
	// One hook finds the loss; the hooks its own changes wake do the rest.
	s.settle(3, 60, map[string][]juju.Event{"etcd/0": {{Name: "update-status"}}})
	for _, m := range s.etcd.List() {
		if m.ID == oldID {
			t.Errorf("the leader's lost member %x is still listed", oldID)
		}
	}
	if v := s.voters(); v != 3 {
		t.Errorf("voters = %d without update-status, members %+v", v, s.etcd.List())
	}
	for _, x := range s.units {
		s.mustRun(x, juju.Event{Name: "update-status"})
	}
	for _, x := range s.units {
		assertStatus(t, x, healthy3)
	}
}
