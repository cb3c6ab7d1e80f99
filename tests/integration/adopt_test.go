package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcd-charm/etcd-charm/tests/linearizability"
)

// TestRefreshFromLayerEtcd is the drop-in promise: a running layer-etcd
// deployment as Charmed Kubernetes has it (3 units on etcd 3.4, default
// config, easyrsa, a client on db) refreshed to this charm under client
// load loses nothing and nobody notices: every unit ends Healthy with 3
// known peers, member and cluster IDs stay, the clients' history is
// linearizable, no acknowledged write is lost, every member holds the
// same data (HashKV), v2 data written through layer-etcd's v2 store
// stays readable, and the client's connection string never goes away.
// Then the adopted cluster scales out and loses its leader unit.
//
// It needs root (netns isolation, so etcd keeps layer-etcd's default
// bind_to_all_interfaces=true).
func TestRefreshFromLayerEtcd(t *testing.T) {
	m, units := deployLayerEtcd(t)
	cl := m.rootClientOf("etcd/0")
	before := membership(t, cl)
	t.Logf("layer-etcd cluster %x, members %v", before.cluster, before.members)
	starts := m.etcdStarts(units)

	// Load: writers and linearizable readers on a few keys, through every
	// member, recorded as a history.
	h := linearizability.New()
	ld := startLoad(cl, h, 4, 5)
	watch := m.watchConnectionString(units)

	began := time.Now()
	m.must("refresh", "etcd", "--path", m.a.etcdCharm)
	m.waitAdopted(units, 10*time.Minute)
	// Then the peer boundary goes up (peerboundary_test.go), once every
	// member serves a certificate naming its application: one rolling
	// restart per member.
	m.waitBoundary("etcd", 10*time.Minute)
	m.waitHealthy(3, 10*time.Minute)
	took := time.Since(began)

	ld.stop()
	lost := watch.stop()
	restarts := 0
	for u, n := range m.etcdStarts(units) {
		if starts[u] == 0 {
			t.Errorf("%s: no etcd start in the journal before the refresh: the restart count is blind", u)
		}
		restarts += n - starts[u]
	}
	c := h.Counts()
	t.Logf("refresh took %v; etcd restarts: %d; client operations: %d writes, %d maybe-writes, %d reads; connection-string polls: %d",
		took.Round(100*time.Millisecond), restarts, c.Writes, c.MaybeWrites, c.Reads, watch.polls)
	if c.Writes == 0 || c.Reads == 0 || watch.polls == 0 {
		t.Errorf("no load ran (%+v) or the connection string was never polled (%d)", c, watch.polls)
	}
	// Nothing in layer-etcd's default config needs a restart here: the
	// members go on as they were, but for the peer boundary's one restart
	// each.
	if restarts != len(units) {
		t.Errorf("the refresh restarted etcd %d times, want %d (the peer boundary's)", restarts, len(units))
	}
	for _, l := range lost {
		t.Errorf("client lost its connection string: %s", l)
	}

	m.checkStatuses(3)
	if after := membership(t, cl); after.cluster != before.cluster || !equalStrings(after.members, before.members) {
		t.Errorf("membership changed: before cluster %x %v, after cluster %x %v", before.cluster, before.members, after.cluster, after.members)
	}
	final := finalReads(t, cl, ld.keys)
	for _, l := range h.LostWrites(final) {
		t.Errorf("lost write: %s", l)
	}
	// The final reads join the history: a stale one fails the check too.
	for k, v := range final {
		h.Begin(99, linearizability.Op{Key: k})(linearizability.Result{Value: v}, nil)
	}
	if err := h.Check(2 * time.Minute); err != nil {
		t.Error(err)
	}
	checkHashKV(t, cl)
	for _, u := range units {
		if out, err := m.jujusim("exec", u, "--", v2ctl+"get /adopt/v2"); err != nil || strings.TrimSpace(out) != "written-by-layer-etcd" {
			t.Errorf("%s: v2 get after the refresh = %q, %v", u, out, err)
		}
	}
	if got := m.getViaClient("/adopt/v3"); got != "written-by-layer-etcd" {
		t.Errorf("v3 get through the client = %q", got)
	}
	if t.Failed() {
		return
	}

	// The adopted cluster is this charm's: its actions work on the data
	// dir it kept, it scales out and survives losing the leader unit.
	if r := m.mustComplete(units[1], "snapshot"); r["snapshot.path"] == "" || r["snapshot.sha256"] == "" {
		t.Errorf("snapshot on an adopted member: %v", r)
	}
	m.must("add-unit", "etcd")
	m.waitHealthy(4, 10*time.Minute)
	_, leader := m.units("etcd")
	m.must("remove-unit", leader)
	m.waitGone(leader, 5*time.Minute)
	m.waitHealthy(3, 10*time.Minute)
	m.putViaClient("/adopt/after", "scaled")
	if got := m.getViaClient("/adopt/after"); got != "scaled" {
		t.Errorf("get after scaling = %q", got)
	}

	// And it moves on from 3.4, rolling, keeping the v2 store on 3.5.
	m.must("config", "etcd", "channel=3.5/stable")
	m.waitVersions("3.5.", 10*time.Minute, "")
	m.waitHealthy(3, 5*time.Minute)
	units, _ = m.units("etcd")
	for _, u := range units {
		if out, err := m.jujusim("exec", u, "--", v2ctl+"get /adopt/v2"); err != nil || strings.TrimSpace(out) != "written-by-layer-etcd" {
			t.Errorf("%s: v2 get on 3.5 = %q, %v", u, out, err)
		}
	}
	if got := m.getViaClient("/adopt/v3"); got != "written-by-layer-etcd" {
		t.Errorf("v3 get on 3.5 = %q", got)
	}
}

