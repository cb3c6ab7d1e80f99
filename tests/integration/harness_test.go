// Package integration runs the etcd charm on jujusim the way an operator
// runs it on Juju: deploy, integrate, wait, status, run, exec. Everything is
// driven through the jujusim CLI, as a person would, so these tests also
// prove the README's instructions.
package integration

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/bench"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

var seedsFlag = flag.String("seeds", "1,2", "scheduler seeds each scenario runs under")

// artifacts are the binaries and charms the tests use: from the
// environment (make test builds them) or built here once.
type artifacts struct {
	jujusim, etcdCharm, easyrsa, etcdClient, prometheus string
}

var (
	buildOnce sync.Once
	built     artifacts
	buildErr  error
	builds    = testkit.BuildDir{Prefix: "etcd-charm-it-"}
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	builds.Remove()
	os.Exit(code)
}

func getArtifacts(t *testing.T) artifacts {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: deploys real etcd on jujusim")
	}
	testkit.EtcdBins(t) // skips without real etcd releases; jujusim has the same default
	buildOnce.Do(func() { built, buildErr = build() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func build() (artifacts, error) {
	a := artifacts{
		jujusim:    os.Getenv("JUJUSIM"),
		etcdCharm:  os.Getenv("ETCD_CHARM"),
		easyrsa:    os.Getenv("EASYRSA_CHARM"),
		etcdClient: os.Getenv("ETCD_CLIENT_CHARM"),
		prometheus: os.Getenv("PROMETHEUS_CHARM"),
	}
	if a.jujusim != "" && a.etcdCharm != "" && a.easyrsa != "" && a.etcdClient != "" && a.prometheus != "" {
		return a, nil
	}
	_, err := builds.Get(func(buildDir string) error {
		a.jujusim = filepath.Join(buildDir, "jujusim")
		if err := testkit.GoBuild(a.jujusim, "./cmd/jujusim", false); err != nil {
			return err
		}
		if err := testkit.GoBuild(filepath.Join(buildDir, "jujuc"), "./cmd/jujuc", true); err != nil {
			return err
		}
		for _, c := range []struct {
			out *string
			src string
			pkg string
		}{
			{&a.etcdCharm, ".", "./cmd/etcd-charm"},
			{&a.easyrsa, "sim/charms/easyrsa", "./sim/charms/easyrsa/cmd"},
			{&a.etcdClient, "sim/charms/etcdclient", "./sim/charms/etcdclient/cmd"},
			{&a.prometheus, "sim/charms/prometheus", "./sim/charms/prometheus/cmd"},
		} {
			name := filepath.Base(c.src)
			if c.src == "." {
				name = "etcd"
			}
			*c.out = filepath.Join(buildDir, name+".charm")
			if err := testkit.BuildCharm(*c.out, c.src, c.pkg); err != nil {
				return err
			}
		}
		return nil
	})
	return a, err
}

// model is one jujusim controller with its own home, destroyed at cleanup.
type model struct {
	t    *testing.T
	a    artifacts
	home string
	// wiped and wipedID are the unit whose data dir the fault suite
	// wiped and its member ID before.
	wiped, wipedID string
	// survivor is the unit the lost-majority scenario keeps.
	survivor string
}

func newModel(t *testing.T, seed int64, extra ...string) *model {
	t.Helper()
	a := getArtifacts(t)
	m := &model{t: t, a: a, home: t.TempDir()}
	t.Cleanup(func() {
		if t.Failed() {
			if out, err := m.jujusim("status"); err == nil {
				t.Logf("status at failure:\n%s", out)
			}
			if out, err := m.jujusim("debug-log", "--replay", "--no-tail"); err == nil {
				lines := strings.Split(out, "\n")
				if len(lines) > 150 {
					lines = lines[len(lines)-150:]
				}
				t.Logf("debug-log (tail):\n%s", strings.Join(lines, "\n"))
			}
		}
		if out, err := m.jujusim("destroy"); err != nil {
			t.Errorf("destroy: %v\n%s", err, out)
		}
	})
	m.must(append([]string{"bootstrap", "--seed", fmt.Sprint(seed), "--update-status-interval", "20s", "--retry-backoff", "1s"}, extra...)...)
	return m
}

// jujusim runs the CLI and returns its combined output.
func (m *model) jujusim(args ...string) (string, error) {
	cmd := exec.Command(m.a.jujusim, args...)
	cmd.Env = append(os.Environ(), "JUJUSIM_HOME="+m.home)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (m *model) must(args ...string) string {
	m.t.Helper()
	out, err := m.jujusim(args...)
	if err != nil {
		m.t.Fatalf("jujusim %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// deployEtcd deploys n etcd units related to easyrsa. Loopback isolation
// puts every unit on one host, so etcd binds to its own address only.
func (m *model) deployEtcd(n int, config ...string) {
	m.t.Helper()
	args := []string{"deploy", m.a.etcdCharm, "etcd", "-n", fmt.Sprint(n), "--config", "bind_to_all_interfaces=false"}
	for _, c := range config {
		args = append(args, "--config", c)
	}
	m.must(args...)
	m.must("deploy", m.a.easyrsa, "easyrsa")
	m.must("integrate", "etcd:certificates", "easyrsa:client")
}

// deployClient deploys the etcd-client charm related to etcd's db endpoint.
func (m *model) deployClient() {
	m.t.Helper()
	m.must("deploy", m.a.etcdClient, "etcd-client")
	m.must("integrate", "etcd:db", "etcd-client:etcd")
}

func (m *model) waitActive(timeout time.Duration) {
	m.t.Helper()
	m.must("wait-for", "--workload", "active", "--timeout", timeout.String())
}

// statusDoc is the part of `status --format json` the tests read.
type statusDoc struct {
	Applications map[string]struct {
		Units map[string]bench.Unit `json:"units"`
	} `json:"applications"`
}

func (m *model) status() statusDoc {
	m.t.Helper()
	var doc statusDoc
	out := m.must("status", "--format", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		m.t.Fatalf("status json: %v\n%s", err, out)
	}
	return doc
}

// units lists an application's units, and the Juju leader.
func (m *model) units(app string) (units []string, leader string) {
	for name, u := range m.status().Applications[app].Units {
		units = append(units, name)
		if u.Leader {
			leader = name
		}
	}
	return units, leader
}

// etcdctl runs etcdctl on unit's machine with the charm's own credentials.
// Like juju exec, jujusim exec runs one shell command line.
func (m *model) etcdctl(unit string, args ...string) (string, error) {
	return m.onUnitEtcd(unit, `etcd.etcdctl --endpoints "$ep" --cacert "$c/ca.crt" --cert "$c/server.crt" --key "$c/server.key"`, args)
}

// onUnitEtcd runs command, an etcdctl command line that may use $c (the
// snap's common directory, where the charm's credentials are) and $ep (the
// unit's advertised client URL), with args quoted for the shell, on unit's
// machine.
func (m *model) onUnitEtcd(unit, command string, args []string) (string, error) {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := `c="${SNAPPY_GLOBAL_ROOT:-}/var/snap/etcd/common"; ` +
		`ep=$(sed -n 's/^advertise-client-urls: //p' "$c/etcd.conf.yml"); ` +
		command + " " + strings.Join(quoted, " ")
	return m.jujusim("exec", unit, "--", script)
}

// seeds are the scheduler seeds a scenario runs under.
func seeds() []int64 {
	var out []int64
	for _, s := range strings.Split(*seedsFlag, ",") {
		var n int64
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err == nil {
			out = append(out, n)
		}
	}
	return out
}
