package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// etcdSnap packs the cached etcd release of track (e.g. "3.6") into a
// .snap in a temporary directory with scripts/etcd-snap.sh, as `make
// etcd-snap` does, uncompressed so it takes a fraction of a second. It
// returns the file and its sha256.
func etcdSnap(t *testing.T, track string) (path, sum string) {
	t.Helper()
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		t.Skip("mksquashfs not installed (Debian's squashfs-tools)")
	}
	path = filepath.Join(t.TempDir(), "etcd.snap")
	cmd := exec.Command(filepath.Join(testkit.RepoRoot(), "scripts", "etcd-snap.sh"), etcdbins.Dir(), path, track)
	cmd.Env = append(os.Environ(), "MKSQUASHFS_OPTS=-noI -noD -noF -noX")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("etcd-snap.sh %s: %v\n%s", track, err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(data)
	return path, hex.EncodeToString(h[:])
}

// appVersion is the application's version in status (the charm sets it
// from the installed snap's version in every hook).
func (m *model) appVersion(app string) string {
	m.t.Helper()
	var doc struct {
		Applications map[string]struct {
			Version string `json:"version"`
		} `json:"applications"`
	}
	out := m.must("status", "--format", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		m.t.Fatalf("status json: %v\n%s", err, out)
	}
	return doc.Applications[app].Version
}

// hookRunsSince counts how often unit's agent started hook at or after
// since.
func (m *model) hookRunsSince(unit, hook string, since time.Time) int {
	m.t.Helper()
	return m.statusLogSince(unit, since, func(line string) bool {
		return strings.HasSuffix(line, "running "+hook+" hook")
	})
}

// statusLogSince counts the lines of unit's status log (which keeps the
// last 100 entries; time in seconds, as Juju prints it) at or after since
// that match.
func (m *model) statusLogSince(unit string, since time.Time, match func(line string) bool) int {
	m.t.Helper()
	n := 0
	for _, line := range strings.Split(m.must("show-status-log", unit), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !match(line) {
			continue
		}
		at, err := time.Parse("02 Jan 2006 15:04:05Z07:00", strings.Join(f[:4], " "))
		if err != nil {
			m.t.Fatalf("show-status-log %s: %v in %q", unit, err, line)
		}
		if !at.Before(since.Truncate(time.Second)) {
			n++
		}
	}
	return n
}

