package integration

import (
	"net"
	"strings"
	"testing"
	"time"
)

// hooksSince counts the hooks unit's agent started at or after since,
// but update-status (the timer's, which runs whatever the charm does).
func (m *model) hooksSince(unit string, since time.Time) int {
	m.t.Helper()
	return m.statusLogSince(unit, since, func(line string) bool {
		return strings.HasSuffix(line, " hook") && strings.Contains(line, "running ") && !strings.Contains(line, "update-status")
	})
}

// waitBlocked waits until every etcd unit is blocked with message.
func (m *model) waitBlocked(message string, timeout time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		all := true
		var seen []string
		for name, u := range m.status().Applications["etcd"].Units {
			ok := u.WorkloadStatus.Current == "blocked" && u.WorkloadStatus.Message == message
			all = all && ok
			seen = append(seen, name+": "+u.WorkloadStatus.Current+" "+u.WorkloadStatus.Message)
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("not every unit blocked with %q after %v:\n%s", message, timeout, strings.Join(seen, "\n"))
		}
		time.Sleep(time.Second)
	}
}

// A downgrade and a channel the store lacks are refused on a 3-unit
// cluster before any unit moves: every unit blocked with the supported
// path, every member still on 3.6 and serving, no hook storm; going back
// to auto heals with the data intact.
func TestChannelRefusals(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(3)
	m.must("deploy", m.a.etcdClient, "etcd-client")
	m.must("integrate", "etcd:db", "etcd-client:etcd")
	m.waitActive(4 * time.Minute)
	m.putViaClient("before", "refusals")
	units, _ := m.units("etcd")
	for _, tc := range []struct{ channel, message string }{
		{"3.4/stable", "Channel 3.4/stable would downgrade etcd from 3.6 to 3.4, which etcd refuses; change channel back to 3.6/stable."},
		{"99.9/stable", "Channel 99.9/stable is not in the snap store; change channel to one of 3.4/stable, 3.5/stable, 3.6/stable, or auto."},
	} {
		since := time.Now()
		m.must("config", "etcd", "channel="+tc.channel)
		m.waitBlocked(tc.message, 90*time.Second)
		time.Sleep(30 * time.Second)
		m.waitBlocked(tc.message, time.Second)
		hooks := 0
		for _, u := range units {
			hooks += m.hooksSince(u, since)
		}
		// config-changed at each unit, and little else.
		if hooks >= 10 {
			t.Errorf("channel %s: %d hooks (update-status aside) in %v", tc.channel, hooks, time.Since(since).Round(time.Second))
		}
		for u, v := range m.versions() {
			if !strings.HasPrefix(v, "3.6.") {
				t.Errorf("channel %s: %s runs etcd %s, want 3.6 untouched", tc.channel, u, v)
			}
		}
		if got := m.getViaClient("before"); got != "refusals" {
			t.Errorf("channel %s: get before = %q", tc.channel, got)
		}
	}
	m.must("config", "etcd", "channel=auto")
	m.waitActive(2 * time.Minute)
	m.checkCluster(3, map[string]string{"before": "refusals"})
}

// A client port another process holds on one unit blocks that unit,
// which keeps serving on its old port while the others move; once the
// port is free, it moves too.
func TestBusyPortRefused(t *testing.T) {
	m := newModel(t, seeds()[0])
	m.deployEtcd(3)
	m.must("deploy", m.a.etcdClient, "etcd-client")
	m.must("integrate", "etcd:db", "etcd-client:etcd")
	m.waitActive(4 * time.Minute)
	m.putViaClient("before", "busy")
	unit := "etcd/1"
	address := m.status().Applications["etcd"].Units[unit].PublicAddress
	// The model's own loopback address for the unit: another process
	// takes the port the operator is about to choose.
	l, err := net.Listen("tcp", net.JoinHostPort(address, "12379"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m.must("config", "etcd", "port=12379")
	want := "Port 12379 (port) is in use on this machine (" + net.JoinHostPort(address, "12379") + "); etcd keeps serving on its current ports. Free it or choose another port."
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st := m.status().Applications["etcd"].Units
		others := true
		for name, u := range st {
			if name != unit {
				others = others && u.WorkloadStatus.Current == "active" && strings.Join(u.OpenPorts, ",") == "12379/tcp"
			}
		}
		if st[unit].WorkloadStatus.Current == "blocked" && st[unit].WorkloadStatus.Message == want && others {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %s blocked with %q and the others active on 12379: %+v", unit, want, st)
		}
		time.Sleep(2 * time.Second)
	}
	if out, err := m.etcdctl(unit, "endpoint", "health"); err != nil || !strings.Contains(out, ":2379 is healthy") {
		t.Errorf("%s on its old port: %v\n%s", unit, err, out)
	}
	if got := m.getViaClient("before"); got != "busy" {
		t.Errorf("get before = %q", got)
	}
	l.Close()
	m.waitActive(3 * time.Minute)
	out, err := m.etcdctl(unit, "member", "list", "-w", "simple")
	if err != nil || strings.Count(out, ":12379") != 3 {
		t.Errorf("members after the port was freed: %v\n%s", err, out)
	}
	m.checkCluster(3, map[string]string{"before": "busy"})
}
