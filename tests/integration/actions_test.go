package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// actionResult is one unit's answer to `jujusim run --format json`, with
// the nested results flattened back to the dotted keys the charm set.
type actionResult struct {
	Status  string
	Message string
	Results map[string]string
}

func (m *model) runAction(unit, action string, params ...string) actionResult {
	m.t.Helper()
	args := append([]string{"run", unit, action}, params...)
	args = append(args, "--format", "json", "--wait", "3m")
	out := m.must(args...)
	var doc map[string]struct {
		Status  string         `json:"status"`
		Message string         `json:"message"`
		Results map[string]any `json:"results"`
	}
	start := strings.Index(out, "{")
	if start < 0 || json.Unmarshal([]byte(out[start:strings.LastIndex(out, "}")+1]), &doc) != nil {
		m.t.Fatalf("run %s %s: cannot parse %q", unit, action, out)
	}
	r, ok := doc[unit]
	if !ok {
		m.t.Fatalf("run %s %s: no result for the unit in %q", unit, action, out)
	}
	res := actionResult{Status: r.Status, Message: r.Message, Results: map[string]string{}}
	flatten("", r.Results, res.Results)
	return res
}

func flatten(prefix string, in map[string]any, out map[string]string) {
	for k, v := range in {
		switch v := v.(type) {
		case map[string]any:
			flatten(prefix+k+".", v, out)
		default:
			out[prefix+k] = fmt.Sprint(v)
		}
	}
}

// mustComplete runs an action that must succeed.
func (m *model) mustComplete(unit, action string, params ...string) map[string]string {
	m.t.Helper()
	r := m.runAction(unit, action, params...)
	if r.Status != "completed" {
		m.t.Fatalf("%s on %s: %s: %s", action, unit, r.Status, r.Message)
	}
	return r.Results
}

// client is the real etcdctl on the test host with the environment the
// package-client-credentials README exports.
type client struct {
	t   *testing.T
	bin string
	env []string
}

func hostEtcdctl(t *testing.T) string {
	var found []string
	filepath.Walk(etcdbins.Dir(), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Name() == "etcdctl" && !info.IsDir() {
			found = append(found, p)
		}
		return nil
	})
	if len(found) == 0 {
		t.Skip("no etcdctl under ETCD_BINS")
	}
	sort.Strings(found)
	return found[len(found)-1]
}

// credentials runs package-client-credentials, copies the tarball out
// with scp, unpacks it and reads the README's exports.
func (m *model) credentials(unit string) *client {
	m.t.Helper()
	dir, readme := m.credentialFiles(unit)
	c := &client{t: m.t, bin: hostEtcdctl(m.t)}
	for _, line := range strings.Split(readme, "\n") {
		kv, ok := strings.CutPrefix(strings.TrimSpace(line), "export ")
		if ok {
			c.env = append(c.env, strings.ReplaceAll(kv, "$(pwd)", dir))
		}
	}
	return c
}

// credentialFiles runs package-client-credentials, copies the tarball out
// with scp and unpacks the client certificate, key and CA into a directory
// of the test's; it returns that directory and the tarball's README.
func (m *model) credentialFiles(unit string) (dir, readme string) {
	m.t.Helper()
	r := m.mustComplete(unit, "package-client-credentials")
	if r["path"] != "/home/ubuntu/etcd_credentials.tar.gz" || r["copy.cmd"] != "juju scp "+unit+":/home/ubuntu/etcd_credentials.tar.gz ." {
		m.t.Errorf("package-client-credentials results %v", r)
	}
	dir = m.t.TempDir()
	archive := filepath.Join(dir, "creds.tar.gz")
	m.must("scp", unit+":"+r["path"], archive)
	files := testkit.ReadTarGz(m.t, archive)
	for _, f := range []string{"client.crt", "client.key", "ca.crt", "README.txt"} {
		data, ok := files["etcd_credentials/"+f]
		if !ok {
			m.t.Fatalf("credentials lack %s: %v", f, files)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(data), 0o600); err != nil {
			m.t.Fatal(err)
		}
	}
	return dir, files["etcd_credentials/README.txt"]
}

func (c *client) run(args ...string) (string, error) {
	return c.runStdin("", args...)
}

