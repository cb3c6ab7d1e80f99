package actions

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/relations"
)

// rebuildWorld is a 3-unit application whose etcd0 (the leader's) has
// data; lost names the members whose machines are gone. Once etcd starts
// on the rebuilt data, the cluster the unit sees is a new one-member one
// (a new cluster ID), as etcd's restore makes it.
func rebuildWorld(t *testing.T, lost ...string) (*world, string) {
	t.Helper()
	w := newWorld(t, 3)
	w.d.Now = fixedClock(time.Date(2026, 12, 4, 3, 4, 5, 0, time.UTC))
	dataDir := w.conf.DataDir
	for _, f := range []string{"member/snap/db", "member/wal/0.wal"} {
		if err := os.MkdirAll(filepath.Join(dataDir, filepath.Dir(f)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dataDir, f), []byte("survivor's "+f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range lost {
		if err := w.etcd.StopMember(w.memberID(t, name)); err != nil {
			t.Fatal(err)
		}
	}
	current := w.etcd
	w.d.Dial = func(ctx context.Context, endpoints []string, tls etcd.TLS) (etcd.Cluster, error) {
		return current.Dial(ctx, endpoints, tls)
	}
	starts := 0
	w.d.Snap = startHook{Fake: w.snapd, n: &starts, onStart: func(int) {
		if conf, _ := os.ReadFile(w.d.Paths.ConfigFile()); strings.Contains(string(conf), "initial-cluster: etcd0=https://10.0.0.1:2380\n") {
			current = etcdtest.New("etcd0", peerURL(0), clientURL(0))
		}
	}}
	return w, dataDir
}

func TestRebuildCluster(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lost   []string
		params map[string]any
	}{
		{"2 of 3 lost", []string{"etcd1", "etcd2"}, map[string]any{"force": false}},
		{"quorum holds, forced", nil, map[string]any{"force": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, dataDir := rebuildWorld(t, tc.lost...)
			if code := w.run(t, "rebuild-cluster", tc.params); code != 0 || w.tools.ActionFailed != "" {
				t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
			}
			// The new member's data is etcd's restore of this member's db.
			if got, err := os.ReadFile(filepath.Join(dataDir, "member", "snap", "db")); err != nil || string(got) != "survivor's member/snap/db" {
				t.Errorf("rebuilt db %q (%v), want the survivor's", got, err)
			}
			if len(w.tool.restored) != 1 || !w.tool.restored[0].SkipHashCheck || w.tool.restored[0].InitialCluster != "etcd0=https://10.0.0.1:2380" {
				t.Fatalf("restores %+v", w.tool.restored)
			}
			r := w.tools.ActionResults
			if r["rebuild.dropped"] != "etcd1,etcd2" || r["rebuild.initial-cluster"] != "etcd0=https://10.0.0.1:2380" {
				t.Errorf("results %v", r)
			}
			// Nothing lost: the previous data is kept beside, whole.
			prev := w.d.Paths.Join(r["rebuild.previous-data"])
			if got, err := os.ReadFile(filepath.Join(prev, "member", "wal", "0.wal")); err != nil || !bytes.Equal(got, []byte("survivor's member/wal/0.wal")) || !strings.Contains(prev, ".pre-rebuild-") {
				t.Errorf("previous data at %q: %q %v", prev, got, err)
			}
			ld := relations.DecodeLeader(w.tools.LeaderData)
			if ld.Cluster != "etcd0=https://10.0.0.1:2380" || ld.Token == "ABC123" || len(ld.ForceRejoin) != 32 || len(ld.Joins) != 0 {
				t.Errorf("leader settings %+v", ld)
			}
			st := unitState(w.tools.State)
			if st.Rejoin != ld.ForceRejoin || st.Start.InitialCluster != ld.Cluster || st.Start.Token != ld.Token || st.Start.State != "new" {
				t.Errorf("unit state %+v", st)
			}
			for _, f := range files(t, filepath.Dir(dataDir)) {
				if strings.Contains(f, ".rebuild-") {
					t.Errorf("left behind %s", f)
				}
			}
		})
	}
}

func TestRebuildClusterRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lost    []string
		arrange func(w *world, dataDir string)
		params  map[string]any
		failed  string
	}{
		{"quorum holds", nil, nil, nil, "Quorum holds: 3 of 3 members answer;"},
		{"one of three lost: quorum holds", []string{"etcd2"}, nil, nil, "Quorum holds: 2 of 3 members answer (down: etcd2)"},
		{"not the leader", []string{"etcd1", "etcd2"}, func(w *world, _ string) { w.tools.Leader = false }, nil,
			"Run rebuild-cluster on the leader unit"},
		{"no data on this member", []string{"etcd1", "etcd2"}, func(w *world, dataDir string) {
			if err := os.RemoveAll(filepath.Join(dataDir, "member", "wal")); err != nil {
				t.Fatal(err)
			}
		}, map[string]any{"force": true}, "This unit's member has no data"},
		{"etcd's restore fails", []string{"etcd1", "etcd2"}, func(w *world, _ string) {
			w.tool.restoreErr = errors.New("etcdutl snapshot restore: exit status 1: boom")
		}, nil,
			"Cannot rebuild: etcd's restore of this member's db failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, dataDir := rebuildWorld(t, tc.lost...)
			if tc.arrange != nil {
				tc.arrange(w, dataDir)
			}
			confBefore, _ := os.ReadFile(w.d.Paths.ConfigFile())
			leaderBefore := maps(w.tools.LeaderData)
			w.snapd.Calls()
			if code := w.run(t, "rebuild-cluster", tc.params); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if !strings.Contains(w.tools.ActionFailed, tc.failed) {
				t.Errorf("failed = %q, want %q", w.tools.ActionFailed, tc.failed)
			}
			assertKept(t, w, dataDir, "survivor's member/snap/db", confBefore, leaderBefore)
			if _, ok := w.tools.LeaderData["force_rejoin"]; ok {
				t.Errorf("force_rejoin set")
			}
			if active, _ := w.snapd.Active(context.Background(), charm.ServiceName); !active {
				t.Errorf("etcd left stopped")
			}
			if len(w.etcd.List()) != 3 {
				t.Errorf("members changed: %+v", w.etcd.List())
			}
		})
	}
}
