package snapd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// etcdMember is a single-member etcd configuration on a loopback address
// with free ports, written the way the charm writes it: absolute paths
// under the machine root, data under $SNAP_DATA via the current symlink.
type etcdMember struct {
	name, ip        string
	client, peer    string
	root, dataDir   string
	configPath      string
	commonDirectory string
}

// serveMember writes a member's etcd.conf.yml under root, has snapd start
// the service with start (a change id) and checks that the member serves
// etcd version.
func serveMember(t *testing.T, cli *client.Client, root, version string, start func() (string, error)) etcdMember {
	t.Helper()
	m := newEtcdMember(t, root)
	m.writeConfig(t)
	id, err := start()
	mustDone(t, cli, id, err)
	if v := m.serving(t); v != version {
		t.Fatalf("etcd serves %s, snap says %s", v, version)
	}
	return m
}

func newEtcdMember(t *testing.T, root string) etcdMember {
	t.Helper()
	ip, ports := loopbackAddr(t, 2)
	m := etcdMember{name: "m0", ip: ip, root: root,
		client: fmt.Sprintf("http://%s:%d", ip, ports[0]),
		peer:   fmt.Sprintf("http://%s:%d", ip, ports[1])}
	m.commonDirectory = filepath.Join(root, "var/snap/etcd/common")
	m.configPath = filepath.Join(m.commonDirectory, "etcd.conf.yml")
	m.dataDir = filepath.Join(root, "var/snap/etcd/current", m.name+".etcd")
	return m
}

func (m etcdMember) writeConfig(t *testing.T) {
	t.Helper()
	conf := fmt.Sprintf(`name: %s
data-dir: %s
listen-client-urls: %s
advertise-client-urls: %s
listen-peer-urls: %s
initial-advertise-peer-urls: %s
initial-cluster: %s=%s
initial-cluster-state: new
initial-cluster-token: jujusim-snapd-test
`, m.name, m.dataDir, m.client, m.client, m.peer, m.peer, m.name, m.peer)
	must(t, os.MkdirAll(m.commonDirectory, 0o755))
	must(t, os.WriteFile(m.configPath, []byte(conf), 0o644))
}

// serving waits until the member answers and returns its version.
func (m etcdMember) serving(t *testing.T) string {
	t.Helper()
	cli := m.etcdClient(t)
	var version string
	testkit.WaitFor(t, 30*time.Second, "etcd at "+m.client+" to serve", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, err := cli.Status(ctx, m.client)
		if err != nil {
			return false
		}
		version = st.Version
		return true
	})
	return version
}