// localKeys reads every key under prefix from unit's own member
// (serializable), as key→value.
func (m *model) localKeys(unit, prefix string) map[string]string {
	m.t.Helper()
	out, err := m.etcdctl(unit, "get", "--prefix", "--consistency", "s", prefix)
	if err != nil {
		m.t.Fatalf("get --prefix %s on %s: %v\n%s", prefix, unit, err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines)%2 != 0 {
		m.t.Fatalf("get --prefix %s on %s: odd output\n%s", prefix, unit, out)
	}
	kv := map[string]string{}
	for i := 0; i+1 < len(lines); i += 2 {
		kv[lines[i]] = lines[i+1]
	}
	return kv
}

// Issue #7: an operator attaches a newer etcd.snap resource and rolls it
// out with snap-upgrade, one unit at a time. Attaching alone runs
// upgrade-charm and config-changed on every unit but must not touch etcd;
// each action run moves its unit only, and the cluster stays healthy with
// all its data throughout.
func TestSnapUpgradeFromAttachedResource(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(3, "channel=3.5/stable")
	m.waitActive(4 * time.Minute)
	units, _ := m.units("etcd")
	sort.Strings(units)
	if len(units) != 3 {
		t.Fatalf("etcd units %v", units)
	}
	for u, v := range m.versions() {
		if !strings.HasPrefix(v, "3.5.") {
			t.Fatalf("%s runs etcd %s before the upgrade, want 3.5.x", u, v)
		}
	}
	keys := map[string]string{}
	for i := 0; i < 5; i++ {
		k, v := fmt.Sprintf("/snapup/before%d", i), fmt.Sprintf("value %d", i)
		if out, err := m.etcdctl(units[i%3], "put", k, v); err != nil {
			t.Fatalf("put %s: %v\n%s", k, err, out)
		}
		keys[k] = v
	}
	pids := map[string]int{}
	for _, u := range units {
		pids[u] = m.etcdPID(u)
	}

	snapFile, sum := etcdSnap(t, "3.6")
	attached := time.Now()
	m.must("attach-resource", "etcd", "etcd="+snapFile)
	m.waitActive(3 * time.Minute)
	for _, u := range units {
		if n := m.hookRunsSince(u, "upgrade-charm", attached); n != 1 {
			t.Errorf("%s ran upgrade-charm %d times after attach-resource, want 1", u, n)
		}
		if n := m.hookRunsSince(u, "config-changed", attached); n < 1 {
			t.Errorf("%s ran no config-changed after attach-resource", u)
		}
		// The hooks leave a newer resource to snap-upgrade: same etcd
		// process, same version.
		if pid := m.etcdPID(u); pid != pids[u] {
			t.Errorf("%s: etcd restarted by attach-resource alone (pid %d → %d)", u, pids[u], pid)
		}
	}
	for u, v := range m.versions() {
		if !strings.HasPrefix(v, "3.5.") {
			t.Errorf("%s runs etcd %s after attach-resource alone, want 3.5.x until snap-upgrade", u, v)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	for i, u := range units {
		start := time.Now()
		r := m.mustComplete(u, "snap-upgrade")
		t.Logf("snap-upgrade on %s took %v: %v", u, time.Since(start).Round(100*time.Millisecond), r)
		if want := "installed the attached etcd resource (sha256 " + sum + ")"; r["result"] != want {
			t.Errorf("%s: result %q, want %q", u, r["result"], want)
		}
		if b := r["snap.before"]; !strings.HasPrefix(b, "3.5.") || !strings.Contains(b, "channel 3.5/stable") {
			t.Errorf("%s: snap.before %q, want 3.5.x tracking 3.5/stable", u, b)
		}
		// A sideload is a local revision and keeps the tracking channel.
		if a := r["snap.after"]; !strings.HasPrefix(a, "3.6.") || !strings.Contains(a, "(local revision x1, channel 3.5/stable)") {
			t.Errorf("%s: snap.after %q, want 3.6.x local revision x1", u, a)
		}
		if v := r["etcd.version"]; !strings.HasPrefix(v, "3.6.") {
			t.Errorf("%s: etcd.version %q, want 3.6.x", u, v)
		}
		for v, ver := range m.versions() {
			want := "3.5."
			if sort.SearchStrings(units, v) <= i {
				want = "3.6."
			}
			if !strings.HasPrefix(ver, want) {
				t.Errorf("after snap-upgrade on %s: %s runs etcd %s, want %sx", u, v, ver, want)
			}
		}
		h := m.mustComplete(u, "health")
		if !strings.HasSuffix(h["output"], "cluster is healthy") || strings.Count(h["output"], " is healthy:") != 3 {
			t.Errorf("health after snap-upgrade on %s:\n%s", u, h["output"])
		}
		k := "/snapup/after-" + strings.ReplaceAll(u, "/", "")
		if out, err := m.etcdctl(u, "put", k, "written by "+u); err != nil {
			t.Fatalf("put %s on the upgraded %s: %v\n%s", k, u, err, out)
		}
		keys[k] = "written by " + u
		for _, v := range units {
			// The put went through raft; a follower may apply it a moment later.
			deadline := time.Now().Add(10 * time.Second)
			got := m.localKeys(v, "/snapup/")
			for !maps.Equal(got, keys) && time.Now().Before(deadline) {
				time.Sleep(500 * time.Millisecond)
				got = m.localKeys(v, "/snapup/")
			}
			if !maps.Equal(got, keys) {
				t.Errorf("after snap-upgrade on %s: %s holds %v, want %v", u, v, got, keys)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}

	// Every hook sets the application version from the installed snap; an
	// update-status (every 20 s here) brings it to 3.6 once all units are.
	deadline := time.Now().Add(90 * time.Second)
	for v := m.appVersion("etcd"); !strings.HasPrefix(v, "3.6."); v = m.appVersion("etcd") {
		if time.Now().After(deadline) {
			t.Fatalf("application version %q 90s after the last snap-upgrade, want 3.6.x", v)
		}
		time.Sleep(2 * time.Second)
	}
	m.waitActive(2 * time.Minute)
	m.checkCluster(3, keys)

	// Nothing left to do: the action refuses and says why; etcd untouched.
	pid := m.etcdPID(units[0])
	r := m.runAction(units[0], "snap-upgrade")
	t.Logf("snap-upgrade again on %s: %s %q", units[0], r.Status, r.Message)
	if r.Status != "failed" || !strings.HasPrefix(r.Message, "Nothing to upgrade: this unit runs etcd 3.6.") ||
		!strings.Contains(r.Message, "the attached etcd resource is the one installed") {
		t.Errorf("snap-upgrade with nothing to do: %s %q", r.Status, r.Message)
	}
	if p := m.etcdPID(units[0]); p != pid {
		t.Errorf("a refused snap-upgrade restarted etcd (pid %d → %d)", pid, p)
	}
	for u, v := range m.versions() {
		if !strings.HasPrefix(v, "3.6.") {
			t.Errorf("%s runs etcd %s at the end, want 3.6.x", u, v)
		}
	}
}

// Deployed with an etcd resource and an explicit channel, the units run
// the resource: the hooks never refresh it away to the store (an offline
// machine would be blocked on that refresh).
func TestDeployWithResourceRunsIt(t *testing.T) {
	m := newModel(t, seeds()[0])
	snapFile, _ := etcdSnap(t, "3.6")
	m.must("deploy", m.a.etcdCharm, "etcd", "-n", "2", "--config", "bind_to_all_interfaces=false",
		"--config", "channel=3.5/stable", "--resource", "etcd="+snapFile)
	m.must("deploy", m.a.easyrsa, "easyrsa")
	m.must("integrate", "etcd:certificates", "easyrsa:client")
	m.waitActive(4 * time.Minute)
	// A config change afterwards does not move it either.
	m.must("config", "etcd", "heartbeat_interval=120")
	m.waitActive(4 * time.Minute)
	vs := m.versions()
	if len(vs) != 2 {
		t.Fatalf("versions %v", vs)
	}
	for u, v := range vs {
		if !strings.HasPrefix(v, "3.6.") {
			t.Errorf("%s runs etcd %s, want the attached 3.6 resource", u, v)
		}
	}
}