// deployLayerEtcd deploys layer-etcd as Charmed Kubernetes has it (3
// units on etcd 3.4, default config, easyrsa, a client on db), waits for
// it to settle and writes a key through each API: /adopt/v2 through
// layer-etcd's v2 store, /adopt/v3 through the client. It needs root
// (netns isolation, so etcd keeps layer-etcd's default
// bind_to_all_interfaces=true). It returns the units, sorted.
func deployLayerEtcd(t *testing.T) (*model, []string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for netns isolation")
	}
	m := newModel(t, seeds()[0], "--isolation", "netns")
	m.must("deploy", layerEtcdCharm(t, false), "etcd", "-n", "3")
	m.must("deploy", m.a.easyrsa, "easyrsa")
	m.must("integrate", "etcd:certificates", "easyrsa:client")
	m.must("deploy", m.a.etcdClient, "etcd-client")
	m.must("integrate", "etcd-client:etcd", "etcd:db")
	m.waitActive(10 * time.Minute)
	m.checkStatuses(3)

	units, _ := m.units("etcd")
	sort.Strings(units)
	if out, err := m.jujusim("exec", units[0], "--", v2ctl+"set /adopt/v2 written-by-layer-etcd"); err != nil {
		t.Fatalf("v2 set: %v\n%s", err, out)
	}
	m.putViaClient("/adopt/v3", "written-by-layer-etcd")
	return m, units
}

// v2ctl is etcdctl on the v2 API with the client credentials, against the
// unit's own member, as layer-etcd's integration test runs it.
const v2ctl = `c="$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common"; ep=$(sed -n 's/^advertise-client-urls: //p' "$c/etcd.conf.yml"); ` +
	`ETCDCTL_API=2 etcd.etcdctl --endpoints "$ep" --ca-file "$c/ca.crt" --cert-file "$c/client.crt" --key-file "$c/client.key" `

// rootClientOf is clientOf with the credentials read as root: layer-etcd
// leaves them root-only (0440), so scp (as the ubuntu user) cannot.
func (m *model) rootClientOf(unit string) *clientv3.Client {
	m.t.Helper()
	dir := m.t.TempDir()
	for _, f := range []string{"client.crt", "client.key", "ca.crt"} {
		data := m.must("exec", unit, "--", `cat "$SNAPPY_GLOBAL_ROOT/var/snap/etcd/common/`+f+`"`)
		if err := os.WriteFile(filepath.Join(dir, f), []byte(data), 0o600); err != nil {
			m.t.Fatal(err)
		}
	}
	return m.clientFrom(dir)
}

type members struct {
	cluster uint64
	members []string // "<id hex>=<name>", sorted
}

func membership(t *testing.T, cl *clientv3.Client) members {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cl.MemberList(ctx)
	if err != nil {
		t.Fatalf("member list: %v", err)
	}
	out := members{cluster: resp.Header.ClusterId}
	for _, mb := range resp.Members {
		out.members = append(out.members, fmt.Sprintf("%x=%s", mb.ID, mb.Name))
	}
	sort.Strings(out.members)
	return out
}

// checkStatuses asserts every etcd unit reports layer-etcd's healthy
// status with n peers.
func (m *model) checkStatuses(n int) {
	m.t.Helper()
	want := healthyStatus(n)
	for name, u := range m.status().Applications["etcd"].Units {
		if u.WorkloadStatus.Current != "active" || u.WorkloadStatus.Message != want {
			m.t.Errorf("%s: %s %q, want active %q", name, u.WorkloadStatus.Current, u.WorkloadStatus.Message, want)
		}
	}
}

// healthyStatus is layer-etcd's healthy status for n members ("peer" when
// n is 1, layer-etcd-reference.md §4).
func healthyStatus(n int) string {
	if n == 1 {
		return "Healthy with 1 known peer"
	}
	return fmt.Sprintf("Healthy with %d known peers", n)
}

