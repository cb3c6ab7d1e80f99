package charm

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/relations"
)

func TestDecideStart(t *testing.T) {
	boot := "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380"
	stored := Start{InitialCluster: "etcd0=https://10.0.1.0:2380", State: "new", Token: "OLD"}
	tests := []struct {
		name    string
		self    string
		leader  relations.Leader
		hasData bool
		want    Start
		wait    string
	}{
		{"nothing published", "etcd0", relations.Leader{}, false, Start{}, "Waiting for the leader to bootstrap the cluster"},
		{"in the bootstrap cluster", "etcd1", relations.Leader{Cluster: boot, Token: "T"}, false, Start{boot, "new", "T"}, ""},
		{"admitted", "etcd2", relations.Leader{Cluster: boot, Token: "T", Joins: map[string]string{"etcd2": "J"}}, false, Start{"J", "existing", "T"}, ""},
		{"not admitted yet", "etcd2", relations.Leader{Cluster: boot, Token: "T"}, false, Start{}, "Waiting for the leader to admit this unit"},
		{"started before keeps its start", "etcd0", relations.Leader{Cluster: boot, Token: "T"}, true, stored, ""},
		{"data but nothing stored", "etcd1", relations.Leader{Cluster: boot, Token: "T"}, true, Start{boot, "new", "T"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Start{}
			if tt.hasData && tt.name == "started before keeps its start" {
				st = stored
			}
			got, wait := DecideStart(tt.self, tt.leader, tt.hasData, st)
			if got != tt.want || wait != tt.wait {
				t.Errorf("DecideStart() = %+v, %q; want %+v, %q", got, wait, tt.want, tt.wait)
			}
		})
	}
}

func TestPeersMessage(t *testing.T) {
	for n, want := range map[int]string{0: "0 known peers", 1: "1 known peer", 3: "3 known peers", 12: "12 known peers"} {
		if got := PeersMessage(n); got != want {
			t.Errorf("PeersMessage(%d) = %q, want %q", n, got, want)
		}
	}
}
