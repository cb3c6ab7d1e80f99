package charm

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
)

// TestStatuses checks every status string of the reference (§4) the
// stand-in can reach, each from the state that makes the original set it.
func TestStatuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*model)
		unit  string
		hook  string
		want  juju.Status
	}{
		{"no certificates relation", func(m *model) {
			delete(m.units[0].tools.Relations, "certificates:1")
		}, "etcd/0", "install", juju.Status{Name: juju.StatusBlocked, Message: "Missing relation to certificate authority."}},
		{"certificates related, no unit yet", func(m *model) {
			m.units[0].tools.Relations["certificates:1"].Units = map[string]map[string]string{}
		}, "etcd/0", "install", juju.Status{Name: juju.StatusBlocked, Message: "Missing relation to certificate authority."}},
		{"one unit", func(m *model) {}, "etcd/0", "install",
			juju.Status{Name: juju.StatusActive, Message: "Healthy with 1 known peer"}},
		{"a joiner while another is unstarted", func(m *model) {
			m.mustHook("etcd/0", "install")
			m.cluster.members = append(m.cluster.members, Member{ID: "91bc3c398fb3c146", PeerURLs: "https://10.0.0.9:2380", Unstarted: true})
		}, "etcd/1", "install", juju.Status{Name: juju.StatusWaiting, Message: "Waiting to retry etcd registration"}},
		{"a joiner before the leader published leader_address", func(m *model) {}, "etcd/1", "install",
			juju.Status{Name: juju.StatusWaiting, Message: "Waiting to retry etcd registration"}},
		{"unhealthy cluster", func(m *model) {
			m.settle()
			m.cluster.unhealth = true
		}, "etcd/1", "update-status", juju.Status{Name: juju.StatusBlocked, Message: "UnHealthy with 3 known peers"}},
		{"unstarted members count once", func(m *model) {
			m.settle()
			m.cluster.members = append(m.cluster.members,
				Member{ID: "a1", PeerURLs: "https://10.0.0.8:2380", Unstarted: true},
				Member{ID: "a2", PeerURLs: "https://10.0.0.9:2380", Unstarted: true})
		}, "etcd/0", "update-status", juju.Status{Name: juju.StatusBlocked, Message: "UnHealthy with 4 known peers"}},
		{"local member unreachable", func(m *model) {
			m.settle()
			m.cluster.up = map[string]bool{}
		}, "etcd/2", "update-status", juju.Status{Name: juju.StatusBlocked, Message: "Errored with 0 known peers"}},
		{"series upgrade", func(m *model) { m.settle() }, "etcd/1", "pre-series-upgrade",
			juju.Status{Name: juju.StatusBlocked, Message: "Series upgrade in progress"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newModel(t, 3, nil)
			if tt.name == "one unit" {
				m = newModel(t, 1, nil)
			}
			tt.setup(m)
			if code := m.hook(tt.unit, tt.hook); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if got := m.unit(tt.unit).tools.Status; got != tt.want {
				t.Errorf("status %v, want %v", got, tt.want)
			}
		})
	}
}

// "Installing etcd." is install_etcd's: certificates are in place but
// the snap is not (here: removed behind the charm's back).
func TestInstallingStatus(t *testing.T) {
	m := newModel(t, 1, nil)
	m.settle()
	u := m.units[0]
	u.snap = snaptest.NewEtcd()
	u.charm.Snap = layoutSnapd{u.snap, u.charm.Paths, func() {}}
	m.mustHook("etcd/0", "update-status")
	if i := slices.Index(u.tools.StatusHistory, juju.Status{Name: juju.StatusMaintenance, Message: "Installing etcd."}); i < 0 {
		t.Errorf("statuses %v lack maintenance Installing etcd.", u.tools.StatusHistory)
	}
	if s := u.snap.Installed("etcd"); s == nil || s.Channel != "3.4/stable" {
		t.Errorf("etcd %+v", s)
	}
}

func TestFailedInstallIsRetried(t *testing.T) {
	m := newModel(t, 1, nil)
	u := m.units[0]
	u.snap.FailNext("Install", nil) // core
	u.snap.FailNext("Install", errStore)
	if code := m.hook("etcd/0", "install"); code == 0 {
		t.Fatal("install with the store down succeeded")
	}
	m.mustHook("etcd/0", "install")
	if u.snap.Installed("etcd") == nil || u.tools.Status.Message != "Healthy with 1 known peer" {
		t.Errorf("etcd %v, status %v", u.snap.Installed("etcd"), u.tools.Status)
	}
}

