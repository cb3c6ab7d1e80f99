package charm

import (
	"slices"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/relations"
)

func peer(n int, state string) relations.Peer {
	unit := "etcd/" + string(rune('0'+n))
	return relations.Peer{
		Unit: unit, Name: relations.MemberName(unit), State: state,
		PeerURL:   "https://10.0.1." + string(rune('0'+n)) + ":2380",
		ClientURL: "https://10.0.0." + string(rune('0'+n)) + ":2379",
	}
}

func member(n int, started, learner bool) etcd.Member {
	m := etcd.Member{ID: uint64(100 + n), PeerURLs: []string{peer(n, "").PeerURL}, IsLearner: learner}
	if started {
		m.Name = peer(n, "").Name
		m.ClientURLs = []string{peer(n, "").ClientURL}
	}
	return m
}

func TestPlanMembership(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	boot := relations.Leader{Token: "ABC123", Cluster: "etcd0=https://10.0.1.0:2380", Joins: map[string]string{}}
	tests := []struct {
		name       string
		view       ClusterView
		want       StepKind
		wantReason string
		wantPeer   string // unit
		wantMember uint64
		wantInit   string
		wantAwait  bool // the leader may watch for the learner in this hook
	}{{
		name: "leader not ready yet",
		view: ClusterView{Peers: []relations.Peer{peer(0, ""), peer(1, relations.PeerReady)}},
		want: StepNone, wantReason: "Waiting for this unit to be ready",
	}, {
		name: "single unit bootstraps alone",
		view: ClusterView{Peers: []relations.Peer{peer(0, relations.PeerReady)}},
		want: StepBootstrap, wantInit: "etcd0=https://10.0.1.0:2380",
	}, {
		name: "units deployed together bootstrap together",
		view: ClusterView{Peers: []relations.Peer{peer(0, relations.PeerReady), peer(1, relations.PeerReady), peer(2, relations.PeerReady)}},
		want: StepBootstrap, wantInit: "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380,etcd2=https://10.0.1.2:2380",
	}, {
		name: "waits a while for a peer still getting ready",
		view: ClusterView{Peers: []relations.Peer{peer(0, relations.PeerReady), peer(1, "")}, ReadySince: now.Add(-time.Minute)},
		want: StepNone, wantReason: "Waiting for 1 peer(s) to be ready to bootstrap",
	}, {
		name: "stops waiting after BootstrapWait",
		view: ClusterView{Peers: []relations.Peer{peer(0, relations.PeerReady), peer(1, "")}, ReadySince: now.Add(-BootstrapWait)},
		want: StepBootstrap, wantInit: "etcd0=https://10.0.1.0:2380",
	}, {
		name: "a departing peer is not waited for",
		view: ClusterView{Peers: []relations.Peer{peer(0, relations.PeerReady), peer(1, "")}, Departing: map[string]bool{"etcd/1": true}, ReadySince: now},
		want: StepBootstrap, wantInit: "etcd0=https://10.0.1.0:2380",
	}, {
		name: "bootstrapped, cluster unreachable",
		view: ClusterView{Leader: boot, Peers: []relations.Peer{peer(0, relations.PeerStarted)}},
		want: StepNone, wantReason: "Waiting for the cluster to answer",
	}, {
		name: "all members started and voting",
		view: ClusterView{Leader: boot, Peers: []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false)}},
		want: StepNone,
	}, {
		name: "a voter whose unit lost its data is removed",
		view: ClusterView{Leader: boot, Self: "etcd0", Peers: []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerLost)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, true, false)}},
		want: StepRemove, wantMember: 102,
	}, {
		name: "a unit that lost its data is admitted again once removed",
		view: ClusterView{Leader: boot, Self: "etcd0", Peers: []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerLost)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false)}},
		want: StepAdmit, wantPeer: "etcd/2",
	}, {
		name: "its new learner is left to join, not removed again",
		view: ClusterView{Leader: relations.Leader{Token: "ABC123", Cluster: boot.Cluster, Joins: map[string]string{"etcd2": "J"}}, Self: "etcd0",
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerLost)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, false, true)}},
		want: StepNone, wantReason: "Waiting for etcd/2 to join the cluster",
	}, {
		name: "the leader's own lost member is removed through the others",
		view: ClusterView{Leader: boot, Self: "etcd0", Peers: []relations.Peer{peer(0, relations.PeerLost), peer(1, relations.PeerStarted), peer(2, relations.PeerStarted)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, true, false)}},
		want: StepRemove, wantMember: 100,
	}, {
		name: "the leader's own unit is admitted again once its member is removed",
		view: ClusterView{Leader: boot, Self: "etcd0", Peers: []relations.Peer{peer(0, relations.PeerLost), peer(1, relations.PeerStarted), peer(2, relations.PeerStarted)},
			Members: []etcd.Member{member(1, true, false), member(2, true, false)}},
		want: StepAdmit, wantPeer: "etcd/0",
	}, {
		name: "admit a new ready unit",
		view: ClusterView{Leader: boot, Peers: []relations.Peer{peer(0, relations.PeerStarted), peer(2, relations.PeerReady), peer(1, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false)}},
		want: StepAdmit, wantPeer: "etcd/1",
	}, {
		name: "one change at a time: a learner not started yet",
		view: ClusterView{Leader: relations.Leader{Cluster: boot.Cluster, Joins: map[string]string{"etcd2": "x"}},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerReady), peer(3, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, false, true)}},
		want: StepNone, wantReason: "Waiting for etcd/2 to join the cluster", wantAwait: true,
	}, {
		name: "the second member's learner is not watched for: it is promoted once its unit says it started",
		view: ClusterView{Leader: relations.Leader{Cluster: boot.Cluster, Joins: map[string]string{"etcd1": "x"}},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerReady), peer(2, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(1, false, true)}},
		want: StepNone, wantReason: "Waiting for etcd/1 to join the cluster",
	}, {
		name: "admission lost by a crashed hook is published again",
		view: ClusterView{Leader: boot,
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(1, false, true)}},
		want: StepPublishJoin, wantPeer: "etcd/1",
	}, {
		name: "promote a started learner",
		view: ClusterView{Leader: boot,
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(1, true, true)}},
		want: StepPromote, wantMember: 101,
	}, {
		name: "a learner that published its name is promoted before its unit says it started",
		view: ClusterView{Leader: relations.Leader{Cluster: boot.Cluster, Joins: map[string]string{"etcd2": "x"}},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, true, true)}},
		want: StepPromote, wantMember: 102,
	}, {
		name: "not when the voters without it would be no quorum: its unit may still need to restart it",
		view: ClusterView{Leader: relations.Leader{Cluster: boot.Cluster, Joins: map[string]string{"etcd1": "x"}},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(1, true, true)}},
		want: StepNone, wantReason: "Waiting for etcd/1 to join the cluster",
	}, {
		name: "a re-admitted learner of a unit that lost its data waits for its unit",
		view: ClusterView{Leader: relations.Leader{Cluster: boot.Cluster, Joins: map[string]string{"etcd2": "x"}},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerLost)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, true, true)}},
		want: StepNone, wantReason: "Waiting for etcd/2 to join the cluster",
	}, {
		name: "remove the member of a departed unit",
		view: ClusterView{Leader: boot,
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(2, relations.PeerStarted)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, true, false)}},
		want: StepRemove, wantMember: 101,
	}, {
		name: "remove the member of a departing unit",
		view: ClusterView{Leader: boot, Departing: map[string]bool{"etcd/2": true},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted), peer(2, relations.PeerStarted)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false), member(2, true, false)}},
		want: StepRemove, wantMember: 102,
	}, {
		name: "remove an orphan learner before admitting",
		view: ClusterView{Leader: boot,
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false), member(3, false, true)}},
		want: StepRemove, wantMember: 103,
	}, {
		name: "never remove the leader's own member",
		view: ClusterView{Self: "etcd0", Leader: boot, Departing: map[string]bool{"etcd/0": true},
			Peers:   []relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted)},
			Members: []etcd.Member{member(0, true, false), member(1, true, false)}},
		want: StepNone,
	}, {
		name: "never remove the last member",
		view: ClusterView{Leader: boot,
			Peers:   []relations.Peer{peer(1, relations.PeerReady)},
			Members: []etcd.Member{member(0, true, false)}},
		want: StepAdmit, wantPeer: "etcd/1",
	}, {
		name: "a started member whose peer URL changed is not removed",
		view: ClusterView{Leader: boot,
			Peers: []relations.Peer{peer(0, relations.PeerStarted), func() relations.Peer {
				p := peer(1, relations.PeerStarted)
				p.PeerURL = "https://10.0.1.1:12380"
				return p
			}()},
			Members: []etcd.Member{member(0, true, false), member(1, true, false)}},
		want: StepNone,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.view
			if v.Self == "" {
				v.Self = "etcd0"
			}
			v.Now = now
			if v.ReadySince.IsZero() {
				v.ReadySince = now.Add(-time.Hour)
			}
			if v.Leader.Joins == nil {
				v.Leader.Joins = map[string]string{}
			}
			got := PlanMembership(v)
			if got.Kind != tt.want || got.Reason != tt.wantReason {
				t.Fatalf("PlanMembership() = %s %q, want %s %q", got.Kind, got.Reason, tt.want, tt.wantReason)
			}
			if tt.wantPeer != "" && got.Peer.Unit != tt.wantPeer {
				t.Errorf("peer = %q, want %q", got.Peer.Unit, tt.wantPeer)
			}
			if tt.wantMember != 0 && got.Member.ID != tt.wantMember {
				t.Errorf("member = %d, want %d", got.Member.ID, tt.wantMember)
			}
			if got.Await != tt.wantAwait {
				t.Errorf("await = %v, want %v", got.Await, tt.wantAwait)
			}
			if got.InitialCluster != tt.wantInit {
				t.Errorf("initial cluster = %q, want %q", got.InitialCluster, tt.wantInit)
			}
		})
	}
}

