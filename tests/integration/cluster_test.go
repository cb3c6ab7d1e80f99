package integration

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// checkCluster asserts what every scenario ends with: every etcd unit
// active with "Healthy with N known peers", etcd's member list holding
// exactly N started voting members named like etcd0, and the keys.
func (m *model) checkCluster(n int, keys map[string]string) {
	m.t.Helper()
	units, _ := m.units("etcd")
	if len(units) != n {
		m.t.Fatalf("etcd units = %v, want %d", units, n)
	}
	want := fmt.Sprintf("Healthy with %d known peer", n)
	if n != 1 {
		want += "s"
	}
	for name, u := range m.status().Applications["etcd"].Units {
		if u.WorkloadStatus.Current != "active" || u.WorkloadStatus.Message != want {
			m.t.Errorf("%s: %s %q, want active %q", name, u.WorkloadStatus.Current, u.WorkloadStatus.Message, want)
		}
	}
	out, err := m.etcdctl(units[0], "member", "list", "-w", "simple")
	if err != nil {
		m.t.Fatalf("member list: %v\n%s", err, out)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, ", ")
		if len(f) < 6 {
			m.t.Fatalf("member list line %q", line)
		}
		if f[1] != "started" || (len(f) > 5 && f[len(f)-1] != "false") {
			m.t.Errorf("member not a started voter: %q", line)
		}
		names = append(names, f[2])
	}
	sort.Strings(names)
	if len(names) != n {
		m.t.Errorf("members %v, want %d", names, n)
	}
	for _, name := range names {
		if !regexp.MustCompile(`^etcd[0-9]+$`).MatchString(name) {
			m.t.Errorf("member name %q is not like etcd0", name)
		}
	}
	for k, v := range keys {
		out, err := m.etcdctl(units[0], "get", "--print-value-only", k)
		if err != nil || strings.TrimSpace(out) != v {
			m.t.Errorf("get %s = %q, %v; want %q", k, out, err, v)
		}
	}
}

// putViaClient writes through the etcd-client charm, over the db relation.
func (m *model) putViaClient(key, value string) {
	m.t.Helper()
	out := m.must("run", "etcd-client/0", "put", "--string-args", "key="+key, "value="+value)
	if strings.Contains(out, "failed") {
		m.t.Fatalf("put %s: %s", key, out)
	}
}

func (m *model) getViaClient(key string) string {
	m.t.Helper()
	out := m.must("run", "etcd-client/0", "get", "--string-args", "key="+key, "--format", "json")
	re := regexp.MustCompile(`"value":"([^"]*)"`)
	if sm := re.FindStringSubmatch(out); sm != nil {
		return sm[1]
	}
	m.t.Fatalf("get %s: no value in %s", key, out)
	return ""
}

func TestDeployOneUnit(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(1)
	m.waitActive(3 * time.Minute)
	m.checkCluster(1, nil)
}

func TestDeployThreeWithClient(t *testing.T) {
	type run struct {
		name  string
		seed  int64
		extra []string
	}
	var runs []run
	for _, seed := range seeds() {
		runs = append(runs, run{fmt.Sprintf("seed=%d", seed), seed, nil})
	}
	// Juju runs the hooks of different units at the same time; jujusim's
	// default (one at a time, in seeded order) replays exactly. Run both.
	runs = append(runs, run{"concurrent", seeds()[0], []string{"--concurrency", "4"}})
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			m := newModel(t, r.seed, r.extra...)
			m.deployEtcd(3)
			m.deployClient()
			m.waitActive(4 * time.Minute)
			st := m.status().Applications["etcd-client"].Units["etcd-client/0"].WorkloadStatus
			if st.Message != "Connected to 3 etcd endpoints" {
				t.Errorf("etcd-client status = %+v", st)
			}
			m.putViaClient("greeting", "hello")
			if got := m.getViaClient("greeting"); got != "hello" {
				t.Errorf("get greeting = %q", got)
			}
			m.checkCluster(3, map[string]string{"greeting": "hello"})
		})
	}
}

// leaderUnit returns the Juju leader of app.
func (m *model) leaderUnit(app string) string {
	_, leader := m.units(app)
	if leader == "" {
		m.t.Fatalf("%s has no leader", app)
	}
	return leader
}

// raftLeaderUnit returns the unit whose member leads raft.
func (m *model) raftLeaderUnit() string {
	m.t.Helper()
	units, _ := m.units("etcd")
	out, err := m.etcdctl(units[0], "endpoint", "status", "--cluster", "-w", "simple")
	if err != nil {
		m.t.Fatalf("endpoint status: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, ", ")
		// endpoint, ID, version, [storage version,] db size, ..., is leader, is learner, ...
		for i, v := range f {
			if v == "true" && i > 3 && f[i+1] == "false" { // IS LEADER true, IS LEARNER false
				host := strings.TrimPrefix(f[0], "https://")
				host = host[:strings.LastIndex(host, ":")]
				for name, u := range m.status().Applications["etcd"].Units {
					if u.PublicAddress == host {
						return name
					}
				}
			}
			_ = i
		}
	}
	m.t.Fatalf("no raft leader in:\n%s", out)
	return ""
}

// The membership scenarios run on the newest etcd (auto) and on 3.4,
// layer-etcd's release, whose learners refuse the member list.
var membershipChannels = []string{"auto", "3.4/stable"}

func TestScaleAndRemoveLeaders(t *testing.T) {
	for _, channel := range membershipChannels {
		for _, seed := range seeds() {
			t.Run(fmt.Sprintf("channel=%s/seed=%d", channel, seed), func(t *testing.T) { scaleAndRemoveLeaders(t, channel, seed) })
		}
	}
}

func scaleAndRemoveLeaders(t *testing.T, channel string, seed int64) {
	m := newModel(t, seed)
	m.deployEtcd(3, "channel="+channel)
	m.deployClient()
	m.waitActive(4 * time.Minute)
	keys := map[string]string{}
	put := func(k, v string) {
		m.putViaClient(k, v)
		keys[k] = v
	}
	put("before-scale", "1")

	// 3 → 5: two learners joined and promoted one at a time.
	m.must("add-unit", "etcd", "-n", "2")
	m.waitActive(5 * time.Minute)
	m.checkCluster(5, keys)
	put("at-five", "5")

	// Remove the Juju leader's unit.
	m.must("remove-unit", m.leaderUnit("etcd"))
	m.waitActive(4 * time.Minute)
	m.checkCluster(4, keys)
	put("after-leader", "4")

	// Remove the raft leader's unit.
	m.must("remove-unit", m.raftLeaderUnit())
	m.waitActive(4 * time.Minute)
	m.checkCluster(3, keys)
	if st := m.status().Applications["etcd-client"].Units["etcd-client/0"].WorkloadStatus; st.Message != "Connected to 3 etcd endpoints" {
		t.Errorf("etcd-client status = %+v", st)
	}
}
