package actions

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
	"github.com/etcd-charm/etcd-charm/relations"
)

// world is one unit (etcd/0, leader) of an application whose etcd runs as
// the fake cluster, with etcd.conf.yml written as the hooks write it.
type world struct {
	d     Deps
	tools *jujutest.Tools
	etcd  *etcdtest.Fake
	snapd *snaptest.Fake
	tool  *fakeTool
	conf  charm.EtcdConfig
}

func addr(i int) string { return "10.0.0." + string(rune('1'+i)) }

func peerURL(i int) string   { return relations.URL(addr(i), 2380) }
func clientURL(i int) string { return relations.URL(addr(i), 2379) }

// newWorld builds a cluster of n started members; the unit under test is
// etcd/0 (member etcd0). The other units are in the cluster relation with
// the peer data the hooks publish.
func newWorld(t *testing.T, n int) *world {
	t.Helper()
	paths := charm.Paths{Root: t.TempDir()}
	tools := jujutest.New("etcd/0")
	tools.Leader = true
	tools.ActionParams = map[string]any{}
	tools.Network["db"] = juju.Network{IngressAddresses: []string{addr(0)}}
	tools.Network["cluster"] = juju.Network{IngressAddresses: []string{addr(0)}}
	f := etcdtest.New("etcd0", peerURL(0), clientURL(0))
	rel := tools.AddRelation("cluster:1", "etcd")
	var initial []relations.NamedURL
	initial = append(initial, relations.NamedURL{Name: "etcd0", URL: peerURL(0)})
	for i := 1; i < n; i++ {
		name := relations.MemberName("etcd/" + string(rune('0'+i)))
		if _, _, err := f.AddLearner(context.Background(), peerURL(i)); err != nil {
			t.Fatal(err)
		}
		if err := f.StartMember(peerURL(i), name, clientURL(i)); err != nil {
			t.Fatal(err)
		}
		for _, m := range f.List() {
			if m.Name == name {
				if err := f.Promote(context.Background(), m.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		rel.Units["etcd/"+string(rune('0'+i))] = relations.Peer{Name: name, PeerURL: peerURL(i), ClientURL: clientURL(i), State: relations.PeerStarted}.Settings()
		initial = append(initial, relations.NamedURL{Name: name, URL: peerURL(i)})
	}
	cluster := relations.FormatInitialCluster(initial)
	tools.LeaderData["cluster"] = cluster
	tools.LeaderData["token"] = "ABC123"
	cfg, err := charm.ParseConfig(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	member := charm.Member{Name: "etcd0", ClusterAddress: addr(0), DBAddress: addr(0)}
	conf, err := charm.BuildEtcdConfig(cfg, paths, member, charm.Start{InitialCluster: cluster, State: "new", Token: "ABC123"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(paths.SnapCommon(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths.ConfigFile(), conf.Render(), 0o644); err != nil {
		t.Fatal(err)
	}
	snapd := snaptest.NewEtcd()
	if err := snapd.Install(context.Background(), "etcd", "3.5/stable"); err != nil {
		t.Fatal(err)
	}
	if err := snapd.Start(context.Background(), charm.ServiceName); err != nil {
		t.Fatal(err)
	}
	tool := &fakeTool{}
	return &world{
		d:     Deps{Tools: tools, Paths: paths, Snap: snapd, Dial: f.Dial, Log: io.Discard, Etcd: tool},
		tools: tools, etcd: f, snapd: snapd, tool: tool, conf: conf,
	}
}

// run runs action name on etcd/0 as Juju would and returns the exit code;
// failures show in tools.ActionFailed.
func (w *world) run(t *testing.T, name string, params map[string]any) int {
	t.Helper()
	w.tools.ActionParams = params
	if w.tools.ActionParams == nil {
		w.tools.ActionParams = map[string]any{}
	}
	w.tools.ActionResults = nil
	w.tools.ActionFailed = ""
	ev := juju.Event{Kind: juju.ActionKind, Name: name, Unit: "etcd/0", ActionID: "7"}
	return w.tools.Run(context.Background(), ev, Handler(w.d), io.Discard)
}

func (w *world) memberID(t *testing.T, name string) uint64 {
	for _, m := range w.etcd.List() {
		if m.Name == name {
			return m.ID
		}
	}
	t.Fatalf("no member %s", name)
	return 0
}

func removeFile(path string) error { return os.Remove(path) }
