package charm

import (
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/relations"
)

const (
	solo  = "etcd0=https://10.0.1.0:2380"
	trio  = "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380,etcd2=https://10.0.1.2:2380"
	admit = "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380"
)

// runningView is etcd/0, the only member, running exactly the config it
// should with the CA in place.
func runningView(t *testing.T) MemberView {
	t.Helper()
	v := MemberView{
		Unit:    "etcd/0",
		Config:  defaultConfig(t),
		Paths:   Paths{Root: "/"},
		Member:  Member{Name: "etcd0", ClusterAddress: "10.0.1.0", DBAddress: "10.0.0.0"},
		Leader:  relations.Leader{Cluster: solo, Token: "ABC123"},
		Stored:  Start{InitialCluster: solo, State: "new", Token: "ABC123"},
		HasData: true,
		Snap:    SnapView{Tracking: "3.6/stable"},
		Active:  true,
		CA:      "ca-1", RunningCA: "ca-1",
		Self: relations.Peer{Unit: "etcd/0", Name: "etcd0", State: relations.PeerStarted},
	}
	v.Peers = []relations.Peer{v.Self}
	v.Running = render(t, v, v.Stored)
	return v
}

func render(t *testing.T, v MemberView, start Start) []byte {
	t.Helper()
	ec, err := BuildEtcdConfig(v.Config, v.Paths, v.Member, start, v.Storage)
	if err != nil {
		t.Fatal(err)
	}
	return ec.Render()
}

// withPeers adds etcd/1 and etcd/2 in state st.
func withPeers(v *MemberView, st string) {
	v.Peers = []relations.Peer{v.Self,
		{Unit: "etcd/1", Name: "etcd1", State: st, PeerURL: "https://10.0.1.1:2380"},
		{Unit: "etcd/2", Name: "etcd2", State: st, PeerURL: "https://10.0.1.2:2380"},
	}
}

// stopped is a unit whose etcd has never run.
func stopped(v *MemberView) {
	v.Active, v.HasData, v.Running, v.RunningCA, v.Stored = false, false, nil, "", Start{}
	v.Self.State = relations.PeerReady
	v.Peers[0] = v.Self
}

func newConfig(v *MemberView) { v.Config.HeartbeatInterval = 150 }

// Arrangers the table's rows compose with all.
func all(fs ...func(*MemberView)) func(*MemberView) {
	return func(v *MemberView) {
		for _, f := range fs {
			f(v)
		}
	}
}

func peers(st string) func(*MemberView) { return func(v *MemberView) { withPeers(v, st) } }

func as(name, unit string) func(*MemberView) {
	return func(v *MemberView) { v.Member.Name, v.Unit = name, unit }
}

func lock(unit string) func(*MemberView) { return func(v *MemberView) { v.Leader.RestartLock = unit } }

func inTrio(v *MemberView)       { v.Leader.Cluster = trio }
func admitted(v *MemberView)     { v.Leader.Joins = map[string]string{"etcd1": admit} }
func onOldChannel(v *MemberView) { v.Config.Channel = "3.5/stable" }
func settled(v *MemberView)      { v.Done.PeerURLSettled = true }

