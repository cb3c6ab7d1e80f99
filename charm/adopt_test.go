package charm

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/relations"
)

func layerEtcdConf(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/layer-etcd-3.4-existing.conf.yml")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestPlanAdoption(t *testing.T) {
	original := layerEtcdConf(t)
	has := func(dirs ...string) func(string) bool {
		return func(d string) bool { return slices.Contains(dirs, d) }
	}
	adopted := Adoption{
		DataDir: "/var/snap/etcd/current",
		Start:   Start{InitialCluster: "etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380", State: "existing", Token: "AB12CD"},
	}
	cases := []struct {
		name string
		v    AdoptView
		want Adoption
	}{
		{"layer-etcd's member on its data dir is adopted",
			AdoptView{Name: "etcd1", Running: original, HasMember: has("/var/snap/etcd/current")}, adopted},
		{"no config on disk: a fresh unit",
			AdoptView{Name: "etcd1", HasMember: has("/var/snap/etcd/current")}, Adoption{}},
		{"a data dir without a member: etcd never ran there",
			AdoptView{Name: "etcd1", Running: original, HasMember: has()}, Adoption{}},
		{"the config names another member",
			AdoptView{Name: "etcd2", Running: original, HasMember: has("/var/snap/etcd/current")}, Adoption{}},
		{"this charm started etcd already",
			AdoptView{Name: "etcd1", Running: original, HasMember: has("/var/snap/etcd/current"),
				Stored: UnitState{Start: Start{State: "new", InitialCluster: "etcd1=https://10.0.0.2:2380"}}}, Adoption{}},
		{"adopted already",
			AdoptView{Name: "etcd1", Running: original, HasMember: has("/var/snap/etcd/current"),
				Stored: UnitState{DataDir: "/var/snap/etcd/current"}}, Adoption{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PlanAdoption(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("PlanAdoption = %+v, want %+v", got, c.want)
			}
		})
	}
	if _, err := PlanAdoption(AdoptView{Name: "etcd1", Running: []byte("name: [etcd1"), HasMember: has()}); err == nil {
		t.Error("a config that does not parse was adopted or ignored silently")
	}
}

func TestLegacyPeer(t *testing.T) {
	cfg := Config{Port: 2379}
	cases := []struct {
		name string
		in   relations.Peer
		want relations.Peer
		ok   bool
	}{
		{"a registered layer-etcd unit is a started member",
			relations.Peer{Unit: "etcd/2", DBAddress: "10.0.0.3"},
			relations.Peer{Unit: "etcd/2", Name: "etcd2", DBAddress: "10.0.0.3", ClientURL: "https://10.0.0.3:2379", State: relations.PeerStarted}, true},
		{"a unit that published nothing yet",
			relations.Peer{Unit: "etcd/2"}, relations.Peer{Unit: "etcd/2"}, false},
		{"a unit on this charm",
			relations.Peer{Unit: "etcd/2", Name: "etcd2", DBAddress: "10.0.0.3", State: relations.PeerReady},
			relations.Peer{Unit: "etcd/2", Name: "etcd2", DBAddress: "10.0.0.3", State: relations.PeerReady}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := LegacyPeer(c.in, cfg)
			if got != c.want || ok != c.ok {
				t.Errorf("LegacyPeer = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// ourRender is this charm's etcd.conf.yml for the member the layer-etcd
// golden describes, adopted on its data dir.
func ourRender(t *testing.T, cfg Config, enableV2 bool) []byte {
	t.Helper()
	p := Paths{Root: "/"}
	m := Member{Name: "etcd1", ClusterAddress: "10.0.0.2", DBAddress: "10.0.0.2"}
	start := Start{InitialCluster: "etcd0=https://10.0.0.1:2380,etcd1=https://10.0.0.2:2380", State: "existing", Token: "AB12CD"}
	ec, err := BuildEtcdConfig(cfg, p, m, start, "")
	if err != nil {
		t.Fatal(err)
	}
	ec.DataDir = "/var/snap/etcd/current"
	out := ec.Render()
	if enableV2 {
		out = []byte(strings.Replace(string(out), "name: etcd1\n", "name: etcd1\nenable-v2: true\n", 1))
	}
	return out
}

func TestEffectDiff(t *testing.T) {
	original := layerEtcdConf(t)
	defaults, err := ParseConfig(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	tuned := defaults
	tuned.HeartbeatInterval = 200
	cases := []struct {
		name      string
		running   []byte
		rendered  []byte
		hasData   bool
		wantDiffs []string
	}{
		{"layer-etcd's file and ours with the v2 store on: the same etcd", original, ourRender(t, defaults, true), true, nil},
		{"ours without the v2 store turns it off", original, ourRender(t, defaults, false), true, []string{"enable-v2"}},
		{"a tuning change needs a restart", original, ourRender(t, tuned, true), true, []string{"heartbeat-interval"}},
		{"initial settings matter before the member exists", original,
			[]byte(strings.Replace(string(ourRender(t, defaults, true)), "initial-cluster-state: existing", "initial-cluster-state: new", 1)),
			false, []string{"initial-cluster-state"}},
		{"initial settings are ignored once it does", original,
			[]byte(strings.Replace(string(ourRender(t, defaults, true)), "initial-cluster-state: existing", "initial-cluster-state: new", 1)),
			true, nil},
		{"a key etcd has no known default for", []byte("name: a\nunsafe-no-fsync: true\n"), []byte("name: a\n"), true, []string{"unsafe-no-fsync"}},
		{"another data dir", original, []byte(strings.Replace(string(ourRender(t, defaults, true)), "data-dir: /var/snap/etcd/current", "data-dir: /var/snap/etcd/current/etcd1.etcd", 1)),
			true, []string{"data-dir"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := EffectDiff(c.running, c.rendered, c.hasData)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.wantDiffs) {
				t.Errorf("EffectDiff = %v, want %v", got, c.wantDiffs)
			}
		})
	}
}
