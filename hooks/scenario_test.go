package hooks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// formed returns a scenario whose n units run one healthy cluster.
func formed(t *testing.T, n int) *scenario {
	t.Helper()
	s := newScenario(t, 1)
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
	s := newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	leader := s.units[0]
	s.mustRun(leader, juju.Event{Name: "install"})
	joiner := s.addUnit()
	s.mustRun(joiner, juju.Event{Name: "install"})

	// The learner is added, then the hook dies before the admission is
	// published.
	leader.tools.Fail["leader-set"] = errors.New("connection to the controller lost")
	if code, _ := s.run(leader, juju.Event{Name: "cluster-relation-changed"}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if len(s.etcd.List()) != 2 || s.leaderData["join-etcd1"] != "" {
		t.Fatalf("members %+v, leader data %v", s.etcd.List(), s.leaderData)
	}
	// Juju retries the hook: no second member, the admission appears.
	delete(leader.tools.Fail, "leader-set")
	s.mustRun(leader, juju.Event{Name: "cluster-relation-changed"})
	if len(s.etcd.List()) != 2 || s.leaderData["join-etcd1"] == "" {
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

func TestRollingRestartOneAtATime(t *testing.T) {
	s := formed(t, 3)
	for _, u := range s.units {
		u.tools.Config["heartbeat_interval"] = int64(150)
	}
	// Every unit sees config-changed; only the lock holder restarts.
	for _, u := range s.units {
		u.snapd.Calls()
	}
	s.mustRun(s.units[1], juju.Event{Name: "config-changed"})
	s.mustRun(s.units[2], juju.Event{Name: "config-changed"})
	for _, u := range s.units[1:] {
		if restarted(u) {
			t.Fatalf("%s restarted without the lock", u.name)
		}
		if u.tools.Relations["cluster:0"].LocalUnitData["restart-request"] == "" {
			t.Fatalf("%s did not ask to restart", u.name)
		}
	}
	// The leader asks too and grants the lock to the first requester.
	s.mustRun(s.units[0], juju.Event{Name: "config-changed"})
	if s.leaderData["restart-lock"] != "etcd/1" || restarted(s.units[0]) {
		t.Fatalf("lock %q; leader restarted out of turn", s.leaderData["restart-lock"])
	}
	// Each round: the holder restarts, then the leader moves the lock on.
	// Nobody else restarts meanwhile.
	seen := map[string]bool{}
	for i := 0; i < 6 && s.pendingRestarts() > 0; i++ {
		holder := s.leaderData["restart-lock"]
		for _, u := range s.units {
			if u.name != holder && u.name != "etcd/0" {
				s.mustRun(u, juju.Event{Name: "update-status"})
				if restarted(u) {
					t.Fatalf("%s restarted while %s holds the lock", u.name, holder)
				}
			}
		}
		for _, u := range s.units {
			if u.name == holder && u.name != "etcd/0" {
				s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
				if !restarted(u) {
					t.Fatalf("%s holds the lock and did not restart", u.name)
				}
				seen[u.name] = true
			}
		}
		s.mustRun(s.units[0], s.nextLeaderHook())
		if restarted(s.units[0]) {
			seen["etcd/0"] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("restarted: %v, want all three units once", seen)
	}
	if n := s.pendingRestarts(); n != 0 {
		t.Fatalf("%d restarts still pending", n)
	}
	for _, u := range s.units {
		conf, _ := os.ReadFile(u.paths.ConfigFile())
		if !strings.Contains(string(conf), "heartbeat-interval: 150") {
			t.Errorf("%s config not updated", u.name)
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
		if u.tools.Relations["cluster:0"].LocalUnitData["restart-request"] != "" {
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
	if st.Name != juju.StatusBlocked || !strings.Contains(st.Message, "etcd2 unhealthy") || !strings.Contains(st.Message, "3 known peers") {
		t.Errorf("status = %+v", st)
	}
	s.etcd.SetUp("https://10.0.0.2:2379")
	s.etcd.RaiseAlarm(s.etcd.List()[0].ID, "NOSPACE")
	s.mustRun(s.units[1], juju.Event{Name: "update-status"})
	if st := s.units[1].tools.Status; st.Name != juju.StatusBlocked || !strings.Contains(st.Message, "NOSPACE") {
		t.Errorf("status with alarm = %+v", st)
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
		t.Fatalf("leader did not restart; lock %q", s.leaderData["restart-lock"])
	}
	if got := s.units[0].tools.Relations["cluster:0"].LocalUnitData["restart-request"]; got != "" {
		t.Fatalf("leader's request still pending: %q", got)
	}
	if got := s.units[0].tools.Status.Name; got != juju.StatusActive {
		t.Errorf("leader status = %+v", s.units[0].tools.Status)
	}
	// The others then restart one at a time as before.
	for _, u := range s.units[1:] {
		s.mustRun(u, juju.Event{Name: "config-changed"})
	}
	s.rollRestarts(4)
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
		bag := u.tools.Relations["certificates:9"].Units["easyrsa/0"]
		cert := strings.ReplaceAll(u.name, "/", "_")
		bag[cert+".server.cert"] = "SERVER CERT " + u.name + " with etcd/3's address"
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "certificates-relation-changed", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"})
		got, err := os.ReadFile(u.paths.ServerCert())
		if err != nil || !strings.Contains(string(got), "with etcd/3's address") {
			t.Fatalf("%s server.crt = %q, %v", u.name, got, err)
		}
		if restarted(u) {
			t.Errorf("%s restarted for a re-issued server certificate", u.name)
		}
		if req := u.tools.Relations["cluster:0"].LocalUnitData["restart-request"]; req != "" {
			t.Errorf("%s asks to restart for a re-issued server certificate", u.name)
		}
	}

	for _, u := range s.units {
		u.tools.Relations["certificates:9"].Units["easyrsa/0"]["ca"] = "NEW CA PEM"
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "certificates-relation-changed", RelationID: "certificates:9", RemoteUnit: "easyrsa/0"})
	}
	s.rollRestarts(6)
	if n := s.pendingRestarts(); n != 0 {
		t.Fatalf("%d restarts still pending after a CA change", n)
	}
	for _, u := range s.units {
		if !restarted(u) {
			t.Errorf("%s did not restart for a new CA", u.name)
		}
	}
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
	if got := joiner.tools.Relations["cluster:0"].LocalUnitData["state"]; got != "started" {
		t.Errorf("joiner peer state %q, want started", got)
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

// nextLeaderHook is the hook Juju runs next at the leader when nothing but
// its peers moves: cluster-relation-changed once a peer committed new data,
// else (a round where the leader restarted itself holding the lock) only
// the update-status timer wakes it.
func (s *scenario) nextLeaderHook() juju.Event {
	if len(s.changed[s.units[0].name]) > 0 {
		return juju.Event{Name: "cluster-relation-changed"}
	}
	return juju.Event{Name: "update-status"}
}

// rollRestarts runs up to rounds of the rolling restart as Juju would:
// the leader's cluster-relation-changed moves the lock, then the holder's
// leader-settings-changed restarts it.
func (s *scenario) rollRestarts(rounds int) {
	for i := 0; i < rounds && s.pendingRestarts() > 0; i++ {
		s.mustRun(s.units[0], s.nextLeaderHook())
		for _, u := range s.units[1:] {
			if s.leaderData["restart-lock"] == u.name {
				s.mustRun(u, juju.Event{Name: "leader-settings-changed"})
			}
		}
	}
}