func TestPlanMember(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(*MemberView)
		want    MemberStep // Kind, Reason, Join, WaitServe, Done, Start.State are compared
		request bool       // the step names a restart request
	}{{
		name:    "a unit the leader has not bootstrapped waits",
		arrange: func(v *MemberView) { stopped(v); v.Leader = relations.Leader{} },
		want:    MemberStep{Kind: MemberWait, Reason: "Waiting for the leader to bootstrap the cluster"},
	}, {
		name:    "a unit outside the bootstrap cluster waits for admission",
		arrange: all(stopped, as("etcd3", "etcd/3")),
		want:    MemberStep{Kind: MemberWait, Reason: "Waiting for the leader to admit this unit"},
	}, {
		name:    "the founding member starts at once, new, and waits to serve",
		arrange: stopped,
		want:    MemberStep{Kind: MemberStart, WaitServe: true, Start: Start{State: "new"}},
	}, {
		name:    "a bootstrap member without a running majority starts without waiting to serve",
		arrange: all(stopped, inTrio, peers(relations.PeerReady)),
		want:    MemberStep{Kind: MemberStart, WaitServe: false, Start: Start{State: "new"}},
	}, {
		name:    "a bootstrap member whose peers run waits to serve",
		arrange: all(stopped, inTrio, peers(relations.PeerStarting)),
		want:    MemberStep{Kind: MemberStart, WaitServe: true, Start: Start{State: "new"}},
	}, {
		name:    "an admitted unit starts existing, as a joiner",
		arrange: all(stopped, as("etcd1", "etcd/1"), admitted),
		want:    MemberStep{Kind: MemberStart, Join: true, WaitServe: true, Start: Start{State: "existing"}},
	}, {
		name: "an admitted unit with data restarts as a member, not a joiner",
		arrange: all(stopped, as("etcd1", "etcd/1"), admitted, func(v *MemberView) {
			v.HasData, v.Stored = true, Start{InitialCluster: admit, State: "existing", Token: "ABC123"}
		}),
		want: MemberStep{Kind: MemberStart, Join: false, WaitServe: true, Start: Start{State: "existing"}},
	}, {
		name:    "a stopped etcd on another channel is refreshed before it starts",
		arrange: all(stopped, onOldChannel),
		want:    MemberStep{Kind: MemberRefresh, Start: Start{State: "new"}},
	}, {
		name:    "once refreshed, the stopped etcd starts",
		arrange: all(stopped, onOldChannel, func(v *MemberView) { v.Done.Refreshed = true }),
		want:    MemberStep{Kind: MemberStart, WaitServe: true, Start: Start{State: "new"}},
	}, {
		name: "the attached resource is not refreshed away",
		arrange: all(stopped, onOldChannel, func(v *MemberView) {
			v.Snap, v.FromResource = SnapView{Tracking: "3.6/stable", Local: true}, true
		}),
		want: MemberStep{Kind: MemberStart, WaitServe: true, Start: Start{State: "new"}},
	}, {
		name:    "etcd running what it should does nothing",
		arrange: func(*MemberView) {},
		want:    MemberStep{Kind: MemberNone, WaitServe: true, Start: Start{State: "new"}},
	}, {
		name:    "etcd running what it should reports its finished restart done",
		arrange: func(v *MemberView) { v.Self.RestartRequest = "abc" },
		want:    MemberStep{Kind: MemberNone, WaitServe: true, Done: "abc", Start: Start{State: "new"}},
	}, {
		name:    "a running etcd whose CA is not recorded is assumed to run the current one",
		arrange: func(v *MemberView) { v.RunningCA = "" },
		want:    MemberStep{Kind: MemberNone, WaitServe: true, Start: Start{State: "new"}},
	}, {
		name:    "the only member with new config settles its peer URL first",
		arrange: newConfig,
		want:    MemberStep{Kind: MemberUpdatePeerURL, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "the only member with new config restarts once its peer URL is settled",
		arrange: all(newConfig, settled),
		want:    MemberStep{Kind: MemberRestart, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "a new CA restarts",
		arrange: all(func(v *MemberView) { v.CA = "ca-2" }, settled),
		want:    MemberStep{Kind: MemberRestart, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "a running etcd on another channel is refreshed first",
		arrange: onOldChannel,
		want:    MemberStep{Kind: MemberRefresh, Start: Start{State: "new"}},
		request: true,
	}, {
		name: "a refreshed etcd still restarts into its config",
		arrange: all(onOldChannel, func(v *MemberView) {
			v.Snap.Tracking = "3.5/stable"
			v.Done = MemberProgress{Refreshed: true, PeerURLSettled: true}
		}),
		want:    MemberStep{Kind: MemberRestart, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "a member of a running cluster asks for the restart lock",
		arrange: all(newConfig, peers(relations.PeerStarted), lock("etcd/1")),
		want:    MemberStep{Kind: MemberRequestRestart, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "a channel change in a running cluster waits for the lock too",
		arrange: all(onOldChannel, peers(relations.PeerStarted)),
		want:    MemberStep{Kind: MemberRequestRestart, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "the lock holder restarts",
		arrange: all(newConfig, peers(relations.PeerStarted), lock("etcd/0"), settled),
		want:    MemberStep{Kind: MemberRestart, Start: Start{State: "new"}},
		request: true,
	}, {
		name:    "a member whose peers are not started restarts without the lock",
		arrange: all(newConfig, peers(relations.PeerStarting), settled),
		want:    MemberStep{Kind: MemberRestart, Start: Start{State: "new"}},
		request: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, got := plan(t, tt.arrange)
			if got.Kind != tt.want.Kind || got.Reason != tt.want.Reason || got.Join != tt.want.Join ||
				got.WaitServe != tt.want.WaitServe || got.Done != tt.want.Done || got.Start.State != tt.want.Start.State {
				t.Errorf("PlanMember = %+v, want %+v", brief(got), brief(tt.want))
			}
			if (got.Request != "") != tt.request {
				t.Errorf("request %q, want one: %t", got.Request, tt.request)
			}
			if got.Kind != MemberWait && !strings.Contains(string(got.Rendered), "name: "+v.Member.Name) {
				t.Errorf("rendered config is not this member's:\n%s", got.Rendered)
			}
		})
	}
}

// plan is etcd/0's step from its running view changed by arrange.
func plan(t *testing.T, arrange func(*MemberView)) (MemberView, MemberStep) {
	t.Helper()
	v := runningView(t)
	arrange(&v)
	step, err := PlanMember(v)
	if err != nil {
		t.Fatal(err)
	}
	return v, step
}

func brief(s MemberStep) MemberStep { s.Rendered = nil; return s }

// A restart is the same request at every step towards it, so the request
// the unit published is the one it reports done.
func TestPlanMemberRequestIsStable(t *testing.T) {
	v := runningView(t)
	v.Config.Channel = "3.5/stable"
	first, _ := PlanMember(v)
	v.Snap.Tracking = "3.5/stable"
	v.Done.Refreshed = true
	second, _ := PlanMember(v)
	v.Done.PeerURLSettled = true
	third, _ := PlanMember(v)
	if first.Kind != MemberRefresh || second.Kind != MemberUpdatePeerURL || third.Kind != MemberRestart {
		t.Fatalf("steps %s, %s, %s; want refresh, update-peer-url, restart", first.Kind, second.Kind, third.Kind)
	}
	if first.Request == "" || first.Request != second.Request || second.Request != third.Request {
		t.Errorf("requests %q, %q, %q; want one", first.Request, second.Request, third.Request)
	}
	if first.Request != RestartRequest(first.Rendered, "3.5/stable", v.CA) {
		t.Errorf("request %q is not RestartRequest of the rendered config", first.Request)
	}
}

// The start record a member keeps is the one it started with, whatever
// the leader publishes later.
func TestPlanMemberKeepsTheStartRecord(t *testing.T) {
	v, got := plan(t, inTrio)
	if got.Start != v.Stored || got.Kind != MemberNone {
		t.Errorf("step %+v, want none keeping start %+v", brief(got), v.Stored)
	}
}

func TestPlanMemberBadConfig(t *testing.T) {
	v := runningView(t)
	v.Config.SnapshotCount = "many"
	if _, err := PlanMember(v); err == nil {
		t.Error("PlanMember rendered a config with snapshot_count \"many\"")
	}
}

// etcd.conf.yml turns the v2 store on for the release etcd will run: the
// installed one, or the configured channel's once the snap moves there.
func TestPlanMemberRendersV2ForTheReleaseItRuns(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(*MemberView)
		kind    MemberStepKind
		v2      bool
	}{{
		name: "3.4 installed from its channel",
		arrange: func(v *MemberView) {
			stopped(v)
			v.Config.Channel, v.Snap = "3.4/stable", SnapView{Tracking: "3.4/stable", Version: "3.4.23"}
		},
		kind: MemberStart,
		v2:   true,
	}, {
		name:    "3.5 installed by auto",
		arrange: func(v *MemberView) { stopped(v); v.Snap = SnapView{Tracking: "3.5/stable", Version: "3.5.17"} },
		kind:    MemberStart,
		v2:      true,
	}, {
		name:    "3.6 has no v2 store",
		arrange: func(v *MemberView) { stopped(v); v.Snap = SnapView{Tracking: "3.6/stable", Version: "3.6.16"} },
		kind:    MemberStart,
		v2:      false,
	}, {
		name: "a 3.6 resource on a 3.5 channel is what runs",
		arrange: func(v *MemberView) {
			stopped(v)
			v.Config.Channel = "3.5/stable"
			v.Snap, v.FromResource = SnapView{Tracking: "3.6/stable", Local: true, Version: "3.6.16"}, true
		},
		kind: MemberStart,
		v2:   false,
	}, {
		name: "a 3.5 member moving to 3.6 asks to restart into config without v2",
		arrange: func(v *MemberView) {
			v.Snap, v.Config.Channel = SnapView{Tracking: "3.5/stable", Version: "3.5.17"}, "3.6/stable"
			withPeers(v, relations.PeerStarted)
		},
		kind: MemberRequestRestart,
		v2:   false,
	}, {
		name: "once refreshed, the snap view still says 3.5: the channel's release counts",
		arrange: func(v *MemberView) {
			v.Snap, v.Config.Channel = SnapView{Tracking: "3.5/stable", Version: "3.5.17"}, "3.6/stable"
			v.Done.Refreshed = true
		},
		kind: MemberUpdatePeerURL,
		v2:   false,
	}, {
		name: "a 3.4 member moving to 3.5 keeps v2",
		arrange: func(v *MemberView) {
			v.Snap, v.Config.Channel = SnapView{Tracking: "3.4/stable", Version: "3.4.23"}, "3.5/stable"
		},
		kind: MemberRefresh,
		v2:   true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, step := plan(t, tt.arrange)
			if step.Kind != tt.kind {
				t.Errorf("step %q, want %q", step.Kind, tt.kind)
			}
			conf, err := ParseEtcdConfig(step.Rendered)
			if err != nil {
				t.Fatal(err)
			}
			if conf.EnableV2 != tt.v2 || strings.Contains(string(step.Rendered), "enable-v2") != tt.v2 {
				t.Errorf("enable-v2 = %v, want %v:\n%s", conf.EnableV2, tt.v2, step.Rendered)
			}
		})
	}
}

// A member that started before and whose data directory is now empty is
// not started again on it (etcd would refuse it, or bootstrap afresh)
// until the leader has removed it and admitted it again as a learner:
// then it joins, empty, on the new admission.
func TestPlanMemberDataLost(t *testing.T) {
	boot := Start{InitialCluster: "etcd0=https://10.0.0.0:2380,etcd1=https://10.0.0.1:2380", State: "new", Token: "T"}
	joined := Start{InitialCluster: "etcd0=https://10.0.0.0:2380,etcd1=https://10.0.0.1:2380", State: "existing", Token: "T"}
	rejoin := "etcd1=https://10.0.0.1:2380,etcd2=https://10.0.0.2:2380"
	leader := relations.Leader{Cluster: boot.InitialCluster, Token: "T"}
	admitted := relations.Leader{Cluster: boot.InitialCluster, Token: "T", Joins: map[string]string{"etcd0": rejoin}}
	for _, tc := range []struct {
		name    string
		stored  Start
		hasData bool
		own     OwnMember
		leader  relations.Leader
		kind    MemberStepKind
		reason  string
	}{
		{"started, data gone, cluster silent", boot, false, OwnUnknown, leader, MemberDataLost, "Member data lost; waiting for the cluster to answer to replace it"},
		{"started, data gone, still a member", boot, false, OwnStarted, leader, MemberDataLost, "Member data lost; waiting for the leader to remove it"},
		{"joined, data gone, removed", joined, false, OwnAbsent, leader, MemberDataLost, "Member data lost; waiting for the leader to admit it again"},
		{"learner again, admission not published", joined, false, OwnLearner, leader, MemberDataLost, "Member data lost; waiting for the leader to admit it again"},
		{"learner again, admitted: join empty", boot, false, OwnLearner, admitted, MemberStart, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, step := plan(t, func(v *MemberView) {
				v.Active, v.Running = false, nil
				v.Stored, v.HasData, v.Own, v.Leader = tc.stored, tc.hasData, tc.own, tc.leader
			})
			if step.Kind != tc.kind || step.Reason != tc.reason {
				t.Errorf("step %s %q, want %s %q", step.Kind, step.Reason, tc.kind, tc.reason)
			}
			if tc.kind == MemberStart && (step.Start != Start{InitialCluster: rejoin, State: "existing", Token: "T"} || !step.Join) {
				t.Errorf("rejoin start %+v join %v", step.Start, step.Join)
			}
			if len(step.Reason) > MaxStatusLen {
				t.Errorf("reason too long: %q", step.Reason)
			}
		})
	}
}
