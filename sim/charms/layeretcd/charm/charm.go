package charm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
)

// Tools is juju.Tools plus unit-get, which the original uses for its
// certificate's common name.
type Tools interface {
	juju.Tools
	// UnitGet is `unit-get <key>` (public-address, private-address).
	UnitGet(ctx context.Context, key string) (string, error)
}

// Endpoints of the original's metadata.
const (
	EndpointDB           = "db"
	EndpointProxy        = "proxy"
	EndpointCluster      = "cluster"
	EndpointCertificates = "certificates"
)

// Service is the snap's daemon, snap.etcd.etcd in systemd's names.
const Service = "etcd.etcd"

// Status messages of etcd.py, verbatim (reference §4).
const (
	MsgMissingCA        = "Missing relation to certificate authority."
	MsgInstalling       = "Installing etcd."
	MsgRetryRegister    = "Waiting to retry etcd registration"
	MsgUnregisterFailed = "Unregistration failed for the departing unit/s."
	MsgSeriesUpgrade    = "Series upgrade in progress"
)

// Leader settings keys.
const (
	LeaderToken        = "token"
	LeaderAddress      = "leader_address"
	LeaderCluster      = "cluster"
	LeaderSnapdRefresh = "snapd_refresh"
)

// DBIngressKey is the only key units publish on the cluster peer relation.
const DBIngressKey = "db-ingress-address"

// Charm handles the stand-in's hooks for one unit.
type Charm struct {
	Tools Tools
	Snap  snap.Client
	Ctl   Ctl
	Paths Paths
	// Volume formats and mounts the data storage's block device.
	Volume Volume
	// Connect is `snap connect etcd:<plug> :<slot>`.
	Connect  func(ctx context.Context, plug, slot string) error
	Hostname func() (string, error)
	Now      func() time.Time
	// Sleep is the original's fixed waits (2 s after the leader's first
	// start, 1 s between unregistration tries).
	Sleep func(time.Duration)
}

// Handle is the juju.Handler of the charm.
func (c *Charm) Handle(ctx context.Context, ev juju.Event) error {
	if ev.Kind == juju.ActionKind {
		return juju.Failf("The layer-etcd stand-in does not implement action %s.", ev.Name)
	}
	raw, err := c.Tools.ConfigGet(ctx)
	if err != nil {
		return err
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		return err
	}
	dir := ev.CharmDir
	if dir == "" {
		dir = "."
	}
	st, err := loadState(dir)
	if err != nil {
		return err
	}
	u := &unit{c: c, ev: ev, cfg: cfg, raw: raw, st: st}
	switch ev.Name {
	case "stop":
		err = u.unregister(ctx)
	case "pre-series-upgrade":
		st.set(flagSeriesUpgrade, "true")
		if err = c.Snap.Stop(ctx, Service); err == nil {
			err = c.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: MsgSeriesUpgrade}, false)
		}
	default:
		if ev.Name == "post-series-upgrade" {
			st.set(flagSeriesUpgrade, "")
			if err := c.Snap.Start(ctx, Service); err != nil {
				return err
			}
		}
		if ev.Name == "upgrade-charm" {
			// remove_states: forget the exported credentials, re-render.
			st.set(flagSSLPlaced, "")
			st.set(flagSSLExported, "")
			st.set(flagRerender, "true")
		}
		if ev.Name == "data-storage-attached" {
			if err := u.attachStorage(ctx); err != nil {
				return err
			}
		}
		err = u.converge(ctx)
	}
	// A blocked or waiting hook succeeds, and so commits; a failed one
	// leaves the state as it was.
	var outcome *juju.Outcome
	if err == nil || errors.As(err, &outcome) {
		if serr := st.save(raw); serr != nil {
			return serr
		}
	}
	return err
}

// unit is one hook's view of the unit.
type unit struct {
	c   *Charm
	ev  juju.Event
	cfg Config
	raw map[string]any // config-get's answer
	st  *state

	leader     bool
	leaderData map[string]string
	installed  bool
	version    string
}

