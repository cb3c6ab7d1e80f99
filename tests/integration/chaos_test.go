package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcd-charm/etcd-charm/tests/linearizability"
)

// chaosLoad is a client load recorded for the linearizability checker:
// clients writing and linearizably reading a few keys, each operation with
// a short timeout (an operation that times out may have happened).
type chaosLoad struct {
	h      *linearizability.History
	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	lastOK time.Time
	gap    time.Duration // longest time without an acknowledged write
}

func startChaosLoad(cl *clientv3.Client, clients int) *chaosLoad {
	l := &chaosLoad{h: linearizability.New(), stop: make(chan struct{}), lastOK: time.Now()}
	for c := 0; c < clients; c++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				key := fmt.Sprintf("chaos/k%d", i%3)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if i%2 == 0 {
					val := fmt.Sprintf("c%d-%d", c, i)
					done := l.h.Begin(c, linearizability.Op{Put: true, Key: key, Value: val})
					_, err := cl.Put(ctx, key, val)
					done(linearizability.Result{}, err)
					if err == nil {
						l.acked()
					}
				} else {
					done := l.h.Begin(c, linearizability.Op{Key: key})
					resp, err := cl.Get(ctx, key)
					res := linearizability.Result{}
					if err == nil && len(resp.Kvs) > 0 {
						res.Value = string(resp.Kvs[0].Value)
					}
					done(res, err)
				}
				cancel()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	return l
}

func (l *chaosLoad) acked() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if g := now.Sub(l.lastOK); g > l.gap {
		l.gap = g
	}
	l.lastOK = now
}

func (l *chaosLoad) finish() time.Duration {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gap
}

// checkHashKV compares HashKV of every member at one revision.
func checkHashKV(t *testing.T, cl *clientv3.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ml, err := cl.MemberList(ctx)
	if err != nil {
		t.Fatalf("member list: %v", err)
	}
	st, err := cl.Status(ctx, cl.Endpoints()[0])
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	rev := st.Header.Revision
	hashes := map[uint32][]string{}
	for _, m := range ml.Members {
		if len(m.ClientURLs) == 0 {
			t.Fatalf("member %s has no client URL", m.Name)
		}
		h, err := cl.HashKV(ctx, m.ClientURLs[0], rev)
		if err != nil {
			t.Fatalf("HashKV of %s at %d: %v", m.Name, rev, err)
		}
		hashes[h.Hash] = append(hashes[h.Hash], m.Name)
	}
	if len(hashes) != 1 {
		t.Errorf("members disagree at revision %d: %v", rev, hashes)
	}
}

// Scenario §3.5 #4: kill -9 of the raft leader under a recorded load. A new
// leader serves writes within 5 s, the killed member comes back by itself,
// the history is linearizable and every member holds the same data.
func TestChaosKillRaftLeader(t *testing.T) {
	m := newModel(t, 1)
	m.deployEtcd(3)
	m.waitActive(4 * time.Minute)
	cl := m.clientOf("etcd/0")
	load := startChaosLoad(cl, 3)
	time.Sleep(2 * time.Second)
	victim := m.raftLeaderUnit()
	m.must("fault", "kill", victim)
	killed := time.Now()
	deadline := killed.Add(60 * time.Second)
	var recovered time.Duration
	for recovered == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no acknowledged write within 60 s of kill -9 of the raft leader")
		}
		load.mu.Lock()
		if load.lastOK.After(killed.Add(100 * time.Millisecond)) {
			recovered = load.lastOK.Sub(killed)
		}
		load.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	m.waitActive(2 * time.Minute)
	time.Sleep(time.Second)
	gap := load.finish()
	verdict := "LINEARIZABLE"
	if err := load.h.Check(time.Minute); err != nil {
		verdict = err.Error()
		t.Error(err)
	}
	c := load.h.Counts()
	t.Logf("| scenario | outcome | recovery | longest write gap | verdict |")
	t.Logf("| kill -9 raft leader (%s) | writes back, %d acked, %d maybe, %d reads | %v | %v | %s |",
		victim, c.Writes, c.MaybeWrites, c.Reads, recovered.Round(10*time.Millisecond), gap.Round(10*time.Millisecond), verdict)
	if gap > 5*time.Second {
		t.Errorf("longest write gap %v, want within 5 s", gap)
	}
	m.checkCluster(3, nil)
	checkHashKV(t, cl)
}
