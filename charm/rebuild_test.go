package charm

import (
	"strings"
	"testing"
)

func TestDecideRebuild(t *testing.T) {
	three := []string{"etcd0", "etcd1", "etcd2"}
	for _, tc := range []struct {
		name string
		v    RebuildView
		want string // a refusal's start; "" goes on
	}{
		{"majority lost", RebuildView{IsLeader: true, HasData: true, Answered: true, Voters: three, Up: []string{"etcd0"}}, ""},
		{"3 of 5 lost", RebuildView{IsLeader: true, HasData: true, Answered: true,
			Voters: []string{"etcd0", "etcd1", "etcd2", "etcd3", "etcd4"}, Up: []string{"etcd0", "etcd3"}}, ""},
		{"quorum holds with one down", RebuildView{IsLeader: true, HasData: true, Answered: true, Voters: three, Up: []string{"etcd0", "etcd2"}},
			"Quorum holds: 2 of 3 members answer (down: etcd1); rebuild-cluster only recovers a lost majority."},
		{"all up", RebuildView{IsLeader: true, HasData: true, Answered: true, Voters: three, Up: three}, "Quorum holds: 3 of 3 members answer;"},
		{"quorum holds, forced", RebuildView{IsLeader: true, HasData: true, Answered: true, Voters: three, Up: three, Force: true}, ""},
		{"one member alone holds its quorum", RebuildView{IsLeader: true, HasData: true, Answered: true, Voters: []string{"etcd0"}, Up: []string{"etcd0"}},
			"Quorum holds: 1 of 1 members answer;"},
		{"not the leader", RebuildView{HasData: true, Answered: true, Voters: three, Up: []string{"etcd1"}}, "Run rebuild-cluster on the leader unit"},
		{"not the leader, forced", RebuildView{HasData: true, Force: true}, "Run rebuild-cluster on the leader unit"},
		{"no data", RebuildView{IsLeader: true, Answered: true, Voters: three, Up: []string{"etcd0"}}, "This unit's member has no data"},
		{"no data, forced", RebuildView{IsLeader: true, Force: true}, "This unit's member has no data"},
		{"etcd down: cannot tell", RebuildView{IsLeader: true, HasData: true}, "etcd on this unit does not answer"},
		{"etcd down, forced", RebuildView{IsLeader: true, HasData: true, Force: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DecideRebuild(tc.v)
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("DecideRebuild = %q, want %q", got, tc.want)
			}
		})
	}
}
