package hooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// world is everything one hook observed about Juju's side, read once,
// and the typed state the hook changes: leader settings (written at once
// with leader-set), this unit's peer data and unit state (written when
// the hook ends).
type world struct {
	ev juju.Event
	// lostMembers are the other members, when this unit's data is gone
	// (observeOwnMember).
	lostMembers []etcd.Member
	cfg         charm.Config
	leader      bool
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
	// state is this unit's charm state as this hook changed it; stored
	// is what state-get returned, so flushState writes only the changes
	// (Juju commits them with the hook, or not at all).
	state, stored charm.UnitState
	// own is a client of this unit's etcd that answered in this hook;
	// ownLearner is whether it said it is a learner.
	own        etcd.Cluster
	ownLearner bool
	// storage is the data storage as this hook found it (see
	// storage.go), read once.
	storage *dataStorage
	// trust is which inputs came from the memo (memo.go); seenPeers
	// are the peers as observed, before this hook reinterprets them
	// (adopt.go) or announces itself, and ownBag this unit's bag as
	// committed with this hook; observed is set once observe is done.
	trust     inputs
	seenPeers []relations.Peer
	ownBag    relations.Peer
	observed  bool
}

func observe(ctx context.Context, d Deps, ev juju.Event, cfg charm.Config, state charm.UnitState, trust inputs) (*world, error) {
	w := &world{ev: ev, cfg: cfg, state: state, stored: state, trust: trust}
	if err := w.observeLeader(ctx, d); err != nil {
		return nil, err
	}
	if err := w.observeAddresses(ctx, d); err != nil {
		return nil, err
	}
	if err := w.observePeers(ctx, d); err != nil {
		return nil, err
	}
	if trust.storage {
		var st seenStorage
		if decodeSeen(state.Memo.Storage, &st) {
			w.storage = &dataStorage{kind: st.Kind, location: st.Location}
		}
	}
	w.observed = true
	return w, nil
}

// observeLeader reads leadership and the leader settings, from the memo
// when the unit was not the leader and this hook cannot have made it
// one or changed the settings (memo.go).
func (w *world) observeLeader(ctx context.Context, d Deps) error {
	var ld map[string]string
	if w.trust.leader && decodeSeen(w.state.Memo.Leader, &ld) {
		w.leaderData = relations.DecodeLeader(ld)
		return nil
	}
	w.trust.leader = false
	var err error
	if w.leader, err = d.Tools.IsLeader(ctx); err != nil {
		return fmt.Errorf("cannot check leadership: %w", err)
	}
	if ld, err = d.Tools.LeaderGet(ctx); err != nil {
		return fmt.Errorf("cannot read leader settings: %w", err)
	}
	w.leaderData = relations.DecodeLeader(ld)
	return nil
}

