package etcd_test

import (
	"context"
	"errors"
	"fmt"

	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// cluster is what the life-cycle scenario needs from a backend: a client
// on a one-member cluster (member a, leader) and a way to start member b's
// etcd once it has been added.
type cluster interface {
	etcd.Cluster
	etcd.Maintenance
}

type backend struct {
	c       cluster
	version string // "3.4", "3.5", "3.6"
	a, b    member
	// startB starts b's etcd with --initial-cluster-state existing.
	startB func(t *testing.T)
	// removed waits until a's etcd has stopped after its removal (nil:
	// nothing to wait for).
	removed func(t *testing.T)
	// closed is a client URL nothing listens on.
	closed string
	// put writes key=value through endpoint and returns its revision.
	put func(t *testing.T, endpoint, key, value string) int64
	// through is a client of endpoint alone.
	through func(t *testing.T, endpoint string) etcd.Cluster
}

type member struct{ name, peerURL, clientURL string }

// TestRealCluster runs the scenario against real etcd processes of each
// release: TLS on both sides with client certificates required, as the
// charm configures etcd.
func TestRealCluster(t *testing.T) {
	eachRelease(t, [3]string{"127.0.34.", "127.0.35.", "127.0.36."}, func(t *testing.T, version, bin, net string) {
		ipA, ipB := net+"1", net+"2"
		tls := writePKI(t, t.TempDir(), "127.0.0.1", ipA, ipB)
		a, b := newNode(t, "a", ipA), newNode(t, "b", ipB)
		a.start(t, bin, tls, "a="+a.peerURL, "new")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := openServing(t, ctx, []string{a.client, b.client}, tls, a.client)
		lifeCycle(t, backend{
			c:       c,
			version: version,
			a:       member{"a", a.peerURL, a.client},
			b:       member{"b", b.peerURL, b.client},
			startB: func(t *testing.T) {
				b.start(t, bin, tls, "a="+a.peerURL+",b="+b.peerURL, "existing")
			},
			removed: func(t *testing.T) {
				select {
				case <-a.exited:
				case <-time.After(20 * time.Second):
					t.Error("etcd a still runs 20 s after its removal")
				}
			},
			closed: "https://" + ipB + ":1",
			put: func(t *testing.T, endpoint, key, value string) int64 {
				return putReal(t, endpoint, tls, key, value)
			},
			through: func(t *testing.T, endpoint string) etcd.Cluster {
				c, err := etcd.Open(ctx, []string{endpoint}, tls, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
		})
	})
}

// TestFakeCluster runs the same scenario on the etcdtest fake, so the
// fake the charm's tests use answers like etcd where the charm looks.
func TestFakeCluster(t *testing.T) {
	for _, version := range []string{"3.4", "3.5", "3.6"} {
		t.Run(version, func(t *testing.T) {
			a := member{"a", "https://10.1.0.1:2380", "https://10.1.0.1:2379"}
			b := member{"b", "https://10.1.0.2:2380", "https://10.1.0.2:2379"}
			f := etcdtest.New(a.name, a.peerURL, a.clientURL)
			f.SetVersion(version + ".99")
			lifeCycle(t, backend{
				c: f, version: version, a: a, b: b,
				startB: func(t *testing.T) {
					if err := f.StartMember(b.peerURL, b.name, b.clientURL); err != nil {
						t.Fatal(err)
					}
				},
				closed: "https://10.1.0.2:1",
				put: func(t *testing.T, _, key, value string) int64 {
					return f.PutKey(key, value)
				},
				through: func(t *testing.T, endpoint string) etcd.Cluster {
					c, err := f.Dial(context.Background(), []string{endpoint}, etcd.TLS{})
					if err != nil {
						t.Fatal(err)
					}
					return c
				},
			})
		})
	}
}

// lifeCycle is the charm's membership life cycle: a learner added (twice:
// idempotent), started and promoted once it has caught up; leadership
// moved to it; the first member removed (twice); status, health, alarms
// and the maintenance calls on the way.
func lifeCycle(t *testing.T, be backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := be.c
	members, err := c.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 || members[0].Name != be.a.name || members[0].IsLearner || !members[0].Started() ||
		len(members[0].ClientURLs) != 1 || members[0].ClientURLs[0] != be.a.clientURL {
		t.Fatalf("initial members = %+v", members)
	}
	idA := members[0].ID

	learner, after, err := c.AddLearner(ctx, be.b.peerURL)
	if err != nil {
		t.Fatal(err)
	}
	if !learner.IsLearner || learner.Started() || len(after) != 2 {
		t.Fatalf("AddLearner = %+v, members %+v", learner, after)
	}
	again, after2, err := c.AddLearner(ctx, be.b.peerURL)
	if err != nil || again.ID != learner.ID || len(after2) != 2 {
		t.Fatalf("second AddLearner = %+v, %d members, %v; want the same learner", again, len(after2), err)
	}
	if _, _, err := c.AddLearner(ctx, be.closed); !errors.Is(err, etcd.ErrTooManyLearners) {
		t.Errorf("second learner: err = %v, want ErrTooManyLearners", err)
	}
	if err := c.Promote(ctx, learner.ID); !errors.Is(err, etcd.ErrLearnerNotReady) {
		t.Errorf("Promote of a learner that never started = %v, want ErrLearnerNotReady", err)
	}

	be.startB(t)
	// A learner answers Status but not a linearizable read.
	testkit.Eventually(t, 30*time.Second, "learner status", func() error {
		st, err := c.Status(ctx, be.b.clientURL)
		if err == nil && !st.IsLearner {
			t.Errorf("learner's status says IsLearner=false: %+v", st)
		}
		return err
	})
	if h := c.Health(ctx, []string{be.b.clientURL})[0]; h.Healthy || !strings.Contains(h.Error, "learner") {
		t.Errorf("learner health = %+v, want unhealthy (rpc not supported for learner)", h)
	}
	// Nor a member list, nor any membership change (3.4, 3.5 and 3.6
	// alike): cluster operations must not go through a learner.
	viaLearner := be.through(t, be.b.clientURL)
	if _, err := viaLearner.Members(ctx); !errors.Is(err, etcd.ErrLearnerRefused) {
		t.Errorf("Members through the learner = %v, want ErrLearnerRefused", err)
	}
	if err := viaLearner.Promote(ctx, learner.ID); !errors.Is(err, etcd.ErrLearnerRefused) {
		t.Errorf("Promote through the learner = %v, want ErrLearnerRefused", err)
	}
	notReady := 0
	testkit.Eventually(t, 30*time.Second, "promote", func() error {
		err := c.Promote(ctx, learner.ID)
		if errors.Is(err, etcd.ErrLearnerNotReady) {
			notReady++
		} else if err != nil {
			t.Fatalf("Promote = %v", err)
		}
		return err
	})
	t.Logf("etcd %s: promote answered not-ready %d times after the learner started", be.version, notReady)
	if err := c.Promote(ctx, learner.ID); err != nil {
		t.Errorf("Promote of a voter = %v, want nil", err)
	}
	waitHealthy(t, c, be.b.clientURL)
	health := c.Health(ctx, []string{be.a.clientURL, be.b.clientURL, be.closed})
	for i, want := range []bool{true, true, false} {
		h := health[i]
		if h.Healthy != want || (want && h.Error != "") || (!want && h.Error == "") || h.Endpoint == "" {
			t.Errorf("health[%d] = %+v, want healthy=%v", i, h, want)
		}
	}
	if health[0].Took <= 0 {
		t.Errorf("health took %v", health[0].Took)
	}

	st, err := c.Status(ctx, be.a.clientURL)
	if err != nil {
		t.Fatal(err)
	}
	if st.MemberID != idA || st.Leader != idA || !strings.HasPrefix(st.Version, be.version+".") ||
		st.Revision == 0 || st.DBSize == 0 || st.Endpoint != be.a.clientURL {
		t.Errorf("status of a = %+v", st)
	}
	if _, err := c.Status(ctx, be.closed); err == nil {
		t.Error("Status of a closed port succeeded")
	}
	if err := c.MoveLeader(ctx, learner.ID); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "leader moved", func() error {
		st, err := c.Status(ctx, be.a.clientURL)
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
	if alarms, err := c.Alarms(ctx); err != nil || len(alarms) != 0 {
		t.Errorf("Alarms = %+v, %v", alarms, err)
	}
	maintenance(t, ctx, be)

	if err := c.UpdatePeerURLs(ctx, idA, []string{be.a.peerURL}); err != nil {
		t.Errorf("UpdatePeerURLs to the same URL: %v", err)
	}
	if err := c.UpdatePeerURLs(ctx, idA, nil); err == nil {
		t.Error("UpdatePeerURLs to no URLs succeeded")
	}
	// Removing a right after the promotion may meet etcd's post-change
	// health window (ErrUnhealthy); the charm retries in a later hook.
	testkit.Eventually(t, 30*time.Second, "remove a", func() error {
		err := c.Remove(ctx, idA)
		if err != nil && !errors.Is(err, etcd.ErrUnhealthy) {
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
	if len(members) != 1 || members[0].ID != learner.ID || members[0].Name != be.b.name || members[0].IsLearner {
		t.Errorf("members after remove = %+v", members)
	}
	if be.removed != nil {
		be.removed(t) // a removed member's etcd shuts itself down
	}
}

func maintenance(t *testing.T, ctx context.Context, be backend) {
	c := be.c
	snapshotStream(t, ctx, be)
	if err := c.Compact(ctx, 0, true); err != nil {
		t.Errorf("Compact(0): %v", err)
	}
	if err := c.Compact(ctx, 1, false); err == nil {
		t.Error("Compact to an already compacted revision succeeded")
	}
	if err := c.Defragment(ctx, be.b.clientURL); err != nil {
		t.Errorf("Defragment: %v", err)
	}
	if err := c.AlarmDisarm(ctx); err != nil {
		t.Errorf("AlarmDisarm: %v", err)
	}
}
