package actions

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/relations"
)

// dbBytes is a stand-in bolt database: whole 4 KiB pages.
func dbBytes(pages int, fill byte) []byte {
	return bytes.Repeat([]byte{fill}, pages*4096)
}

// withHash appends etcd's integrity hash, as `snapshot save` does.
func withHash(db []byte) []byte {
	sum := sha256.Sum256(db)
	return append(append([]byte(nil), db...), sum[:]...)
}

// tarGz packs entries (name, content; a name ending in / is a directory).
func tarGz(t *testing.T, entries ...[2]string) []byte { return testkit.TarGz(t, entries...) }

// startHook lets a test act when etcd is started (the restored member
// failing to serve, say).
type startHook struct {
	*snaptest.Fake
	onStart func(n int)
	n       *int
}

func (s startHook) Start(ctx context.Context, service string) error {
	*s.n++
	if s.onStart != nil {
		s.onStart(*s.n)
	}
	return s.Fake.Start(ctx, service)
}

// restoreWorld is a one-unit application whose member has data, with
// archive attached as the snapshot resource.
func restoreWorld(t *testing.T, archive []byte) (*world, string) {
	t.Helper()
	return restoreWorldOf(t, archive, 1)
}

// restoreWorldOf is restoreWorld with n units (n members).
func restoreWorldOf(t *testing.T, archive []byte, n int) (*world, string) {
	t.Helper()
	w := newWorld(t, n)
	w.d.Now = fixedClock(time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC))
	dataDir := w.conf.DataDir
	if err := os.MkdirAll(filepath.Join(dataDir, "member", "snap"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "member", "snap", "db"), []byte("old data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if archive != nil {
		res := filepath.Join(t.TempDir(), "snapshot.tar.gz")
		if err := os.WriteFile(res, archive, 0o644); err != nil {
			t.Fatal(err)
		}
		w.tools.Resources["snapshot"] = res
	}
	w.tools.LeaderData["join-etcd3"] = "etcd0=https://10.0.0.1:2380,etcd3=https://10.0.0.9:2380"
	w.tools.LeaderData["restart-lock"] = "etcd/3"
	return w, dataDir
}

