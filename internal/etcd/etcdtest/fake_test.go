package etcdtest

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

const (
	peer0, client0 = "https://10.0.0.1:2380", "https://10.0.0.1:2379"
	peer1, client1 = "https://10.0.0.2:2380", "https://10.0.0.2:2379"
	peer2, client2 = "https://10.0.0.3:2380", "https://10.0.0.3:2379"
)

// join adds, starts and promotes a member the way the charm does.
func join(t *testing.T, f *Fake, name, peerURL, clientURL string) uint64 {
	t.Helper()
	ctx := context.Background()
	m, _, err := f.AddLearner(ctx, peerURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.StartMember(peerURL, name, clientURL); err != nil {
		t.Fatal(err)
	}
	if err := f.Promote(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// threeVoters is a fake cluster of etcd0 (the leader), etcd1 and etcd2, all
// started voters, and their ids.
func threeVoters(t *testing.T) (f *Fake, id0, id1, id2 uint64) {
	t.Helper()
	f = New("etcd0", peer0, client0)
	id0 = f.Leader()
	id1 = join(t, f, "etcd1", peer1, client1)
	id2 = join(t, f, "etcd2", peer2, client2)
	return f, id0, id1, id2
}

func TestAddLearnerIsIdempotentAndStartsUnnamed(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	m, list, err := f.AddLearner(ctx, peer1)
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsLearner || m.Started() || len(m.ClientURLs) != 0 {
		t.Errorf("new learner = %+v, want an unstarted learner", m)
	}
	if len(list) != 2 || list[1].ID != m.ID {
		t.Errorf("members after add = %+v", list)
	}
	again, list2, err := f.AddLearner(ctx, peer1)
	if err != nil || again.ID != m.ID || len(list2) != 2 {
		t.Errorf("second AddLearner = %+v, %d members, %v; want the same member", again, len(list2), err)
	}
	if _, _, err := f.AddLearner(ctx, peer2); !errors.Is(err, etcd.ErrTooManyLearners) {
		t.Errorf("second learner: err = %v, want ErrTooManyLearners", err)
	}
	if _, _, err := f.AddLearner(ctx, peer0); err != nil {
		t.Errorf("AddLearner of the founding member's URL: %v", err)
	}
}

func TestPromote(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		setup    func(f *Fake, id uint64)
		start    bool
		wantErr  error
		learner  bool
		attempts int // Promote calls before the last one checked
	}{
		{name: "started and caught up", start: true},
		{name: "not started", start: false, wantErr: etcd.ErrLearnerNotReady, learner: true},
		{name: "lagging", start: true, setup: func(f *Fake, id uint64) {
			f.Put(100)
			f.SetRevision(id, 50)
		}, wantErr: etcd.ErrLearnerNotReady, learner: true},
		{name: "not ready twice then ready", start: true, setup: func(f *Fake, id uint64) { f.PromoteNotReady(2) }, attempts: 2},
		{name: "unhealthy once", start: true, setup: func(f *Fake, id uint64) { f.FailUnhealthy(1) }, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New("etcd0", peer0, client0)
			m, _, err := f.AddLearner(ctx, peer1)
			if err != nil {
				t.Fatal(err)
			}
			if tt.start {
				f.StartMember(peer1, "etcd1", client1)
			}
			if tt.setup != nil {
				tt.setup(f, m.ID)
			}
			for i := 0; i < tt.attempts; i++ {
				if err := f.Promote(ctx, m.ID); err == nil {
					t.Fatalf("attempt %d succeeded, want a transient error", i)
				}
			}
			err = f.Promote(ctx, m.ID)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Promote = %v, want %v", err, tt.wantErr)
			}
			if got := f.List()[1].IsLearner; got != tt.learner {
				t.Errorf("IsLearner = %v, want %v", got, tt.learner)
			}
		})
	}
	// Strict reconfig: with two of three voters unreachable (the leader
	// keeps its role), promoting a fourth would leave 2 up of 4.
	f, _, _, _ := threeVoters(t)
	m, _, err := f.AddLearner(ctx, "https://10.0.0.4:2380")
	if err != nil {
		t.Fatal(err)
	}
	f.StartMember("https://10.0.0.4:2380", "etcd3", "https://10.0.0.4:2379")
	f.SetDown(client1, "")
	f.SetDown(client2, "")
	if err := f.Promote(ctx, m.ID); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("Promote without quorum = %v, want ErrUnhealthy", err)
	}
	f.SetUp(client1)
	if err := f.Promote(ctx, m.ID); err != nil {
		t.Errorf("Promote with 3 of 4 started = %v", err)
	}

	f = New("etcd0", peer0, client0)
	if err := f.Promote(ctx, f.Leader()); err != nil {
		t.Errorf("Promote of a voter = %v, want nil", err)
	}
	if err := f.Promote(ctx, 42); err == nil {
		t.Error("Promote of an unknown id succeeded")
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	f, id0, id1, id2 := threeVoters(t)

	// Two of three voters down: removing a started one would lose quorum.
	f.StopMember(id2)
	if err := f.Remove(ctx, id1); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("Remove without quorum = %v, want ErrUnhealthy", err)
	}
	// Removing the stopped one leaves two started voters of two: fine.
	if err := f.Remove(ctx, id2); err != nil {
		t.Fatalf("Remove of the stopped member: %v", err)
	}
	if err := f.Remove(ctx, id2); err != nil {
		t.Errorf("second Remove = %v, want nil", err)
	}
	f.FailUnhealthy(1)
	if err := f.Remove(ctx, id0); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("Remove with injected failure = %v", err)
	}
	if err := f.Remove(ctx, id0); err != nil {
		t.Fatalf("Remove of the leader: %v", err)
	}
	if f.Leader() != id1 {
		t.Errorf("leader after removing it = %x, want %x", f.Leader(), id1)
	}
	if got := len(f.List()); got != 1 {
		t.Errorf("%d members left, want 1", got)
	}
}

