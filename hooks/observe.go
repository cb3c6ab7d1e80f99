package hooks

import (
	"context"
	"fmt"
	"sort"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// world is everything one hook observed about Juju's side, read once.
type world struct {
	ev     juju.Event
	cfg    charm.Config
	leader bool
	// leaderData is the application's leader settings.
	leaderData relations.Leader
	// peerRelation is the cluster relation id ("" before it exists);
	// peers every unit in it, this one included (first), with their data.
	peerRelation string
	peers        []relations.Peer
	self         relations.Peer
	member       charm.Member
	// published is this unit's peer data as committed before the hook.
	published relations.Peer
	// refreshSource is the snapd_refresh option the leader's timer came
	// from (leader data snapd_refresh_source).
	refreshSource string
	// state is this unit's charm state (state-get), committed on success;
	// dirty holds what this hook changed in it (see flushState).
	state map[string]string
	dirty map[string]string
	// own is a client of this unit's etcd that answered in this hook;
	// ownLearner is whether it said it is a learner.
	own        etcd.Cluster
	ownLearner bool
}

// Unit state keys.
const (
	stateReadySince   = "ready-since"
	stateStartCluster = "start-initial-cluster"
	stateStartState   = "start-initial-cluster-state"
	stateStartToken   = "start-initial-cluster-token"
	stateResource     = "snap-resource"
	// stateEtcdCA is the digest of the CA certificate the running etcd
	// was started with: a new CA needs a restart, a re-issued server
	// certificate does not (etcd reads it again for every connection).
	stateEtcdCA = "etcd-ca"
)

func observe(ctx context.Context, d Deps, ev juju.Event, cfg charm.Config) (*world, error) {
	w := &world{ev: ev, cfg: cfg}
	var err error
	if w.leader, err = d.Tools.IsLeader(ctx); err != nil {
		return nil, fmt.Errorf("cannot check leadership: %w", err)
	}
	ld, err := d.Tools.LeaderGet(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read leader settings: %w", err)
	}
	w.leaderData = relations.DecodeLeader(ld)
	w.refreshSource = ld["snapd_refresh_source"]
	if w.state, err = d.Tools.StateGet(ctx); err != nil {
		return nil, fmt.Errorf("cannot read unit state: %w", err)
	}
	if err := w.observeAddresses(ctx, d); err != nil {
		return nil, err
	}
	if err := w.observePeers(ctx, d); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *world) observeAddresses(ctx context.Context, d Deps) error {
	w.member.Name = relations.MemberName(w.ev.Unit)
	for _, b := range []struct {
		binding       string
		ingress, bind *string
	}{{"cluster", &w.member.ClusterAddress, &w.member.ClusterBind}, {"db", &w.member.DBAddress, &w.member.DBBind}} {
		nw, err := d.Tools.NetworkGet(ctx, b.binding, "")
		if err != nil {
			return fmt.Errorf("cannot read the %s endpoint's addresses: %w", b.binding, err)
		}
		if len(nw.IngressAddresses) > 0 {
			*b.ingress = nw.IngressAddresses[0]
		}
		if len(nw.BindAddresses) > 0 {
			*b.bind = nw.BindAddresses[0]
		}
	}
	if w.member.ClusterAddress == "" || w.member.DBAddress == "" {
		return juju.Waiting("Waiting for a network address")
	}
	return nil
}

func (w *world) observePeers(ctx context.Context, d Deps) error {
	ids, err := d.Tools.RelationIDs(ctx, "cluster")
	if err != nil {
		return fmt.Errorf("cannot list the cluster relation: %w", err)
	}
	w.self = relations.Peer{Unit: w.ev.Unit}
	if len(ids) == 0 {
		w.peers = []relations.Peer{w.self}
		return nil
	}
	w.peerRelation = ids[0]
	own, err := d.Tools.RelationGet(ctx, w.peerRelation, w.ev.Unit, false)
	if err != nil {
		return fmt.Errorf("cannot read this unit's peer data: %w", err)
	}
	w.self = relations.DecodePeer(w.ev.Unit, own)
	w.published = w.self
	w.peers = []relations.Peer{w.self}
	units, err := d.Tools.RelationList(ctx, w.peerRelation)
	if err != nil {
		return fmt.Errorf("cannot list peers: %w", err)
	}
	sort.Strings(units)
	for _, u := range units {
		bag, err := d.Tools.RelationGet(ctx, w.peerRelation, u, false)
		if err != nil {
			return fmt.Errorf("cannot read the peer data of %s: %w", u, err)
		}
		w.peers = append(w.peers, relations.DecodePeer(u, bag))
	}
	return nil
}

// departing reports the units leaving: in cluster-relation-departed the
// unit named by JUJU_DEPARTING_UNIT (relation-list already omits it).
func (w *world) departing() map[string]bool {
	if w.ev.Endpoint == "cluster" && w.ev.DepartingUnit != "" {
		return map[string]bool{w.ev.DepartingUnit: true}
	}
	return nil
}

// startedPeers are the peers (this unit included) that run etcd.
func (w *world) startedPeers() []relations.Peer {
	var out []relations.Peer
	for _, p := range w.peers {
		if p.State == relations.PeerStarted {
			out = append(out, p)
		}
	}
	return out
}
