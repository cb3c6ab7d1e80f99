package charm

import (
	"fmt"
	"sort"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/relations"
)

// The leader changes membership one step per hook, as etcd-operator and
// kubeadm do: observe everything, take the one next safe step, and let the
// next hook (a peer's relation-changed, or update-status) continue. Each
// step is idempotent, so a hook that dies half-way is simply run again.

// StepKind is what the leader does next.
type StepKind string

const (
	// StepNone: nothing to do (Reason says why, when waiting).
	StepNone StepKind = "none"
	// StepBootstrap: publish the initial cluster (the ready peers) and
	// token in leader data; those units start with state "new".
	StepBootstrap StepKind = "bootstrap"
	// StepAdmit: add Peer as a learner and publish its admission.
	StepAdmit StepKind = "admit"
	// StepPublishJoin: the learner for Peer exists (an earlier hook added
	// it and died) but its admission was not published.
	StepPublishJoin StepKind = "publish-join"
	// StepPromote: make learner Member a voter.
	StepPromote StepKind = "promote"
	// StepRemove: remove Member, whose unit is gone or going.
	StepRemove StepKind = "remove"
)

// Step is the leader's decision.
type Step struct {
	Kind   StepKind
	Reason string         // for StepNone: why the leader waits ("" = all done)
	Peer   relations.Peer // for admit / publish-join
	Member etcd.Member    // for promote / remove
	// InitialCluster is the bootstrap cluster (StepBootstrap).
	InitialCluster string
	// Await (StepNone): the change in flight is an admitted learner
	// whose unit starts it by itself on its admission; the next step
	// (its promotion) needs no other hook, so a leader that admitted it
	// in this hook can watch the member list for it.
	Await bool
}

// ClusterView is what the leader observed.
type ClusterView struct {
	Self   string           // this unit's member name
	Peers  []relations.Peer // every unit in the peer relation, this one included
	Leader relations.Leader
	// Members is etcd's member list; nil when not bootstrapped or etcd
	// cannot be reached.
	Members []etcd.Member
	// Departing are units leaving (relation-departed, or going away).
	Departing map[string]bool
	// ReadySince is when this (leader) unit first was ready; the leader
	// waits up to BootstrapWait for peers that are not ready yet, so units
	// deployed together form one static cluster.
	ReadySince time.Time
	Now        time.Time
}

// BootstrapWait bounds how long the leader waits for known peers to become
// ready before bootstrapping without them (they then join one by one).
const BootstrapWait = 2 * time.Minute

// PlanMembership decides the leader's next membership step.
func PlanMembership(v ClusterView) Step {
	if v.Leader.Cluster == "" {
		return planBootstrap(v)
	}
	if v.Members == nil {
		return Step{Kind: StepNone, Reason: "Waiting for the cluster to answer"}
	}
	units := indexPeers(v.Peers, v.Departing)
	// Promote a learner whose etcd runs: it is named once its own
	// publish went through raft, which its unit need not have reported
	// yet (the leader that admitted it watches for that in the same
	// hook; etcd refuses the promotion until the learner caught up) when
	// the voters without it stay a quorum: its unit may then still
	// restart it out of etcd's lost-publish wait (RestartJoiner). Else,
	// and for a unit re-admitted after losing its data, its unit says it
	// started first.
	early := quorumWithout(v.Members)
	for _, m := range v.Members {
		if !m.IsLearner || !m.Started() {
			continue
		}
		if p, ok := units.of(m); ok && (p.State == relations.PeerStarted || (early && p.State != relations.PeerLost)) {
			return Step{Kind: StepPromote, Member: m, Peer: p}
		}
	}
	// Replace a voter whose unit lost its data: remove it now (the unit
	// keeps its etcd stopped), admit the unit again below. Its new learner
	// is not touched: it is promoted once its unit reports it started.
	// The leader's own member too: its etcd is stopped (that is what
	// "lost" says), so the others hold the quorum, and the leader talks
	// to the cluster through them.
	if len(v.Members) > 1 {
		for _, m := range sortedMembers(v.Members) {
			if p, ok := units.of(m); ok && p.State == relations.PeerLost && m.Started() && !m.IsLearner {
				return Step{Kind: StepRemove, Member: m}
			}
		}
	}
	// Remove members whose unit is gone or going, never the last one and
	// never the leader's own (its stop hook does that, moving raft
	// leadership away first).
	if len(v.Members) > 1 {
		for _, m := range sortedMembers(v.Members) {
			if _, ok := units.of(m); !ok && m.Name != v.Self {
				return Step{Kind: StepRemove, Member: m}
			}
		}
	}
	// A change in flight (a member added but not started, or a learner not
	// promoted) finishes before the next one starts.
	for _, m := range v.Members {
		if m.Started() && !m.IsLearner {
			continue
		}
		p, _ := units.of(m)
		if m.IsLearner && v.Leader.Joins[p.Name] == "" && p.Name != "" {
			return Step{Kind: StepPublishJoin, Peer: p, Member: m}
		}
		return Step{
			Kind: StepNone, Reason: fmt.Sprintf("Waiting for %s to join the cluster", orDefault(p.Unit, "a new member")),
			Await: m.IsLearner && p.Name != "" && p.State != relations.PeerLost && early,
		}
	}
	// Admit the next ready unit that is not a member.
	for _, p := range relations.SortedByUnit(v.Peers) {
		if v.Departing[p.Unit] || (p.State != relations.PeerReady && p.State != relations.PeerLost) || p.PeerURL == "" {
			continue
		}
		if _, member := memberByPeerURL(v.Members, p.PeerURL); !member {
			return Step{Kind: StepAdmit, Peer: p}
		}
	}
	return Step{Kind: StepNone}
}