func (u *unit) logf(ctx context.Context, level, format string, args ...any) {
	_ = u.c.Tools.Log(ctx, level, fmt.Sprintf(format, args...))
}

// name is the member name: the unit name without its slash.
func (u *unit) name() string { return MemberName(u.ev.Unit) }

// MemberName is etcd_databag's unit_name: "etcd/0" → "etcd0".
func MemberName(unit string) string {
	out := make([]rune, 0, len(unit))
	for _, r := range unit {
		if r != '/' {
			out = append(out, r)
		}
	}
	return string(out)
}

// converge runs the original's handlers in their dependency order; each
// guard is the handler's @when/@when_not set.
func (u *unit) converge(ctx context.Context) error {
	c := u.c
	var err error
	if u.leader, err = c.Tools.IsLeader(ctx); err != nil {
		return err
	}
	if u.leaderData, err = c.Tools.LeaderGet(ctx); err != nil {
		return err
	}
	if err := u.refreshInstalled(ctx); err != nil {
		return err
	}
	if u.st.get(flagSeriesUpgrade) != "" {
		return nil
	}
	// The databag's cluster_token: the leader makes the token the first
	// time it builds one.
	if u.leader && u.leaderData[LeaderToken] == "" {
		if err := u.leaderSet(ctx, map[string]string{LeaderToken: NewToken()}); err != nil {
			return err
		}
	}
	if err := u.snapInstall(ctx); err != nil {
		return err
	}
	if u.installed {
		if err := u.snapdTimer(ctx); err != nil {
			return err
		}
		if err := u.systemdDropIn(); err != nil {
			return err
		}
		if err := u.setVersion(ctx); err != nil {
			return err
		}
		if err := u.bashAliases(); err != nil {
			return err
		}
		if err := u.connectRemovableMedia(ctx); err != nil {
			return err
		}
	}
	if err := u.tls(ctx); err != nil {
		return err
	}
	if !u.st.flag(flagSSLPlaced) {
		return nil
	}
	if !u.installed {
		if err := c.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusMaintenance, Message: MsgInstalling}, false); err != nil {
			return err
		}
		if err := u.installEtcd(ctx, u.cfg.TargetChannel(false)); err != nil {
			return err
		}
	}
	if u.leader && !u.st.flag(flagLeaderConfigured) {
		if err := u.initializeLeader(ctx); err != nil {
			return err
		}
	}
	joined, err := u.clusterJoined(ctx)
	if err != nil {
		return err
	}
	if !u.leader && !u.st.flag(flagRegistered) && joined {
		if err := u.register(ctx); err != nil {
			return err
		}
	}
	if err := u.configChanged(ctx); err != nil {
		return err
	}
	if err := u.rerender(ctx); err != nil {
		return err
	}
	if joined && u.st.flag(flagRegistered) {
		if err := u.publishDBIngress(ctx); err != nil {
			return err
		}
	}
	if u.st.flag(flagRegistered) {
		if err := u.publishDB(ctx, joined); err != nil {
			return err
		}
	}
	if u.st.flag(flagLeaderConfigured) || joined {
		if err := u.publishProxy(ctx); err != nil {
			return err
		}
	}
	if u.st.flag(flagRegistered) || u.st.flag(flagLeaderConfigured) {
		return u.checkHealth(ctx)
	}
	return nil
}

func (u *unit) leaderSet(ctx context.Context, kv map[string]string) error {
	if err := u.c.Tools.LeaderSet(ctx, kv); err != nil {
		return err
	}
	for k, v := range kv {
		u.leaderData[k] = v
	}
	return nil
}

// NewToken is EtcdDatabag.id_generator: 6 characters of [A-Z0-9].
func NewToken() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 6)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
		if err != nil {
			panic(err) // crypto/rand does not fail on Linux
		}
		b[i] = chars[n.Int64()]
	}
	return string(b)
}

