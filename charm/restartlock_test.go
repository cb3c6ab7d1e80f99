package charm

import (
	"slices"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/relations"
)

func TestNextRestartLock(t *testing.T) {
	peer := func(unit, request string) relations.Peer {
		return relations.Peer{Unit: unit, State: relations.PeerStarted, RestartRequest: request}
	}
	tests := []struct {
		name   string
		holder string
		peers  []relations.Peer
		want   string
	}{
		{"nobody asks, nobody holds", "", []relations.Peer{peer("etcd/0", ""), peer("etcd/1", "")}, ""},
		{"the first requester gets a free lock", "", []relations.Peer{peer("etcd/0", ""), peer("etcd/2", "b"), peer("etcd/1", "a")}, "etcd/1"},
		{"the holder keeps it while it restarts", "etcd/2", []relations.Peer{peer("etcd/1", "a"), peer("etcd/2", "b")}, "etcd/2"},
		{"a finished non-leader hands it on", "etcd/1", []relations.Peer{peer("etcd/0", "c"), peer("etcd/1", ""), peer("etcd/2", "b")}, "etcd/0"},
		// The leader restarted itself in this hook and announces its
		// request cleared: the lock moves on in the same hook, since no
		// peer's data changed to wake the leader again.
		{"the leader's own finished restart hands it on", "etcd/0", []relations.Peer{peer("etcd/0", ""), peer("etcd/1", ""), peer("etcd/2", "b")}, "etcd/2"},
		{"the last restart frees it", "etcd/2", []relations.Peer{peer("etcd/0", ""), peer("etcd/2", "")}, ""},
		{"a holder that left loses it", "etcd/3", []relations.Peer{peer("etcd/0", ""), peer("etcd/1", "a")}, "etcd/1"},
		{"a holder that left frees it", "etcd/3", []relations.Peer{peer("etcd/0", "")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextRestartLock(tt.holder, tt.peers); got != tt.want {
				t.Errorf("NextRestartLock(%q) = %q, want %q", tt.holder, got, tt.want)
			}
		})
	}
}

func TestRestartFailureBackoff(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	var f RestartFailure
	if f.Holds("", at) || f.Holds("r1", at) {
		t.Fatal("no failure holds nothing")
	}
	f = f.Failed("r1", "etcd said no.", at)
	for _, tc := range []struct {
		name    string
		request string
		after   time.Duration
		holds   bool
	}{
		{"the same change right after", "r1", time.Second, true},
		{"the same change before the backoff ends", "r1", 5*time.Minute - time.Second, true},
		{"the same change once the backoff ended", "r1", 5 * time.Minute, false},
		{"another change at once", "r2", time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.Holds(tc.request, at.Add(tc.after)); got != tc.holds {
				t.Errorf("Holds(%s, +%v) = %v, want %v", tc.request, tc.after, got, tc.holds)
			}
		})
	}
	// Each further failure of the same change doubles the wait, up to an
	// hour; another change starts again from one attempt.
	var waits []time.Duration
	g := f
	for i := 0; i < 6; i++ {
		waits = append(waits, g.RetryAt().Sub(g.At))
		g = g.Failed("r1", "etcd said no.", g.RetryAt())
	}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	if h := g.Failed("r2", "other.", at); h.Attempts != 1 || h.Request != "r2" {
		t.Errorf("another change: %+v", h)
	}
	if m := f.Message(); m != "etcd said no. Reverted to what ran before; trying again after 10:05 UTC (attempt 1 failed). Fix or undo the change to go on." {
		t.Errorf("message %q", m)
	}
}
