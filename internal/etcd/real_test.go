package etcd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealCluster runs the charm's whole membership life cycle against
// real etcd processes of each release: a one-member TLS cluster with
// client certificates required; a learner added (twice: idempotent),
// started with --initial-cluster-state existing and promoted once it has
// caught up; leadership moved to it; the first member removed (twice);
// then status, health, alarms and the maintenance calls.
func TestRealCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd processes")
	}
	versions := []struct {
		prefix string
		ip     string // loopback addresses: .1 and .2 of this /24
	}{
		{"3.4", "127.0.34."},
		{"3.5", "127.0.35."},
		{"3.6", "127.0.36."},
	}
	for _, v := range versions {
		t.Run(v.prefix, func(t *testing.T) {
			bin := etcdBinary(t, v.prefix)
			testLifeCycle(t, bin, v.prefix, v.ip+"1", v.ip+"2")
		})
	}
}

func testLifeCycle(t *testing.T, bin, version, ipA, ipB string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tls := writePKI(t, t.TempDir(), "127.0.0.1", ipA, ipB)
	a, b := newNode(t, "a", ipA), newNode(t, "b", ipB)
	a.start(t, bin, tls, "a="+a.peerURL, "new")

	c, err := Open(ctx, []string{a.client, b.client}, tls, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitHealthy(t, c, a.client)

	members, err := c.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 || members[0].Name != "a" || members[0].IsLearner ||
		len(members[0].ClientURLs) != 1 || members[0].ClientURLs[0] != a.client {
		t.Fatalf("initial members = %+v", members)
	}
	idA := members[0].ID

	learner, after, err := c.AddLearner(ctx, b.peerURL)
	if err != nil {
		t.Fatal(err)
	}
	if !learner.IsLearner || learner.Started() || len(after) != 2 {
		t.Fatalf("AddLearner = %+v, members %+v", learner, after)
	}
	again, after2, err := c.AddLearner(ctx, b.peerURL)
	if err != nil || again.ID != learner.ID || len(after2) != 2 {
		t.Fatalf("second AddLearner = %+v, %d members, %v; want the same learner", again, len(after2), err)
	}
	// etcd allows one learner at a time.
	if _, _, err := c.AddLearner(ctx, "https://"+ipB+":1"); !errors.Is(err, ErrTooManyLearners) {
		t.Errorf("second learner: err = %v, want ErrTooManyLearners", err)
	}

	b.start(t, bin, tls, "a="+a.peerURL+",b="+b.peerURL, "existing")
	// A learner answers Status but not a linearizable read.
	waitFor(t, 30*time.Second, "learner status", func() error {
		st, err := c.Status(ctx, b.client)
		if err == nil && !st.IsLearner {
			t.Errorf("learner's status says IsLearner=false: %+v", st)
		}
		return err
	})
	if h := c.Health(ctx, []string{b.client})[0]; h.Healthy || !strings.Contains(h.Error, "learner") {
		t.Errorf("learner health = %+v, want unhealthy (rpc not supported for learner)", h)
	}

	notReady := 0
	waitFor(t, 30*time.Second, "promote", func() error {
		err := c.Promote(ctx, learner.ID)
		if errors.Is(err, ErrLearnerNotReady) {
			notReady++
		}
		return err
	})
	t.Logf("etcd %s: promote answered not-ready %d times", version, notReady)
	if err := c.Promote(ctx, learner.ID); err != nil {
		t.Errorf("Promote of a voter = %v, want nil", err)
	}
	waitHealthy(t, c, b.client)
	health := c.Health(ctx, []string{a.client, b.client, "https://" + ipB + ":1"})
	for i, want := range []bool{true, true, false} {
		if health[i].Healthy != want || (want && health[i].Error != "") || (!want && health[i].Error == "") {
			t.Errorf("health[%d] = %+v, want healthy=%v", i, health[i], want)
		}
	}
	if health[0].Took <= 0 {
		t.Errorf("health took %v", health[0].Took)
	}

	st, err := c.Status(ctx, a.client)
	if err != nil {
		t.Fatal(err)
	}
	if st.MemberID != idA || st.Leader != idA || !strings.HasPrefix(st.Version, version+".") || st.Revision == 0 || st.DBSize == 0 {
		t.Errorf("status of a = %+v", st)
	}
	if err := c.MoveLeader(ctx, learner.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "leader moved", func() error {
		st, err := c.Status(ctx, a.client)
		if err != nil {
			return err
		}
		if st.Leader != learner.ID {
			return fmt.Errorf("leader is still %x", st.Leader)
		}
		return nil
	})
	if err := c.MoveLeader(ctx, learner.ID); err != nil {
		t.Errorf("MoveLeader to the leader = %v, want nil", err)
	}
	if err := c.MoveLeader(ctx, 12345); err == nil {
		t.Error("MoveLeader to an unknown member succeeded")
	}

	alarms, err := c.Alarms(ctx)
	if err != nil || len(alarms) != 0 {
		t.Errorf("Alarms = %+v, %v", alarms, err)
	}
	testMaintenance(t, ctx, c, b.client, version)

	if err := c.UpdatePeerURLs(ctx, idA, []string{a.peerURL}); err != nil {
		t.Errorf("UpdatePeerURLs to the same URL: %v", err)
	}
	// Removing a right after the promotion may meet etcd's post-change
	// health window (ErrUnhealthy); the charm retries in a later hook.
	waitFor(t, 30*time.Second, "remove a", func() error {
		err := c.Remove(ctx, idA)
		if err != nil && !errors.Is(err, ErrUnhealthy) {
			t.Fatalf("Remove = %v", err)
		}
		return err
	})
	if err := c.Remove(ctx, idA); err != nil {
		t.Errorf("second Remove = %v, want nil", err)
	}
	members, err = c.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 || members[0].ID != learner.ID || members[0].Name != "b" {
		t.Errorf("members after remove = %+v", members)
	}
	// A removed member's etcd shuts itself down.
	select {
	case <-a.exited:
	case <-time.After(20 * time.Second):
		t.Error("etcd a still runs 20 s after its removal")
	}
}

func testMaintenance(t *testing.T, ctx context.Context, c *Client, endpoint, version string) {
	path := filepath.Join(t.TempDir(), "snapshot.db")
	v, err := c.Snapshot(ctx, endpoint, path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("snapshot file: %v", err)
	}
	if _, err := os.Stat(path + ".part"); !os.IsNotExist(err) {
		t.Errorf("snapshot left %s.part behind", path)
	}
	// Servers before 3.6 do not report their version in the stream.
	if version == "3.6" && !strings.HasPrefix(v, "3.6.") || version != "3.6" && v != "" {
		t.Errorf("snapshot version = %q from etcd %s", v, version)
	}
	start := time.Now()
	if _, err := c.Snapshot(ctx, "https://127.0.0.1:1", path); err == nil {
		t.Error("snapshot from a closed port succeeded")
	}
	t.Logf("snapshot from a closed port failed after %v", time.Since(start).Round(time.Millisecond))
	if err := c.Compact(ctx, 0, true); err != nil {
		t.Errorf("Compact(0): %v", err)
	}
	if err := c.Compact(ctx, 1, false); err == nil {
		t.Error("Compact to an already compacted revision succeeded")
	}
	if err := c.Defragment(ctx, endpoint); err != nil {
		t.Errorf("Defragment: %v", err)
	}
	if err := c.AlarmDisarm(ctx); err != nil {
		t.Errorf("AlarmDisarm: %v", err)
	}
}
