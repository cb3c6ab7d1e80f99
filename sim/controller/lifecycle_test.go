package controller

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

func deploy(t testing.TB, c *Controller, charmDir string, n int, config map[string]string) {
	t.Helper()
	if err := c.Deploy(DeployArgs{Charm: charmDir, NumUnits: n, Config: config}); err != nil {
		t.Fatal(err)
	}
}

// Every unit: install < relation-created < leader hook < config-changed <
// start; peers see -joined before -changed for every other unit.
func TestDeployOrdering(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency-%d", n), func(t *testing.T) { testDeployOrdering(t, n) })
	}
}

func testDeployOrdering(t *testing.T, concurrency int) {
	c := startController(t, 1, func(cfg *Config) { cfg.Concurrency = concurrency })
	deploy(t, c, testCharm(t), 3, nil)
	waitIdle(t, c, 60*time.Second)

	units := []string{"testcharm/0", "testcharm/1", "testcharm/2"}
	leaders := 0
	for _, u := range units {
		evs := events(t, c, u)
		leaderHook := "leader-settings-changed"
		if index(evs, "leader-elected", "") >= 0 {
			leaderHook = "leader-elected"
			leaders++
		}
		order := []string{"data-storage-attached", "install", "cluster-relation-created", leaderHook, "config-changed", "start"}
		for i := 1; i < len(order); i++ {
			a, b := index(evs, order[i-1], ""), index(evs, order[i], "")
			if a < 0 || b < 0 || a > b {
				t.Errorf("%s: want %s before %s, got %s", u, order[i-1], order[i], hooks(evs))
			}
		}
		for _, other := range units {
			if other == u {
				continue
			}
			j, ch := index(evs, "cluster-relation-joined", other), index(evs, "cluster-relation-changed", other)
			if j < 0 || ch < 0 || j > ch {
				t.Errorf("%s: want joined(%s) before changed(%s), got %s", u, other, other, hooks(evs))
			}
			if start := index(evs, "start", ""); j < start {
				t.Errorf("%s: joined(%s) before start: %s", u, other, hooks(evs))
			}
			if j >= 0 && !strings.Contains(evs[j].Members, other) {
				t.Errorf("%s: relation-list in joined(%s) = %q", u, other, evs[j].Members)
			}
		}
	}
	if leaders != 1 {
		t.Errorf("want exactly one leader-elected, got %d", leaders)
	}
	st := c.Status().Status
	app := st.Applications["testcharm"]
	if len(app.Units) != 3 || !app.Units["testcharm/0"].Leader {
		t.Errorf("status units: %+v", app.Units)
	}
	for _, u := range units {
		us := app.Units[u]
		if us.WorkloadStatus.Current != "active" || us.WorkloadStatus.Message != "ready" || us.JujuStatus.Current != "idle" {
			t.Errorf("%s status: %+v", u, us)
		}
		if !strings.HasPrefix(us.PublicAddress, "127.0.") || !reflect.DeepEqual(us.OpenPorts, []string{"8080/tcp"}) {
			t.Errorf("%s address/ports: %q %v", u, us.PublicAddress, us.OpenPorts)
		}
	}
	if app.Version != "1.0" {
		t.Errorf("application version %q", app.Version)
	}
}

