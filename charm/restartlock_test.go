package charm

import (
	"testing"

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