func planBootstrap(v ClusterView) Step {
	var ready []relations.NamedURL
	selfReady, waiting := false, 0
	for _, p := range v.Peers {
		if v.Departing[p.Unit] {
			continue
		}
		if p.State == relations.PeerReady || p.State == relations.PeerStarting || p.State == relations.PeerStarted {
			ready = append(ready, relations.NamedURL{Name: p.Name, URL: p.PeerURL})
			selfReady = selfReady || p.Name == v.Self
		} else {
			waiting++
		}
	}
	if !selfReady {
		return Step{Kind: StepNone, Reason: "Waiting for this unit to be ready"}
	}
	if waiting > 0 && v.Now.Sub(v.ReadySince) < BootstrapWait {
		return Step{Kind: StepNone, Reason: fmt.Sprintf("Waiting for %d peer(s) to be ready to bootstrap", waiting)}
	}
	return Step{Kind: StepBootstrap, InitialCluster: relations.FormatInitialCluster(ready)}
}

// peerIndex finds the unit of a member: by member name once it started, by
// peer URL before (a member is added with its peer URL and no name). A
// started member is matched by name so that a peer URL change (a new
// management_port) never makes its unit look gone.
type peerIndex struct {
	byName, byPeerURL map[string]relations.Peer
}

func indexPeers(peers []relations.Peer, departing map[string]bool) peerIndex {
	ix := peerIndex{map[string]relations.Peer{}, map[string]relations.Peer{}}
	for _, p := range peers {
		if departing[p.Unit] {
			continue
		}
		ix.byName[relations.MemberName(p.Unit)] = p
		if p.PeerURL != "" {
			ix.byPeerURL[p.PeerURL] = p
		}
	}
	return ix
}

func (ix peerIndex) of(m etcd.Member) (relations.Peer, bool) {
	if m.Started() {
		p, ok := ix.byName[m.Name]
		return p, ok
	}
	for _, u := range m.PeerURLs {
		if p, ok := ix.byPeerURL[u]; ok {
			return p, true
		}
	}
	return relations.Peer{}, false
}

func memberByPeerURL(members []etcd.Member, peerURL string) (etcd.Member, bool) {
	for _, m := range members {
		for _, u := range m.PeerURLs {
			if u == peerURL {
				return m, true
			}
		}
	}
	return etcd.Member{}, false
}