// The environment is exactly Juju's: nothing inherited from the
// controller, relation variables only in relation hooks.
func TestHookEnvironment(t *testing.T) {
	t.Setenv("JUJUSIM_LEAK_CHECK", "leaked")
	c := startController(t, 2)
	deploy(t, c, testCharm(t), 2, nil)
	waitIdle(t, c, 60*time.Second)
	evs := events(t, c, "testcharm/1")
	base := []string{"APT_LISTCHANGES_FRONTEND", "CHARM_DIR", "CLOUD_API_VERSION", "DEBIAN_FRONTEND",
		"JUJU_AGENT_SOCKET_ADDRESS", "JUJU_AGENT_SOCKET_NETWORK", "JUJU_API_ADDRESSES", "JUJU_AVAILABILITY_ZONE",
		"JUJU_CHARM_DIR", "JUJU_CHARM_FTP_PROXY", "JUJU_CHARM_HTTPS_PROXY", "JUJU_CHARM_HTTP_PROXY", "JUJU_CHARM_NO_PROXY",
		"JUJU_CONTEXT_ID", "JUJU_DISPATCH_PATH", "JUJU_HOOK_NAME", "JUJU_MACHINE_ID", "JUJU_MODEL_NAME", "JUJU_MODEL_UUID",
		"JUJU_PRINCIPAL_UNIT", "JUJU_SLA", "JUJU_UNIT_NAME", "JUJU_VERSION", "LANG", "PATH", "SNAPPY_GLOBAL_ROOT", "TERM"}
	rel := append(append([]string{}, base...), "JUJU_RELATION", "JUJU_RELATION_ID", "JUJU_REMOTE_APP", "JUJU_REMOTE_UNIT")
	sort.Strings(rel)
	for _, tc := range []struct {
		hook string
		keys []string
	}{
		{"install", base},
		{"start", base},
		{"cluster-relation-joined", rel},
	} {
		e := evs[index(evs, tc.hook, "")]
		got := append([]string{}, e.EnvKeys...)
		sort.Strings(got)
		if !reflect.DeepEqual(got, tc.keys) {
			t.Errorf("%s env keys:\n got %v\nwant %v", tc.hook, got, tc.keys)
		}
		if e.Env["JUJU_DISPATCH_PATH"] != "hooks/"+tc.hook || e.Env["JUJU_HOOK_NAME"] != tc.hook {
			t.Errorf("%s: dispatch path %q hook name %q", tc.hook, e.Env["JUJU_DISPATCH_PATH"], e.Env["JUJU_HOOK_NAME"])
		}
		if e.Cwd != e.Env["JUJU_CHARM_DIR"] || !strings.HasPrefix(e.Env["JUJU_CHARM_DIR"], e.Env["SNAPPY_GLOBAL_ROOT"]) {
			t.Errorf("%s: cwd %q charm dir %q root %q", tc.hook, e.Cwd, e.Env["JUJU_CHARM_DIR"], e.Env["SNAPPY_GLOBAL_ROOT"])
		}
		if !strings.HasPrefix(e.Env["PATH"], e.Env["SNAPPY_GLOBAL_ROOT"]+"/var/lib/juju/tools/unit-testcharm-1:") ||
			!strings.HasSuffix(e.Env["PATH"], e.Env["SNAPPY_GLOBAL_ROOT"]+"/snap/bin") {
			t.Errorf("%s: PATH %q", tc.hook, e.Env["PATH"])
		}
	}
	if e := evs[index(evs, "cluster-relation-joined", "")]; e.Env["JUJU_REMOTE_UNIT"] != "testcharm/0" || e.Env["JUJU_RELATION_ID"] != "cluster:0" || e.Env["JUJU_REMOTE_APP"] != "testcharm" {
		t.Errorf("joined env: %v", e.Env)
	}
	if e := evs[index(evs, "cluster-relation-created", "")]; e.Env["JUJU_REMOTE_UNIT"] != "" {
		t.Errorf("created has a remote unit: %v", e.Env)
	}
}

