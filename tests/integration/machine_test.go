package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// execCode runs `jujusim exec UNIT -- CMD` and returns its output and exit
// code (exec passes the command's code through).
func (m *model) execCode(unit, command string) (string, int) {
	m.t.Helper()
	out, err := m.jujusim("exec", unit, "--", command)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out, ee.ExitCode()
	}
	if err != nil {
		m.t.Fatalf("exec %s: %v\n%s", command, err, out)
	}
	return out, 0
}

// A unit's machine is a Juju machine: snapd runs without asking (no
// bootstrap --snapd), and snap and systemctl on it answer from that
// machine's snapd, the one the charm configured.
func TestMachineToolsAnswerFromTheUnitsSnapd(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(1)
	m.waitActive(5 * time.Minute)

	// The charm set core's refresh.timer through snapd's API from its
	// snapd_refresh option ("max": a weekday and week of the month); the
	// same value is in leader data, where followers read it.
	timer, code := m.execCode("etcd/0", "snap get core refresh.timer")
	if code != 0 || !regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun)[1-5]\n$`).MatchString(timer) {
		t.Fatalf("snap get core refresh.timer: exit %d %q", code, timer)
	}
	if lead, _ := m.execCode("etcd/0", "leader-get snapd_refresh"); lead != timer {
		t.Errorf("leader data snapd_refresh %q, snapd's refresh.timer %q", lead, timer)
	}

	out, code := m.execCode("etcd/0", "systemctl is-active snap.etcd.etcd")
	if code != 0 || out != "active\n" {
		t.Fatalf("is-active with etcd running: exit %d %q", code, out)
	}
	out, code = m.execCode("etcd/0", "snap services etcd")
	if code != 0 || !regexp.MustCompile(`(?m)^etcd\.etcd +enabled +active +-$`).MatchString(out) {
		t.Errorf("snap services etcd: exit %d\n%s", code, out)
	}
	// One exec is one operation: no hook runs between the stop and the
	// check.
	out, code = m.execCode("etcd/0", "snap stop etcd && systemctl is-active snap.etcd.etcd")
	if code != 3 || out != "Stopped.\ninactive\n" {
		t.Fatalf("after snap stop etcd: exit %d %q; want exit 3 \"Stopped.\\ninactive\\n\"", code, out)
	}
	out, code = m.execCode("etcd/0", "systemctl start snap.etcd.etcd && systemctl is-active snap.etcd.etcd")
	if code != 0 || out != "active\n" {
		t.Fatalf("after systemctl start: exit %d %q", code, out)
	}
	out, code = m.execCode("etcd/0", "journalctl -u snap.etcd.etcd -n 5 --no-pager")
	if code != 0 || !strings.Contains(out, " etcd.etcd[") {
		t.Errorf("journalctl -u snap.etcd.etcd: exit %d\n%s", code, out)
	}
	// The host's init system is out of reach.
	out, code = m.execCode("etcd/0", "systemctl list-units")
	if code == 0 || !strings.Contains(out, "jujusim does not support") {
		t.Errorf("systemctl list-units: exit %d %q", code, out)
	}
}

// scp logs in as ubuntu, as juju scp does: a root-only 0600 file (etcd's
// server key among them) is refused; what the actions leave for the
// operator, the credentials tarball and a snapshot, can be fetched.
func TestScpAsUbuntu(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("machines give files to ubuntu (uid 1000) only when jujusim runs as root")
	}
	m := newModel(t, seeds()[0])
	m.deployEtcd(1)
	m.waitActive(5 * time.Minute)
	dir := t.TempDir()

	m.must("exec", "etcd/0", "--", `mkdir -p "$SNAPPY_GLOBAL_ROOT/root" && echo secret > "$SNAPPY_GLOBAL_ROOT/root/only-root" && chmod 600 "$SNAPPY_GLOBAL_ROOT/root/only-root"`)
	for _, p := range []string{"/root/only-root", "/var/snap/etcd/common/server.key"} {
		out, err := m.jujusim("scp", "etcd/0:"+p, filepath.Join(dir, "refused"))
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "scp: "+p+": Permission denied") {
			t.Errorf("scp %s: %v %q; want exit 1 with scp's Permission denied", p, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil {
		t.Errorf("a refused scp wrote its destination")
	}

	creds := m.mustComplete("etcd/0", "package-client-credentials")
	if out, err := m.jujusim("scp", "etcd/0:"+creds["path"], filepath.Join(dir, "creds.tar.gz")); err != nil {
		t.Errorf("scp of the credentials tarball %s: %v\n%s", creds["path"], err, out)
	}
	snap := m.mustComplete("etcd/0", "snapshot")
	if out, err := m.jujusim("scp", "etcd/0:"+snap["snapshot.path"], filepath.Join(dir, "snapshot.tar.gz")); err != nil {
		t.Errorf("scp of the snapshot %s: %v\n%s", snap["snapshot.path"], err, out)
	}
}

// debug-log at Juju's default logging-config (<root>=INFO) shows the
// charms' juju-log lines at INFO and none at DEBUG (hook output).
func TestDebugLogDefaultLevel(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(1)
	m.waitActive(5 * time.Minute)
	if out := m.must("model-config", "logging-config"); out != "<root>=INFO\n" {
		t.Fatalf("default logging-config %q", out)
	}
	m.must("exec", "etcd/0", "--", "juju-log --debug not-at-info; juju-log shown-at-info")
	log := m.must("debug-log", "--replay", "--no-tail")
	if regexp.MustCompile(`(?m)^\S+: \S+ DEBUG `).MatchString(log) {
		t.Errorf("debug-log at <root>=INFO shows DEBUG lines:\n%s", log)
	}
	if strings.Contains(log, "not-at-info") || !strings.Contains(log, "INFO unit.etcd/0.juju-log shown-at-info") {
		t.Errorf("juju-log lines:\n%s", log)
	}
	if !strings.Contains(log, "INFO unit.easyrsa/0.juju-log") {
		t.Errorf("no juju-log INFO line of easyrsa's:\n%s", log)
	}
	// The charm's own steps reach an operator at Juju's default level: the
	// install, the membership step that bootstraps the cluster, the start.
	// In a relation hook juju-log prefixes the message with the relation
	// ("certificates:1: "), once.
	for _, step := range []string{
		"installing etcd from channel",
		"membership: bootstrap",
		`starting etcd \(new cluster\)`,
	} {
		if !regexp.MustCompile(`INFO unit\.etcd/0\.juju-log (\S+:\d+: )?` + step).MatchString(log) {
			t.Errorf("debug-log at the default level lacks %q:\n%s", step, log)
		}
	}
	for _, m := range regexp.MustCompile(`juju-log (\S+:\d+: )(\S+:\d+: )`).FindAllStringSubmatch(log, -1) {
		if m[1] == m[2] {
			t.Errorf("relation prefix written twice: %q", m[0])
		}
	}
}
