package charms_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// The integration tests drive the jujusim CLI the way an operator drives
// juju: bootstrap a controller in a private JUJUSIM_HOME, deploy packed
// charms, integrate, wait, run actions, destroy in cleanup. The binaries and
// charms are built once per test run.

var builds = testkit.BuildDir{Prefix: "partner-charms-test"}

func TestMain(m *testing.M) {
	code := m.Run()
	builds.Remove()
	os.Exit(code)
}

// charmSources are the charms the integration tests deploy.
var charmSources = []struct{ name, src, pkg string }{
	{"easyrsa", "sim/charms/easyrsa", "./sim/charms/easyrsa/cmd"},
	{"etcd-client", "sim/charms/etcdclient", "./sim/charms/etcdclient/cmd"},
	{"tls-requirer", "sim/charms/internal/testcharms/tlsrequirer", "./sim/charms/internal/testcharms/tlsrequirer"},
	{"etcd-provider", "sim/charms/internal/testcharms/etcdprovider", "./sim/charms/internal/testcharms/etcdprovider"},
}

// built returns the directory with jujusim, jujuc and <name>.charm for
// every charm source.
func built(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds jujusim and the charms and runs them")
	}
	dir, err := builds.Get(func(dir string) error {
		if err := testkit.GoBuild(filepath.Join(dir, "jujusim"), "./cmd/jujusim", false); err != nil {
			return err
		}
		if err := testkit.GoBuild(filepath.Join(dir, "jujuc"), "./cmd/jujuc", true); err != nil {
			return err
		}
		for _, c := range charmSources {
			if err := testkit.BuildCharm(filepath.Join(dir, c.name+".charm"), c.src, c.pkg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	etcdOnce sync.Once
	etcdErr  error
)

// etcdCharm builds and packs the etcd charm itself next to the partners.
func etcdCharm(t *testing.T) string {
	t.Helper()
	dir := built(t)
	out := filepath.Join(dir, "etcd.charm")
	etcdOnce.Do(func() { etcdErr = testkit.BuildCharm(out, ".", "./cmd/etcd-charm") })
	if etcdErr != nil {
		t.Fatal(etcdErr)
	}
	return out
}

// etcdBins is the directory of real etcd binaries jujusim's fake snap store
// serves (make etcd-bins), or "" when there is none.
func etcdBins() string {
	if dir := etcdbins.Dir(); len(etcdbins.Releases(dir)) > 0 {
		return dir
	}
	return ""
}

// model is one bootstrapped jujusim controller.
type model struct {
	t    *testing.T
	bin  string
	home string
}

// bootstrap starts a controller in a temporary JUJUSIM_HOME (with extra
// bootstrap flags) and destroys it, its units' processes included, when the
// test ends.
func bootstrap(t *testing.T, flags ...string) *model {
	t.Helper()
	dir := built(t)
	m := &model{t: t, bin: dir, home: filepath.Join(t.TempDir(), "jujusim")}
	m.must(append([]string{"bootstrap", "--seed", "1"}, flags...)...)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := m.jujusim("status", "--relations")
			t.Logf("jujusim status:\n%s", out)
			out, _ = m.jujusim("debug-log", "--replay", "--no-tail")
			t.Logf("debug-log (last 80 lines):\n%s", lastLines(out, 80))
		}
		if out, err := m.jujusim("destroy"); err != nil {
			t.Errorf("jujusim destroy: %v\n%s", err, out)
		}
	})
	return m
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (m *model) jujusim(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(m.bin, "jujusim"), args...)
	cmd.Env = append(os.Environ(), "JUJUSIM_HOME="+m.home)
	if bins := etcdBins(); bins != "" {
		cmd.Env = append(cmd.Env, "ETCD_BINS="+bins)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), fmt.Errorf("jujusim %s: %w", strings.Join(args, " "), err)
	}
	return stdout.String(), nil
}

func (m *model) must(args ...string) string {
	m.t.Helper()
	out, err := m.jujusim(args...)
	if err != nil {
		m.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

func (m *model) charm(name string) string { return filepath.Join(m.bin, name+".charm") }

// waitActive waits until every unit is idle and active.
func (m *model) waitActive(timeout time.Duration) {
	m.t.Helper()
	m.must("wait-for", "--workload", "active", "--timeout", timeout.String())
}

// run runs an action and returns its results; a failed action fails the
// test.
func (m *model) run(unit, action string, params ...string) map[string]any {
	m.t.Helper()
	args := append([]string{"run", unit, action, "--format", "json", "--string-args", "--wait", "2m"}, params...)
	out := m.must(args...)
	var tasks map[string]struct {
		Status  string         `json:"status"`
		Message string         `json:"message"`
		Results map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &tasks); err != nil {
		m.t.Fatalf("cannot decode %s %s output %q: %v", unit, action, out, err)
	}
	task, ok := tasks[unit]
	if !ok || task.Status != "completed" {
		m.t.Fatalf("%s %s: %+v", unit, action, tasks)
	}
	return task.Results
}

// unitStatus is a unit's workload status and address from jujusim status.
type unitStatus struct {
	Workload struct {
		Current string `json:"current"`
		Message string `json:"message"`
	} `json:"workload-status"`
	Leader  bool   `json:"leader"`
	Address string `json:"public-address"`
}

func (m *model) unit(app, unit string) unitStatus {
	m.t.Helper()
	var st struct {
		Applications map[string]struct {
			Units map[string]unitStatus `json:"units"`
		} `json:"applications"`
	}
	out := m.must("status", "--format", "json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		m.t.Fatalf("cannot decode status %q: %v", out, err)
	}
	u, ok := st.Applications[app].Units[unit]
	if !ok {
		m.t.Fatalf("no unit %s in status %s", unit, out)
	}
	return u
}

// putGet writes key through unit's put action and reads it back with get:
// the value, found and the revision of the put must come back. It returns
// that revision.
func (m *model) putGet(unit, key, value string) (revision string) {
	m.t.Helper()
	put := m.run(unit, "put", "key="+key, "value="+value)
	got := m.run(unit, "get", "key="+key)
	if str(got, "value") != value || str(got, "found") != "true" || str(got, "revision") != str(put, "revision") {
		m.t.Errorf("get after put: %v (put %v)", got, put)
	}
	return str(put, "revision")
}

func str(results map[string]any, key string) string {
	s, _ := results[key].(string)
	return s
}
