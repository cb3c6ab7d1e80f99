package hooks

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// layerEtcdWorld is what a three-unit layer-etcd deployment leaves behind
// before `juju refresh`: one cluster (etcd0 bootstrapped it, the others
// were added as voters), on each machine the etcd 3.4 snap running with
// layer-etcd's etcd.conf.yml on /var/snap/etcd/current, leader settings
// token/cluster/leader_address, only db-ingress-address on `cluster`, and
// nothing in Juju's unit state.
func layerEtcdWorld(t *testing.T) *scenario {
	t.Helper()
	s := newScenario(t, 3)
	peer := func(n int) string { return "https://" + addr("1", n) + ":2380" }
	client := func(n int) string { return "https://" + addr("0", n) + ":2379" }
	s.etcd = etcdtest.New("etcd0", peer(0), client(0))
	ctx := context.Background()
	cl, err := s.etcd.Dial(ctx, []string{client(0)}, etcd.TLS{})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < 3; n++ {
		m, _, err := cl.AddLearner(ctx, peer(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.etcd.StartMember(peer(n), relations.MemberName(s.units[n].name), client(n)); err != nil {
			t.Fatal(err)
		}
		if err := cl.Promote(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	golden, err := os.ReadFile("../charm/testdata/layer-etcd-3.4-existing.conf.yml")
	if err != nil {
		t.Fatal(err)
	}
	s.leaderData["token"] = "AB12CD"
	s.leaderData["cluster"] = "etcd0=" + peer(0)
	s.leaderData["leader_address"] = "https://" + addr("1", 0) + ":2379"
	for _, u := range s.units {
		name := relations.MemberName(u.name)
		cluster, state := "etcd0="+peer(0), "new"
		if u.n > 0 {
			cluster, state = "etcd0="+peer(0)+","+name+"="+peer(u.n), "existing"
		}
		conf := string(golden)
		for _, r := range [][2]string{
			{"name: etcd1", "name: " + name},
			{"data-dir: /var/snap/etcd/current", "data-dir: " + u.paths.SnapData()},
			{"initial-advertise-peer-urls: https://10.0.0.2:2380", "initial-advertise-peer-urls: " + peer(u.n)},
			{"advertise-client-urls: https://10.0.0.2:2379", "advertise-client-urls: " + client(u.n)},
			{"initial-cluster: etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380", "initial-cluster: " + cluster},
			{"initial-cluster-state: existing", "initial-cluster-state: " + state},
			{"/var/snap/etcd/common", u.paths.SnapCommon()},
		} {
			if !strings.Contains(conf, r[0]) {
				t.Fatalf("golden has no %q", r[0])
			}
			conf = strings.ReplaceAll(conf, r[0], r[1])
		}
		// The original's member: its data dir holds a WAL.
		wal := filepath.Join(u.paths.SnapData(), "member", "wal")
		if err := os.MkdirAll(wal, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(wal, "0000000000000000-0000000000000000.wal"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(u.paths.SnapCommon(), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(u.paths.ConfigFile(), []byte(conf), 0o444); err != nil {
			t.Fatal(err)
		}
		if err := u.snapd.Install(ctx, "etcd", "3.4/stable"); err != nil {
			t.Fatal(err)
		}
		if err := u.snapd.SetActive(charm.ServiceName, true); err != nil {
			t.Fatal(err)
		}
		u.tools.Relations["cluster:0"].LocalUnitData["db-ingress-address"] = addr("0", u.n)
		db := u.tools.AddRelation("db:5", "kubernetes-control-plane")
		db.Units["kubernetes-control-plane/0"] = map[string]string{}
		u.snapd.Calls()
	}
	s.syncPeers()
	s.changed = map[string]map[string]bool{}
	return s
}

// TestRefreshFromLayerEtcdAdoptsEveryMember: units refreshed one at a time
// from layer-etcd (a follower first, so the new charm lives beside old
// ones, then the leader) adopt their members where they run: no etcd
// restarts, the same member IDs, unit state recording the data dir and an
// "existing" start, the v2 store kept on, leader settings as layer-etcd
// wrote them, and every unit serving clients the whole cluster.
func TestRefreshFromLayerEtcdAdoptsEveryMember(t *testing.T) {
	s := layerEtcdWorld(t)
	before := s.etcd.List()
	leaderBefore := map[string]string{"token": s.leaderData["token"], "cluster": s.leaderData["cluster"]}
	for _, n := range []int{1, 0, 2} {
		u := s.units[n]
		for _, ev := range []string{"upgrade-charm", "config-changed"} {
			s.mustRun(u, juju.Event{Name: ev})
			for _, c := range u.snapd.Calls() {
				if strings.HasPrefix(c, "Start") || strings.HasPrefix(c, "Stop") || strings.HasPrefix(c, "Restart") || strings.HasPrefix(c, "Refresh") {
					t.Fatalf("%s %s touched etcd: %s", u.name, ev, c)
				}
			}
		}
		st := charm.DecodeUnitState(u.tools.State)
		if st.DataDir != u.paths.SnapData() || st.Start.State != "existing" {
			t.Errorf("%s unit state: data dir %q, start %+v; want %q, existing", u.name, st.DataDir, st.Start, u.paths.SnapData())
		}
		conf, _, err := readConf(u)
		if err != nil {
			t.Fatal(err)
		}
		if conf.DataDir != u.paths.SnapData() || !conf.EnableV2 {
			t.Errorf("%s etcd.conf.yml: data-dir %q, enable-v2 %v", u.name, conf.DataDir, conf.EnableV2)
		}
		if p := relations.DecodePeer(u.name, u.tools.Relations["cluster:0"].LocalUnitData); p.State != relations.PeerStarted || p.DBAddress != addr("0", n) {
			t.Errorf("%s peer data %+v, want started with its db-ingress-address", u.name, p)
		}
		cs := u.tools.Relations["db:5"].LocalUnitData["connection_string"]
		if got := strings.Count(cs, "https://"); got != 3 {
			t.Errorf("%s connection_string %q, want all 3 members", u.name, cs)
		}
	}
	if order := s.settle(1, 200, nil); len(order) != 0 {
		t.Errorf("restarts after the refresh: %v", order)
	}
	if after := s.etcd.List(); !slices.EqualFunc(before, after, func(a, b etcd.Member) bool { return a.ID == b.ID && a.Name == b.Name && !b.IsLearner }) {
		t.Errorf("members changed:\nbefore %+v\nafter  %+v", before, after)
	}
	for k, v := range leaderBefore {
		if s.leaderData[k] != v {
			t.Errorf("leader setting %s = %q, want %q as layer-etcd wrote it", k, s.leaderData[k], v)
		}
	}
	for _, u := range s.units {
		if u.tools.Status.Message != "Healthy with 3 known peers" {
			t.Errorf("%s status %v", u.name, u.tools.Status)
		}
	}
}

func readConf(u *unit) (charm.EtcdConfig, []byte, error) {
	raw, err := os.ReadFile(u.paths.ConfigFile())
	if err != nil {
		return charm.EtcdConfig{}, nil, err
	}
	c, err := charm.ParseEtcdConfig(raw)
	return c, raw, err
}

// TestUnitAddedToAnAdoptedClusterInstallsItsRelease: channel "auto"
// resolved to 3.4 when layer-etcd installed it; a unit added after the
// refresh installs the release the cluster runs (in install, before any
// peer data, the channel the leader recorded), not the store's newest
// (3.6), which could not join it.
func TestUnitAddedToAnAdoptedClusterInstallsItsRelease(t *testing.T) {
	s := layerEtcdWorld(t)
	for _, n := range []int{1, 0, 2} {
		s.mustRun(s.units[n], juju.Event{Name: "upgrade-charm"})
	}
	if got := relations.DecodeLeader(s.leaderData).EtcdChannel; got != "3.4/stable" {
		t.Fatalf("leader recorded channel %q, want 3.4/stable", got)
	}
	u := s.addUnit()
	// Juju runs install before the newcomer's peers are in its relation.
	u.tools.Relations["cluster:0"].Units = map[string]map[string]string{}
	s.mustRun(u, juju.Event{Name: "install"})
	if got := u.snapd.Installed("etcd"); got == nil || got.Channel != "3.4/stable" {
		t.Errorf("new unit installed %+v, want 3.4/stable", got)
	}
}

// TestAdoptedMemberRestartsOnlyInTurnBesideLayerEtcdUnits: a refreshed
// unit whose config does need a restart (here a tuning change) while its
// peers still run layer-etcd counts them as running members: it asks for
// the restart lock and keeps etcd up until it has it, so a quorum of the
// old members stays.
func TestAdoptedMemberRestartsOnlyInTurnBesideLayerEtcdUnits(t *testing.T) {
	s := layerEtcdWorld(t)
	u := s.units[1]
	u.tools.Config["heartbeat_interval"] = int64(200)
	s.mustRun(u, juju.Event{Name: "upgrade-charm"})
	s.mustRun(u, juju.Event{Name: "config-changed"})
	for _, c := range u.snapd.Calls() {
		if strings.HasPrefix(c, "Restart") || strings.HasPrefix(c, "Stop") {
			t.Fatalf("%s restarted etcd beside layer-etcd units without the lock: %s", u.name, c)
		}
	}
	p := relations.DecodePeer(u.name, u.tools.Relations["cluster:0"].LocalUnitData)
	if p.RestartRequest == "" || p.State != relations.PeerStarted {
		t.Errorf("peer data %+v, want a started member asking to restart", p)
	}
	if conf, _, err := readConf(u); err != nil || conf.HeartbeatInterval != 100 {
		t.Errorf("etcd.conf.yml changed before the restart: heartbeat %d (%v)", conf.HeartbeatInterval, err)
	}
}