// JoinCluster is the initial cluster a newly added member starts with: every
// member's name and peer URL, the new one under its own name (etcd requires
// the new member itself in --initial-cluster; unstarted members other than
// it cannot be named, and there are none: one change at a time).
func JoinCluster(members []etcd.Member, newName, newPeerURL string) string {
	var out []relations.NamedURL
	for _, m := range members {
		if len(m.PeerURLs) == 0 {
			continue
		}
		switch {
		case m.PeerURLs[0] == newPeerURL:
			out = append(out, relations.NamedURL{Name: newName, URL: newPeerURL})
		case m.Started():
			for _, u := range m.PeerURLs {
				out = append(out, relations.NamedURL{Name: m.Name, URL: u})
			}
		}
	}
	return relations.FormatInitialCluster(out)
}

// VoterEndpoints are the endpoints fit for cluster operations: those that
// are not a learner's client URL. A learner refuses every request but
// Status (etcd.ErrLearnerRefused) and clientv3 spreads requests over all
// its endpoints, so one learner among them fails calls at random. An
// endpoint no member advertises stays (nothing says it is a learner).
func VoterEndpoints(endpoints []string, members []etcd.Member) []string {
	learner := map[string]bool{}
	for _, m := range members {
		if m.IsLearner {
			for _, u := range m.ClientURLs {
				learner[u] = true
			}
		}
	}
	var out []string
	for _, ep := range endpoints {
		if !learner[ep] {
			out = append(out, ep)
		}
	}
	return out
}

// quorumWithout reports whether the started voters would be a quorum of
// the voters once one more (a learner) is promoted.
func quorumWithout(members []etcd.Member) bool {
	voters, started := 0, 0
	for _, m := range members {
		if !m.IsLearner {
			voters++
			if m.Started() {
				started++
			}
		}
	}
	return started >= (voters+1)/2+1
}

// Published reports whether members list the member name as started
// (its publish went through raft).
func Published(members []etcd.Member, name string) bool {
	for _, m := range members {
		if m.Name == name {
			return true
		}
	}
	return false
}

// RestartJoiner reports whether a joining member name, which its peers
// list as started but which does not serve (etcd's lost-publish wait,
// see hooks' waitJoined), may be restarted: a learner always may, it is
// outside the quorum; a member the leader already promoted only when the
// other voters that answer healthy (by client URL) are a quorum of the
// voters without it down.
func RestartJoiner(members []etcd.Member, healthy map[string]bool, name string) bool {
	voters, others := 0, 0
	self := false
	for _, m := range members {
		if m.Name == name {
			if m.IsLearner {
				return true
			}
			self = true
		}
		if m.IsLearner {
			continue
		}
		voters++
		if m.Name != name && m.Started() && len(m.ClientURLs) > 0 && healthy[m.ClientURLs[0]] {
			others++
		}
	}
	return self && others >= voters/2+1
}

// OtherVoters are the client URLs of the started voters but name, whose
// health RestartJoiner weighs.
func OtherVoters(members []etcd.Member, name string) []string {
	var out []string
	for _, m := range members {
		if !m.IsLearner && m.Started() && m.Name != name && len(m.ClientURLs) > 0 {
			out = append(out, m.ClientURLs[0])
		}
	}
	return out
}

func sortedMembers(ms []etcd.Member) []etcd.Member {
	out := append([]etcd.Member(nil), ms...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// JoiningVoters are the client URLs of the started voters whose unit is
// known not to serve yet: its unit last announced itself ready or
// starting, not started (the leader promotes a learner once it is named,
// often before its unit reports it serving, and a joiner may then wait
// out etcd's lost-publish retry for seconds). A status probe of such a
// member is bounded short, so it does not hold the hook that probes; its
// unit's "started" runs cluster-relation-changed on every unit, which
// probes it again in full. A member with no unit in peers (removed with
// --force, or another application's) is probed in full.
func JoiningVoters(members []etcd.Member, peers []relations.Peer) map[string]bool {
	state := map[string]string{}
	for _, p := range peers {
		if p.Name != "" {
			state[p.Name] = p.State
		}
	}
	out := map[string]bool{}
	for _, m := range members {
		if m.IsLearner || !m.Started() || len(m.ClientURLs) == 0 {
			continue
		}
		if s, ok := state[m.Name]; ok && (s == relations.PeerReady || s == relations.PeerStarting) {
			for _, u := range m.ClientURLs {
				out[u] = true
			}
		}
	}
	return out
}