// remove-unit: the others get -departed with JUJU_DEPARTING_UNIT = the
// leaving unit; it departs from each member (naming itself), then stop and
// remove; its machine goes away.
func TestRemoveUnitDeparts(t *testing.T) {
	c := startController(t, 3)
	deploy(t, c, testCharm(t), 3, nil)
	waitIdle(t, c, 60*time.Second)
	var root string
	c.Model(func(m *model.Model) { root = m.Machines[m.Units["testcharm/2"].Machine].Root })
	leaving := filepath.Join(t.TempDir(), "events.jsonl")
	if err := c.RemoveUnits([]string{"testcharm/2"}); err != nil {
		t.Fatal(err)
	}
	// Copy the leaving unit's record just before its machine is removed.
	waitFor(t, c, 30*time.Second, "testcharm/2 removed", func(m *model.Model) bool {
		if _, ok := m.Units["testcharm/2"]; ok {
			data, err := os.ReadFile(filepath.Join(root, "testcharm/events.jsonl"))
			if err == nil {
				_ = os.WriteFile(leaving, data, 0o644)
			}
			return false
		}
		return true
	})
	waitIdle(t, c, 30*time.Second)
	for _, u := range []string{"testcharm/0", "testcharm/1"} {
		evs := events(t, c, u)
		i := index(evs, "cluster-relation-departed", "testcharm/2")
		if i < 0 || evs[i].Env["JUJU_DEPARTING_UNIT"] != "testcharm/2" {
			t.Errorf("%s: no departed for testcharm/2: %s", u, hooks(evs))
		} else if strings.Contains(evs[i].Members, "testcharm/2") {
			t.Errorf("%s: relation-list in -departed still has the departing unit: %q", u, evs[i].Members)
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("machine root of removed unit still exists: %v", err)
	}
	evs := readEvents(t, leaving)
	// The last record may be missing if remove ran between two polls, but
	// the departures and stop happen before it.
	for _, other := range []string{"testcharm/0", "testcharm/1"} {
		i := index(evs, "cluster-relation-departed", other)
		if i < 0 || evs[i].Env["JUJU_DEPARTING_UNIT"] != "testcharm/2" {
			t.Errorf("testcharm/2: no departed from %s naming itself: %s", other, hooks(evs))
		}
		if s := index(evs, "stop", ""); s >= 0 && s < i {
			t.Errorf("stop before departed: %s", hooks(evs))
		}
	}
	if index(evs, "stop", "") < 0 {
		t.Errorf("testcharm/2 never stopped: %s", hooks(evs))
	}
}

// Removing the leader makes another unit leader: it runs leader-elected,
// the remaining others leader-settings-changed.
func TestLeaderFailover(t *testing.T) {
	c := startController(t, 4)
	deploy(t, c, testCharm(t), 3, nil)
	waitIdle(t, c, 60*time.Second)
	if err := c.RemoveUnits([]string{"testcharm/0"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "testcharm/0 removed", func(m *model.Model) bool { return m.Units["testcharm/0"] == nil })
	waitIdle(t, c, 30*time.Second)
	var leader string
	c.Model(func(m *model.Model) { leader = m.Applications["testcharm"].Leader })
	if leader != "testcharm/1" {
		t.Fatalf("leader %q, want testcharm/1", leader)
	}
	evs := events(t, c, "testcharm/1")
	if i := index(evs, "leader-elected", ""); i < 0 || evs[i].Leader != "True" {
		t.Errorf("new leader did not run leader-elected: %s", hooks(evs))
	}
	evs2 := events(t, c, "testcharm/2")
	if n := strings.Count(hooks(evs2), "leader-settings-changed"); n < 2 {
		t.Errorf("testcharm/2: want a second leader-settings-changed, got %s", hooks(evs2))
	}
	if st := c.Status().Status.Applications["testcharm"].Units["testcharm/1"]; !st.Leader {
		t.Errorf("status does not mark testcharm/1 leader")
	}
}

// A failed hook commits nothing (relation data, state, ports), shows the
// unit in error and is retried until it succeeds.
func TestFailedHookCommitsNothing(t *testing.T) {
	c := startController(t, 5)
	deploy(t, c, testCharm(t), 2, map[string]string{"fail-hooks": "cluster-relation-changed"})
	waitFor(t, c, 60*time.Second, "a unit in error", func(m *model.Model) bool {
		for _, u := range m.Units {
			if u.Agent.Status == "error" && u.AgentState.Failed.Attempts >= 2 {
				return true
			}
		}
		return false
	})
	st := c.Status()
	var failed string
	for name, u := range st.Status.Applications["testcharm"].Units {
		if u.WorkloadStatus.Current == "error" {
			failed = name
			if u.WorkloadStatus.Message != `hook failed: "cluster-relation-changed"` || u.JujuStatus.Current != "idle" {
				t.Errorf("%s status: %+v", name, u)
			}
		}
	}
	if failed == "" {
		t.Fatalf("no unit shows error: %+v", st.Status.Applications["testcharm"].Units)
	}
	c.Model(func(m *model.Model) {
		u := m.Units[failed]
		if _, ok := u.State["poison"]; ok {
			t.Errorf("state committed by failed hook: %v", u.State)
		}
		for _, p := range u.Ports {
			if p.From == 9999 {
				t.Errorf("port committed by failed hook: %v", u.Ports)
			}
		}
		for _, r := range m.Relations {
			if b := r.UnitSettings[failed]; b != nil && b.Data["poison"] != "" {
				t.Errorf("relation data committed by failed hook: %v", b.Data)
			}
		}
	})
	// Actions still run while the unit is in error.
	rr, err := c.Run(RunArgs{Unit: failed, Action: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, 30*time.Second, "action done", func(m *model.Model) bool { return m.Actions[rr.Task].Status == "completed" })

	if _, err := c.Config("testcharm", map[string]string{"fail-hooks": ""}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	evs := events(t, c, failed)
	if n := strings.Count(hooks(evs), "cluster-relation-changed"); n < 3 {
		t.Errorf("want the failed hook retried, got %s", hooks(evs))
	}
	if u := c.Status().Status.Applications["testcharm"].Units[failed]; u.WorkloadStatus.Current != "active" {
		t.Errorf("after retry: %+v", u)
	}
}

// The same seed gives the same interleaving of hooks across units: the
// controller's operations log and what every unit's charm saw (hooks,
// remote units, relation members) are identical; other seeds differ.
func TestSeededReplay(t *testing.T) {
	ch := testCharm(t)
	run := func(seed int64) string {
		c := startController(t, seed)
		deploy(t, c, ch, 3, nil)
		waitIdle(t, c, 60*time.Second)
		var b strings.Builder
		b.WriteString(opsLog(t, c))
		for _, u := range []string{"testcharm/0", "testcharm/1", "testcharm/2"} {
			for _, e := range events(t, c, u) {
				fmt.Fprintf(&b, "%s %s remote=%s members=%q leader=%s\n", u, e.Hook, e.Env["JUJU_REMOTE_UNIT"], e.Members, e.Leader)
			}
		}
		c.Close()
		return b.String()
	}
	a, b := run(42), run(42)
	if a != b {
		t.Fatalf("same seed, different runs:\n%s\n---\n%s", a, b)
	}
	if strings.Count(a, "\n") < 40 {
		t.Fatalf("too few operations: %s", a)
	}
	differs := false
	for _, seed := range []int64{7, 8, 9} {
		if run(seed) != a {
			differs = true
			break
		}
	}
	if !differs {
		t.Errorf("seeds 7, 8, 9 all gave seed 42's interleaving")
	}
}

// Actions: results, captured stdout, action-fail and exit codes (§5.3).
func TestActions(t *testing.T) {
	c := startController(t, 6)
	deploy(t, c, testCharm(t), 1, nil)
	waitIdle(t, c, 60*time.Second)
	for _, tc := range []struct {
		action  string
		params  map[string]any
		status  string
		message string
		results map[string]any
	}{
		{"echo", map[string]any{"msg": "hi"}, "completed", "", map[string]any{
			"out": "hi", "nested": map[string]any{"key": "v"}, "return-code": 0, "stdout": "hello from echo\n"}},
		{"fail", nil, "failed", "boom", map[string]any{"return-code": 0}},
		{"fail", map[string]any{"code": 2}, "failed", "exit status 3", map[string]any{"return-code": 3}},
	} {
		rr, err := c.Run(RunArgs{Unit: "testcharm/leader", Action: tc.action, Params: tc.params})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, c, 30*time.Second, "action "+tc.action, func(m *model.Model) bool {
			s := m.Actions[rr.Task].Status
			return s == "completed" || s == "failed"
		})
		a, _ := c.Task(rr.Task)
		if a.Status != tc.status || a.Message != tc.message || !reflect.DeepEqual(a.Results, tc.results) {
			t.Errorf("%s: got %s %q %#v", tc.action, a.Status, a.Message, a.Results)
		}
	}
	if _, err := c.Run(RunArgs{Unit: "testcharm/0", Action: "echo", Params: map[string]any{"count": "x"}}); err == nil || !strings.Contains(err.Error(), "validation failed") {
		t.Errorf("bad params: %v", err)
	}
	if _, err := c.Run(RunArgs{Unit: "testcharm/0", Action: "nope"}); err == nil || err.Error() != `action "nope" not defined on unit "testcharm/0"` {
		t.Errorf("unknown action: %v", err)
	}
}

// resolved --no-retry skips the failed hook (its writes are lost) and the
// unit carries on; resolved on a healthy unit is an error.
func TestResolvedNoRetry(t *testing.T) {
	c := startController(t, 16, func(cfg *Config) { cfg.RetryBackoff = time.Hour })
	deploy(t, c, testCharm(t), 1, map[string]string{"fail-hooks": "install"})
	waitFor(t, c, 30*time.Second, "install failed", func(m *model.Model) bool { return m.Units["testcharm/0"].Agent.Status == "error" })
	if err := c.Resolved("testcharm/0", true); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	evs := events(t, c, "testcharm/0")
	if got := hooks(evs); !strings.HasPrefix(got, "data-storage-attached install cluster-relation-created") || index(evs, "start", "") < 0 {
		t.Errorf("after resolved --no-retry: %s", got)
	}
	c.Model(func(m *model.Model) {
		if m.Units["testcharm/0"].State["poison"] != "" {
			t.Errorf("skipped hook's state committed")
		}
	})
	if err := c.Resolved("testcharm/0", false); err == nil || err.Error() != `unit "testcharm/0" is not in an error state` {
		t.Errorf("resolved on a healthy unit: %v", err)
	}
}

// remove-unit --force drops a unit stuck in error without its hooks.
func TestRemoveUnitForce(t *testing.T) {
	c := startController(t, 17, func(cfg *Config) { cfg.RetryBackoff = time.Hour })
	deploy(t, c, testCharm(t), 2, map[string]string{"fail-hooks": "start"})
	waitFor(t, c, 30*time.Second, "both in error", func(m *model.Model) bool {
		return m.Units["testcharm/0"].Agent.Status == "error" && m.Units["testcharm/1"].Agent.Status == "error"
	})
	if err := c.RemoveUnits([]string{"testcharm/0"}, true); err != nil {
		t.Fatal(err)
	}
	c.Model(func(m *model.Model) {
		if m.Units["testcharm/0"] != nil || len(m.Machines) != 1 || m.Applications["testcharm"].Leader != "testcharm/1" {
			t.Errorf("after --force: units %v machines %d leader %q", m.UnitNames(), len(m.Machines), m.Applications["testcharm"].Leader)
		}
	})
}
