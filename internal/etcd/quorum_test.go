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

// quorumBackend is a one-member cluster (members[0]) that can start and
// stop the etcd of members[1] and members[2].
type quorumBackend struct {
	c       cluster
	members [3]member
	start   func(t *testing.T, i int)
	stop    func(t *testing.T, i int)
	// expectWindow: the add after a promotion must meet the health window.
	expectWindow bool
	// settle is how long a stopped member takes to be seen inactive by
	// the others' raft transports.
	settle time.Duration
}

// TestRealQuorum checks etcd's strict reconfig refusal on real etcd:
// removing a running member of three while another is down would leave
// one of two, so etcd refuses with "unhealthy cluster"; removing the
// member that is down is fine.
func TestRealQuorum(t *testing.T) {
	eachRelease(t, [3]string{"127.0.134.", "127.0.135.", "127.0.136."}, func(t *testing.T, _, bin, net string) {
		var ips [3]string
		for i := range ips {
			ips[i] = fmt.Sprintf("%s%d", net, i+1)
		}
		tls := writePKI(t, t.TempDir(), "127.0.0.1", ips[0], ips[1], ips[2])
		var nodes [3]*node
		var qb quorumBackend
		var endpoints []string
		for i, name := range []string{"a", "b", "c"} {
			nodes[i] = newNode(t, name, ips[i])
			qb.members[i] = member{name, nodes[i].peerURL, nodes[i].client}
			endpoints = append(endpoints, nodes[i].client)
		}
		initial := func(n int) string {
			var parts []string
			for _, nd := range nodes[:n+1] {
				parts = append(parts, nd.name+"="+nd.peerURL)
			}
			return strings.Join(parts, ",")
		}
		nodes[0].start(t, bin, tls, initial(0), "new")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := openServing(t, ctx, endpoints, tls, nodes[0].client)
		qb.c, qb.expectWindow, qb.settle = c, true, 2*time.Second
		qb.start = func(t *testing.T, i int) { nodes[i].start(t, bin, tls, initial(i), "existing") }
		qb.stop = func(t *testing.T, i int) { nodes[i].stop() }
		quorum(t, qb)
	})
}

func TestFakeQuorum(t *testing.T) {
	var qb quorumBackend
	for i, name := range []string{"a", "b", "c"} {
		qb.members[i] = member{name, fmt.Sprintf("https://10.2.0.%d:2380", i+1), fmt.Sprintf("https://10.2.0.%d:2379", i+1)}
	}
	f := etcdtest.New("a", qb.members[0].peerURL, qb.members[0].clientURL)
	f.SetHealthWindow(500*time.Millisecond, nil)
	qb.c, qb.expectWindow = f, true
	qb.start = func(t *testing.T, i int) {
		m := qb.members[i]
		if err := f.StartMember(m.peerURL, m.name, m.clientURL); err != nil {
			t.Fatal(err)
		}
	}
	qb.stop = func(t *testing.T, i int) {
		for _, m := range f.List() {
			if m.Name == qb.members[i].name {
				f.StopMember(m.ID)
			}
		}
	}
	quorum(t, qb)
}

func quorum(t *testing.T, qb quorumBackend) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := qb.c
	ids := map[string]uint64{}
	for i := 1; i < 3; i++ {
		// Right after a promotion etcd refuses any add until every
		// voter has been connected for its 5 s health window.
		var learner etcd.Member
		start, refused := time.Now(), 0
		testkit.Eventually(t, 30*time.Second, "add "+qb.members[i].name, func() (err error) {
			learner, _, err = c.AddLearner(ctx, qb.members[i].peerURL)
			if errors.Is(err, etcd.ErrUnhealthy) {
				refused++
			} else if err != nil {
				t.Fatalf("AddLearner = %v", err)
			}
			return err
		})
		t.Logf("add %s: refused as unhealthy %d times, accepted after %v", qb.members[i].name, refused, time.Since(start).Round(100*time.Millisecond))
		if i == 2 && refused == 0 && qb.expectWindow {
			t.Errorf("add right after a promotion was not refused: no health window?")
		}
		qb.start(t, i)
		// The client's endpoints include the learner, which refuses the
		// member list Promote reads first when a call lands on it (the
		// charm dials voters only); asking again reaches a voter.
		testkit.Eventually(t, 30*time.Second, "promote "+qb.members[i].name, func() error {
			err := c.Promote(ctx, learner.ID)
			if err != nil && !errors.Is(err, etcd.ErrLearnerNotReady) && !errors.Is(err, etcd.ErrLearnerRefused) {
				t.Fatalf("Promote = %v", err)
			}
			return err
		})
		waitHealthy(t, c, qb.members[i].clientURL)
		ids[qb.members[i].name] = learner.ID
	}
	members, err := c.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		ids[m.Name] = m.ID
		if m.IsLearner {
			t.Errorf("%s is still a learner", m.Name)
		}
	}
	if len(members) != 3 {
		t.Fatalf("members = %+v", members)
	}

	qb.stop(t, 2)
	testkit.Eventually(t, 10*time.Second, "c seen down", func() error {
		if _, err := c.Status(ctx, qb.members[2].clientURL); err == nil {
			return errors.New("c still answers")
		}
		return nil
	})
	time.Sleep(qb.settle)
	err = c.Remove(ctx, ids["a"])
	if err == nil {
		t.Fatal("removing a running member with another down succeeded: etcd lost quorum")
	}
	if !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("Remove with quorum at risk = %v, want ErrUnhealthy", err)
	}
	if h := c.Health(ctx, []string{qb.members[0].clientURL, qb.members[1].clientURL}); !h[0].Healthy || !h[1].Healthy {
		t.Errorf("health of the two members up = %+v", h)
	}
	// The member that is down may go.
	testkit.Eventually(t, 20*time.Second, "remove c", func() error {
		err := c.Remove(ctx, ids["c"])
		if err != nil && !errors.Is(err, etcd.ErrUnhealthy) {
			t.Fatalf("Remove of the stopped member = %v", err)
		}
		return err
	})
	if members, err := c.Members(ctx); err != nil || len(members) != 2 {
		t.Errorf("members after removing c = %+v, %v", members, err)
	}
}