// runStdin runs etcdctl with stdin (put reads its value from there, which
// has no argv size limit).
func (c *client) runStdin(stdin string, args ...string) (string, error) {
	cmd := exec.Command(c.bin, append([]string{"--command-timeout", "5s", "--dial-timeout", "3s"}, args...)...)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdin = strings.NewReader(stdin)
	// etcdctl 3.6 warns about the README's ETCDCTL_API on stderr: keep
	// stderr for errors only.
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		return string(out), fmt.Errorf("%w: %s", err, msg)
	}
	return string(out), nil
}

func (c *client) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("etcdctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// at is the same client against other endpoints.
func (c *client) at(endpoints ...string) *client {
	d := &client{t: c.t, bin: c.bin}
	for _, e := range c.env {
		if !strings.HasPrefix(e, "ETCDCTL_ENDPOINTS=") {
			d.env = append(d.env, e)
		}
	}
	d.env = append(d.env, "ETCDCTL_ENDPOINTS="+strings.Join(endpoints, ","))
	return d
}

func (c *client) clusterID() string {
	c.t.Helper()
	id, err := c.tryClusterID()
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

func (c *client) tryClusterID() (string, error) {
	cmd := exec.Command(c.bin, "--command-timeout", "5s", "endpoint", "status", "-w", "json")
	cmd.Env = append(os.Environ(), c.env...)
	stdout, err := cmd.Output() // etcdctl 3.6 warns about ETCDCTL_API on stderr
	if err != nil {
		return "", fmt.Errorf("endpoint status: %v", err)
	}
	out := string(stdout)
	var st []struct {
		Status struct {
			Header struct {
				ClusterID uint64 `json:"cluster_id"`
			} `json:"header"`
		} `json:"Status"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st) == 0 {
		return "", fmt.Errorf("endpoint status: %v\n%s", err, out)
	}
	return strconv.FormatUint(st[0].Status.Header.ClusterID, 16), nil
}

func (m *model) endpoint(unit string) string {
	m.t.Helper()
	app, _, _ := strings.Cut(unit, "/")
	addr := m.status().Applications[app].Units[unit].PublicAddress
	if addr == "" {
		m.t.Fatalf("%s has no address", unit)
	}
	return "https://" + addr + ":2379"
}

// The operator actions on a real model, in the order the documentation
// walks through them: client credentials, health, maintenance, snapshot,
// and the migration to a new application by restore, then growing it.
func TestActions(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(1)
	m.waitActive(4 * time.Minute)

	// package-client-credentials: the README's environment works with the
	// real etcdctl; without the client certificate etcd refuses it.
	c := m.credentials("etcd/0")
	if out := c.must("member", "list"); !strings.Contains(out, "etcd0") {
		t.Errorf("member list with the credentials: %s", out)
	}
	var noCert client = *c
	noCert.env = nil
	for _, e := range c.env {
		if !strings.HasPrefix(e, "ETCDCTL_CERT=") && !strings.HasPrefix(e, "ETCDCTL_KEY=") {
			noCert.env = append(noCert.env, e)
		}
	}
	if out, err := noCert.run("member", "list"); err == nil {
		t.Errorf("member list without a client certificate succeeded: %s", out)
	}

	keys := map[string]string{}
	for i := 0; i < 20; i++ {
		k, v := fmt.Sprintf("/migrate/key%02d", i), fmt.Sprintf("value %d", i)
		c.must("put", k, v)
		keys[k] = v
	}

	if r := m.mustComplete("etcd/0", "health"); !strings.HasSuffix(r["output"], "cluster is healthy") {
		t.Errorf("health output %q", r["output"])
	}
	if r := m.mustComplete("etcd/0", "alarm-list"); r["output"] != "" {
		t.Errorf("alarm-list on a healthy cluster: %q", r["output"])
	}

	// compact then defrag shrink the database after deletes.
	big := strings.Repeat("x", 512*1024)
	for i := 0; i < 20; i++ {
		key := fmt.Sprintf("/big/%02d", i)
		if out, err := c.runStdin(big, "put", key); err != nil {
			t.Fatalf("put %s: %v\n%s", key, err, out)
		}
	}
	c.must("del", "--prefix", "/big/")
	if r := m.mustComplete("etcd/0", "compact", "physical=true"); !strings.HasPrefix(r["output"], "compacted revision ") {
		t.Errorf("compact output %q", r["output"])
	}
	r := m.mustComplete("etcd/0", "defrag")
	before, _ := strconv.ParseInt(r["db.size.before"], 10, 64)
	after, _ := strconv.ParseInt(r["db.size.after"], 10, 64)
	if after <= 0 || after >= before/2 {
		t.Errorf("defrag: db size %d → %d after deleting 10 MB", before, after)
	}

	// snapshot, copied out, checked against its sha256.
	r = m.mustComplete("etcd/0", "snapshot")
	dir := t.TempDir()
	archive := filepath.Join(dir, "etcd-snapshot.tar.gz")
	m.must("scp", "etcd/0:"+r["snapshot.path"], archive)
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != r["snapshot.sha256"] {
		t.Errorf("archive sha256 %x, snapshot.sha256 %s", sum, r["snapshot.sha256"])
	}
	for _, k := range []string{"snapshot.path", "snapshot.size", "snapshot.version", "copy.cmd"} {
		if r[k] == "" {
			t.Errorf("snapshot result %s missing: %v", k, r)
		}
	}
	oldCluster := c.clusterID()

	// A truncated archive and a random file fail restore; the old data is
	// still served.
	for name, content := range map[string][]byte{"truncated": data[:len(data)/2], "random": []byte(strings.Repeat("not a tarball ", 500))} {
		bad := filepath.Join(dir, name+".tar.gz")
		if err := os.WriteFile(bad, content, 0o644); err != nil {
			t.Fatal(err)
		}
		m.must("attach-resource", "etcd", "snapshot="+bad)
		m.waitActive(2 * time.Minute)
		res := m.runAction("etcd/0", "restore")
		if res.Status != "failed" || !strings.Contains(res.Message, "The running cluster was not changed") {
			t.Errorf("restore of a %s archive: %s %q", name, res.Status, res.Message)
		}
		if got := strings.TrimSpace(c.must("get", "--print-value-only", "/migrate/key07")); got != "value 7" {
			t.Errorf("after the %s restore: key07 = %q", name, got)
		}
	}

	// The documented migration: a new application with the snapshot
	// attached, restore on its one unit, then grow it.
	m.must("deploy", m.a.etcdCharm, "new-etcd", "--config", "bind_to_all_interfaces=false", "--resource", "snapshot="+archive)
	m.must("integrate", "new-etcd:certificates", "easyrsa:client")
	m.waitActive(4 * time.Minute)
	nc := c.at(m.endpoint("new-etcd/0"))
	fresh := nc.clusterID()
	r = m.mustComplete("new-etcd/0", "restore")
	if r["restore.initial-cluster"] == "" {
		t.Errorf("restore results %v", r)
	}
	restored := nc.clusterID()
	if restored == oldCluster || restored == fresh {
		t.Errorf("cluster ID after restore %s; old application %s, before restore %s", restored, oldCluster, fresh)
	}
	m.must("add-unit", "new-etcd", "-n", "2")
	m.waitActive(5 * time.Minute)
	r = m.mustComplete("new-etcd/0", "health")
	if !strings.HasSuffix(r["output"], "cluster is healthy") || strings.Count(r["output"], " is healthy:") != 3 {
		t.Errorf("health of the grown cluster:\n%s", r["output"])
	}
	for _, unit := range []string{"new-etcd/0", "new-etcd/1", "new-etcd/2"} {
		at := c.at(m.endpoint(unit))
		for k, v := range keys {
			if got := strings.TrimSpace(at.must("get", "--print-value-only", "--consistency", "s", k)); got != v {
				t.Errorf("%s: %s = %q, want %q", unit, k, got, v)
			}
		}
	}

	// restore on the three-unit application works as layer-etcd's does:
	// on the leader, the other members removed once the snapshot proved
	// good, and the followers rejoin the restored cluster (force_rejoin),
	// their old data moved aside. A key written since the snapshot is gone.
	_, leader := m.units("new-etcd")
	lc := c.at(m.endpoint(leader))
	lc.must("put", "/after/snapshot", "not in the snapshot")
	before3 := lc.clusterID()
	r = m.mustComplete(leader, "restore")
	if r["restore.initial-cluster"] == "" {
		t.Errorf("restore on 3 units: results %v", r)
	}
	after3 := lc.clusterID()
	if after3 == before3 {
		t.Errorf("cluster ID %s unchanged by the restore on 3 units", after3)
	}
	waitRejoined(t, m, c, "new-etcd", after3, 3, 4*time.Minute)
	waitMessages(t, m, "new-etcd", "Healthy with 3 known peers", 3*time.Minute)
	for _, unit := range []string{"new-etcd/0", "new-etcd/1", "new-etcd/2"} {
		at := c.at(m.endpoint(unit))
		for k, v := range keys {
			if got := strings.TrimSpace(at.must("get", "--print-value-only", "--consistency", "s", k)); got != v {
				t.Errorf("after the restore on 3 units, %s: %s = %q, want %q", unit, k, got, v)
			}
		}
		if got := strings.TrimSpace(at.must("get", "--print-value-only", "--consistency", "s", "/after/snapshot")); got != "" {
			t.Errorf("after the restore on 3 units, %s still holds a key written after the snapshot: %q", unit, got)
		}
	}
	r = m.mustComplete(leader, "health")
	if !strings.HasSuffix(r["output"], "cluster is healthy") || strings.Count(r["output"], " is healthy:") != 3 {
		t.Errorf("health after the restore on 3 units:\n%s", r["output"])
	}

	// One member's etcd stops answering (paused): health names it and fails.
	pid := m.etcdPID("new-etcd/2")
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	res := m.runAction("new-etcd/0", "health")
	stopped := m.endpoint("new-etcd/2")
	if res.Status != "failed" || !strings.Contains(res.Message, "is unhealthy: got unhealthy result from "+stopped) || !strings.HasSuffix(res.Message, "cluster is unhealthy") {
		t.Errorf("health with %s paused: %s\n%s", stopped, res.Status, res.Message)
	}
}

// waitRejoined waits until every unit of app serves the cluster clusterID
// and its member list holds n started voters.
func waitRejoined(t *testing.T, m *model, c *client, app, clusterID string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var off []string
		for name, u := range m.status().Applications[app].Units {
			at := c.at("https://" + u.PublicAddress + ":2379")
			if id, err := at.tryClusterID(); err != nil || id != clusterID {
				off = append(off, fmt.Sprintf("%s: cluster %q (%v)", name, id, err))
				continue
			}
			out, err := at.run("member", "list", "-w", "simple")
			if voters := strings.Count(out, ", started, ") - strings.Count(out, ", true\n"); err != nil || voters != n {
				off = append(off, fmt.Sprintf("%s: %d started voters (%v)", name, voters, err))
			}
		}
		if len(off) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %s has not rejoined cluster %s: %v", timeout, app, clusterID, off)
		}
		time.Sleep(time.Second)
	}
}

// waitMessages waits until every unit of app shows message.
func waitMessages(t *testing.T, m *model, app, message string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var off []string
		for name, u := range m.status().Applications[app].Units {
			if u.WorkloadStatus.Message != message {
				off = append(off, name+": "+u.WorkloadStatus.Message)
			}
		}
		if len(off) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, not every %s unit says %q: %v", timeout, app, message, off)
		}
		time.Sleep(time.Second)
	}
}

// etcdPID finds the etcd process of unit's machine (the fake snapd runs it
// as <root>/snap/etcd/<rev>/bin/etcd --config-file <root>/var/snap/...).
func (m *model) etcdPID(unit string) int {
	m.t.Helper()
	root := strings.TrimSpace(m.must("exec", unit, "--", "printenv", "SNAPPY_GLOBAL_ROOT"))
	if !filepath.IsAbs(root) {
		m.t.Fatalf("%s: SNAPPY_GLOBAL_ROOT is %q", unit, root)
	}
	conf := filepath.Join(root, "var/snap/etcd/common/etcd.conf.yml")
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) == 3 && strings.HasSuffix(args[0], "/bin/etcd") && args[2] == conf {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			return pid
		}
	}
	m.t.Fatalf("no etcd process for %s (%s)", unit, conf)
	return 0
}
