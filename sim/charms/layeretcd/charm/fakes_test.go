package charm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
)

// fakeTools adds unit-get to the juju fake.
type fakeTools struct {
	*jujutest.Tools
	public, private string
}

func (f *fakeTools) UnitGet(_ context.Context, key string) (string, error) {
	switch key {
	case "public-address":
		return f.public, nil
	case "private-address":
		return f.private, nil
	}
	return "", &juju.ToolError{Tool: "unit-get", Code: 2, Stderr: "ERROR unknown setting " + key}
}

// fakeCluster is a stateful etcd cluster as etcdctl v2 sees it: members
// (started or not), which client endpoints answer, and etcd's rules for
// member add under strict-reconfig-check (an add that would leave fewer
// started members than the new quorum is refused, except the second
// member of a one-member cluster).
type fakeCluster struct {
	members  []Member
	up       map[string]bool // client URL → answers
	unhealth bool
	nextID   int
	calls    []string
}

func newFakeCluster() *fakeCluster { return &fakeCluster{up: map[string]bool{}, nextID: 0x8e9e05c5} }

func (f *fakeCluster) reach(ep string) error {
	if !f.up[ep] {
		return fmt.Errorf("%w: dial tcp %s: connect: connection refused", ErrCommandFailed, ep)
	}
	return nil
}

func (f *fakeCluster) MemberList(_ context.Context, ep string) ([]Member, error) {
	f.calls = append(f.calls, "member list "+ep)
	if err := f.reach(ep); err != nil {
		return nil, err
	}
	return append([]Member(nil), f.members...), nil
}

func (f *fakeCluster) MemberAdd(_ context.Context, ep, name, peerURL string) (string, error) {
	f.calls = append(f.calls, "member add "+ep+" "+name+" "+peerURL)
	if err := f.reach(ep); err != nil {
		return "", err
	}
	// etcd's RaftCluster.IsReadyToAddVotingMember.
	started, n := 0, len(f.members)+1
	for _, m := range f.members {
		if !m.Unstarted {
			started++
		}
	}
	if !(started == 1 && n == 2) && started < n/2+1 {
		return "", fmt.Errorf("%w: etcdserver: re-configuration failed due to not enough started members", ErrCommandFailed)
	}
	f.nextID++
	f.members = append(f.members, Member{ID: fmt.Sprintf("%x", f.nextID), PeerURLs: peerURL, Unstarted: true})
	var conf []string
	for _, m := range f.members {
		n := m.Name
		if m.PeerURLs == peerURL {
			n = name
		}
		conf = append(conf, n+"="+m.PeerURLs)
	}
	return strings.Join(conf, ","), nil
}

