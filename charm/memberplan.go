package charm

import (
	"bytes"
	"fmt"

	"github.com/etcd-charm/etcd-charm/relations"
)

// A member gets its etcd running with the config it should have, one step
// at a time, as the leader changes membership (PlanMembership): the hook
// observes, PlanMember names the next step, the hook applies it and, for
// the steps that lead to another (refresh, update-peer-url), observes and
// plans again.
//
// A first start happens at once. A restart of a running member (new
// config, a new CA, a channel refresh) waits for the leader's restart lock
// when other members run, so only one member is down at a time; the unit
// reports the request done once its etcd serves again.
//
// A re-issued server certificate alone restarts nothing: etcd (3.3.5 and
// later) reads its certificate and key again for every new client and
// peer connection (etcd-io/etcd#9541). easyrsa re-issues every unit's
// certificate whenever a peer joins (each carries all peers' addresses,
// as layer-etcd requests), so restarting for it would roll the whole
// cluster on every add-unit. internal/etcd's
// TestServerCertificateReloadsWithoutRestart pins that behaviour.

// MemberStepKind is what the member does next.
type MemberStepKind string

const (
	// MemberWait: etcd cannot start yet (Reason says why).
	MemberWait MemberStepKind = "wait"
	// MemberRefresh: refresh the snap to the configured channel, then
	// plan again (etcd is down, or this member holds the restart lock).
	MemberRefresh MemberStepKind = "refresh"
	// MemberStart: write Rendered and start etcd, which is not running;
	// no lock is needed, there is nothing to keep up.
	MemberStart MemberStepKind = "start"
	// MemberRequestRestart: etcd runs other config than it should and
	// other members run: publish Request and wait for the restart lock.
	MemberRequestRestart MemberStepKind = "request-restart"
	// MemberUpdatePeerURL: before restarting, make the cluster know this
	// member's peer URL (a management_port change), then plan again.
	MemberUpdatePeerURL MemberStepKind = "update-peer-url"
	// MemberRestart: write Rendered and restart etcd into it (holding
	// the lock, or the only running member); Request is then done.
	MemberRestart MemberStepKind = "restart"
	// MemberDataLost: unit state says this member started, but its data
	// directory holds no member (wiped, or a disk replaced). etcd refuses
	// to start on it ("member ... has already been bootstrapped") or, worse,
	// would bootstrap afresh: keep etcd stopped and tell the operator.
	MemberDataLost MemberStepKind = "data-lost"
	// MemberNone: etcd runs the config it should; confirm it serves and
	// report Done.
	MemberNone MemberStepKind = "none"
)

// MemberStep is the member's decision.
type MemberStep struct {
	Kind   MemberStepKind
	Reason string // wait: why
	// Start is how the member starts (to record in unit state) and
	// Rendered the etcd.conf.yml it runs with; set for every kind but
	// wait.
	Start    Start
	Rendered []byte
	// Request identifies the restart (the config, channel and CA it
	// restarts into): request-restart, update-peer-url, refresh, restart.
	Request string
	// Join (start): a member joining a running cluster for the first time
	// (see hooks' waitJoined).
	Join bool
	// WaitServe (start, none): etcd can be expected to serve soon, so the
	// hook waits for it rather than asking once.
	WaitServe bool
	// Done (none): the restart request this member's running etcd
	// fulfils ("" none).
	Done string
	// Rewrite (none): the file on disk differs from Rendered in nothing
	// etcd acts on (an adopted member's file in its old charm's layout):
	// write Rendered, restarting nothing.
	Rewrite bool
}

// MemberView is what the unit observed about its own member.
type MemberView struct {
	Unit    string // this unit, "etcd/0"
	Config  Config
	Paths   Paths
	Member  Member
	Storage string // where the data storage is mounted, "" without one
	// DataDir is an adopted member's data directory (UnitState.DataDir),
	// kept in every render; "" for the charm's own layout.
	DataDir string
	// Leader is the leader settings: the bootstrap cluster, admissions
	// and the restart lock.
	Leader relations.Leader
	// Stored is the start record in unit state; HasData whether the data
	// directory holds a member (etcd has run).
	Stored  Start
	HasData bool
	// Running is the etcd.conf.yml on disk (nil: none), which a running
	// etcd was started with.
	Running []byte
	// Snap is the installed etcd snap; FromResource whether unit state
	// says the charm installed it from the attached resource.
	Snap         SnapView
	FromResource bool
	// Own is this member in the cluster, asked through the peers; only
	// observed when unit state says it started but the data dir is empty.
	Own OwnMember
	// Active is whether etcd's service runs.
	Active bool
	// CA is the digest of the CA certificate in place; RunningCA the one
	// etcd was started with ("": not known).
	CA, RunningCA string
	// Self is this unit's peer data as it publishes it in this hook;
	// Peers every unit's, this one included.
	Self  relations.Peer
	Peers []relations.Peer
	// Done is what this hook already did.
	Done MemberProgress
}

// OwnMember is where a unit whose data is gone finds its member in the
// cluster (asked through its peers).
type OwnMember string

const (
	OwnUnknown OwnMember = ""        // the cluster did not answer
	OwnStarted OwnMember = "started" // still the started member it was
	OwnAbsent  OwnMember = "absent"  // removed by the leader
	OwnLearner OwnMember = "learner" // admitted again, not started
)