func (u *unit) refreshInstalled(ctx context.Context) error {
	s, err := u.c.Snap.Snap(ctx, "etcd")
	switch {
	case errors.Is(err, snap.ErrNotInstalled):
		u.installed = false
	case err != nil:
		return err
	default:
		u.installed, u.version = true, s.Version
	}
	return nil
}

// initializeLeader is initialize_new_leader: bootstrap a one-member
// cluster and tell the followers where it is.
func (u *unit) initializeLeader(ctx context.Context) error {
	addr, err := u.ingressAddress(ctx, EndpointCluster)
	if err != nil {
		return err
	}
	u.st.set(stateClusterState, "new")
	u.st.set(stateCluster, u.name()+"="+ConnectionString([]string{addr}, u.cfg.ManagementPort))
	if err := u.render(ctx); err != nil {
		return err
	}
	if err := u.c.Snap.Restart(ctx, Service); err != nil {
		return err
	}
	// "some hosts need this. The charm races with systemd and wins." The
	// health check that follows in the original never fires (it tests a
	// dict for a substring), so neither is it made here.
	u.c.Sleep(2 * time.Second)
	if err := u.openPort(ctx); err != nil {
		return err
	}
	if err := u.leaderSet(ctx, map[string]string{
		LeaderAddress: ConnectionString([]string{addr}, u.cfg.Port),
		LeaderCluster: u.st.get(stateCluster),
	}); err != nil {
		return err
	}
	u.st.set(flagRegistered, "true")
	u.st.set(flagLeaderConfigured, "true")
	return nil
}

// register is register_node_with_leader: v2 member add against the
// leader, then start with the cluster string etcdctl printed.
func (u *unit) register(ctx context.Context) error {
	leaderAddr := u.leaderData[LeaderAddress]
	addr, err := u.ingressAddress(ctx, EndpointCluster)
	if err != nil {
		return err
	}
	peerURL := BuildURI("https", addr, u.cfg.ManagementPort)
	cluster, err := u.memberAdd(ctx, leaderAddr, peerURL)
	if err != nil {
		u.logf(ctx, "WARNING", "etcdctl.register failed, will retry: %v", err)
		return juju.Waiting(MsgRetryRegister)
	}
	u.st.set(stateCluster, cluster)
	if err := u.render(ctx); err != nil {
		return err
	}
	if err := u.c.Snap.Restart(ctx, Service); err != nil {
		return err
	}
	if err := u.openPort(ctx); err != nil {
		return err
	}
	u.st.set(flagRegistered, "true")
	return nil
}

func (u *unit) memberAdd(ctx context.Context, leaderAddr, peerURL string) (string, error) {
	if leaderAddr == "" {
		return "", errors.New("no leader_address in leader settings yet")
	}
	members, err := u.c.Ctl.MemberList(ctx, leaderAddr)
	if err != nil {
		return "", err
	}
	for _, m := range members {
		if m.PeerURLs == peerURL {
			u.logf(ctx, "INFO", "Found member that matches our peer URL. Unregistering...")
			if err := u.c.Ctl.MemberRemove(ctx, leaderAddr, m.ID); err != nil {
				return "", err
			}
		}
	}
	return u.c.Ctl.MemberAdd(ctx, leaderAddr, u.name(), peerURL)
}

// unregister is the stop hook's perform_self_unregistration(skip_exception).
func (u *unit) unregister(ctx context.Context) error {
	leaderData, err := u.c.Tools.LeaderGet(ctx)
	if err != nil {
		return err
	}
	local, err := u.localEndpoint(ctx)
	if err != nil {
		return err
	}
	members, err := u.c.Ctl.MemberList(ctx, local)
	if err != nil {
		// The original raises here (only member remove is retried); a
		// unit whose etcd is gone has nothing to remove.
		u.logf(ctx, "WARNING", "cannot list members to unregister: %v", err)
		return nil
	}
	id := ""
	for _, m := range members {
		if m.Name == u.name() {
			id = m.ID
		}
	}
	if id == "" {
		u.logf(ctx, "WARNING", "%s is not a member; nothing to unregister", u.name())
		return nil
	}
	const maxWait = 10
	for try := 1; ; try++ {
		err := u.c.Ctl.MemberRemove(ctx, leaderData[LeaderAddress], id)
		if err == nil {
			return nil
		}
		u.logf(ctx, "WARNING", "Trying to unregister self from the cluster failed, retrying...")
		if try == maxWait {
			u.logf(ctx, "ERROR", "All tries for unregistration failed! Switching status to blocked...")
			return u.c.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusBlocked, Message: MsgUnregisterFailed}, false)
		}
		u.c.Sleep(time.Second)
	}
}