func TestRestore(t *testing.T) {
	hashed := withHash(dbBytes(3, 'n'))
	raw := dbBytes(2, 'r')
	tests := []struct {
		name     string
		archive  []byte
		params   map[string]any
		db       []byte // what the restored member holds
		skipHash bool
		backup   bool
	}{{
		name:     "our snapshot",
		archive:  nil, // set below
		params:   map[string]any{"target": "/home/ubuntu", "skip-backup": true},
		db:       hashed,
		skipHash: true, // checked while unpacking
	}, {
		name:     "layer-etcd's raw db copy",
		params:   map[string]any{"target": "/home/ubuntu", "skip-backup": true},
		db:       raw,
		skipHash: true,
	}, {
		name:     "with a backup",
		params:   map[string]any{"target": "/home/ubuntu", "skip-backup": false},
		db:       hashed,
		skipHash: true,
		backup:   true,
	}}
	tests[0].archive = tarGz(t, [2]string{"db", string(hashed)})
	tests[1].archive = tarGz(t, [2]string{"./", ""}, [2]string{"./db", string(raw)})
	tests[2].archive = tests[0].archive
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dataDir := restoreWorld(t, tt.archive)
			w.snapd.Calls()
			if code := w.run(t, "restore", tt.params); code != 0 || w.tools.ActionFailed != "" {
				t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
			}
			got, err := os.ReadFile(filepath.Join(dataDir, "member", "snap", "db"))
			if err != nil || !bytes.Equal(got, tt.db) {
				t.Errorf("restored db holds %d bytes (%v), want the snapshot's %d", len(got), err, len(tt.db))
			}
			if len(w.tool.restored) != 1 || w.tool.restored[0].SkipHashCheck != tt.skipHash {
				t.Fatalf("restores %+v, want one with skip-hash-check %t", w.tool.restored, tt.skipHash)
			}
			rc := w.tool.restored[0]
			initial := "etcd0=https://10.0.0.1:2380"
			if rc.Name != "etcd0" || rc.InitialCluster != initial || rc.PeerURL != "https://10.0.0.1:2380" || rc.Token == "ABC123" || len(rc.Token) != 6 {
				t.Errorf("restore config %+v", rc)
			}
			// The hooks' records describe the restored one-member cluster.
			wantStart := charm.Start{InitialCluster: initial, State: "new", Token: rc.Token}
			if got := unitState(w.tools.State).Start; got != wantStart {
				t.Errorf("state start %+v, want %+v", got, wantStart)
			}
			ld := w.tools.LeaderData
			if ld["cluster"] != initial || ld["token"] != rc.Token || ld["leader_address"] != "https://10.0.0.1:2379" {
				t.Errorf("leader data %v", ld)
			}
			if _, ok := ld["join-etcd3"]; ok {
				t.Errorf("old admission kept: %v", ld)
			}
			if _, ok := ld["restart-lock"]; ok {
				t.Errorf("old restart lock kept: %v", ld)
			}
			conf, err := os.ReadFile(w.d.Paths.ConfigFile())
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range []string{"initial-cluster: " + initial, "initial-cluster-state: new", "initial-cluster-token: " + rc.Token, "data-dir: " + dataDir} {
				if !strings.Contains(string(conf), line+"\n") {
					t.Errorf("etcd.conf.yml lacks %q:\n%s", line, conf)
				}
			}
			if calls := strings.Join(w.snapd.Calls(), ";"); calls != "Stop etcd.etcd;Start etcd.etcd" {
				t.Errorf("snapd calls %s", calls)
			}
			for _, f := range files(t, filepath.Dir(dataDir)) {
				if strings.Contains(f, "restore") {
					t.Errorf("left behind %s", f)
				}
			}
			r := w.tools.ActionResults
			if r["restore.initial-cluster"] != initial || r["restore.member-id"] == "" {
				t.Errorf("results %v", r)
			}
			if !tt.backup {
				if r["backup.path"] != "" {
					t.Errorf("backup made with skip-backup: %v", r)
				}
				return
			}
			if r["backup.path"] != "/home/ubuntu/etcd-data-20261122-030405.tar.gz" {
				t.Fatalf("backup.path %q", r["backup.path"])
			}
			data, err := os.ReadFile(w.d.Paths.Join(r["backup.path"]))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if r["backup.sha256sum"] != hex.EncodeToString(sum[:]) {
				t.Errorf("backup.sha256sum does not match")
			}
			if backup := readTarGz(t, w.d.Paths.Join(r["backup.path"])); backup["member/snap/db"] != "old data" {
				t.Errorf("backup holds %v", backup)
			}
		})
	}
}

