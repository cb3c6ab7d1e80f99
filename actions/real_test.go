package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcd-charm/etcd-charm/relations"
)

func clusterID(t *testing.T, u *realUnit) uint64 {
	t.Helper()
	resp, err := u.cli.MemberList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.ClusterId
}

func putKeys(t testing.TB, u *realUnit, prefix string, n int, value string) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := u.cli.Put(context.Background(), fmt.Sprintf("%s%04d", prefix, i), value); err != nil {
			t.Fatal(err)
		}
	}
}

func countKeys(t *testing.T, u *realUnit, prefix string) int64 {
	t.Helper()
	// The restored member is a new process: reconnect through the same
	// endpoint (clientv3 redials by itself).
	resp, err := u.cli.Get(context.Background(), prefix, clientWithPrefix()...)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Count
}

// The documented migration on one unit, with real etcd 3.5: snapshot,
// write more, restore the snapshot; the snapshot's keys are back, the
// later ones are gone, the cluster ID is new, and the hooks' records match.
// Then a truncated archive and a random file fail restore with the data
// still served; and layer-etcd's raw db copy restores too.
func TestRealSnapshotRestore(t *testing.T) {
	u := startReal(t)
	putKeys(t, u, "/before/", 50, "kept")
	oldCluster := clusterID(t, u)

	u.run(t, "snapshot", map[string]any{"target": "/home/ubuntu/etcd-snapshots", "keys-version": "v3"})
	if u.tools.ActionFailed != "" {
		t.Fatalf("snapshot failed: %s", u.tools.ActionFailed)
	}
	r := u.tools.ActionResults
	archive := u.d.Paths.Join(r["snapshot.path"])
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if r["snapshot.sha256"] != hex.EncodeToString(sum[:]) || !strings.HasPrefix(r["snapshot.version"], "3.5.") {
		t.Errorf("snapshot results %v", r)
	}
	db := readTarGz(t, archive)["db"]
	if len(db)%512 != sha256.Size {
		t.Errorf("archived db of %d bytes has no integrity hash", len(db))
	}

	putKeys(t, u, "/after/", 20, "lost")

	// Bad archives first: refused, the running data untouched.
	bad := map[string][]byte{"truncated": data[:len(data)/2], "random": randomBytes(t, 50000)}
	for name, content := range bad {
		path := filepath.Join(t.TempDir(), name+".tar.gz")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		u.tools.Resources["snapshot"] = path
		u.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": true})
		if !strings.Contains(u.tools.ActionFailed, "The running cluster was not changed") {
			t.Errorf("%s archive: failed = %q", name, u.tools.ActionFailed)
		}
		if n := countKeys(t, u, "/after/"); n != 20 {
			t.Errorf("%s archive: %d /after/ keys served, want 20", name, n)
		}
	}

	u.tools.Resources["snapshot"] = archive
	u.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": false})
	if u.tools.ActionFailed != "" {
		t.Fatalf("restore failed: %s\n%s", u.tools.ActionFailed, u.snapd.log.String())
	}
	r = u.tools.ActionResults
	if n := countKeys(t, u, "/before/"); n != 50 {
		t.Errorf("%d /before/ keys after restore, want 50", n)
	}
	if n := countKeys(t, u, "/after/"); n != 0 {
		t.Errorf("%d /after/ keys after restore, want 0", n)
	}
	if id := clusterID(t, u); id == oldCluster {
		t.Errorf("cluster ID %x unchanged by restore", id)
	}
	if r["backup.path"] == "" || len(readTarGz(t, u.d.Paths.Join(r["backup.path"]))) == 0 {
		t.Errorf("no backup: %v", r)
	}
	if tok := unitState(u.tools.State).Start.Token; tok == "" || relations.DecodeLeader(u.tools.LeaderData).Token != tok {
		t.Errorf("state %v, leader data %v", u.tools.State, u.tools.LeaderData)
	}
	leftovers, _ := filepath.Glob(filepath.Join(u.d.Paths.SnapData(), "*restore*"))
	if len(leftovers) != 0 {
		t.Errorf("left behind %v", leftovers)
	}

	// layer-etcd's snapshot: a raw copy of member/snap/db in ./db.
	putKeys(t, u, "/raw/", 5, "raw")
	raw, err := os.ReadFile(filepath.Join(u.d.Paths.DataDir("etcd0", ""), "member", "snap", "db"))
	if err != nil {
		t.Fatal(err)
	}
	rawArchive := filepath.Join(t.TempDir(), "layer-etcd.tar.gz")
	if err := os.WriteFile(rawArchive, tarGz(t, [2]string{"./", ""}, [2]string{"./db", string(raw)}), 0o644); err != nil {
		t.Fatal(err)
	}
	u.tools.Resources["snapshot"] = rawArchive
	u.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": true})
	if u.tools.ActionFailed != "" {
		t.Fatalf("restore of a raw db failed: %s", u.tools.ActionFailed)
	}
	if n := countKeys(t, u, "/before/"); n != 50 {
		t.Errorf("%d /before/ keys after the raw restore, want 50", n)
	}

	// The maintenance actions on the same member.
	u.run(t, "health", nil)
	if out := u.tools.ActionResults["output"]; !strings.HasSuffix(out, "cluster is healthy") || u.tools.ActionFailed != "" {
		t.Errorf("health: %q (failed %q)", out, u.tools.ActionFailed)
	}
	u.run(t, "alarm-list", nil)
	if out := u.tools.ActionResults["output"]; out != "" || u.tools.ActionFailed != "" {
		t.Errorf("alarm-list: %q (failed %q)", out, u.tools.ActionFailed)
	}
}

// compact then defrag reduce the database size on disk after deletes.
func TestRealCompactDefrag(t *testing.T) {
	u := startReal(t)
	value := strings.Repeat("x", 64*1024)
	putKeys(t, u, "/big/", 100, value)
	if _, err := u.cli.Delete(context.Background(), "/big/", clientv3.WithPrefix()); err != nil {
		t.Fatal(err)
	}
	u.run(t, "compact", map[string]any{"revision": "", "physical": true})
	if u.tools.ActionFailed != "" || !strings.HasPrefix(u.tools.ActionResults["output"], "compacted revision ") {
		t.Fatalf("compact: %v (failed %q)", u.tools.ActionResults, u.tools.ActionFailed)
	}
	u.run(t, "defrag", nil)
	r := u.tools.ActionResults
	if u.tools.ActionFailed != "" {
		t.Fatalf("defrag failed: %s", u.tools.ActionFailed)
	}
	var before, after int64
	fmt.Sscan(r["db.size.before"], &before)
	fmt.Sscan(r["db.size.after"], &after)
	if after <= 0 || after >= before/2 {
		t.Errorf("db size %d → %d after deleting 6.4 MB, compact and defrag", before, after)
	}
}