func (f *fakeCluster) MemberRemove(_ context.Context, ep, id string) error {
	f.calls = append(f.calls, "member remove "+ep+" "+id)
	if err := f.reach(ep); err != nil {
		return err
	}
	for i, m := range f.members {
		if m.ID == id {
			f.members = append(f.members[:i], f.members[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%w: member %s not found", ErrCommandFailed, id)
}

func (f *fakeCluster) ClusterHealth(_ context.Context, ep string) (string, error) {
	if err := f.reach(ep); err != nil {
		return "", err
	}
	for _, m := range f.members {
		if m.Unstarted || f.unhealth {
			return "cluster is unhealthy", nil
		}
	}
	return "cluster is healthy", nil
}

func (f *fakeCluster) Version(context.Context) (string, error) { return "3.4.23", nil }

// start is etcd starting from a rendered etcd.conf.yml: a new cluster
// bootstraps the members of initial-cluster; an existing one must have
// the member (unstarted, same peer URL) added before.
func (f *fakeCluster) start(t *testing.T, conf map[string]any, localURL string) {
	t.Helper()
	name, _ := conf["name"].(string)
	peer, _ := conf["initial-advertise-peer-urls"].(string)
	client, _ := conf["advertise-client-urls"].(string)
	for i, m := range f.members {
		if m.PeerURLs == peer {
			if m.Unstarted && conf["initial-cluster-state"] != "existing" {
				t.Fatalf("%s joins an existing cluster with initial-cluster-state %v", name, conf["initial-cluster-state"])
			}
			if !strings.Contains(conf["initial-cluster"].(string), name+"="+peer) {
				t.Fatalf("%s: initial-cluster %q lacks itself", name, conf["initial-cluster"])
			}
			f.members[i].Name, f.members[i].ClientURLs, f.members[i].Unstarted = name, client, false
			f.up[client], f.up[localURL] = true, true
			return
		}
	}
	if conf["initial-cluster-state"] != "new" || len(f.members) > 0 {
		t.Fatalf("%s starts as an unknown member (state %v) of %v", name, conf["initial-cluster-state"], f.members)
	}
	f.nextID++
	f.members = []Member{{ID: fmt.Sprintf("%x", f.nextID), Name: name, PeerURLs: peer, ClientURLs: client}}
	f.up[client], f.up[localURL] = true, true
}

// layoutSnapd is the snapd fake plus the one thing of snapd's layout
// the charm depends on: installing etcd creates its $SNAP_COMMON and
// $SNAP_DATA ("current") directories.
type layoutSnapd struct {
	*snaptest.Fake
	paths Paths
	// started runs when the etcd service (re)starts: the fake etcd reads
	// the configuration then, as the real one does.
	started func()
}

func (l layoutSnapd) Restart(ctx context.Context, service string) error {
	if err := l.Fake.Restart(ctx, service); err != nil {
		return err
	}
	l.started()
	return nil
}

func (l layoutSnapd) Start(ctx context.Context, service string) error {
	if err := l.Fake.Start(ctx, service); err != nil {
		return err
	}
	l.started()
	return nil
}

func (l layoutSnapd) Install(ctx context.Context, name, channel string) error {
	if err := l.Fake.Install(ctx, name, channel); err != nil {
		return err
	}
	if name == "etcd" {
		for _, d := range []string{l.paths.ConfDir(), l.paths.DefaultDataDir()} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
	}
	return nil
}

// fakeVolume records what attachStorage does to the device.
type fakeVolume struct {
	mounted map[string]string // device → dir
	calls   []string
}

func (v *fakeVolume) Mounted(_ context.Context, dev, _ string) (bool, error) {
	_, ok := v.mounted[dev]
	return ok, nil
}
func (v *fakeVolume) Format(_ context.Context, dev string) error {
	v.calls = append(v.calls, "mkfs.ext4 "+dev+" -F")
	return nil
}
func (v *fakeVolume) Mount(_ context.Context, dev, dir string) error {
	v.calls = append(v.calls, "mount "+dev+" "+dir)
	v.mounted[dev] = dir
	return nil
}

// model is a little Juju model of n etcd units and one easyrsa unit: each
// etcd unit has its own tools, snapd and root; leader data and relation
// data are copied between them after every hook that exits 0, as Juju
// commits them.
type model struct {
	t       *testing.T
	cluster *fakeCluster
	units   []*sunit
	leader  string
	seen    map[string]bool // units whose etcd the fake has started
}

type sunit struct {
	name     string
	charmDir string
	addr     string
	tools    *fakeTools
	snap     *snaptest.Fake
	volume   *fakeVolume
	charm    *Charm
	connect  []string
}

// easyrsa's answer, as its unit databag holds it.
func caBag(units ...string) map[string]string {
	bag := map[string]string{"ca": "CA PEM", "client.cert": "CLIENT CERT PEM", "client.key": "CLIENT KEY PEM"}
	for _, u := range units {
		m := strings.ReplaceAll(u, "/", "_")
		bag[m+".server.cert"] = "SERVER CERT PEM " + m
		bag[m+".server.key"] = "SERVER KEY PEM " + m
	}
	return bag
}

func newModel(t *testing.T, n int, config map[string]any) *model {
	m := &model{t: t, cluster: newFakeCluster(), seen: map[string]bool{}, leader: "etcd/0"}
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("etcd/%d", i))
	}
	for i, name := range names {
		addr := fmt.Sprintf("10.0.0.%d", i+1)
		jt := jujutest.New(name)
		jt.Leader = name == m.leader
		jt.Config = defaultConfig()
		maps.Copy(jt.Config, config)
		for _, b := range []string{EndpointDB, EndpointCluster} {
			jt.Network[b] = juju.Network{BindAddresses: []string{addr}, IngressAddresses: []string{addr}}
		}
		ft := &fakeTools{Tools: jt, public: addr, private: addr}
		jt.AddRelation("certificates:1", "easyrsa").Units["easyrsa/0"] = caBag(names...)
		cl := jt.AddRelation("cluster:0", "etcd")
		for _, other := range names {
			if other != name {
				cl.Units[other] = map[string]string{}
			}
		}
		su := &sunit{name: name, charmDir: t.TempDir(), addr: addr, tools: ft, snap: snaptest.NewEtcd(), volume: &fakeVolume{mounted: map[string]string{}}}
		paths := Paths{Root: t.TempDir()}
		su.charm = &Charm{
			Tools: ft, Snap: layoutSnapd{su.snap, paths, func() { m.started(su) }}, Ctl: m.cluster, Paths: paths, Volume: su.volume,
			Connect: func(_ context.Context, plug, slot string) error {
				su.connect = append(su.connect, plug+" "+slot)
				return nil
			},
			Hostname: func() (string, error) { return "machine-" + fmt.Sprint(i), nil },
			Now:      func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) },
			Sleep:    func(time.Duration) {},
		}
		m.units = append(m.units, su)
	}
	return m
}

