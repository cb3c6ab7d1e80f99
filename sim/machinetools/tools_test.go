package machinetools

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/snapd"
)

// fakeEtcd stands in for etcd: it logs a line and sleeps, so snapd's
// supervisor has a service process to run.
const fakeEtcd = "#!/bin/sh\necho \"fake etcd $$ started\"\nexec sleep 600\n"

// machine starts a fake snapd on a fresh machine root, serving one etcd
// release, and returns that root; the daemon and its services stop in
// cleanup.
func machine(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a fake snapd and its services")
	}
	bins := t.TempDir()
	for _, v := range []string{"3.5.35", "3.6.16"} {
		rel := filepath.Join(bins, v)
		if err := os.MkdirAll(rel, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{"etcd": fakeEtcd, "etcdctl": "#!/bin/sh\necho etcdctl\n"} {
			if err := os.WriteFile(filepath.Join(rel, name), []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(rel, ".complete"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	d, err := snapd.New(snapd.Config{Root: root, Bins: bins, RestartDelay: 100 * time.Millisecond, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("snapd: %v", err)
		}
	})
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(filepath.Join(root, "run/snapd.socket")); err == nil {
			return root
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("snapd socket did not appear")
	return ""
}

type result struct {
	code           int
	stdout, stderr string
}

func run(root string, argv ...string) result {
	var out, errb bytes.Buffer
	code := Main(argv, Env{Root: root, Machine: "0", Stdout: &out, Stderr: &errb})
	return result{code, out.String(), errb.String()}
}

func expect(t *testing.T, r result, code int, stdout string) {
	t.Helper()
	if r.code != code || r.stdout != stdout {
		t.Fatalf("exit %d stdout %q (stderr %q); want exit %d stdout %q", r.code, r.stdout, r.stderr, code, stdout)
	}
}

func TestSnapAndSystemctlAnswerFromTheMachinesSnapd(t *testing.T) {
	root := machine(t)

	r := run(root, "snap", "list")
	expect(t, r, 0, "")
	if r.stderr != "No snaps are installed yet. Try 'snap install hello-world'.\n" {
		t.Fatalf("empty list stderr %q", r.stderr)
	}
	expect(t, run(root, "systemctl", "is-active", "snap.etcd.etcd"), 3, "inactive\n")
	expect(t, run(root, "snap", "install", "etcd", "--channel=3.5/stable"), 0, "etcd (3.5/stable) 3.5.35 from Canonical installed\n")
	// The etcd snap's wrapper exits 0 until the charm writes its config.
	conf := filepath.Join(root, "var/snap/etcd/common/etcd.conf.yml")
	if err := os.WriteFile(conf, []byte("name: etcd0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(t, run(root, "snap", "start", "etcd"), 0, "Started.\n")

	r = run(root, "snap", "list")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if r.code != 0 || len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "Name Version Rev Tracking Publisher Notes" ||
		strings.Join(strings.Fields(lines[1]), " ") != "etcd 3.5.35 35035 3.5/stable canonical -" {
		t.Fatalf("snap list: exit %d\n%s", r.code, r.stdout)
	}
	r = run(root, "snap", "services")
	if r.code != 0 || !strings.Contains(r.stdout, "etcd.etcd  enabled  active   -") {
		t.Fatalf("snap services: exit %d\n%s", r.code, r.stdout)
	}

	// systemctl sees the same service snapd runs, and controls it.
	expect(t, run(root, "systemctl", "is-active", "snap.etcd.etcd"), 0, "active\n")
	expect(t, run(root, "systemctl", "is-active", "snap.etcd.etcd.service"), 0, "active\n")
	expect(t, run(root, "snap", "stop", "etcd"), 0, "Stopped.\n")
	expect(t, run(root, "systemctl", "is-active", "snap.etcd.etcd"), 3, "inactive\n")
	expect(t, run(root, "systemctl", "is-enabled", "snap.etcd.etcd"), 0, "enabled\n")
	expect(t, run(root, "systemctl", "start", "snap.etcd.etcd"), 0, "")
	expect(t, run(root, "systemctl", "is-active", "--quiet", "snap.etcd.etcd"), 0, "")
	expect(t, run(root, "systemctl", "restart", "snap.etcd.etcd"), 0, "")
	r = run(root, "systemctl", "status", "snap.etcd.etcd")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "● snap.etcd.etcd.service - Service for snap application etcd.etcd\n") ||
		!strings.Contains(r.stdout, "Active: active (running)") || !strings.Contains(r.stdout, "juju-machine-0 etcd.etcd[") {
		t.Fatalf("status: exit %d\n%s", r.code, r.stdout)
	}
	r = run(root, "journalctl", "-u", "snap.etcd.etcd", "-o", "cat", "--no-pager")
	if r.code != 0 || strings.Count(r.stdout, "fake etcd ") < 2 {
		t.Fatalf("journalctl (after a start and a restart): exit %d\n%s", r.code, r.stdout)
	}
	for _, argv := range [][]string{{"-n", "1"}, {"--lines=1"}, {"-n1"}} {
		r = run(root, append([]string{"journalctl", "-u", "snap.etcd.etcd"}, argv...)...)
		if r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("journalctl %v: exit %d\n%s%s", argv, r.code, r.stdout, r.stderr)
		}
	}
	bare, ten := run(root, "journalctl", "-u", "snap.etcd.etcd", "-n"), run(root, "journalctl", "-n", "10", "-u", "snap.etcd.etcd")
	if bare.code != 0 || bare.stdout != ten.stdout || strings.Count(bare.stdout, "\n") < 3 {
		t.Fatalf("journalctl -n: exit %d\n%s\nwant as -n 10:\n%s", bare.code, bare.stdout, ten.stdout)
	}
	r = run(root, "snap", "logs", "etcd", "-n", "1")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (etcd\.etcd|systemd)\[\d+\]: `).MatchString(r.stdout) {
		t.Fatalf("snap logs -n 1: exit %d\n%s", r.code, r.stdout)
	}
	expect(t, run(root, "systemctl", "is-active", "snap.nosuch.app"), 3, "inactive\n")
	expect(t, run(root, "systemctl", "status", "snap.nosuch.app"), 4, "")
	expect(t, run(root, "systemctl", "stop", "snap.nosuch.app"), 5, "")

	// refresh.timer is core's option in snapd's config, as the charm sets it.
	r = run(root, "snap", "get", "core", "refresh.timer")
	if r.code != 1 || r.stderr != "error: snap \"core\" has no \"refresh.timer\" configuration option\n" {
		t.Fatalf("unset timer: %+v", r)
	}
	expect(t, run(root, "snap", "set", "core", "refresh.timer=fri5"), 0, "")
	expect(t, run(root, "snap", "get", "core", "refresh.timer"), 0, "fri5\n")
	r = run(root, "snap", "set", "core", "refresh.timer=nonsense")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: cannot perform the following tasks:") {
		t.Fatalf("bad timer: %+v", r)
	}
	expect(t, run(root, "snap", "get", "core", "refresh.timer"), 0, "fri5\n")

	// snap's notices that are not errors exit 0, as the real CLI's.
	r = run(root, "snap", "install", "etcd")
	if r.code != 0 || r.stderr != "snap \"etcd\" is already installed, see 'snap help refresh'\n" {
		t.Fatalf("install again: %+v", r)
	}
	r = run(root, "snap", "refresh", "etcd", "--channel=3.5/stable")
	if r.code != 0 || r.stderr != "snap \"etcd\" has no updates available\n" {
		t.Fatalf("refresh, nothing new: %+v", r)
	}
	expect(t, run(root, "snap", "refresh", "etcd", "--channel", "3.6/stable"), 0, "etcd (3.6/stable) 3.6.16 from Canonical refreshed\n")
	r = run(root, "snap", "info", "etcd")
	if r.code != 0 || !strings.Contains(r.stdout, "tracking:") || !strings.Contains(r.stdout, "commands:\n  - etcd.etcdctl\nservices:\n  etcd:  simple, enabled, active\n") {
		t.Fatalf("info: exit %d\n%s", r.code, r.stdout)
	}
	expect(t, run(root, "snap", "remove", "etcd"), 0, "etcd removed\n")
	expect(t, run(root, "systemctl", "is-active", "snap.etcd.etcd"), 3, "inactive\n")
}

func TestUnsupportedFailsClearly(t *testing.T) {
	root := machine(t)
	for _, argv := range [][]string{
		{"systemctl", "list-units"},
		{"systemctl", "restart", "apache2"},
		{"systemctl", "enable", "snap.etcd.etcd"},
		{"systemctl"},
		{"journalctl"},
		{"journalctl", "-u", "ssh"},
		{"journalctl", "-u", "snap.etcd.etcd", "--since", "today"},
		{"snap", "connect", "etcd:removable-media"},
		{"snap", "refresh"},
	} {
		r := run(root, argv...)
		if r.code == 0 || !strings.Contains(r.stderr, "jujusim does not support") {
			t.Errorf("%v: exit %d stderr %q; want a non-zero exit saying jujusim does not support it", argv, r.code, r.stderr)
		}
	}
}

func TestOutsideAMachine(t *testing.T) {
	for _, tool := range Names {
		r := run("", tool, "--help")
		if r.code != 1 || !strings.Contains(r.stderr, "SNAPPY_GLOBAL_ROOT is not set") {
			t.Errorf("%s without a machine root: %+v", tool, r)
		}
	}
}

func TestMachineWithoutSnapd(t *testing.T) {
	r := run(t.TempDir(), "snap", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot communicate with server") {
		t.Fatalf("no snapd: %+v", r)
	}
}

func TestParseUnit(t *testing.T) {
	for arg, want := range map[string]string{
		"snap.etcd.etcd":         "etcd.etcd",
		"snap.etcd.etcd.service": "etcd.etcd",
		"snapd.service":          "",
	} {
		u, ok := parseUnit(arg)
		if !ok || u.app != want {
			t.Errorf("parseUnit(%q) = %+v, %v; want app %q", arg, u, ok, want)
		}
	}
	for _, arg := range []string{"etcd", "snap.etcd", "snap..x", "ssh.service", "snap.a.b.c"} {
		if u, ok := parseUnit(arg); ok {
			t.Errorf("parseUnit(%q) = %+v; want not a jujusim unit", arg, u)
		}
	}
}