func (w *world) observeAddresses(ctx context.Context, d Deps) error {
	w.member.Name = relations.MemberName(w.ev.Unit)
	var seen seenNetwork
	if w.trust.config && decodeSeen(w.state.Memo.Network, &seen) && seen.ClusterAddress != "" && seen.DBAddress != "" {
		w.member.ClusterAddress, w.member.ClusterBind, w.member.DBAddress, w.member.DBBind = seen.ClusterAddress, seen.ClusterBind, seen.DBAddress, seen.DBBind
		return nil
	}
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
	defer func() {
		w.seenPeers = slices.Clone(w.peers)
		w.ownBag = w.published
	}()
	var seen seenPeers
	if w.trust.peers && decodeSeen(w.state.Memo.Peers, &seen) {
		w.peersFromMemo(seen)
		return nil
	}
	// A unit's -changed brings that unit's bag; the others' are as the
	// memo has them (each of their changes runs its own -changed).
	if remote := w.ev.RemoteUnit; w.trust.remote && remote != "" && decodeSeen(w.state.Memo.Peers, &seen) &&
		seen.Relation == w.ev.RelationID && slices.ContainsFunc(seen.Bags, func(b seenBag) bool { return b.Unit == remote }) {
		bag, err := d.Tools.RelationGet(ctx, seen.Relation, remote, false)
		if err != nil {
			return fmt.Errorf("cannot read the peer data of %s: %w", remote, err)
		}
		for i := range seen.Bags {
			if seen.Bags[i].Unit == remote {
				seen.Bags[i].Bag = bag
			}
		}
		w.peersFromMemo(seen)
		return nil
	}
	w.trust.peers, w.trust.remote = false, false
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

// peersFromMemo sets the peers from what the unit last observed.
func (w *world) peersFromMemo(seen seenPeers) {
	w.peerRelation = seen.Relation
	w.self = relations.Peer{Unit: w.ev.Unit}
	w.peers = nil
	if seen.Relation == "" {
		w.peers = []relations.Peer{w.self}
		return
	}
	for _, b := range seen.Bags {
		p := relations.DecodePeer(b.Unit, b.Bag)
		if b.Unit == w.ev.Unit {
			w.self, w.published = p, p
			w.peers = append([]relations.Peer{p}, w.peers...)
			continue
		}
		w.peers = append(w.peers, p)
	}
	if len(w.peers) == 0 || w.peers[0].Unit != w.ev.Unit {
		w.peers = append([]relations.Peer{w.self}, w.peers...)
	}
}

// memberView is what charm.PlanMember decides from. It reads the files
// and snapd each time: a step applied since may have changed them.
func (w *world) memberView(ctx context.Context, d Deps, installed *snap.Snap, storage string, done charm.MemberProgress) (charm.MemberView, error) {
	active, err := d.Snap.Active(ctx, charm.ServiceName)
	if err != nil {
		return charm.MemberView{}, fmt.Errorf("cannot read etcd's service state: %w", err)
	}
	_, running, _ := workload.ReadEtcdConfig(d.Paths)
	v := charm.MemberView{
		Unit:         w.ev.Unit,
		Config:       w.cfg,
		Paths:        d.Paths,
		Member:       w.member,
		Storage:      storage,
		Leader:       w.leaderData,
		Stored:       w.state.Start,
		DataDir:      w.state.DataDir,
		HasData:      w.hasData(d, storage),
		Running:      running,
		FromResource: w.state.Resource != "",
		Active:       active,
		CA:           workload.CADigest(d.Paths),
		RunningCA:    w.state.EtcdCA,
		Self:         w.self,
		Peers:        w.peers,
		Done:         done,
	}
	if !v.HasData && v.Stored.State != "" {
		v.Own = observeOwnMember(ctx, d, w)
	}
	if installed != nil {
		v.Snap = charm.SnapView{Tracking: installed.Channel, Local: installed.Local, Version: installed.Version}
	} else {
		// Nothing installed: nothing to refresh either.
		v.Snap = charm.SnapView{Tracking: w.cfg.Channel}
	}
	return v, nil
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

// announce records the peer data this unit is about to publish in the
// world, so the leader's plan in this same hook sees it.
func (w *world) announce(p relations.Peer) {
	w.self = p
	for i := range w.peers {
		if w.peers[i].Unit == p.Unit {
			w.peers[i] = p
		}
	}
}

// publishPeer writes this unit's peer data when it changed.
func (w *world) publishPeer(ctx context.Context, d Deps, p relations.Peer) error {
	w.announce(p)
	if w.peerRelation == "" || p == w.published {
		return nil
	}
	if err := d.Tools.RelationSet(ctx, w.peerRelation, false, p.Settings()); err != nil {
		if juju.IsRelationNotFound(err) {
			return nil
		}
		return fmt.Errorf("cannot publish peer data: %w", err)
	}
	w.ownBag = p
	return nil
}

// setLeader changes the leader settings with change and writes what
// changed with one leader-set (which acts at once, even if the hook later
// fails, and wakes the other units with leader-settings-changed).
func (w *world) setLeader(ctx context.Context, d Deps, change func(*relations.Leader)) error {
	var err error
	w.leaderData, err = workload.SetLeader(ctx, d.Tools, w.leaderData, change)
	return err
}

// readySince is when this unit first was ready (zero if never).
func (w *world) readySince() time.Time { return w.state.ReadySince }

// fullCheck reports whether this hook must read and write the relations
// of endpoint (or, with endpoint "", the unit's own settings) rather
// than trust the memo (see memo.go).
func (w *world) fullCheck(endpoint string) bool {
	switch w.ev.Name {
	case "install", "start", "upgrade-charm", "config-changed":
		return true
	}
	return endpoint != "" && isRelationHook(w.ev.Name, endpoint)
}

// flushState writes what this hook changed in unit state with one
// state-set.
func (w *world) flushState(ctx context.Context, d Deps) error {
	if w.observed {
		w.rememberSeen()
	}
	if err := workload.WriteUnitState(ctx, d.Tools, w.stored, w.state); err != nil {
		return err
	}
	w.stored = w.state
	return nil
}

// noteStatus logs a status the hook reports when it is not the one the
// unit reported last (juju-log, so an operator sees in debug-log why a
// unit is blocked or waiting, and quiet hooks stay quiet).
func (w *world) noteStatus(ctx context.Context, d Deps, st juju.Status) {
	key := string(st.Name) + ": " + st.Message
	if w.state.Memo.Status == key {
		return
	}
	level := levelInfo
	if st.Name == juju.StatusBlocked {
		level = levelWarning
	}
	d.note(ctx, level, "status %s", key)
	w.state.Memo.Status = key
}

// noteOutcome notes the status of a blocked or waiting outcome.
func (w *world) noteOutcome(ctx context.Context, d Deps, err error) {
	var outcome *juju.Outcome
	if errors.As(err, &outcome) {
		w.noteStatus(ctx, d, outcome.Status)
	}
}

// closeOwn closes the client kept by waitServing.
func (w *world) closeOwn() {
	if w.own != nil {
		w.own.Close()
		w.own = nil
	}
}

// clusterEndpoints are the client URLs of the members whose units report
// their etcd serving (this unit's included when it does), plus extra
// when it is not among them.
func (w *world) clusterEndpoints(extra string) []string {
	var endpoints []string
	for _, p := range w.startedPeers() {
		if p.ClientURL != "" {
			endpoints = append(endpoints, p.ClientURL)
		}
	}
	if extra != "" && !slices.Contains(endpoints, extra) {
		endpoints = append(endpoints, extra)
	}
	return endpoints
}