// checkHealth is check_cluster_health: v2 cluster-health and member list
// on the local member.
func (u *unit) checkHealth(ctx context.Context) error {
	local, err := u.localEndpoint(ctx)
	if err != nil {
		return err
	}
	health := "Healthy"
	if last, err := u.c.Ctl.ClusterHealth(ctx, local); err != nil || strings.Contains(last, "unhealthy") {
		health = "UnHealthy"
	}
	peers := 0
	if members, err := u.c.Ctl.MemberList(ctx, local); err != nil {
		health = "Errored"
	} else {
		peers = KnownPeers(members)
	}
	msg := StatusMessage(health, peers)
	if health != "Healthy" {
		return juju.Blocked("%s", msg)
	}
	return u.c.Tools.StatusSet(ctx, juju.Status{Name: juju.StatusActive, Message: msg}, false)
}

// KnownPeers counts member_list's dict: one entry per name, and all
// unstarted members under the one key "unstarted".
func KnownPeers(members []Member) int {
	keys := map[string]bool{}
	for _, m := range members {
		if m.Unstarted {
			keys["unstarted"] = true
		} else {
			keys[m.Name] = true
		}
	}
	return len(keys)
}

// StatusMessage is "<health> with <n> known peer<s>".
func StatusMessage(health string, peers int) string {
	s := "s"
	if peers == 1 {
		s = ""
	}
	return fmt.Sprintf("%s with %d known peer%s", health, peers, s)
}

// localEndpoint is where the charm's etcdctl reaches its own member. The
// original always uses https://127.0.0.1:2379 (lib/etcdctl.py, whatever
// the port option). With bind_to_all_interfaces false etcd listens on the
// db binding's address only, so 127.0.0.1 answers nothing and the original
// shows "Errored with 0 known peers"; the stand-in asks its advertised
// client URL instead in that case, so it can run on jujusim's shared-host
// loopback isolation, where every unit must bind its own address.
func (u *unit) localEndpoint(ctx context.Context) (string, error) {
	if u.cfg.BindToAllInterfaces {
		return "https://127.0.0.1:2379", nil
	}
	addr, err := u.ingressAddress(ctx, EndpointDB)
	if err != nil {
		return "", err
	}
	return BuildURI("https", addr, u.cfg.Port), nil
}

// ingressAddress is etcd_lib.get_ingress_address: the endpoint's first
// ingress address, IPv4 before IPv6, else the private address.
func (u *unit) ingressAddress(ctx context.Context, endpoint string) (string, error) {
	addrs, err := u.ingressAddresses(ctx, endpoint)
	if err != nil {
		return "", err
	}
	return sortByFamily(addrs)[0], nil
}

func (u *unit) ingressAddresses(ctx context.Context, endpoint string) ([]string, error) {
	n, err := u.c.Tools.NetworkGet(ctx, endpoint, "")
	if err == nil && len(n.IngressAddresses) > 0 {
		return n.IngressAddresses, nil
	}
	private, perr := u.c.Tools.UnitGet(ctx, "private-address")
	if perr != nil {
		return nil, perr
	}
	return []string{private}, nil
}

// bindAddress is EtcdDatabag.get_bind_address: 0.0.0.0, or the
// endpoint's first bind address (IPv4 first), else the private address.
func (u *unit) bindAddress(ctx context.Context, endpoint string) (string, error) {
	if u.cfg.BindToAllInterfaces {
		return "0.0.0.0", nil
	}
	n, err := u.c.Tools.NetworkGet(ctx, endpoint, "")
	if err == nil && len(n.BindAddresses) > 0 {
		return sortByFamily(n.BindAddresses)[0], nil
	}
	return u.c.Tools.UnitGet(ctx, "private-address")
}

