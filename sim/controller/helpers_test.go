package controller

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Binaries built once per test run: the hook-tool client and the test
// charm's dispatch.
var builds = testkit.BuildDir{Prefix: "jujusim-test-bin"}

func binaries(t testing.TB) (jujucBin, dispatch string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes (skipped with -short)")
	}
	dir, err := builds.Get(func(dir string) error {
		for _, b := range []struct{ out, pkg string }{
			{"jujuc", "./cmd/jujuc"},
			{"dispatch", "./sim/testcharm"},
		} {
			if err := testkit.GoBuild(filepath.Join(dir, b.out), b.pkg, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "jujuc"), filepath.Join(dir, "dispatch")
}

func TestMain(m *testing.M) {
	code := m.Run()
	builds.Remove()
	os.Exit(code)
}

// testCharm returns a charm dir: sim/testcharm/charm plus the dispatch.
func testCharm(t testing.TB) string {
	t.Helper()
	_, dispatch := binaries(t)
	dir := filepath.Join(t.TempDir(), "testcharm")
	if err := model.CopyTree(filepath.Join(testkit.RepoRoot(), "sim/testcharm/charm"), dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dispatch)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dispatch"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// noopCharm is a charm whose dispatch does nothing.
func noopCharm(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "noop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"metadata.yaml": "name: noop\nsummary: s\ndescription: d\npeers:\n  peer:\n    interface: noop-peer\n",
		"dispatch":      "#!/bin/sh\nexit 0\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startController starts an in-process controller with short timers; it
// is closed (every child stopped) in cleanup.
// startWithSnapd starts a controller (seed 1) whose machines each run
// jujusim's fake snapd, built here, with the real etcd releases, and
// deploys one unit of charmDir on it, waiting until it is idle.
func startWithSnapd(t testing.TB, charmDir string) *Controller {
	t.Helper()
	binaries(t) // skips with -short
	bins := testkit.EtcdBins(t)
	jujusim := filepath.Join(t.TempDir(), "jujusim")
	if err := testkit.GoBuild(jujusim, "./cmd/jujusim", false); err != nil {
		t.Fatal(err)
	}
	c := startController(t, 1, func(cfg *Config) { cfg.Snapd = []string{jujusim, "snapd", "--bins", bins} })
	deploy(t, c, charmDir, 1, nil)
	waitIdle(t, c, 60*time.Second)
	return c
}

// snapdPid is the pid of the snapd machine runs.
func snapdPid(c *Controller, machine string) (pid int) {
	c.Model(func(*model.Model) { pid = c.snapds[machine].cmd.Process.Pid })
	return pid
}

func startController(t testing.TB, seed int64, mutate ...func(*Config)) *Controller {
	t.Helper()
	jujucBin, _ := binaries(t)
	cfg := Config{
		Home:                 t.TempDir(),
		Seed:                 seed,
		UpdateStatusInterval: time.Hour,
		RetryBackoff:         100 * time.Millisecond,
		JujucBinary:          jujucBin,
	}
	for _, f := range mutate {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		c.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			d, _ := os.ReadFile(filepath.Join(cfg.Home, DebugLog))
			t.Logf("debug log:\n%s\nops:\n%s", tail(string(d), 60), opsLog(t, c))
		}
	})
	return c
}

// waitIdle waits until no unit has anything to run and no unit is in error.
func waitIdle(t testing.TB, c *Controller, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		st := c.Status()
		if st.Settled && len(st.Errors) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	st := c.Status()
	t.Fatalf("model did not settle within %s: settled=%v errors=%v\n%s", timeout, st.Settled, st.Errors, opsLog(t, c))
}

// waitFor polls cond under the controller's lock.
func waitFor(t testing.TB, c *Controller, timeout time.Duration, what string, cond func(m *model.Model) bool) {
	t.Helper()
	held := testkit.Poll(timeout, func() bool {
		ok := false
		c.Model(func(m *model.Model) { ok = cond(m) })
		return ok
	})
	if !held {
		t.Fatalf("timed out waiting for %s\n%s", what, opsLog(t, c))
	}
}

func opsLog(t testing.TB, c *Controller) string {
	data, _ := os.ReadFile(filepath.Join(c.cfg.Home, OpsLog))
	return string(data)
}

// event is one record of the test charm.
type event struct {
	Unit      string            `json:"unit"`
	Hook      string            `json:"hook"`
	Action    string            `json:"action"`
	Env       map[string]string `json:"env"`
	Leader    string            `json:"leader"`
	Members   string            `json:"members"`
	EnvKeys   []string          `json:"env-keys"`
	Cwd       string            `json:"cwd"`
	Resource  string            `json:"resource"`
	Storage   string            `json:"storage"`
	ToolError string            `json:"tool-error"`
}

// events reads what the test charm recorded on unit's machine.
func events(t testing.TB, c *Controller, unit string) []event {
	t.Helper()
	var root string
	c.Model(func(m *model.Model) {
		if u := m.Units[unit]; u != nil {
			root = m.Machines[u.Machine].Root
		}
	})
	if root == "" {
		t.Fatalf("unit %s has no machine", unit)
	}
	return readEvents(t, filepath.Join(root, "testcharm/events.jsonl"))
}

func readEvents(t testing.TB, path string) []event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.ToolError != "" {
			t.Errorf("%s %s%s: tool error: %s", e.Unit, e.Hook, e.Action, e.ToolError)
		}
		out = append(out, e)
	}
	return out
}

// index returns the position of the first event matching hook (and remote
// unit if given), or -1.
func index(evs []event, hook, remote string) int {
	for i, e := range evs {
		if e.Hook == hook && (remote == "" || e.Env["JUJU_REMOTE_UNIT"] == remote) {
			return i
		}
	}
	return -1
}

func hooks(evs []event) string {
	var s []string
	for _, e := range evs {
		name := e.Hook
		if name == "" {
			name = "action:" + e.Action
		}
		if r := e.Env["JUJU_REMOTE_UNIT"]; r != "" {
			name += "(" + r + ")"
		}
		s = append(s, name)
	}
	return strings.Join(s, " ")
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