func TestMoveLeaderAndStatus(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	id1 := join(t, f, "etcd1", peer1, client1)
	learner, _, _ := f.AddLearner(ctx, peer2)
	if err := f.MoveLeader(ctx, learner.ID); err == nil {
		t.Error("MoveLeader to a learner succeeded")
	}
	if err := f.MoveLeader(ctx, id1); err != nil {
		t.Fatal(err)
	}
	st, err := f.Status(ctx, client0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Leader != id1 || st.IsLearner || st.Endpoint != client0 || st.Revision == 0 {
		t.Errorf("status = %+v", st)
	}
	f.SetDown(client1, "connection refused")
	if _, err := f.Status(ctx, client1); err == nil {
		t.Error("Status of a down endpoint succeeded")
	}
	if _, err := f.Status(ctx, "https://10.9.9.9:2379"); err == nil {
		t.Error("Status of an unknown endpoint succeeded")
	}
}

func TestHealth(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	join(t, f, "etcd1", peer1, client1)
	f.AddLearner(ctx, peer2)
	f.StartMember(peer2, "etcd2", client2)
	f.SetDown(client1, "")
	got := f.Health(ctx, []string{client0, client1, client2})
	want := []bool{true, false, false}
	for i, h := range got {
		if h.Healthy != want[i] || (h.Healthy != (h.Error == "")) {
			t.Errorf("%s: %+v, want healthy=%v", h.Endpoint, h, want[i])
		}
	}
	f.RaiseAlarm(f.Leader(), "NOSPACE")
	if h := f.Health(ctx, []string{client0})[0]; h.Healthy || h.Error != "Active Alarm(s): NOSPACE" {
		t.Errorf("with NOSPACE: %+v", h)
	}
	alarms, _ := f.Alarms(ctx)
	if len(alarms) != 1 || alarms[0].Type != "NOSPACE" {
		t.Errorf("alarms = %+v", alarms)
	}
	if err := f.AlarmDisarm(ctx); err != nil {
		t.Fatal(err)
	}
	if h := f.Health(ctx, []string{client0})[0]; !h.Healthy {
		t.Errorf("after disarm: %+v", h)
	}
}

func TestDial(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	if _, err := f.Dial(ctx, []string{client1}, etcd.TLS{}); err == nil {
		t.Error("Dial of an endpoint no member serves succeeded")
	}
	c, err := f.Dial(ctx, []string{client1, client0}, etcd.TLS{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	boom := errors.New("boom")
	f.FailDial(boom)
	if _, err := f.Dial(ctx, []string{client0}, etcd.TLS{}); !errors.Is(err, boom) {
		t.Errorf("Dial = %v, want boom", err)
	}
	if f.Closed() != 1 {
		t.Errorf("Closed = %d", f.Closed())
	}
	calls := f.Calls()
	if !reflect.DeepEqual(calls[len(calls)-1], "Dial [https://10.0.0.1:2379]") {
		t.Errorf("calls = %q", calls)
	}
}

func TestMaintenance(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	f.Put(9)
	take := func() (Snapshot, string, error) {
		t.Helper()
		rc, v, err := f.SnapshotStream(ctx, client0)
		if err != nil {
			return Snapshot{}, "", err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return Snapshot{}, v, err
		}
		snap, err := ReadSnapshot(data)
		return snap, v, err
	}
	snap, v, err := take()
	if err != nil || v != "" {
		t.Fatalf("SnapshotStream = %q, %v; want no version from 3.5", v, err)
	}
	if snap.Revision != 10 || len(snap.Keys) != 9 || snap.Keys["/etcdtest/10"] != "value at revision 10" {
		t.Errorf("snapshot at revision %d holds %v", snap.Revision, snap.Keys)
	}
	if rev := f.PutKey("/registry/a", "b"); rev != 11 {
		t.Errorf("PutKey revision = %d, want 11", rev)
	}
	f.SetVersion("3.6.16")
	if snap, v, _ := take(); v != "3.6.0" || snap.Keys["/registry/a"] != "b" {
		t.Errorf("version = %q, keys %v", v, snap.Keys)
	}
	f.FailSnapshot(-1, errors.New("connection refused"))
	if _, _, err := take(); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("SnapshotStream failing to open = %v", err)
	}
	f.FailSnapshot(5000, errors.New("connection reset"))
	if _, _, err := take(); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("SnapshotStream breaking = %v", err)
	}
	if _, _, err := take(); err != nil {
		t.Errorf("the fault outlived one snapshot: %v", err)
	}
	if _, _, err := f.SnapshotStream(ctx, client1); err == nil {
		t.Error("SnapshotStream from an unknown endpoint succeeded")
	}
	if err := f.Compact(ctx, 12, false); err == nil {
		t.Error("Compact to a future revision succeeded")
	}
	if err := f.Compact(ctx, 0, true); err != nil || f.Compacted() != 11 {
		t.Errorf("Compact(0) = %v, compacted %d", err, f.Compacted())
	}
	if err := f.Compact(ctx, 5, false); err == nil {
		t.Error("Compact to a compacted revision succeeded")
	}
	if err := f.Defragment(ctx, client0); err != nil {
		t.Error(err)
	}
	if err := f.Defragment(ctx, client1); err == nil {
		t.Error("Defragment of an unknown endpoint succeeded")
	}
}

func TestUpdatePeerURLs(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	id1 := join(t, f, "etcd1", peer1, client1)
	if err := f.UpdatePeerURLs(ctx, id1, []string{peer0}); err == nil {
		t.Error("taking another member's peer URL succeeded")
	}
	if err := f.UpdatePeerURLs(ctx, id1, []string{peer2}); err != nil {
		t.Fatal(err)
	}
	if got := f.List()[1].PeerURLs; !reflect.DeepEqual(got, []string{peer2}) {
		t.Errorf("peer URLs = %v", got)
	}
}

func TestStopAndStartMembers(t *testing.T) {
	ctx := context.Background()
	f, id0, id1, id2 := threeVoters(t)

	if err := f.StopMember(id0); err != nil {
		t.Fatal(err)
	}
	if l := f.Leader(); l != id1 && l != id2 {
		t.Errorf("leader after stopping it = %x, want another voter", l)
	}
	if m := f.List()[0]; m.Name != "etcd0" || len(m.ClientURLs) != 1 {
		t.Errorf("a stopped member forgot its name or URLs: %+v", m)
	}
	if _, err := f.Status(ctx, client0); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Status of a stopped member = %v", err)
	}
	if h := f.Health(ctx, []string{client0})[0]; h.Healthy {
		t.Errorf("health of a stopped member = %+v", h)
	}
	if _, err := f.Members(ctx); err != nil {
		t.Errorf("Members with 2 of 3 up = %v", err)
	}

	f.StopMember(id1)
	if l := f.Leader(); l != 0 && l != id2 {
		t.Errorf("leader = %x", l)
	}
	f.StopMember(id2)
	if f.Leader() != 0 {
		t.Errorf("leader with every member stopped = %x", f.Leader())
	}
	if _, err := f.Members(ctx); err == nil || !strings.Contains(err.Error(), "no leader") {
		t.Errorf("Members without a leader = %v", err)
	}
	if h := f.Health(ctx, []string{client1})[0]; h.Healthy {
		t.Errorf("health without a leader = %+v", h)
	}

	f.StartMember(peer0, "etcd0", client0)
	if f.Leader() != 0 {
		t.Errorf("one of three up elected %x", f.Leader())
	}
	f.StartMember(peer1, "etcd1", client1)
	if l := f.Leader(); l != id0 && l != id1 {
		t.Errorf("two of three up: leader = %x", l)
	}
	if h := f.Health(ctx, []string{client0, client1}); !h[0].Healthy || !h[1].Healthy {
		t.Errorf("health after restart = %+v", h)
	}
	if err := f.MoveLeader(ctx, id2); err == nil {
		t.Error("MoveLeader to a stopped member succeeded")
	}
}