func sortByFamily(addrs []string) []string {
	out := slices.Clone(addrs)
	family := func(s string) int {
		if a, err := netip.ParseAddr(s); err == nil && a.Is6() && !a.Is4In6() {
			return 6
		}
		return 4
	}
	slices.SortStableFunc(out, func(a, b string) int { return family(a) - family(b) })
	return out
}

// bag builds the EtcdDatabag the template reads.
func (u *unit) bag(ctx context.Context) (Bag, error) {
	var b Bag
	var err error
	if b.ClusterBindAddress, err = u.bindAddress(ctx, EndpointCluster); err != nil {
		return b, err
	}
	dbBind, err := u.bindAddress(ctx, EndpointDB)
	if err != nil {
		return b, err
	}
	b.ListenClientURLs = []string{BuildURI("https", dbBind, u.cfg.Port)}
	if u.cfg.BindWithInsecureHTTP {
		b.ListenClientURLs = append([]string{BuildURI("http", "127.0.0.1", 4001)}, b.ListenClientURLs...)
	}
	dbAddr, err := u.ingressAddress(ctx, EndpointDB)
	if err != nil {
		return b, err
	}
	b.AdvertiseURLs = []string{BuildURI("https", dbAddr, u.cfg.Port)}
	if b.ClusterAddress, err = u.ingressAddress(ctx, EndpointCluster); err != nil {
		return b, err
	}
	if b.SnapshotCount, err = u.cfg.SnapshotCountValue(); err != nil {
		return b, err
	}
	b.UnitName = u.name()
	b.ManagementPort = u.cfg.ManagementPort
	b.HeartbeatInterval = u.cfg.HeartbeatInterval
	b.ElectionTimeout = u.cfg.ElectionTimeout
	b.DataDir = u.c.Paths.DefaultDataDir()
	if u.st.flag(flagVolumeAttached) {
		b.DataDir = u.c.Paths.StorageDataDir()
	}
	b.CACertificate = u.c.Paths.CA()
	b.ServerCertificate = u.c.Paths.ServerCert()
	b.ServerKey = u.c.Paths.ServerKey()
	b.TLSCipherSuites = u.cfg.TLSCipherSuites
	b.Cluster = u.st.get(stateCluster)
	b.Token = u.leaderData[LeaderToken]
	b.ClusterState = u.st.get(stateClusterState)
	if b.ClusterState == "" {
		b.ClusterState = "existing"
	}
	return b, nil
}

// render is render_config: write etcd.conf.yml, then close the client
// port opened before a port change.
func (u *unit) render(ctx context.Context) error {
	b, err := u.bag(ctx)
	if err != nil {
		return err
	}
	if _, err := WriteConf(u.c.Paths, b); err != nil {
		return err
	}
	u.st.set(flagRerender, "")
	opened, err := u.c.Tools.OpenedPorts(ctx)
	if err != nil {
		return err
	}
	want := strconv.Itoa(u.cfg.Port) + "/tcp"
	for _, p := range opened {
		if p != want {
			if err := u.c.Tools.ClosePort(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (u *unit) openPort(ctx context.Context) error {
	return u.c.Tools.OpenPort(ctx, strconv.Itoa(u.cfg.Port)+"/tcp")
}

func (u *unit) clusterJoined(ctx context.Context) (bool, error) {
	ids, err := u.c.Tools.RelationIDs(ctx, EndpointCluster)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	units, err := u.c.Tools.RelationList(ctx, ids[0])
	if err != nil {
		return false, err
	}
	return len(units) > 0, nil
}

func hostname(c *Charm) string {
	if c.Hostname == nil {
		h, _ := os.Hostname()
		return h
	}
	h, _ := c.Hostname()
	return h
}