func defaultConfig() map[string]any {
	return map[string]any{
		"port": int64(2379), "management_port": int64(2380), "channel": "auto",
		"heartbeat_interval": int64(100), "election_timeout": int64(1000), "snapshot_count": "auto",
		"snapd_refresh": "max", "bind_to_all_interfaces": true, "bind_with_insecure_http": false,
		"tls_cipher_suites": "", "nagios_context": "juju", "nagios_servicegroups": "",
	}
}

func (m *model) unit(name string) *sunit {
	for _, u := range m.units {
		if u.name == name {
			return u
		}
	}
	m.t.Fatalf("no unit %s", name)
	return nil
}

// hook runs one hook on unit and returns its exit code.
func (m *model) hook(name, hook string) int {
	m.t.Helper()
	u := m.unit(name)
	ev := juju.Event{Kind: juju.HookKind, Name: hook, Unit: name, CharmDir: u.charmDir}
	if ep, _, ok := strings.Cut(hook, "-relation-"); ok {
		ev.Endpoint = ep
		for id, r := range u.tools.Relations {
			if r.Endpoint == ep {
				ev.RelationID = id
			}
		}
	}
	code := u.tools.Run(context.Background(), ev, u.charm.Handle, io.Discard)
	if code == 0 {
		m.commit(u)
	}
	return code
}

// commit publishes u's leader data and relation data to the other units
// and starts the etcd u's snapd runs, as a real etcd would.
func (m *model) commit(u *sunit) {
	for _, o := range m.units {
		if o == u {
			continue
		}
		if u.name == m.leader {
			o.tools.LeaderData = maps.Clone(u.tools.LeaderData)
		}
		for id, r := range u.tools.Relations {
			if or, ok := o.tools.Relations[id]; ok && r.Endpoint == EndpointCluster {
				or.Units[u.name] = maps.Clone(r.LocalUnitData)
			}
		}
	}
}

// started is u's etcd starting: the first time, it joins or bootstraps
// from the rendered configuration; later restarts keep its membership.
func (m *model) started(u *sunit) {
	if m.seen[u.name] {
		return
	}
	conf := readConf(m.t, u.charm.Paths)
	local := "https://127.0.0.1:2379"
	if b, _ := u.tools.Config["bind_to_all_interfaces"].(bool); !b {
		local = "https://" + u.addr + ":2379"
		if p, ok := u.tools.Config["port"].(int64); ok {
			local = fmt.Sprintf("https://%s:%d", u.addr, p)
		}
	}
	m.cluster.start(m.t, conf, local)
	m.seen[u.name] = true
}

// settle runs each unit's hooks in deployment order until nothing changes.
func (m *model) settle() {
	m.t.Helper()
	for _, u := range m.units {
		m.mustHook(u.name, "install")
	}
	for range 3 {
		for _, u := range m.units {
			m.mustHook(u.name, "cluster-relation-changed")
		}
	}
}

func (m *model) mustHook(name, hook string) {
	m.t.Helper()
	if code := m.hook(name, hook); code != 0 {
		m.t.Fatalf("%s %s exited %d; logs %v", name, hook, code, m.unit(name).tools.Logs)
	}
}

// unitState reads the unit's reactive state file.
func unitState(t *testing.T, u *sunit) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(u.charmDir, UnitStateFile))
	if err != nil {
		t.Fatal(err)
	}
	var kv map[string]any
	if err := json.Unmarshal(data, &kv); err != nil {
		t.Fatal(err)
	}
	return kv
}

func readConf(t *testing.T, p Paths) map[string]any {
	t.Helper()
	data, err := os.ReadFile(p.ConfFile())
	if err != nil {
		t.Fatal(err)
	}
	var conf map[string]any
	if err := yaml.Unmarshal(data, &conf); err != nil {
		t.Fatalf("etcd.conf.yml is not YAML: %v\n%s", err, data)
	}
	return conf
}
