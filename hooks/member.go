package hooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
)

// memberResult is what ensureMember did.
type memberResult struct {
	serving  bool   // the local etcd answers
	starting bool   // etcd runs but cannot serve before more members start
	request  string // the rolling-restart request to publish ("" none)
	done     string // the restart request this hook completed
}

// ensureMember renders etcd.conf.yml and gets the local etcd running with
// it. A first start happens at once. A restart of a running member (new
// config, a new CA, a channel refresh) waits for the leader's restart lock
// when other members run, so only one member is down at a time; the unit
// then reports the request done once its etcd serves again.
//
// A re-issued server certificate alone restarts nothing: etcd (3.3.5 and
// later) reads its certificate and key again for every new client and
// peer connection (etcd-io/etcd#9541). easyrsa re-issues every unit's
// certificate whenever a peer joins (each carries all peers' addresses,
// as layer-etcd requests), so restarting for it would roll the whole
// cluster on every add-unit. internal/etcd's
// TestServerCertificateReloadsWithoutRestart pins that behaviour.
func ensureMember(ctx context.Context, d Deps, w *world, installed *snap.Snap) (memberResult, error) {
	var res memberResult
	stored := charm.Start{
		InitialCluster: w.state[stateStartCluster],
		State:          w.state[stateStartState],
		Token:          w.state[stateStartToken],
	}
	storage := w.storageLocation(ctx, d)
	dataDir := d.Paths.DataDir(w.member.Name, storage)
	hasData := exists(filepath.Join(dataDir, "member"))
	start, wait := charm.DecideStart(w.member.Name, w.leaderData, hasData, stored)
	if wait != "" {
		return res, juju.Waiting("%s", wait)
	}
	ec, err := charm.BuildEtcdConfig(w.cfg, d.Paths, w.member, start, storage)
	if err != nil {
		return res, err
	}
	rendered := ec.Render()
	current, _ := os.ReadFile(d.Paths.ConfigFile())
	configChanged := string(current) != string(rendered)
	refresh := wantRefresh(installed, w.cfg.Channel, w.state[stateResource] != "")
	active, err := d.Snap.Active(ctx, serviceName)
	if err != nil {
		return res, fmt.Errorf("cannot read etcd's service state: %w", err)
	}
	ca := caDigest(d)
	caChanged := w.state[stateEtcdCA] != "" && w.state[stateEtcdCA] != ca
	// recordCA notes the CA etcd now runs with (assumed to be the current
	// one for a running etcd the state says nothing about).
	recordCA := func() error {
		if w.state[stateEtcdCA] == ca {
			return nil
		}
		return w.setState(ctx, d, map[string]string{stateEtcdCA: ca})
	}
	if start != stored {
		if err := w.setState(ctx, d, map[string]string{
			stateStartCluster: start.InitialCluster, stateStartState: start.State, stateStartToken: start.Token,
		}); err != nil {
			return res, err
		}
	}
	if !active {
		// Not running: nothing to keep up, so no lock is needed.
		if refresh {
			if err := d.Snap.Refresh(ctx, snapName, w.cfg.Channel); err != nil {
				return res, juju.Blocked("Cannot refresh etcd to channel %s: %v", w.cfg.Channel, err)
			}
		}
		if _, err := writeIfChanged(d.Paths.ConfigFile(), rendered, 0o644); err != nil {
			return res, fmt.Errorf("cannot write etcd.conf.yml: %w", err)
		}
		if err := d.Snap.Start(ctx, serviceName); err != nil {
			return res, fmt.Errorf("cannot start etcd: %w", err)
		}
		if err := recordCA(); err != nil {
			return res, err
		}
		if start.State == "existing" && !hasData {
			res.serving, err = waitJoined(ctx, d, w)
		} else {
			res.serving, err = waitServing(ctx, d, w, canServe(w, start))
		}
		res.starting = !res.serving
		return res, err
	}
	if !configChanged && !caChanged && !refresh {
		if err := recordCA(); err != nil {
			return res, err
		}
		res.serving, err = waitServing(ctx, d, w, canServe(w, start))
		res.starting = !res.serving
		res.done = w.self.RestartRequest // a finished restart, or nothing
		return res, err
	}
	request := charm.Hash(append(rendered, []byte(w.cfg.Channel+ca)...))
	if len(w.startedPeers()) > 1 && w.leaderData.RestartLock != w.ev.Unit {
		res.request = request
		res.serving = true
		return res, nil
	}
	// Holding the lock, or the only member: restart now.
	if refresh {
		if err := d.Snap.Refresh(ctx, snapName, w.cfg.Channel); err != nil {
			return res, juju.Blocked("Cannot refresh etcd to channel %s: %v", w.cfg.Channel, err)
		}
	}
	if err := updatePeerURL(ctx, d, w); err != nil {
		return res, err
	}
	if _, err := writeIfChanged(d.Paths.ConfigFile(), rendered, 0o644); err != nil {
		return res, fmt.Errorf("cannot write etcd.conf.yml: %w", err)
	}
	if err := d.Snap.Restart(ctx, serviceName); err != nil {
		return res, fmt.Errorf("cannot restart etcd: %w", err)
	}
	if err := recordCA(); err != nil {
		return res, err
	}
	res.serving, err = waitServing(ctx, d, w, true)
	if res.serving {
		res.done = request
	} else {
		res.request = request
	}
	return res, err
}

