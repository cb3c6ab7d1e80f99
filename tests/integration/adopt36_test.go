package integration

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestAdoptedClusterTo36AndRestore takes a layer-etcd cluster, adopted by
// a refresh and moved to 3.5, on to etcd 3.6 and through a restore.
//
// etcd 3.6 has no v2 store and will not start on a member whose v2
// snapshot or WAL still holds v2 keys (etcd.io "Upgrade etcd from v3.5 to
// v3.6", V2 Store), which a layer-etcd cluster's does: the move is refused
// on every unit, nothing moving, until the operator does what the message
// says (the etcd guide's remedy: keys to v3 and out of v2, a v2 snapshot
// forced by snapshot_count=1); then 3.6 rolls through, data and
// membership intact.
//
// Then a restore on the three units: a snapshot, restore on the leader,
// the followers rejoin it; the data is the snapshot's.
func TestAdoptedClusterTo36AndRestore(t *testing.T) {
	m, units := deployLayerEtcd(t)
	m.must("refresh", "etcd", "--path", m.a.etcdCharm)
	m.waitAdopted(units, 10*time.Minute)
	m.waitHealthy(3, 10*time.Minute)
	m.must("config", "etcd", "channel=3.5/stable")
	m.waitVersions("3.5.", 10*time.Minute, "")
	m.waitHealthy(3, 5*time.Minute)
	cl := m.rootClientOf(units[0])
	before := membership(t, cl)

	// The refusal: every unit blocked naming the remedy, none moved.
	m.must("config", "etcd", "channel=3.6/stable")
	msg := m.waitAllStatus("blocked", "v2 keys in this member's data", 5*time.Minute)
	t.Logf("refused: %s", msg)
	if !strings.Contains(msg, "debug-log") {
		t.Errorf("refusal %q does not point to the steps", msg)
	}
	steps := ""
	for _, line := range strings.Split(m.must("debug-log", "--replay", "--no-tail"), "\n") {
		if strings.Contains(line, "will not start on this member's data") {
			steps = line
		}
	}
	t.Logf("steps: %s", steps)
	for _, want := range []string{"Change channel back to 3.5/stable", "ETCDCTL_API=2 etcdctl rm --recursive", "snapshot_count=1", "3.6/stable again"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the logged steps %q do not name %q", steps, want)
		}
	}
	for u, v := range m.versions() {
		if !strings.HasPrefix(v, "3.5.") {
			t.Errorf("%s moved to %s on a refused channel", u, v)
		}
	}
	if after := membership(t, cl); after.cluster != before.cluster || !equalStrings(after.members, before.members) {
		t.Fatalf("membership changed on a refusal: %v -> %v", before, after)
	}

	// The remedy, step by step as the message puts it.
	m.must("config", "etcd", "channel=3.5/stable")
	m.waitHealthy(3, 5*time.Minute)
	v2, err := m.jujusim("exec", units[0], "--", v2ctl+"get /adopt/v2")
	if err != nil || strings.TrimSpace(v2) != "written-by-layer-etcd" {
		t.Fatalf("v2 get before the migration = %q, %v", v2, err)
	}
	m.putViaClient("/adopt/v2-migrated", strings.TrimSpace(v2))
	if out, err := m.jujusim("exec", units[0], "--", v2ctl+"rm --recursive /adopt"); err != nil {
		t.Fatalf("v2 rm: %v\n%s", err, out)
	}
	m.configRestarts(units, "snapshot_count=1")
	m.configRestarts(units, "snapshot_count=auto")

	began := time.Now()
	m.must("config", "etcd", "channel=3.6/stable")
	m.waitVersions("3.6.", 10*time.Minute, "")
	m.waitHealthy(3, 5*time.Minute)
	t.Logf("channel 3.5 -> 3.6 took %v", time.Since(began).Round(100*time.Millisecond))
	if after := membership(t, cl); after.cluster != before.cluster || !equalStrings(after.members, before.members) {
		t.Errorf("membership changed by the move to 3.6: %v -> %v", before, after)
	}
	checkHashKV(t, cl)
	want := map[string]string{"/adopt/v3": "written-by-layer-etcd", "/adopt/v2-migrated": "written-by-layer-etcd"}
	checkKeys(t, cl, want, nil)
	if t.Failed() {
		return
	}

	// Restore: a snapshot, then a write it does not hold.
	snapshotted := dumpKeys(t, cl)
	r := m.mustComplete(units[0], "snapshot")
	archive := filepath.Join(t.TempDir(), "etcd-snapshot.tar.gz")
	m.must("scp", units[0]+":"+r["snapshot.path"], archive)
	if _, err := os.Stat(archive); err != nil {
		t.Fatal(err)
	}
	m.putViaClient("/adopt/after-snapshot", "not in the snapshot")
	m.must("attach-resource", "etcd", "snapshot="+archive)
	m.waitHealthy(3, 2*time.Minute)
	_, leader := m.units("etcd")
	if r := m.mustComplete(leader, "restore"); r["restore.initial-cluster"] == "" {
		t.Errorf("restore results %v", r)
	}
	waitNewCluster(t, cl, before.cluster, 3, 5*time.Minute)
	m.waitHealthy(3, 10*time.Minute)
	m.checkStatuses(3)
	restored := membership(t, cl)
	if len(restored.members) != 3 || restored.cluster == before.cluster {
		t.Errorf("after restore: cluster %x members %v; want a new cluster of 3 (was %x)", restored.cluster, restored.members, before.cluster)
	}
	checkHashKV(t, cl)
	checkKeys(t, cl, want, []string{"/adopt/after-snapshot"})
	if got := dumpKeys(t, cl); !maps.Equal(got, snapshotted) {
		t.Errorf("data after restore %v, want the snapshot's %v", got, snapshotted)
	}
}