var errStore = &juju.ToolError{Tool: "snapd", Code: 1, Stderr: "store unreachable"}

func TestConfig(t *testing.T) {
	tests := []struct {
		channel, count string
		installed      bool
		target         string
		snapshots      int
		err            bool
	}{
		{"auto", "auto", false, "3.4/stable", 100000, false},
		{"auto", "auto", true, "", 100000, false},
		{"3.5/stable", "auto", true, "3.5/stable", 100000, false},
		{"3.1/stable", "auto", false, "3.1/stable", 10000, false},
		{"3.2/stable", "auto", false, "3.2/stable", 100000, false},
		{"2.3/stable", "50000", false, "2.3/stable", 50000, false},
		{"latest/stable", "auto", false, "latest/stable", 0, true}, // QUIRK kept
		{"3.4/stable", "many", false, "3.4/stable", 0, true},
	}
	for _, tt := range tests {
		raw := defaultConfig()
		raw["channel"], raw["snapshot_count"] = tt.channel, tt.count
		c, err := ParseConfig(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.TargetChannel(tt.installed); got != tt.target {
			t.Errorf("%s installed=%v: target %q, want %q", tt.channel, tt.installed, got, tt.target)
		}
		n, err := c.SnapshotCountValue()
		if (err != nil) != tt.err || n != tt.snapshots {
			t.Errorf("%s/%s: snapshot count %d, %v; want %d (error %v)", tt.channel, tt.count, n, err, tt.snapshots, tt.err)
		}
	}
	raw := defaultConfig()
	delete(raw, "port")
	if _, err := ParseConfig(raw); err == nil || !strings.Contains(err.Error(), "port") {
		t.Errorf("config without port: %v", err)
	}
}

// Outputs of etcdctl 3.4's v2 commands (etcdctl/ctlv2/command).
func TestParseEtcdctl(t *testing.T) {
	list := "8e9e05c52164694d: name=etcd0 peerURLs=https://10.0.0.1:2380 clientURLs=https://10.0.0.1:2379 isLeader=true\n" +
		"91bc3c398fb3c146[unstarted]: peerURLs=https://10.0.0.2:2380\n"
	want := []Member{
		{ID: "8e9e05c52164694d", Name: "etcd0", PeerURLs: "https://10.0.0.1:2380", ClientURLs: "https://10.0.0.1:2379"},
		{ID: "91bc3c398fb3c146", PeerURLs: "https://10.0.0.2:2380", Unstarted: true},
	}
	if got := ParseMemberList(list); !reflect.DeepEqual(got, want) {
		t.Errorf("member list\n got %+v\nwant %+v", got, want)
	}
	add := "Added member named etcd1 with ID 91bc3c398fb3c146 to cluster\n\n" +
		"ETCD_NAME=\"etcd1\"\nETCD_INITIAL_CLUSTER=\"etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380\"\n" +
		"ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n"
	if got := ParseInitialCluster(add); got != "etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380" {
		t.Errorf("initial cluster %q", got)
	}
	if v, err := ParseVersion("etcdctl version: 3.4.23\nAPI version: 3.4\n"); err != nil || v != "3.4.23" {
		t.Errorf("version %q, %v", v, err)
	}
	if _, err := ParseVersion("No help topic for 'version'\n"); err == nil {
		t.Error("a v2-only etcdctl's answer parsed as a version")
	}
	if got := KnownPeers(ParseMemberList(list)); got != 2 {
		t.Errorf("known peers %d", got)
	}
	if got := ProxyCluster(ParseMemberList(list)); got != "etcd0=https://10.0.0.1:2380" {
		t.Errorf("proxy cluster %q", got)
	}
}

func TestBuildURI(t *testing.T) {
	for addr, want := range map[string]string{
		"10.0.0.1": "https://10.0.0.1:2379", "fd00::1": "https://[fd00::1]:2379", "etcd.example": "https://etcd.example:2379",
	} {
		if got := BuildURI("https", addr, 2379); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}

// With bind_to_all_interfaces=false etcd listens on the bindings'
// addresses; bind_with_insecure_http adds the insecure local listener
// first; tls_cipher_suites replaces the default list.
func TestBindAndListenOptions(t *testing.T) {
	m := newModel(t, 1, map[string]any{
		"bind_to_all_interfaces": false, "bind_with_insecure_http": true,
		"tls_cipher_suites": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "port": int64(2479), "management_port": int64(2480),
	})
	u := m.units[0]
	u.tools.Network[EndpointCluster] = juju.Network{BindAddresses: []string{"fd00::5", "192.168.1.5"}, IngressAddresses: []string{"fd00::5", "192.168.1.5"}}
	m.mustHook("etcd/0", "install")
	conf := readConf(t, u.charm.Paths)
	for k, want := range map[string]any{
		"listen-peer-urls":            "https://192.168.1.5:2480",
		"initial-advertise-peer-urls": "https://192.168.1.5:2480",
		"listen-client-urls":          "http://127.0.0.1:4001,https://10.0.0.1:2479",
		"advertise-client-urls":       "https://10.0.0.1:2479",
		"cipher-suites":               []any{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
	} {
		if !reflect.DeepEqual(conf[k], want) {
			t.Errorf("%s = %#v, want %#v", k, conf[k], want)
		}
	}
	if u.tools.LeaderData["leader_address"] != "https://192.168.1.5:2479" || !slices.Equal(u.tools.Ports, []string{"2479/tcp"}) {
		t.Errorf("leader_address %q ports %v", u.tools.LeaderData["leader_address"], u.tools.Ports)
	}
	// The stand-in's own etcdctl calls go to its client URL (the
	// original's 127.0.0.1:2379 has no listener with these options).
	if !slices.Contains(m.cluster.calls, "member list https://10.0.0.1:2479") {
		t.Errorf("etcdctl calls %v", m.cluster.calls)
	}
}

// A tuning change on the leader re-renders, restarts and (QUIRK kept)
// moves leader_address to the management port; followers re-render and
// restart.
func TestConfigChange(t *testing.T) {
	m := newModel(t, 2, nil)
	m.settle()
	for _, u := range m.units {
		u.tools.Config["heartbeat_interval"] = int64(200)
		u.snap.Calls()
		m.mustHook(u.name, "config-changed")
		if got := readConf(t, u.charm.Paths)["heartbeat-interval"]; got != 200 {
			t.Errorf("%s: heartbeat-interval %v", u.name, got)
		}
		if !slices.Contains(u.snap.Calls(), "Restart etcd.etcd") {
			t.Errorf("%s did not restart etcd", u.name)
		}
	}
	if got := m.units[0].tools.LeaderData["leader_address"]; got != "https://10.0.0.1:2380" {
		t.Errorf("leader_address %q, want the management port", got)
	}
	// A quiet hook changes nothing.
	m.units[1].snap.Calls()
	m.mustHook("etcd/1", "update-status")
	if slices.Contains(m.units[1].snap.Calls(), "Restart etcd.etcd") {
		t.Error("update-status restarted etcd")
	}
}

// upgrade-charm re-renders and restarts (remove_states).
func TestUpgradeCharmRerenders(t *testing.T) {
	m := newModel(t, 1, nil)
	m.settle()
	u := m.units[0]
	if err := os.WriteFile(u.charm.Paths.ConfFile(), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.snap.Calls()
	m.mustHook("etcd/0", "upgrade-charm")
	if readConf(t, u.charm.Paths)["enable-v2"] != true || !slices.Contains(u.snap.Calls(), "Restart etcd.etcd") {
		t.Error("upgrade-charm did not re-render and restart")
	}
}

// A follower that becomes leader re-runs the leader init: it restarts
// and points leader_address and cluster at itself (reference §4).
func TestNewLeaderReinitialises(t *testing.T) {
	m := newModel(t, 3, nil)
	m.settle()
	m.units[0].tools.Leader = false
	m.units[1].tools.Leader = true
	m.leader = "etcd/1"
	u := m.units[1]
	u.snap.Calls()
	m.mustHook("etcd/1", "leader-elected")
	if got := u.tools.LeaderData; got["leader_address"] != "https://10.0.0.2:2379" || got["cluster"] != "etcd1=https://10.0.0.2:2380" {
		t.Errorf("leader data %v", got)
	}
	conf := readConf(t, u.charm.Paths)
	if conf["initial-cluster-state"] != "new" || conf["initial-cluster"] != "etcd1=https://10.0.0.2:2380" {
		t.Errorf("conf state %v cluster %v", conf["initial-cluster-state"], conf["initial-cluster"])
	}
	if !slices.Contains(u.snap.Calls(), "Restart etcd.etcd") {
		t.Error("the new leader did not restart etcd")
	}
	if u.tools.LeaderData["token"] != m.units[0].tools.LeaderData["token"] {
		t.Error("the token changed with the leader")
	}
}

// stop removes the unit's own member through leader_address; when that
// keeps failing the unit is blocked and the hook still succeeds.
func TestStop(t *testing.T) {
	m := newModel(t, 3, nil)
	m.settle()
	m.mustHook("etcd/2", "stop")
	if got := memberNames(m.cluster.members); !slices.Equal(got, []string{"etcd0", "etcd1"}) {
		t.Errorf("members after etcd/2 stopped: %v", got)
	}
	if !slices.ContainsFunc(m.cluster.calls, func(c string) bool { return strings.HasPrefix(c, "member remove https://10.0.0.1:2379 ") }) {
		t.Errorf("calls %v", m.cluster.calls)
	}

	// The leader unreachable: ten tries, then blocked.
	m.units[1].tools.LeaderData["leader_address"] = "https://10.0.0.99:2379"
	m.cluster.calls = nil
	m.mustHook("etcd/1", "stop")
	tries := 0
	for _, c := range m.cluster.calls {
		if strings.HasPrefix(c, "member remove") {
			tries++
		}
	}
	if tries != 10 || m.units[1].tools.Status.Message != "Unregistration failed for the departing unit/s." {
		t.Errorf("%d tries, status %v", tries, m.units[1].tools.Status)
	}
}

// A follower whose peer URL is already a member (a registration that
// did not finish) removes it and registers again.
func TestRegisterReplacesOwnStaleMember(t *testing.T) {
	m := newModel(t, 2, nil)
	m.mustHook("etcd/0", "install")
	m.cluster.members = append(m.cluster.members, Member{ID: "dead", PeerURLs: "https://10.0.0.2:2380", Unstarted: true})
	m.mustHook("etcd/1", "install")
	if !slices.Contains(m.cluster.calls, "member remove https://10.0.0.1:2379 dead") {
		t.Errorf("calls %v", m.cluster.calls)
	}
	if got := memberNames(m.cluster.members); !slices.Equal(got, []string{"etcd0", "etcd1"}) {
		t.Errorf("members %v", got)
	}
}

// data-storage-attached: format, mount on /media/etcd, copy the data,
// fstab, data-dir on the volume, removable-media connected.
func TestStorageAttached(t *testing.T) {
	m := newModel(t, 1, nil)
	m.settle()
	u := m.units[0]
	p := u.charm.Paths
	// Data etcd wrote in the snap's data dir, "current" a symlink.
	rev := filepath.Join(p.Root, "var/snap/etcd/x1")
	if err := os.MkdirAll(filepath.Join(rev, "member/snap"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rev, "member/snap/db"), []byte("bolt"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(p.DefaultDataDir()); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("x1", p.DefaultDataDir()); err != nil {
		t.Fatal(err)
	}
	u.tools.Storage["data/0"] = juju.Storage{Kind: "block", Location: "/dev/loop7"}
	ev := juju.Event{Kind: juju.HookKind, Name: "data-storage-attached", Unit: "etcd/0", StorageID: "data/0", CharmDir: u.charmDir}
	if code := u.tools.Run(context.Background(), ev, u.charm.Handle, os.Stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := []string{"mkfs.ext4 /dev/loop7 -F", "mount /dev/loop7 " + p.StorageMount()}; !slices.Equal(u.volume.calls, want) {
		t.Errorf("volume calls %v, want %v", u.volume.calls, want)
	}
	if got := readFile(t, filepath.Join(p.StorageDataDir(), "member/snap/db")); got != "bolt" {
		t.Errorf("data not copied: %q", got)
	}
	if got := readFile(t, p.Fstab()); got != "/dev/loop7 "+p.StorageMount()+" ext4 defaults 0 0" {
		t.Errorf("fstab %q", got)
	}
	if got := readConf(t, p)["data-dir"]; got != filepath.Join(p.Root, "media/etcd/data") {
		t.Errorf("data-dir %v", got)
	}
	if !slices.Equal(u.connect, []string{"removable-media removable-media"}) {
		t.Errorf("connections %v", u.connect)
	}
	// Again (already mounted): nothing is formatted twice.
	u.volume.calls = nil
	if code := u.tools.Run(context.Background(), ev, u.charm.Handle, os.Stderr); code != 0 || len(u.volume.calls) != 0 {
		t.Errorf("exit %d, volume calls %v", code, u.volume.calls)
	}
}

// The etcd resource, when not empty, is sideloaded instead of the store.
func TestEtcdResource(t *testing.T) {
	m := newModel(t, 1, nil)
	u := m.units[0]
	empty := filepath.Join(t.TempDir(), "etcd.snap")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	u.tools.Resources["etcd"] = empty
	m.mustHook("etcd/0", "install")
	if s := u.snap.Installed("etcd"); s == nil || s.Local || s.Channel != "3.4/stable" {
		t.Errorf("with an empty resource: %+v", s)
	}
}