// updatePeerURL moves this member's peer URL before it restarts on a new
// management_port, through the v3 API, so the others can reach it. It
// reaches the cluster through the members that serve and this member's
// running endpoint (the port it listens on now, not the one it moves to);
// not reaching it is an error, so the hook is retried rather than
// restarting etcd where no peer would find it.
func updatePeerURL(ctx context.Context, d Deps, w *world) error {
	cl, err := dialRunning(ctx, d, w)
	if err != nil {
		return err
	}
	defer cl.Close()
	return ensureOwnPeerURL(ctx, d, w, cl, nil)
}

// ensureOwnPeerURL sets this member's peer URL to the configured one when
// it differs (members: the member list when already read).
func ensureOwnPeerURL(ctx context.Context, d Deps, w *world, cl etcd.Cluster, members []etcd.Member) error {
	want := w.member.PeerURL(w.cfg)
	if members == nil {
		var err error
		if members, err = cl.Members(ctx); err != nil {
			return fmt.Errorf("cannot list members to update this member's peer URL: %w", err)
		}
	}
	for _, m := range members {
		if m.Name == w.member.Name && (len(m.PeerURLs) != 1 || m.PeerURLs[0] != want) {
			d.logf("updating %s's peer URL to %s", m.Name, want)
			if err := cl.UpdatePeerURLs(ctx, m.ID, []string{want}); err != nil {
				return fmt.Errorf("cannot update this member's peer URL: %w", err)
			}
		}
	}
	return nil
}

// dialRunning connects to the serving members and to this member at the
// client URL its running etcd advertises (from the config file in use).
func dialRunning(ctx context.Context, d Deps, w *world) (etcd.Cluster, error) {
	var endpoints []string
	for _, p := range w.startedPeers() {
		if p.ClientURL != "" {
			endpoints = append(endpoints, p.ClientURL)
		}
	}
	if own := runningClientURL(d); own != "" && !contains(endpoints, own) {
		endpoints = append(endpoints, own)
	}
	if len(endpoints) == 0 {
		return nil, fmt.Errorf("cannot reach the cluster: no member serves")
	}
	cl, err := d.Dial(ctx, endpoints, tlsFiles(d))
	if err != nil {
		return nil, fmt.Errorf("cannot reach the cluster at %v: %w", endpoints, err)
	}
	return cl, nil
}

// runningClientURL is the client URL in the etcd.conf.yml etcd runs with.
func runningClientURL(d Deps) string {
	data, err := os.ReadFile(d.Paths.ConfigFile())
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "advertise-client-urls: "); ok {
			first, _, _ := strings.Cut(strings.TrimSpace(v), ",")
			return first
		}
	}
	return ""
}

// canServe reports whether the local etcd can be expected to answer soon:
// a member joining a running cluster can, and so can a bootstrap member
// once a majority of the bootstrap members run etcd (etcd serves clients
// only after its member has been published through raft, which needs a
// quorum). Waiting otherwise would only hold up the other units' hooks.
func canServe(w *world, start charm.Start) bool {
	if start.State != "new" {
		return true
	}
	initial, err := relations.ParseInitialCluster(start.InitialCluster)
	if err != nil || len(initial) <= 1 {
		return true
	}
	running := 0
	for _, m := range initial {
		if m.Name == w.member.Name {
			running++
			continue
		}
		for _, p := range w.peers {
			if p.Name == m.Name && (p.State == relations.PeerStarting || p.State == relations.PeerStarted) {
				running++
			}
		}
	}
	return running > len(initial)/2
}

// waitServing checks that the local etcd answers, waiting up to
// Waits.Serve when wait is set, else asking once. The client that got the
// answer is kept in w.own for the rest of the hook (one TLS handshake
// fewer).
func waitServing(ctx context.Context, d Deps, w *world, wait bool) (bool, error) {
	w.closeOwn()
	own := w.member.ClientURL(w.cfg)
	deadline := d.Now().Add(d.Waits.Serve)
	// Just after a start etcd does not listen yet: Dial fails at once
	// until it does.
	var cl etcd.Cluster
	for {
		var err error
		if cl, err = d.Dial(ctx, []string{own}, tlsFiles(d)); err == nil {
			break
		}
		if !wait || d.Now().After(deadline) {
			d.logf("etcd does not listen at %s yet: %v", own, err)
			return false, nil
		}
		if err := sleep(ctx, d.Waits.Poll); err != nil {
			return false, err
		}
	}
	kept := false
	defer func() {
		if !kept {
			cl.Close()
		}
	}()
	for {
		sctx, cancel := context.WithTimeout(ctx, 2*d.Waits.Poll+time.Second)
		st, err := cl.Status(sctx, own)
		cancel()
		if err == nil {
			w.own, w.ownLearner, kept = cl, st.IsLearner, true
			return true, nil
		}
		if !wait || d.Now().After(deadline) {
			d.logf("etcd does not answer at %s yet: %v", own, err)
			return false, nil
		}
		if err := sleep(ctx, d.Waits.Poll); err != nil {
			return false, err
		}
	}
}