// waitHealthy waits for n etcd units, all Healthy with n known peers.
func (m *model) waitHealthy(n int, timeout time.Duration) {
	m.t.Helper()
	want := healthyStatus(n)
	deadline := time.Now().Add(timeout)
	for {
		units := m.status().Applications["etcd"].Units
		ok := len(units) == n
		for _, u := range units {
			ok = ok && u.WorkloadStatus.Current == "active" && u.WorkloadStatus.Message == want
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("etcd units not all %q after %v", want, timeout)
		}
		time.Sleep(time.Second)
	}
}

// waitAdopted waits until every unit runs this charm and has adopted its
// member: its unit state holds the start record this charm keeps.
func (m *model) waitAdopted(units []string, timeout time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for _, u := range units {
		for {
			out, err := m.jujusim("exec", u, "--", "state-get start-initial-cluster-state")
			if err == nil && strings.TrimSpace(out) == "existing" {
				break
			}
			if time.Now().After(deadline) {
				m.t.Fatalf("%s has not adopted its member after %v: %q %v", u, timeout, out, err)
			}
			time.Sleep(time.Second)
		}
	}
}

func (m *model) waitGone(unit string, timeout time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if _, ok := m.status().Applications["etcd"].Units[unit]; !ok {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s still there after %v", unit, timeout)
		}
		time.Sleep(time.Second)
	}
}

// etcdStarts counts, per unit, the starts of etcd's service in the
// machine's journal (the fake snapd logs systemd's "Started" line).
func (m *model) etcdStarts(units []string) map[string]int {
	m.t.Helper()
	out := map[string]int{}
	for _, u := range units {
		j := m.must("exec", u, "--", "journalctl -u snap.etcd.etcd -n 100000 -o cat")
		out[u] = strings.Count(j, "Started Service for snap application etcd.etcd.")
	}
	return out
}

// connWatch polls the client's view of every etcd unit's db data (show-unit
// reads the controller's model, not through a hook) and notes each time a
// unit's connection_string is missing or names other endpoints.
type connWatch struct {
	quit  chan struct{}
	done  chan struct{}
	polls int
	first string // the endpoints every unit published first
	lost  []string
}

// endpointSet is a connection string's endpoints, sorted: units may list
// them in another order and mean the same.
func endpointSet(cs string) string {
	if cs == "" {
		return ""
	}
	parts := strings.Split(cs, ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func (m *model) watchConnectionString(units []string) *connWatch {
	w := &connWatch{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.quit:
				return
			case <-time.After(300 * time.Millisecond):
			}
			out, err := m.jujusim("show-unit", "etcd-client/0", "--format", "json")
			if err != nil {
				continue // the controller is busy; the next poll sees it
			}
			var doc map[string]struct {
				RelationInfo []struct {
					Endpoint     string `json:"endpoint"`
					RelatedUnits map[string]struct {
						Data map[string]string `json:"data"`
					} `json:"related-units"`
				} `json:"relation-info"`
			}
			if json.Unmarshal([]byte(out), &doc) != nil {
				continue
			}
			w.polls++
			for _, ri := range doc["etcd-client/0"].RelationInfo {
				if ri.Endpoint != "etcd" {
					continue
				}
				for _, u := range units {
					cs := endpointSet(ri.RelatedUnits[u].Data["connection_string"])
					switch {
					case cs == "":
						w.lost = append(w.lost, fmt.Sprintf("%s has none at %s", u, time.Now().Format(time.TimeOnly)))
					case w.first == "":
						w.first = cs
					case cs != w.first:
						w.lost = append(w.lost, fmt.Sprintf("%s's is %s, not %s, at %s", u, cs, w.first, time.Now().Format(time.TimeOnly)))
					}
				}
			}
		}
	}()
	return w
}

func (w *connWatch) stop() []string {
	close(w.quit)
	<-w.done
	return w.lost
}

// load is clients writing unique values to a few keys and reading them
// (clientv3's Get is linearizable by default), one operation at a time
// per client, each with a timeout.
type load struct {
	keys []string
	quit chan struct{}
	wg   sync.WaitGroup
}

func startLoad(cl *clientv3.Client, h *linearizability.History, clients, keys int) *load {
	l := &load{quit: make(chan struct{})}
	for k := 0; k < keys; k++ {
		l.keys = append(l.keys, fmt.Sprintf("/adopt/load/%d", k))
	}
	loadClients(&l.wg, l.quit, clients, 10*time.Millisecond, func(ctx context.Context, c, i int) {
		recordedOp(ctx, cl, h, c, i, l.keys[(c+i)%len(l.keys)])
	})
	return l
}

func (l *load) stop() {
	close(l.quit)
	l.wg.Wait()
}

func finalReads(t *testing.T, cl *clientv3.Client, keys []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, k := range keys {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := cl.Get(ctx, k)
		cancel()
		if err != nil {
			t.Fatalf("final read of %s: %v", k, err)
		}
		if len(resp.Kvs) > 0 {
			out[k] = string(resp.Kvs[0].Value)
		}
	}
	return out
}