// waitNewCluster waits until cl's member list is that of a cluster other
// than old with n started voters (the followers rejoined the restored
// member: their statuses lag until their hooks run).
func waitNewCluster(t *testing.T, cl *clientv3.Client, old uint64, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := "no answer yet"
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := cl.MemberList(ctx)
		cancel()
		if err == nil {
			voters := 0
			for _, mb := range resp.Members {
				if mb.Name != "" && !mb.IsLearner {
					voters++
				}
			}
			if resp.Header.ClusterId != old && voters == n {
				return
			}
			last = fmt.Sprintf("cluster %x, %d started voters of %d members", resp.Header.ClusterId, voters, len(resp.Members))
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, no new cluster of %d started voters: %s", timeout, n, last)
		}
		time.Sleep(time.Second)
	}
}

// dumpKeys is every key and value, read linearizably.
func dumpKeys(t *testing.T, cl *clientv3.Client) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := cl.Get(ctx, "", clientv3.WithPrefix())
	if err != nil {
		t.Fatalf("get all keys: %v", err)
	}
	out := map[string]string{}
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = string(kv.Value)
	}
	return out
}

// waitAllStatus waits for every etcd unit to show status current with a
// message containing part, and returns one unit's message.
func (m *model) waitAllStatus(current, part string, timeout time.Duration) string {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		units := m.status().Applications["etcd"].Units
		msg, ok := "", len(units) > 0
		for _, u := range units {
			ok = ok && u.WorkloadStatus.Current == current && strings.Contains(u.WorkloadStatus.Message, part)
			msg = u.WorkloadStatus.Message
		}
		if ok {
			return msg
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("etcd units not all %s %q after %v: last %q", current, part, timeout, msg)
		}
		time.Sleep(time.Second)
	}
}

// configRestarts sets an option that restarts etcd and waits for the
// rolling restart to reach every unit and the cluster to be healthy.
func (m *model) configRestarts(units []string, option string) {
	m.t.Helper()
	starts := m.etcdStarts(units)
	m.must("config", "etcd", option)
	deadline := time.Now().Add(10 * time.Minute)
	for {
		now, done := m.etcdStarts(units), true
		for _, u := range units {
			done = done && now[u] > starts[u]
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s: etcd starts %v -> %v after 10m, want every unit restarted", option, starts, now)
		}
		time.Sleep(2 * time.Second)
	}
	m.waitHealthy(len(units), 5*time.Minute)
}

// checkKeys reads want (key → value) and absent linearizably.
func checkKeys(t *testing.T, cl *clientv3.Client, want map[string]string, absent []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for k, v := range want {
		resp, err := cl.Get(ctx, k)
		if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != v {
			t.Errorf("get %s = %v, %v; want %q", k, resp, err, v)
		}
	}
	for _, k := range absent {
		resp, err := cl.Get(ctx, k)
		if err != nil || len(resp.Kvs) != 0 {
			t.Errorf("get %s = %v, %v; want no key", k, resp, err)
		}
	}
}
