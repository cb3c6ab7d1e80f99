package integration

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
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

// statusAfter is the first workload status in unit's history, after
// the first one with message, that does not show message ("" none).
func (m *model) statusAfter(unit, message string) string {
	m.t.Helper()
	seen := false
	for _, line := range strings.Split(m.must("show-status-log", unit), "\n") {
		if !strings.Contains(line, " workload ") {
			continue
		}
		has := strings.Contains(line, message)
		switch {
		case has:
			seen = true
		case seen:
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// waitUnit waits until unit's workload status is current with message.
func (m *model) waitUnit(unit, current, message string, timeout time.Duration) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		u := m.status().Applications["etcd"].Units[unit]
		if u.WorkloadStatus.Current == current && u.WorkloadStatus.Message == message {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("%s is %s %q after %v, want %s %q", unit, u.WorkloadStatus.Current, u.WorkloadStatus.Message, timeout, current, message)
		}
		time.Sleep(time.Second)
	}
}

// healthy checks what every bad input must leave: the three members
// healthy, the key written before intact (read through the db client),
// and every etcd still the process it was (nothing restarted).
func (m *model) healthy(t *testing.T, step string, pids map[string]int) {
	t.Helper()
	units, _ := m.units("etcd")
	out, err := m.etcdctl(units[0], "endpoint", "health", "--cluster")
	if err != nil || strings.Count(out, " is healthy") != 3 {
		t.Errorf("%s: cluster health: %v\n%s", step, err, out)
	}
	if got := m.getViaClient("before"); got != "bad input" {
		t.Errorf("%s: get before = %q, want %q", step, got, "bad input")
	}
	for u, pid := range pids {
		if p := m.etcdPID(u); p != pid {
			t.Errorf("%s: %s's etcd restarted (pid %d → %d)", step, u, pid, p)
		}
	}
}

// relationSet runs relation-set in unit's hook context on its relation
// to endpoint: what a broken or hostile partner charm would publish.
func (m *model) relationSet(unit, endpoint string, settings ...string) {
	m.t.Helper()
	m.must("exec", unit, "--", `relation-set -r "$(relation-ids `+endpoint+` | head -n1)" `+strings.Join(settings, " "))
}

// brokenEtcdSnap packs an etcd snap whose etcd exits at once with a
// fatal record, as a bad build would (its etcdctl is the real one).
func brokenEtcdSnap(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		t.Skip("mksquashfs not installed (Debian's squashfs-tools)")
	}
	real := filepath.Join(etcdbins.Dir(), "3.6.16")
	bins := filepath.Join(t.TempDir(), "3.6.99")
	if err := os.MkdirAll(bins, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho '{\"level\":\"fatal\",\"msg\":\"cannot start\",\"error\":\"this build is broken\"}' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bins, "etcd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"etcdctl", "etcdutl"} {
		if err := os.Symlink(filepath.Join(real, b), filepath.Join(bins, b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bins, ".complete"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "etcd.snap")
	cmd := exec.Command(filepath.Join(testkit.RepoRoot(), "scripts", "etcd-snap.sh"), filepath.Dir(bins), path, "3.6.99")
	cmd.Env = append(os.Environ(), "MKSQUASHFS_OPTS=-noI -noD -noF -noX")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("etcd-snap.sh: %v\n%s", err, out)
	}
	return path
}

// Issue #18: bad input never takes the cluster down. One 3-unit model
// with a db client takes every option's invalid values, every action's
// bad parameters, garbage from the certificates provider and the db
// client, refused channels, busy ports and a broken snap; each shows the
// operator a message, and the cluster stays healthy with the data
// written before. (Each input's exact handling is unit-tested in
// hooks/badinput_test.go and actions; this proves the system's claims.)
func TestBadInput(t *testing.T) {
	start := time.Now()
	defer func() { t.Logf("bad-input suite took %v", time.Since(start).Round(time.Second)) }()
	m := newModel(t, seeds()[0])
	m.deployEtcd(3)
	m.deployClient()
	m.waitActive(4 * time.Minute)
	m.putViaClient("before", "bad input")
	units, leader := m.units("etcd")
	sort.Strings(units)
	pids := map[string]int{}
	for _, u := range units {
		pids[u] = m.etcdPID(u)
	}

	t.Run("options", func(t *testing.T) {
		// Juju itself refuses a value of the wrong type.
		if out, err := m.jujusim("config", "etcd", "port=many"); err == nil {
			t.Errorf("config port=many accepted:\n%s", out)
		}
		for _, tc := range []struct {
			bad  []string
			want string
		}{
			{[]string{"port=0"}, "Invalid config: port: 0 is not a port (1-65535)"},
			{[]string{"port=70000"}, "Invalid config: port: 70000 is not a port (1-65535)"},
			{[]string{"management_port=0"}, "Invalid config: management_port: 0 is not a port (1-65535)"},
			{[]string{"management_port=2379"}, "Invalid config: management_port: must differ from port (both 2379)"},
			{[]string{"metrics_port=-1"}, "Invalid config: metrics_port: -1 is not a port (1-65535, or 0 for off)"},
			{[]string{"metrics_port=2380"}, "Invalid config: metrics_port: 2380 is taken by port or management_port"},
			{[]string{"port=4001", "bind_with_insecure_http=true"}, "Invalid config: bind_with_insecure_http: port 4001 is taken by port or management_port"},
			{[]string{"heartbeat_interval=0"}, "Invalid config: heartbeat_interval: 0 must be a positive number of milliseconds"},
			{[]string{"election_timeout=400"}, "Invalid config: election_timeout: 400 must be at least 5 x heartbeat_interval (500)"},
			{[]string{"election_timeout=60000"}, "Invalid config: election_timeout: 60000 is above etcd's maximum of 50000"},
			{[]string{"channel=3.6/nightly"}, `Invalid config: channel: "3.6/nightly" is not a snap channel (want auto, or track/risk such as 3.5/stable)`},
			{[]string{"snapshot_count=lots"}, `Invalid config: snapshot_count: "lots" must be auto or a positive integer`},
			{[]string{"snapd_refresh=someday"}, `Invalid config: snapd_refresh: "someday" is not a snapd refresh.timer (cannot parse "someday": "someday" is not a valid weekday); want max, empty, or a schedule such as fri5,23:00-01:00`},
			{[]string{"tls_cipher_suites= , ,"}, `Invalid config: tls_cipher_suites: " , ," names no cipher suite (leave it empty for the default list)`},
			{[]string{"tls_cipher_suites=TLS_NULL"}, `Invalid config: tls_cipher_suites: unknown TLS 1.2 cipher suites TLS_NULL (want Go's names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`},
			{[]string{"quota_backend_bytes=-1"}, "Invalid config: quota_backend_bytes: -1 must not be negative"},
			{[]string{"auto_compaction_mode=weekly"}, `Invalid config: auto_compaction_mode: "weekly" must be periodic or revision`},
			{[]string{"auto_compaction_retention=soon"}, `Invalid config: auto_compaction_retention: "soon" is not a number of hours or a duration such as 1h30m`},
			{[]string{"auto_compaction_mode=revision", "auto_compaction_retention=1h"}, `Invalid config: auto_compaction_retention: "1h" is not a number of revisions`},
		} {
			// One bad value after another: each is refused on its own,
			// whatever was refused before.
			var keys []string
			for _, kv := range tc.bad {
				k, _, _ := strings.Cut(kv, "=")
				keys = append(keys, k)
			}
			m.must(append([]string{"config", "etcd"}, tc.bad...)...)
			m.waitBlocked(tc.want, time.Minute)
			if t.Failed() {
				return
			}
			m.must("config", "etcd", "--reset", strings.Join(keys, ","))
		}
		m.waitActive(2 * time.Minute)
		m.healthy(t, "after every invalid option", pids)
	})

	t.Run("actions", func(t *testing.T) {
		follower := units[0]
		if follower == leader {
			follower = units[1]
		}
		for _, tc := range []struct {
			unit, action string
			params       []string
			want         string // the failure message's start
		}{
			{leader, "compact", []string{"--string-args", "revision=abc"}, `revision must be a positive whole number or empty for the latest, got "abc"`},
			{leader, "compact", []string{"--string-args", "revision=-3"}, `revision must be a positive whole number or empty for the latest, got "-3"`},
			{leader, "compact", []string{"--string-args", "revision=999999999"}, "Cannot compact to revision 999999999: "},
			{leader, "snapshot", []string{"target=relative/dir"}, `target must be an absolute path, got "relative/dir"`},
			{leader, "snapshot", []string{"keys-version=v2"}, "keys-version v2 needs etcd 3.4 or 3.5, but this unit runs etcd 3.6."},
			{leader, "restore", []string{"target=relative", "skip-backup=false"}, `target must be an absolute path, got "relative"`},
			{follower, "restore", nil, "This action can only be run on the leader unit"},
			{leader, "restore", nil, "Missing snapshot: attach one with `juju attach-resource etcd snapshot=<etcd-snapshot-"},
			{leader, "snap-upgrade", nil, "Nothing to upgrade: this unit runs etcd 3.6."},
		} {
			r := m.runAction(tc.unit, tc.action, tc.params...)
			if r.Status != "failed" || !strings.HasPrefix(r.Message, tc.want) {
				t.Errorf("%s %v on %s: %s %q, want failed %q…", tc.action, tc.params, tc.unit, r.Status, r.Message, tc.want)
			}
		}
		// A parameter the action does not declare, or of the wrong type,
		// is Juju's to refuse.
		if out, err := m.jujusim("run", leader, "snapshot", "keys-version=v4", "--wait", "1m"); err == nil && !strings.Contains(out, "failed") {
			t.Errorf("snapshot keys-version=v4 accepted:\n%s", out)
		}
		m.healthy(t, "after bad action parameters", pids)
	})

	t.Run("relation data", func(t *testing.T) {
		target := units[1]
		certKey := strings.ReplaceAll(target, "/", "_") + ".server.cert"
		for _, tc := range []struct {
			name, unit, endpoint, setting string
			units                         []string // the units that must refuse it
			want                          string
		}{
			{"garbage server certificate", "easyrsa/0", "client", certKey + "=garbage", []string{target},
				"The server certificate from the certificate authority is not a PEM certificate. Keeping the certificates in place."},
			{"garbage CA", "easyrsa/0", "client", "ca=garbage", units,
				"The CA from the certificate authority is not a PEM certificate. Keeping the certificates in place."},
		} {
			since := time.Now()
			m.relationSet(tc.unit, tc.endpoint, tc.setting)
			// easyrsa answers again on its next hook (update-status at the
			// latest): the corrected answer heals every unit, without
			// `juju resolved`, and nothing restarted.
			m.waitActive(2 * time.Minute)
			for _, u := range tc.units {
				if log := m.must("show-status-log", u); !strings.Contains(log, tc.want) {
					t.Errorf("%s: %s never showed %q since %v:\n%s", tc.name, u, tc.want, since, log)
				}
			}
			m.healthy(t, tc.name, pids)
		}
		// The db client's side: whatever it publishes, etcd's hooks
		// succeed and serve on.
		m.relationSet("etcd-client/0", "etcd", "client_cert_requests='{not json'", "egress-subnets=garbage", "prefix=../..")
		time.Sleep(5 * time.Second)
		m.waitActive(time.Minute)
		m.healthy(t, "garbage from the db client", pids)
	})

	t.Run("channels", func(t *testing.T) {
		for _, tc := range []struct {
			channel, message string
			watch            time.Duration
		}{
			{"3.4/stable", "Channel 3.4/stable would downgrade etcd from 3.6 to 3.4, which etcd refuses; change channel back to 3.6/stable.", 10 * time.Second},
			// #18's acceptance: one blocked message and fewer than 10
			// hook executions in 60 s.
			{"99.9/stable", "Channel 99.9/stable is not in the snap store; change channel to one of 3.4/stable, 3.5/stable, 3.6/stable, or auto.", 60 * time.Second},
		} {
			since := time.Now()
			m.must("config", "etcd", "channel="+tc.channel)
			m.waitBlocked(tc.message, 90*time.Second)
			time.Sleep(time.Until(since.Add(tc.watch)))
			m.waitBlocked(tc.message, time.Second)
			hooks := 0
			for _, u := range units {
				hooks += m.hooksSince(u, since)
			}
			// config-changed at each unit, and little else.
			t.Logf("channel %s: %d hooks (update-status aside) in %v", tc.channel, hooks, time.Since(since).Round(time.Second))
			if hooks >= 10 {
				t.Errorf("channel %s: %d hooks (update-status aside) in %v", tc.channel, hooks, time.Since(since).Round(time.Second))
			}
			// One blocked message: once shown, each unit's workload
			// status stays that message (no flapping as a lock moves).
			for _, u := range units {
				if other := m.statusAfter(u, tc.message); other != "" {
					t.Errorf("channel %s: %s's status moved on from the blocked message to %q", tc.channel, u, other)
				}
			}
			for u, v := range m.versions() {
				if !strings.HasPrefix(v, "3.6.") {
					t.Errorf("channel %s: %s runs etcd %s, want 3.6 untouched", tc.channel, u, v)
				}
			}
		}
		m.must("config", "etcd", "--reset", "channel")
		m.waitActive(2 * time.Minute)
		m.healthy(t, "after refused channels", pids)
	})

	t.Run("busy ports", func(t *testing.T) {
		addrs := map[string]string{}
		for name, u := range m.status().Applications["etcd"].Units {
			addrs[name] = u.PublicAddress
		}
		// management_port taken on one machine: that unit keeps serving,
		// registered on its old peer URL, while the others move theirs
		// (each only once its etcd serves on the new port); once it is
		// free, it moves too.
		unit := units[1]
		l, err := net.Listen("tcp", net.JoinHostPort(addrs[unit], "12380"))
		if err != nil {
			t.Fatal(err)
		}
		m.must("config", "etcd", "management_port=12380")
		a := net.JoinHostPort(addrs[unit], "12380")
		m.waitUnit(unit, "blocked", "Port 12380 (management_port) is in use on this machine ("+a+"); etcd keeps serving on its current ports. Free it or choose another management_port.", time.Minute)
		deadline := time.Now().Add(3 * time.Minute)
		for {
			out, err := m.etcdctl(units[0], "member", "list", "-w", "simple")
			if err == nil && strings.Count(out, ":12380") == 2 && strings.Contains(out, net.JoinHostPort(addrs[unit], "2380")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("want two members moved to 12380 and %s kept at 2380: %v\n%s", unit, err, out)
			}
			time.Sleep(2 * time.Second)
		}
		if out, err := m.etcdctl(units[0], "endpoint", "health", "--cluster"); err != nil || strings.Count(out, " is healthy") != 3 {
			t.Errorf("cluster health with %s's management_port busy: %v\n%s", unit, err, out)
		}
		l.Close()
		m.waitActive(3 * time.Minute)
		if out, err := m.etcdctl(units[0], "member", "list", "-w", "simple"); err != nil || strings.Count(out, ":12380") != 3 {
			t.Errorf("members after management_port was freed: %v\n%s", err, out)
		}
		m.checkCluster(3, map[string]string{"before": "bad input"})

		// port taken on one machine: that unit keeps serving on its old
		// port while the others move; once it is free, it moves too.
		l, err = net.Listen("tcp", net.JoinHostPort(addrs[unit], "12379"))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		m.must("config", "etcd", "port=12379")
		want := "Port 12379 (port) is in use on this machine (" + net.JoinHostPort(addrs[unit], "12379") + "); etcd keeps serving on its current ports. Free it or choose another port."
		deadline = time.Now().Add(3 * time.Minute)
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
		if got := m.getViaClient("before"); got != "bad input" {
			t.Errorf("get before = %q", got)
		}
		l.Close()
		m.waitActive(3 * time.Minute)
		out, err := m.etcdctl(unit, "member", "list", "-w", "simple")
		if err != nil || strings.Count(out, ":12379") != 3 {
			t.Errorf("members after the port was freed: %v\n%s", err, out)
		}
		m.checkCluster(3, map[string]string{"before": "bad input"})
		for _, u := range units {
			pids[u] = m.etcdPID(u) // the port change restarted every member
		}
	})

	t.Run("broken snap", func(t *testing.T) {
		m.must("attach-resource", "etcd", "etcd="+brokenEtcdSnap(t))
		m.waitActive(2 * time.Minute)
		unit := units[2]
		r := m.runAction(unit, "snap-upgrade")
		t.Logf("snap-upgrade of a broken snap on %s: %s %q", unit, r.Status, r.Message)
		if r.Status != "failed" || !strings.Contains(r.Message, "does not start: cannot start: this build is broken.") ||
			!strings.Contains(r.Message, "It was reverted to 3.6.16") || !strings.HasSuffix(r.Message, "which serves again.") {
			t.Errorf("snap-upgrade of a broken snap: %s %q", r.Status, r.Message)
		}
		for u, v := range m.versions() {
			if !strings.HasPrefix(v, "3.6.16") {
				t.Errorf("%s runs etcd %s after the revert, want 3.6.16", u, v)
			}
		}
		m.waitActive(2 * time.Minute)
		m.checkCluster(3, map[string]string{"before": "bad input"})
	})
}