// The snapshot action's archive of the fake's (real, bolt) snapshot
// restores: unpacked, its integrity hash checked while etcd's restore
// runs, and the restored member holds the snapshot's keys.
func TestRestoreOwnSnapshot(t *testing.T) {
	src := newWorld(t, 1)
	src.etcd.Put(41)
	if src.run(t, "snapshot", map[string]any{"target": "/home/ubuntu/etcd-snapshots"}); src.tools.ActionFailed != "" {
		t.Fatal(src.tools.ActionFailed)
	}
	archive, err := os.ReadFile(src.d.Paths.Join(src.tools.ActionResults["snapshot.path"]))
	if err != nil {
		t.Fatal(err)
	}
	w, dataDir := restoreWorld(t, archive)
	if code := w.run(t, "restore", map[string]any{"skip-backup": true}); code != 0 || w.tools.ActionFailed != "" {
		t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
	}
	if len(w.tool.restored) != 1 || !w.tool.restored[0].SkipHashCheck {
		t.Errorf("restores %+v, want one skipping etcd's hash check (checked while unpacking)", w.tool.restored)
	}
	db, err := os.ReadFile(filepath.Join(dataDir, "member", "snap", "db"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := etcdtest.ReadSnapshot(db)
	if err != nil || snap.Revision != 42 || snap.Keys["/etcdtest/42"] != "value at revision 42" {
		t.Errorf("restored db at revision %d (%v), want the snapshot's 42", snap.Revision, err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	good := tarGz(t, [2]string{"db", string(withHash(dbBytes(2, 'g')))})
	big := withHash(randomBytes(t, 64*4096))
	bigArchive := tarGz(t, [2]string{"db", string(big)})
	corrupt := withHash(dbBytes(2, 'c'))
	corrupt[100] ^= 0xff
	tests := []struct {
		name    string
		archive []byte
		arrange func(w *world)
		params  map[string]any
		failed  string
		units   int // only on this many units (0: on 1 and on 3)
	}{{
		name:    "not the leader",
		archive: good,
		arrange: func(w *world) { w.tools.Leader = false },
		failed:  "This action can only be run on the leader unit",
	}, {
		// The other members are removed once the snapshot proved good:
		// a cluster that cannot remove them is refused first.
		name:    "several units whose cluster lost its quorum",
		archive: good,
		units:   3,
		arrange: func(w *world) {
			for _, name := range []string{"etcd1", "etcd2"} {
				if err := w.etcd.StopMember(w.memberID(t, name)); err != nil {
					t.Fatal(err)
				}
			}
		},
		failed: "Cannot restore on a unit whose cluster does not answer",
	}, {
		name:   "no snapshot attached",
		failed: "Missing snapshot: attach one with `juju attach-resource etcd snapshot=",
	}, {
		name:    "truncated archive",
		archive: bigArchive[:len(bigArchive)/2],
		failed:  "the snapshot archive is damaged or truncated",
	}, {
		name:    "random file",
		archive: randomBytes(t, 10000),
		failed:  "the snapshot is not a gzip archive",
	}, {
		name:    "empty file",
		archive: []byte{},
		failed:  "the snapshot is not a gzip archive",
	}, {
		name:    "archive without db",
		archive: tarGz(t, [2]string{"notes.txt", "hello"}),
		failed:  "the archive holds no db file",
	}, {
		name:    "v2 backup",
		archive: tarGz(t, [2]string{"member/", ""}, [2]string{"member/wal/0.wal", "wal"}),
		failed:  "the archive is a v2 backup",
	}, {
		name:    "hash mismatch",
		archive: tarGz(t, [2]string{"db", string(corrupt)}),
		failed:  "the snapshot's integrity hash does not match its data",
	}, {
		// etcd's restore runs while the hash is checked: the hash decides.
		name:    "hash mismatch and etcd's restore fails too",
		archive: tarGz(t, [2]string{"db", string(corrupt)}),
		arrange: func(w *world) {
			w.tool.restoreErr = errors.New("etcdutl snapshot restore: exit status 1: invalid database")
		},
		failed: "Cannot restore: the snapshot's integrity hash does not match its data: it is corrupt. The running cluster was not changed.",
	}, {
		name:    "db truncated inside a whole archive",
		archive: tarGz(t, [2]string{"db", string(big[:len(big)-1000])}),
		failed:  "is neither a bolt database nor one with etcd's integrity hash",
	}, {
		name:    "raw db etcd cannot read",
		archive: tarGz(t, [2]string{"db", string(dbBytes(1, 'x'))}),
		arrange: func(w *world) {
			w.tool.statusErr = errors.New("etcdutl snapshot status: exit status 1: invalid database")
		},
		failed: "the snapshot has no integrity hash and etcd cannot read its db (etcdutl snapshot status: exit status 1: invalid database)",
	}, {
		name:    "etcdutl restore fails",
		archive: good,
		arrange: func(w *world) { w.tool.restoreErr = errors.New("etcdutl snapshot restore: exit status 1: boom") },
		failed:  "Cannot restore the snapshot: etcdutl snapshot restore: exit status 1: boom. The running cluster was not changed.",
	}, {
		name:    "relative backup target",
		archive: good,
		params:  map[string]any{"target": "backups", "skip-backup": false},
		failed:  `target must be an absolute path, got "backups"`,
	}}
	for _, tt := range tests {
		for _, units := range []int{1, 3} {
			if tt.units != 0 && tt.units != units {
				continue
			}
			t.Run(fmt.Sprintf("%s on %d units", tt.name, units), func(t *testing.T) {
				w, dataDir := restoreWorldOf(t, tt.archive, units)
				membersBefore := w.etcd.List()
				if tt.archive == nil {
					delete(w.tools.Resources, "snapshot")
				}
				if tt.arrange != nil {
					tt.arrange(w)
				}
				confBefore, _ := os.ReadFile(w.d.Paths.ConfigFile())
				leaderBefore := maps(w.tools.LeaderData)
				w.snapd.Calls()
				params := tt.params
				if params == nil {
					params = map[string]any{"target": "/home/ubuntu", "skip-backup": true}
				}
				if code := w.run(t, "restore", params); code != 0 {
					t.Fatalf("exit %d", code)
				}
				if !strings.Contains(w.tools.ActionFailed, tt.failed) {
					t.Errorf("failed = %q, want %q", w.tools.ActionFailed, tt.failed)
				}
				assertUntouched(t, w, dataDir, confBefore, leaderBefore)
				if calls := w.snapd.Calls(); len(calls) != 0 {
					t.Errorf("etcd was touched: %v", calls)
				}
				if after := w.etcd.List(); len(after) != len(membersBefore) {
					t.Errorf("members changed: %+v, were %+v", after, membersBefore)
				}
			})
		}
	}
}

// On several units the restore runs on the leader as layer-etcd's does:
// once the snapshot proved good, the other members are removed, the
// restored one-member cluster starts, and force_rejoin tells the other
// units to move their data aside and join it (hooks/rejoin.go).
func TestRestoreSeveralUnits(t *testing.T) {
	unhealthyPoll = time.Millisecond
	t.Cleanup(func() { unhealthyPoll = 250 * time.Millisecond })
	db := withHash(dbBytes(3, 'n'))
	w, dataDir := restoreWorldOf(t, tarGz(t, [2]string{"db", string(db)}), 3)
	// A cluster whose members just started refuses membership changes
	// for etcd's health interval: the removals are asked again.
	w.etcd.FailUnhealthy(3)
	if code := w.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": true}); code != 0 || w.tools.ActionFailed != "" {
		t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
	}
	if got, err := os.ReadFile(filepath.Join(dataDir, "member", "snap", "db")); err != nil || !bytes.Equal(got, db) {
		t.Errorf("restored db holds %d bytes (%v), want the snapshot's %d", len(got), err, len(db))
	}
	members := w.etcd.List()
	if len(members) != 1 || members[0].Name != "etcd0" {
		t.Errorf("members %+v, want etcd0 alone", members)
	}
	ld := relations.DecodeLeader(w.tools.LeaderData)
	if ld.Cluster != "etcd0=https://10.0.0.1:2380" || len(ld.ForceRejoin) != 32 {
		t.Errorf("leader settings %+v", ld)
	}
	if st := unitState(w.tools.State); st.Rejoin != ld.ForceRejoin || st.Start.InitialCluster != ld.Cluster {
		t.Errorf("unit state %+v: the leader's own member must not rejoin", st)
	}
	if calls := strings.Join(w.snapd.Calls(), ";"); !strings.HasSuffix(calls, "Stop etcd.etcd;Start etcd.etcd") {
		t.Errorf("snapd calls %s", calls)
	}
}

// A restored member that does not serve puts the old data and config back.
func TestRestoreRollsBack(t *testing.T) {
	restoreServe, restorePoll = 50*time.Millisecond, 10*time.Millisecond
	t.Cleanup(func() { restoreServe, restorePoll = defaultServe, defaultPoll })
	good := tarGz(t, [2]string{"db", string(withHash(dbBytes(2, 'g')))})
	tests := []struct {
		name    string
		onStart func(w *world) func(n int)
		failSt  error
		failed  string
	}{{
		name: "restored member does not serve",
		onStart: func(w *world) func(n int) {
			return func(n int) {
				if n == 1 {
					w.etcd.SetDown(clientURL(0), "connection refused")
				} else {
					w.etcd.SetUp(clientURL(0))
				}
			}
		},
		failed: "The restored member does not serve: cannot connect to etcd at [https://10.0.0.1:2379]: context deadline exceeded. The previous data and configuration are back in place.",
	}, {
		name:   "etcd does not start",
		failSt: errors.New(`cannot perform the following tasks: start of [etcd.etcd]`),
		failed: "Cannot start etcd on the restored data: cannot perform the following tasks: start of [etcd.etcd]. The previous data and configuration are back in place.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, dataDir := restoreWorld(t, good)
			n := 0
			hook := startHook{Fake: w.snapd, n: &n}
			if tt.onStart != nil {
				hook.onStart = tt.onStart(w)
			}
			w.d.Snap = hook
			if tt.failSt != nil {
				w.snapd.FailNext("Start", tt.failSt)
			}
			confBefore, _ := os.ReadFile(w.d.Paths.ConfigFile())
			leaderBefore := maps(w.tools.LeaderData)
			w.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": true})
			if w.tools.ActionFailed != tt.failed {
				t.Errorf("failed = %q\nwant     %q", w.tools.ActionFailed, tt.failed)
			}
			assertUntouched(t, w, dataDir, confBefore, leaderBefore)
			if active, _ := w.snapd.Active(t.Context(), charm.ServiceName); !active {
				t.Errorf("etcd not running again after the rollback")
			}
		})
	}
}

func assertUntouched(t *testing.T, w *world, dataDir string, confBefore []byte, leaderBefore map[string]string) {
	t.Helper()
	assertKept(t, w, dataDir, "old data", confBefore, leaderBefore)
	if got := unitState(w.tools.State).Start; got != (charm.Start{}) {
		t.Errorf("state start set: %+v", got)
	}
	for _, f := range files(t, filepath.Dir(dataDir)) {
		if strings.Contains(f, "restore") {
			t.Errorf("left behind %s", f)
		}
	}
}

// assertKept checks that a refused or rolled-back action left the
// member's db (holding wantDB), etcd.conf.yml and the leader settings as
// they were.
func assertKept(t *testing.T, w *world, dataDir, wantDB string, confBefore []byte, leaderBefore map[string]string) {
	t.Helper()
	if got, err := os.ReadFile(filepath.Join(dataDir, "member", "snap", "db")); err != nil || string(got) != wantDB {
		t.Errorf("data changed: %q %v", got, err)
	}
	if conf, _ := os.ReadFile(w.d.Paths.ConfigFile()); !bytes.Equal(conf, confBefore) {
		t.Errorf("etcd.conf.yml changed")
	}
	for k, v := range leaderBefore {
		if w.tools.LeaderData[k] != v {
			t.Errorf("leader data %s changed to %q", k, w.tools.LeaderData[k])
		}
	}
}

func maps(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// A backup that cannot be written stops the restore before the swap and
// starts etcd again on its untouched data.
func TestRestoreBackupFailure(t *testing.T) {
	good := tarGz(t, [2]string{"db", string(withHash(dbBytes(2, 'g')))})
	w, dataDir := restoreWorld(t, good)
	writeFile(t, w.d.Paths.Join("srv/not-a-dir"), "a file")
	confBefore, _ := os.ReadFile(w.d.Paths.ConfigFile())
	leaderBefore := maps(w.tools.LeaderData)
	w.snapd.Calls()
	w.run(t, "restore", map[string]any{"target": "/srv/not-a-dir/backups", "skip-backup": false})
	if !strings.HasPrefix(w.tools.ActionFailed, "Cannot back up the current data: ") || !strings.HasSuffix(w.tools.ActionFailed, "The running cluster was not changed.") {
		t.Errorf("failed = %q", w.tools.ActionFailed)
	}
	assertUntouched(t, w, dataDir, confBefore, leaderBefore)
	if calls := strings.Join(w.snapd.Calls(), ";"); calls != "Stop etcd.etcd;Start etcd.etcd" {
		t.Errorf("snapd calls %s", calls)
	}
	if active, _ := w.snapd.Active(t.Context(), charm.ServiceName); !active {
		t.Errorf("etcd not running again")
	}
}
