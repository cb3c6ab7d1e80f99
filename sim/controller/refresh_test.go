package controller

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/juju/charm/v12"
)

// charmFrom writes a charm dir with the given metadata storage/relation
// sections (and manifest bases) and reads it with juju/charm.
func charmFrom(t *testing.T, meta, manifest string) charm.Charm {
	t.Helper()
	dir := t.TempDir()
	md := "name: app\nsummary: s\ndescription: d\n" + meta
	if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if manifest != "" {
		if err := os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := charm.ReadCharmDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

const (
	amd64Jammy     = "bases:\n- name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64]\n"
	bothArchsJammy = "bases:\n- name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64, arm64]\n"
	nobleOnly      = "bases:\n- name: ubuntu\n  channel: \"24.04\"\n  architectures: [amd64]\n"
)

func TestCheckCharmUpgrade(t *testing.T) {
	fsData := "storage:\n  data:\n    type: filesystem\n"
	dbProvider := "provides:\n  db:\n    interface: etcd\n"
	peers := "peers:\n  cluster:\n    interface: etcd-peer\n"
	inDB := []relationInUse{{Key: "app:db client:db", Endpoint: charm.Relation{Name: "db", Interface: "etcd", Role: charm.RoleProvider}}}
	inCluster := []relationInUse{{Key: "app:cluster", Endpoint: charm.Relation{Name: "cluster", Interface: "etcd-peer", Role: charm.RolePeer}}}
	base := upgradeState{Base: "ubuntu@22.04", Archs: []string{"amd64"}, Units: 3}
	with := func(f func(*upgradeState)) upgradeState { s := base; f(&s); return s }
	cases := []struct {
		name         string
		old, new, mf string
		st           upgradeState
		want         string
	}{
		{"same charm", fsData, fsData, amd64Jammy, base, ""},
		{"storage type changed to block", fsData, "storage:\n  data:\n    type: block\n", amd64Jammy, base,
			`existing storage "data" type changed from "filesystem" to "block"`},
		{"required storage removed", "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 1-2\n", "", amd64Jammy, base,
			`required storage "data" removed`},
		{"optional storage removed while in use", "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 0-1\n", "", amd64Jammy,
			with(func(s *upgradeState) { s.StorageInUse = map[string]int{"data": 1} }), `in-use storage "data" removed`},
		{"optional unused storage removed", "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 0-1\n", "", amd64Jammy, base, ""},
		{"max shrinks", "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 0-\n", "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 0-2\n", amd64Jammy, base,
			`existing storage "data" range contracted: max decreased from <unbounded> to 2`},
		{"max grows", "storage:\n  data:\n    type: filesystem\n", "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 1-3\n", amd64Jammy, base, ""},
		{"location changed", "storage:\n  data:\n    type: filesystem\n    location: /srv/a\n", "storage:\n  data:\n    type: filesystem\n    location: /srv/b\n", amd64Jammy, base,
			`existing storage "data" location changed from "/srv/a" to "/srv/b"`},
		{"singleton with location goes multiple", "storage:\n  data:\n    type: filesystem\n    location: /srv/a\n", "storage:\n  data:\n    type: filesystem\n    location: /srv/a\n    multiple:\n      range: 1-3\n", amd64Jammy, base,
			`existing storage "data" with location changed from single to multiple`},
		{"relation in use dropped", dbProvider, "", amd64Jammy, with(func(s *upgradeState) { s.Relations = inDB }),
			`would break relation "app:db client:db"`},
		{"relation in use changes interface", dbProvider, "provides:\n  db:\n    interface: other\n", amd64Jammy, with(func(s *upgradeState) { s.Relations = inDB }),
			`would break relation "app:db client:db"`},
		{"unused relation dropped", dbProvider, "", amd64Jammy, base, ""},
		{"peer dropped with three units", peers, "", amd64Jammy, with(func(s *upgradeState) { s.Relations = inCluster }),
			`would break relation "app:cluster"`},
		{"peer dropped by a lone unit", peers, "", amd64Jammy, with(func(s *upgradeState) { s.Relations = inCluster; s.Units = 1 }), ""},
		{"base dropped", "", "", nobleOnly, base,
			`base "ubuntu@22.04" not supported by charm, the charm supported bases are: ubuntu@24.04`},
		{"arch dropped", "", "", amd64Jammy, with(func(s *upgradeState) { s.Archs = []string{"amd64", "arm64"} }),
			`requested architecture "arm64" not found in available architectures [amd64]`},
		{"arch kept", "", "", bothArchsJammy, with(func(s *upgradeState) { s.Archs = []string{"arm64"} }), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := charmFrom(t, tc.old, amd64Jammy)
			err := checkCharmUpgrade(old.Meta(), charmFrom(t, tc.new, tc.mf), tc.st)
			if got := errString(err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