func TestRestartJoiner(t *testing.T) {
	voter := func(n int) etcd.Member { return member(n, true, false) }
	up := func(ns ...int) map[string]bool {
		h := map[string]bool{}
		for _, n := range ns {
			h[peer(n, "").ClientURL] = true
		}
		return h
	}
	tests := []struct {
		name    string
		members []etcd.Member
		healthy map[string]bool
		want    bool
	}{
		{"a learner is outside the quorum", []etcd.Member{voter(0), member(3, true, true)}, nil, true},
		{"a new fourth voter: three healthy others keep the quorum", []etcd.Member{voter(0), voter(1), voter(2), voter(3)}, up(0, 1, 2), true},
		{"a new fourth voter with one other down", []etcd.Member{voter(0), voter(1), voter(2), voter(3)}, up(0, 1), false},
		{"a new second voter is half the quorum", []etcd.Member{voter(0), voter(3)}, up(0), false},
		{"a new third voter: two healthy others are a quorum of three", []etcd.Member{voter(0), voter(1), voter(3)}, up(0, 1), true},
		{"a new fourth voter with another voter not started", []etcd.Member{voter(0), voter(1), member(2, false, false), voter(3)}, up(0, 1), false},
		{"not listed by name", []etcd.Member{voter(0), voter(1), member(3, false, true)}, up(0, 1), false},
		{"no member list", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RestartJoiner(tt.members, tt.healthy, "etcd3"); got != tt.want {
				t.Errorf("RestartJoiner() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOtherVoters(t *testing.T) {
	got := OtherVoters([]etcd.Member{member(0, true, false), member(1, false, false), member(2, true, true), member(3, true, false)}, "etcd3")
	if want := []string{peer(0, "").ClientURL}; !slices.Equal(got, want) {
		t.Errorf("OtherVoters() = %v, want %v", got, want)
	}
}

func TestJoinCluster(t *testing.T) {
	members := []etcd.Member{member(0, true, false), member(2, true, false), member(1, false, true)}
	got := JoinCluster(members, "etcd1", peer(1, "").PeerURL)
	want := "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380,etcd2=https://10.0.1.2:2380"
	if got != want {
		t.Errorf("JoinCluster() = %q, want %q", got, want)
	}
}

func TestVoterEndpoints(t *testing.T) {
	const a, b, c = "https://10.0.0.1:2379", "https://10.0.0.2:2379", "https://10.0.0.3:2379"
	voter := func(id uint64, url string) etcd.Member {
		return etcd.Member{ID: id, Name: "m", ClientURLs: []string{url}}
	}
	learner := func(id uint64, url string) etcd.Member {
		m := voter(id, url)
		m.IsLearner = true
		return m
	}
	tests := []struct {
		name      string
		endpoints []string
		members   []etcd.Member
		want      []string
	}{
		{"all voters", []string{a, b, c}, []etcd.Member{voter(1, a), voter(2, b), voter(3, c)}, []string{a, b, c}},
		{"a started learner is left out", []string{a, b, c}, []etcd.Member{voter(1, a), voter(2, b), learner(3, c)}, []string{a, b}},
		{"an unstarted learner advertises nothing", []string{a, b}, []etcd.Member{voter(1, a), voter(2, b), {ID: 3, IsLearner: true, PeerURLs: []string{"https://10.0.1.3:2380"}}}, []string{a, b}},
		{"an endpoint no member advertises stays", []string{a, c}, []etcd.Member{voter(1, a)}, []string{a, c}},
		{"only learners: none", []string{c}, []etcd.Member{voter(1, a), learner(3, c)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := VoterEndpoints(tt.endpoints, tt.members)
			if !slices.Equal(got, tt.want) {
				t.Errorf("VoterEndpoints = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJoiningVoters(t *testing.T) {
	url := func(n int) string { return peer(n, "").ClientURL }
	tests := []struct {
		name    string
		members []etcd.Member
		peers   []relations.Peer
		want    []string
	}{
		{"every unit serves", []etcd.Member{member(0, true, false), member(1, true, false)},
			[]relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarted)}, nil},
		{"a promoted joiner whose unit is still ready", []etcd.Member{member(0, true, false), member(3, true, false)},
			[]relations.Peer{peer(0, relations.PeerStarted), peer(3, relations.PeerReady)}, []string{url(3)}},
		{"a bootstrap member waiting for the others", []etcd.Member{member(0, true, false), member(1, true, false)},
			[]relations.Peer{peer(0, relations.PeerStarted), peer(1, relations.PeerStarting)}, []string{url(1)}},
		{"a learner is not probed at all", []etcd.Member{member(0, true, false), member(3, true, true)},
			[]relations.Peer{peer(0, relations.PeerStarted), peer(3, relations.PeerReady)}, nil},
		{"an unstarted member has no client URL", []etcd.Member{member(0, true, false), member(3, false, false)},
			[]relations.Peer{peer(0, relations.PeerStarted), peer(3, relations.PeerReady)}, nil},
		{"a member without a unit is probed in full", []etcd.Member{member(0, true, false), member(4, true, false)},
			[]relations.Peer{peer(0, relations.PeerStarted)}, nil},
		{"a lost unit's member is probed in full", []etcd.Member{member(0, true, false), member(2, true, false)},
			[]relations.Peer{peer(0, relations.PeerStarted), peer(2, relations.PeerLost)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := JoiningVoters(tt.members, tt.peers)
			if len(got) != len(tt.want) {
				t.Fatalf("JoiningVoters() = %v, want %v", got, tt.want)
			}
			for _, u := range tt.want {
				if !got[u] {
					t.Errorf("JoiningVoters() = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