var dataLostReason = map[OwnMember]string{
	OwnUnknown: "Member data lost; waiting for the cluster to answer to replace it",
	OwnStarted: "Member data lost; waiting for the leader to remove it",
	OwnAbsent:  "Member data lost; waiting for the leader to admit it again",
	OwnLearner: "Member data lost; waiting for the leader to admit it again",
}

// MemberProgress is what one hook already did towards a restart, so the
// next plan goes on from there.
type MemberProgress struct {
	Refreshed bool // the snap was refreshed to the configured channel
	// RefreshedFrom is the channel it tracked before ("" none).
	RefreshedFrom  string
	PeerURLSettled bool // the cluster has this member's wanted peer URL
}

// PlanMember decides the member's next step.
func PlanMember(v MemberView) (MemberStep, error) {
	var rejoin *Start
	if !v.HasData && v.Stored.State != "" {
		// Re-admitted as an unstarted learner: join again, empty, on the
		// leader's new admission. Otherwise etcd stays stopped.
		if v.Own != OwnLearner || v.Leader.Joins[v.Member.Name] == "" {
			return MemberStep{Kind: MemberDataLost, Reason: dataLostReason[v.Own]}, nil
		}
		// The new admission, even for a member of the bootstrap cluster
		// (which would otherwise bootstrap again with "new").
		rejoin = &Start{InitialCluster: v.Leader.Joins[v.Member.Name], State: "existing", Token: v.Leader.Token}
	}
	start, wait := DecideStart(v.Member.Name, v.Leader, v.HasData, v.Stored)
	if rejoin != nil {
		start, wait = *rejoin, ""
	}
	if wait != "" {
		return MemberStep{Kind: MemberWait, Reason: wait}, nil
	}
	ec, err := BuildEtcdConfig(v.Config, v.Paths, v.Member, start, v.Storage)
	if err != nil {
		return MemberStep{}, fmt.Errorf("cannot render etcd.conf.yml: %w", err)
	}
	if v.DataDir != "" {
		ec.DataDir = v.DataDir
	}
	refresh := !v.Done.Refreshed && v.Snap.WantRefresh(v.Config.Channel, v.FromResource)
	// The config is for the release etcd runs once the snap moved (a
	// refresh to come in this hook, or done already, whose new version
	// the installed snap's view does not show yet).
	release := v.Snap.Release(v.Config.Channel, refresh || v.Done.Refreshed)
	ec.EnableV2 = ServesV2(release)
	ec.AllowPeers(release, v.Leader.PeerName)
	step := MemberStep{Start: start, Rendered: ec.Render()}
	serveSoon := canServe(v.Member.Name, start, v.Peers)
	if !v.Active {
		if refresh {
			step.Kind = MemberRefresh
			return step, nil
		}
		step.Kind = MemberStart
		step.Join = start.State == "existing" && !v.HasData
		step.WaitServe = serveSoon
		return step, nil
	}
	configChanged := !bytes.Equal(v.Running, step.Rendered)
	rewrite := false
	if configChanged && v.HasData {
		// A file that only looks different (another charm's layout of
		// the same settings) is rewritten without a restart.
		if diff, err := EffectDiff(v.Running, step.Rendered, true); err == nil && len(diff) == 0 {
			configChanged, rewrite = false, true
		}
	}
	caChanged := v.RunningCA != "" && v.RunningCA != v.CA
	if !configChanged && !caChanged && !refresh && !v.Done.Refreshed {
		step.Kind = MemberNone
		step.WaitServe = serveSoon
		step.Done = v.Self.RestartRequest // a finished restart, or nothing
		step.Rewrite = rewrite
		return step, nil
	}
	step.Request = RestartRequest(step.Rendered, v.Config.Channel, v.CA)
	switch {
	case startedPeers(v.Peers) > 1 && v.Leader.RestartLock != v.Unit:
		step.Kind = MemberRequestRestart
	case refresh:
		step.Kind = MemberRefresh
	case !v.Done.PeerURLSettled:
		step.Kind = MemberUpdatePeerURL
	default:
		step.Kind = MemberRestart
	}
	return step, nil
}

// RestartRequest identifies a restart into rendered config on channel
// with the CA whose digest is ca.
func RestartRequest(rendered []byte, channel, ca string) string {
	b := append(append([]byte(nil), rendered...), channel+ca...)
	return Hash(b)
}

// canServe reports whether the local etcd can be expected to answer soon:
// a member joining a running cluster can, and so can a bootstrap member
// once a majority of the bootstrap members run etcd (etcd serves clients
// only after its member has been published through raft, which needs a
// quorum). Waiting otherwise would only hold up the other units' hooks.
func canServe(self string, start Start, peers []relations.Peer) bool {
	if start.State != "new" {
		return true
	}
	initial, err := relations.ParseInitialCluster(start.InitialCluster)
	if err != nil || len(initial) <= 1 {
		return true
	}
	running := 0
	for _, m := range initial {
		if m.Name == self {
			running++
			continue
		}
		for _, p := range peers {
			if p.Name == m.Name && (p.State == relations.PeerStarting || p.State == relations.PeerStarted) {
				running++
			}
		}
	}
	return running > len(initial)/2
}

func startedPeers(peers []relations.Peer) int {
	n := 0
	for _, p := range peers {
		if p.State == relations.PeerStarted {
			n++
		}
	}
	return n
}