func (m etcdMember) etcdClient(t *testing.T) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{m.client}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func (m etcdMember) put(t *testing.T, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := m.etcdClient(t).Put(ctx, key, value); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func (m etcdMember) get(t *testing.T, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := m.etcdClient(t).Get(ctx, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if len(resp.Kvs) != 1 {
		t.Fatalf("get %s: %d values", key, len(resp.Kvs))
	}
	return string(resp.Kvs[0].Value)
}

// The acceptance scenario with real etcd: install 3.5/stable, configure,
// restart, write data; refresh to 3.6/stable and read the same data back
// from 3.6; kill -9 is restarted; Stop keeps it stopped.
func TestRealEtcdInstallRefreshSupervise(t *testing.T) {
	bins := realBins(t)
	d, cli := startDaemon(t, Config{Bins: bins, RestartDelay: 200 * time.Millisecond})
	root := d.cfg.Root

	_, _, err := cli.Snap("etcd")
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapNotFound {
		t.Fatalf("before install: %+v", ce)
	}
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
	s, _, err := cli.Snap("etcd")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Version, "3.5.") || s.TrackingChannel != "3.5/stable" || len(s.Apps) != 3 ||
		s.Apps[0].Name != "etcd" || s.Apps[0].Daemon != "simple" || s.Apps[1].Name != "etcdctl" {
		t.Fatalf("installed: %s %s %+v", s.Version, s.TrackingChannel, s.Apps)
	}

	m := serveMember(t, cli, root, s.Version, func() (string, error) {
		return cli.Restart([]string{"etcd.etcd"}, client.RestartOptions{})
	})
	m.put(t, "/jujusim/survives", "refresh")
	out, err := runWrapper(filepath.Join(root, "snap/bin/etcd.etcdctl"), "--endpoints", m.client, "member", "list")
	if err != nil || !strings.Contains(out, m.name) || !strings.Contains(out, m.peer) {
		t.Fatalf("etcd.etcdctl member list: %q %v", out, err)
	}

	id, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.6/stable", Amend: true})
	mustDone(t, cli, id, err)
	s2, _, _ := cli.Snap("etcd")
	if !strings.HasPrefix(s2.Version, "3.6.") || s2.TrackingChannel != "3.6/stable" {
		t.Fatalf("refreshed: %s %s", s2.Version, s2.TrackingChannel)
	}
	if v := m.serving(t); v != s2.Version {
		t.Fatalf("after refresh serving %s, want %s", v, s2.Version)
	}
	if got := m.get(t, "/jujusim/survives"); got != "refresh" {
		t.Fatalf("data after refresh: %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "var/snap/etcd", s.Revision.String(), "m0.etcd/member")); err != nil {
		t.Fatalf("3.5 data not kept for revert: %v", err)
	}
	out, err = runWrapper(filepath.Join(root, "snap/bin/etcd.etcdutl"), "version")
	if err != nil || !strings.Contains(out, s2.Version) {
		t.Fatalf("etcd.etcdutl version: %q %v", out, err)
	}

	pid := d.sup.pid("etcd.etcd")
	must(t, syscall.Kill(pid, syscall.SIGKILL))
	testkit.WaitFor(t, 10*time.Second, "the supervisor to restart etcd", func() bool {
		p := d.sup.pid("etcd.etcd")
		return p != 0 && p != pid
	})
	if got := m.get(t, "/jujusim/survives"); got != "refresh" {
		t.Fatalf("data after kill -9: %q", got)
	}

	id, err = cli.Stop([]string{"etcd.etcd"}, client.StopOptions{})
	mustDone(t, cli, id, err)
	time.Sleep(time.Second) // several restart delays
	if p := d.sup.pid("etcd.etcd"); p != 0 {
		t.Fatalf("stopped etcd runs as pid %d", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := m.etcdClient(t).Status(ctx, m.client); err == nil {
		t.Fatal("a stopped etcd still answers")
	}
	if a := serviceState(t, cli); a.Active || !a.Enabled {
		t.Fatalf("after stop: %+v", a)
	}
}

// Debian's 3.4 build serves, and the charm's upgrade path 3.4 → 3.5 keeps
// the data.
func TestRealEtcd34To35(t *testing.T) {
	bins := realBins(t)
	d, cli := startDaemon(t, Config{Bins: bins})
	m := newEtcdMember(t, d.cfg.Root)
	m.writeConfig(t) // before install: the service starts serving at once
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.4"})
	mustDone(t, cli, id, err)
	if v := m.serving(t); !strings.HasPrefix(v, "3.4.") {
		t.Fatalf("3.4 serving %s", v)
	}
	m.put(t, "k", "from 3.4")
	id, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
	if v := m.serving(t); !strings.HasPrefix(v, "3.5.") {
		t.Fatalf("3.5 serving %s", v)
	}
	if got := m.get(t, "k"); got != "from 3.4" {
		t.Fatalf("data after 3.4 → 3.5: %q", got)
	}
}

// The image `make etcd-snap` builds sideloads as x1 and runs.
func TestRealEtcdSnapSideload(t *testing.T) {
	bins := realBins(t)
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		t.Skip("mksquashfs not found: install Debian's squashfs-tools (.ci/run does)")
	}
	snapFile := os.Getenv("ETCD_SNAP")
	if snapFile == "" {
		snapFile = filepath.Join(t.TempDir(), "etcd.snap")
		script := filepath.Join(testkit.RepoRoot(), "scripts", "etcd-snap.sh")
		cmd := exec.Command(script, bins, snapFile)
		cmd.Env = append(os.Environ(), "MKSQUASHFS_OPTS=-noI -noD -noF -noX")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("etcd-snap.sh: %v\n%s", err, out)
		}
	}
	d, cli := startDaemon(t, Config{Bins: bins})
	id, err := cli.InstallPath(snapFile, "", &client.SnapOptions{Dangerous: true})
	mustDone(t, cli, id, err)
	s, _, err := cli.Snap("etcd")
	if err != nil || s.Revision.String() != "x1" {
		t.Fatalf("sideloaded: %v %+v", err, s)
	}
	m := serveMember(t, cli, d.cfg.Root, s.Version, func() (string, error) {
		return cli.Start([]string{"etcd"}, client.StartOptions{})
	})
	m.put(t, "k", "v")
}