// waitJoined waits for a member that joins a running cluster to serve.
//
// etcd serves clients only once its own publish (its name and client
// URLs, proposed through raft as it starts) comes back applied. A joiner
// proposes it at once, and the leader often brings the joiner up to date
// with a snapshot that already holds the committed publish: the joiner
// then never applies that entry itself, and waits out its request
// timeout (5 s + 2 election timeouts) before it publishes again. When
// the joiner does not serve within Waits.Publish and its peers already
// list it by name, it is in that wait; a restart (harmless for a learner,
// outside the quorum) publishes again at once.
func waitJoined(ctx context.Context, d Deps, w *world) (bool, error) {
	full := d.Waits.Serve
	d.Waits.Serve = d.Waits.Publish
	if ok, err := waitServing(ctx, d, w, true); ok || err != nil {
		return ok, err
	}
	d.Waits.Serve = full
	if publishedLearner(ctx, d, w) {
		d.logf("etcd published %s but does not serve yet: restarting it to skip etcd's publish retry wait", w.member.Name)
		if err := d.Snap.Restart(ctx, serviceName); err != nil {
			return false, fmt.Errorf("cannot restart etcd: %w", err)
		}
	}
	return waitServing(ctx, d, w, true)
}

// publishedLearner reports whether the serving peers list this unit's
// member as a learner that has published its name.
func publishedLearner(ctx context.Context, d Deps, w *world) bool {
	cl, err := dialPeers(ctx, d, w, false)
	if err != nil || cl == nil {
		return false
	}
	defer cl.Close()
	members, err := cl.Members(ctx)
	if err != nil {
		return false
	}
	for _, m := range members {
		if m.Name == w.member.Name {
			return m.IsLearner
		}
	}
	return false
}

// dialPeers connects to the members whose units report their etcd serving
// (this unit's included when it does), and to this unit's own endpoint
// when orSelf is set. It returns nil when there is nothing to dial: asking
// an etcd that does not serve yet only waits out a timeout.
func dialPeers(ctx context.Context, d Deps, w *world, orSelf bool) (etcd.Cluster, error) {
	var endpoints []string
	for _, p := range w.startedPeers() {
		if p.ClientURL != "" {
			endpoints = append(endpoints, p.ClientURL)
		}
	}
	if own := w.member.ClientURL(w.cfg); orSelf && !contains(endpoints, own) {
		endpoints = append(endpoints, own)
	}
	if len(endpoints) == 0 {
		return nil, nil
	}
	cl, err := d.Dial(ctx, endpoints, tlsFiles(d))
	if err != nil {
		d.logf("cannot connect to etcd at %v: %v", endpoints, err)
		return nil, nil
	}
	return cl, nil
}

// closeOwn closes the client kept by waitServing.
func (w *world) closeOwn() {
	if w.own != nil {
		w.own.Close()
		w.own = nil
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func tlsFiles(d Deps) etcd.TLS {
	return etcd.TLS{CertFile: d.Paths.ServerCert(), KeyFile: d.Paths.ServerKey(), CAFile: d.Paths.CACert()}
}

// caDigest identifies the CA certificate in place, so a CA rotation is a
// new restart request.
func caDigest(d Deps) string {
	b, _ := os.ReadFile(d.Paths.CACert())
	return charm.Hash(b)
}

// storageLocation is where the data storage is mounted, "" without one.
func (w *world) storageLocation(ctx context.Context, d Deps) string {
	ids, err := d.Tools.StorageList(ctx, "data")
	if err != nil || len(ids) == 0 {
		return ""
	}
	st, err := d.Tools.StorageGet(ctx, ids[0])
	if err != nil {
		return ""
	}
	// Juju reports the location on the machine; under jujusim the machine's
	// filesystem is the unit's root.
	if d.Paths.Unroot(st.Location) == st.Location && d.Paths.Root != "/" && d.Paths.Root != "" {
		return d.Paths.Join(st.Location)
	}
	return st.Location
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

func sortedByUnit(ps []relations.Peer) []relations.Peer {
	out := append([]relations.Peer(nil), ps...)
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}