func TestHealthWindow(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := New("etcd0", peer0, client0)
	f.SetHealthWindow(5*time.Second, func() time.Time { return now })
	id1 := join(t, f, "etcd1", peer1, client1)
	// etcd1 joined just now: etcd refuses the next add for 5 s.
	if _, _, err := f.AddLearner(ctx, peer2); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("AddLearner right after a join = %v, want ErrUnhealthy", err)
	}
	// Nor may etcd0 go: etcd1 does not count as connected yet.
	if err := f.Remove(ctx, f.List()[0].ID); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("Remove right after a join = %v, want ErrUnhealthy", err)
	}
	now = now.Add(5 * time.Second)
	if _, _, err := f.AddLearner(ctx, peer2); err != nil {
		t.Errorf("AddLearner after the window = %v", err)
	}
	// A restart opens the window again.
	f.StopMember(id1)
	f.StartMember(peer1, "etcd1", client1)
	if err := f.Remove(ctx, f.List()[0].ID); !errors.Is(err, etcd.ErrUnhealthy) {
		t.Errorf("Remove right after a restart = %v, want ErrUnhealthy", err)
	}
}

// A client through a voter and a learner sends requests to each in turn,
// as clientv3 does, and the learner refuses its share; a client through
// voters only never meets the refusal.
func TestLearnerEndpointRefusesRoutedRequests(t *testing.T) {
	ctx := context.Background()
	f := New("etcd0", peer0, client0)
	if _, _, err := f.AddLearner(ctx, peer1); err != nil {
		t.Fatal(err)
	}
	if err := f.StartMember(peer1, "etcd1", client1); err != nil {
		t.Fatal(err)
	}
	mixed, err := f.Dial(ctx, []string{client0, client1}, etcd.TLS{})
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for i := 0; i < 4; i++ {
		if _, err := mixed.Members(ctx); errors.Is(err, etcd.ErrLearnerRefused) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if refused != 2 {
		t.Errorf("%d of 4 member lists refused, want 2 (every other one)", refused)
	}
	if _, err := mixed.Status(ctx, client1); err != nil {
		t.Errorf("Status of the learner = %v, want an answer", err)
	}
	voters, err := f.Dial(ctx, []string{client0}, etcd.TLS{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if _, err := voters.Members(ctx); err != nil {
			t.Fatalf("Members through the voter = %v", err)
		}
	}
}
