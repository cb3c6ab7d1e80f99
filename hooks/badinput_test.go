package hooks

import (
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

func (s *scenario) setConfig(key string, value any) {
	for _, u := range s.units {
		u.tools.Config[key] = value
	}
}

// configChangedEverywhere runs config-changed at every unit, the leader
// last (the order that lets a leader grant a lock asked for meanwhile).
func (s *scenario) configChangedEverywhere() {
	for i := len(s.units) - 1; i >= 0; i-- {
		s.mustRun(s.units[i], juju.Event{Name: "config-changed"})
	}
}

// assertRefused checks what a refused input must leave behind: every
// unit blocked with the message, no snap refreshed, no etcd restarted,
// no restart asked for or granted, etcd.conf.yml as it was, and nothing
// committed that would wake another unit (so Juju runs no further hook:
// no hook storm).
func (s *scenario) assertRefused(t *testing.T, status juju.Status, leaderBefore map[string]string, conf map[string][]byte) {
	t.Helper()
	for _, u := range s.units {
		if u.tools.Status != status {
			t.Errorf("%s status %+v, want %+v", u.name, u.tools.Status, status)
		}
		for _, c := range u.snapd.Calls() {
			for _, verb := range []string{"Refresh", "Restart", "Stop", "Start", "Install", "SetConf"} {
				if strings.HasPrefix(c, verb+" ") {
					t.Errorf("%s: snapd %q after a refused input", u.name, c)
				}
			}
		}
		if p := peerOf(u); p.RestartRequest != "" {
			t.Errorf("%s asks to restart (%s)", u.name, p.RestartRequest)
		}
		if got, _ := os.ReadFile(u.paths.ConfigFile()); conf != nil && string(got) != string(conf[u.name]) {
			t.Errorf("%s etcd.conf.yml changed:\n%s", u.name, got)
		}
	}
	if !maps.Equal(s.leaderData, leaderBefore) {
		t.Errorf("leader settings changed: %v, were %v", s.leaderData, leaderBefore)
	}
	if l := leaderOf(s); l.RestartLock != "" {
		t.Errorf("restart lock %q granted", l.RestartLock)
	}
	// Nothing committed would make Juju run another hook (a peer's
	// changed bag, new leader settings): settle fails on any.
	s.settle(1, 0, nil)
}

// configChangedSettled runs config-changed at every unit and every hook
// Juju would run after, in an order drawn from seed, and returns the
// units that restarted or refreshed etcd.
func (s *scenario) configChangedSettled(seed int64, limit int) []string {
	s.t.Helper()
	initial := map[string][]juju.Event{}
	for _, u := range s.units {
		initial[u.name] = []juju.Event{{Name: "config-changed"}}
	}
	return s.settle(seed, limit, initial)
}

// snapshotConf runs the hooks still pending from forming the cluster
// (as Juju would), then reads every unit's etcd.conf.yml and forgets the
// snapd calls so far.
func (s *scenario) snapshotConf() map[string][]byte {
	s.settle(1, 30, nil)
	out := map[string][]byte{}
	for _, u := range s.units {
		b, err := os.ReadFile(u.paths.ConfigFile())
		if err != nil {
			s.t.Fatal(err)
		}
		out[u.name] = b
		u.snapd.Calls()
	}
	return out
}

func (s *scenario) assertHealthy(t *testing.T) {
	t.Helper()
	for _, u := range s.units {
		want := juju.Status{Name: juju.StatusActive, Message: "Healthy with " + string(rune('0'+len(s.units))) + " known peers"}
		if u.tools.Status != want {
			t.Errorf("%s status %+v, want %+v", u.name, u.tools.Status, want)
		}
	}
}

func installedVersion(u *unit) string {
	if s := u.snapd.Installed("etcd"); s != nil {
		return s.Version
	}
	return ""
}

func TestChannelRefusedBeforeAnyUnitMoves(t *testing.T) {
	for _, tc := range []struct {
		name    string
		from    string // the channel the cluster installs ("" auto)
		channel string
		want    string
	}{
		{"downgrade", "", "3.4/stable",
			"Channel 3.4/stable would downgrade etcd from 3.6 to 3.4, which etcd refuses; change channel back to 3.6/stable."},
		{"downgrade of one minor", "3.5/stable", "3.4/stable",
			"Channel 3.4/stable would downgrade etcd from 3.5 to 3.4, which etcd refuses; change channel back to 3.5/stable."},
		{"skip", "3.4/stable", "3.6/stable",
			"Channel 3.6/stable skips 3.5; change channel to 3.5/stable first, then 3.6/stable."},
		{"unknown channel", "", "99.9/stable",
			"Channel 99.9/stable is not in the snap store; change channel to one of 3.4/stable, 3.5/stable, 3.6/stable, or auto."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := formedOn(t, 3, tc.from)
			before := installedVersion(s.units[0])
			conf := s.snapshotConf()
			leaderBefore := maps.Clone(s.leaderData)

			s.setConfig("channel", tc.channel)
			s.configChangedEverywhere()
			want := juju.Status{Name: juju.StatusBlocked, Message: tc.want}
			s.assertRefused(t, want, leaderBefore, conf)
			// The blocked units stay put on every later hook, and say
			// so once in debug-log.
			for _, u := range s.units {
				u.tools.Logs = nil
				s.mustRun(u, juju.Event{Name: "update-status"})
				if len(u.tools.Logs) != 0 {
					t.Errorf("%s logged again: %v", u.name, u.tools.Logs)
				}
			}
			s.assertRefused(t, want, leaderBefore, conf)
			for _, u := range s.units {
				if v := installedVersion(u); v != before {
					t.Errorf("%s runs etcd %s, was %s", u.name, v, before)
				}
			}

			// Setting the channel back heals without any restart.
			back := any(tc.from)
			if tc.from == "" {
				back = nil
			}
			s.setConfig("channel", back)
			if moved := s.configChangedSettled(1, 12); len(moved) != 0 {
				t.Errorf("%v restarted or refreshed healing a refused channel", moved)
			}
			s.assertHealthy(t)
		})
	}
}

// After a refused skip, the supported path rolls the cluster one minor
// at a time.
func TestChannelSkipThenSupportedPath(t *testing.T) {
	s := formedOn(t, 3, "3.4/stable")
	s.setConfig("channel", "3.6/stable")
	if moved := s.configChangedSettled(1, 12); len(moved) != 0 {
		t.Fatalf("%v moved on a refused skip", moved)
	}
	if st := s.units[1].tools.Status; st.Name != juju.StatusBlocked {
		t.Fatalf("status %+v, want blocked", st)
	}
	for _, step := range []struct{ channel, version string }{{"3.5/stable", "3.5.17"}, {"3.6/stable", "3.6.16"}} {
		s.setConfig("channel", step.channel)
		if moved := s.configChangedSettled(2, 80); len(moved) != 3 {
			t.Fatalf("%s: refreshed %v, want every unit once", step.channel, moved)
		}
		for _, u := range s.units {
			s.mustRun(u, juju.Event{Name: "update-status"})
		}
		for _, u := range s.units {
			if v := installedVersion(u); v != step.version {
				t.Errorf("%s: %s runs %s", step.channel, u.name, v)
			}
			if p := peerOf(u); p.Version != step.version {
				t.Errorf("%s: %s publishes version %q", step.channel, u.name, p.Version)
			}
		}
		s.assertHealthy(t)
	}
}

// invalidOptions are every option's invalid values (config.yaml), with
// the message the operator sees; tests/integration's TestBadInput feeds
// the same values to a deployed model.
var invalidOptions = []struct {
	name string
	bad  map[string]any
	want string
}{
	{"port zero", map[string]any{"port": 0}, "Invalid config: port: 0 is not a port (1-65535)"},
	{"port above 65535", map[string]any{"port": 70000}, "Invalid config: port: 70000 is not a port (1-65535)"},
	{"management_port zero", map[string]any{"management_port": 0}, "Invalid config: management_port: 0 is not a port (1-65535)"},
	{"management_port equal to port", map[string]any{"management_port": 2379}, "Invalid config: management_port: must differ from port (both 2379)"},
	{"metrics_port negative", map[string]any{"metrics_port": -1}, "Invalid config: metrics_port: -1 is not a port (1-65535, or 0 for off)"},
	{"metrics_port taken", map[string]any{"metrics_port": 2380}, "Invalid config: metrics_port: 2380 is taken by port or management_port"},
	{"insecure http on a taken port", map[string]any{"port": 4001, "bind_with_insecure_http": true}, "Invalid config: bind_with_insecure_http: port 4001 is taken by port or management_port"},
	{"heartbeat_interval zero", map[string]any{"heartbeat_interval": 0}, "Invalid config: heartbeat_interval: 0 must be a positive number of milliseconds"},
	{"election_timeout short", map[string]any{"election_timeout": 400}, "Invalid config: election_timeout: 400 must be at least 5 x heartbeat_interval (500)"},
	{"election_timeout long", map[string]any{"election_timeout": 60000}, "Invalid config: election_timeout: 60000 is above etcd's maximum of 50000"},
	{"channel not a channel", map[string]any{"channel": "3.6/nightly"}, `Invalid config: channel: "3.6/nightly" is not a snap channel (want auto, or track/risk such as 3.5/stable)`},
	{"snapshot_count not a number", map[string]any{"snapshot_count": "lots"}, `Invalid config: snapshot_count: "lots" must be auto or a positive integer`},
	{"snapshot_count zero", map[string]any{"snapshot_count": "0"}, `Invalid config: snapshot_count: "0" must be auto or a positive integer`},
	{"snapd_refresh not a timer", map[string]any{"snapd_refresh": "someday"},
		`Invalid config: snapd_refresh: "someday" is not a snapd refresh.timer (cannot parse "someday": "someday" is not a valid weekday); want max, empty, or a schedule such as fri5,23:00-01:00`},
	{"cipher list naming nothing", map[string]any{"tls_cipher_suites": " , ,"},
		`Invalid config: tls_cipher_suites: " , ," names no cipher suite (leave it empty for the default list)`},
	{"unknown cipher suites", map[string]any{"tls_cipher_suites": "TLS_RSA_WITH_RC4, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_NULL"},
		`Invalid config: tls_cipher_suites: unknown TLS 1.2 cipher suites TLS_NULL, TLS_RSA_WITH_RC4 (want Go's names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`},
	{"quota_backend_bytes negative", map[string]any{"quota_backend_bytes": -1}, "Invalid config: quota_backend_bytes: -1 must not be negative"},
	{"auto_compaction_mode unknown", map[string]any{"auto_compaction_mode": "weekly"}, `Invalid config: auto_compaction_mode: "weekly" must be periodic or revision`},
	{"auto_compaction_retention not a duration", map[string]any{"auto_compaction_retention": "soon"},
		`Invalid config: auto_compaction_retention: "soon" is not a number of hours or a duration such as 1h30m`},
	{"auto_compaction_retention not revisions", map[string]any{"auto_compaction_mode": "revision", "auto_compaction_retention": "1h"},
		`Invalid config: auto_compaction_retention: "1h" is not a number of revisions`},
}

// Every option's invalid values block every unit naming the option and
// change nothing (no restart, no refresh, no lock, no snapd setting);
// going back heals with no restart.
func TestInvalidOptionsRefusedAndHealed(t *testing.T) {
	for _, tc := range invalidOptions {
		t.Run(tc.name, func(t *testing.T) {
			s := formed(t, 3)
			conf := s.snapshotConf()
			leaderBefore := maps.Clone(s.leaderData)
			for k, v := range tc.bad {
				s.setConfig(k, v)
			}
			s.configChangedEverywhere()
			s.assertRefused(t, juju.Status{Name: juju.StatusBlocked, Message: tc.want}, leaderBefore, conf)

			for k := range tc.bad {
				s.setConfig(k, nil)
			}
			if moved := s.configChangedSettled(1, 12); len(moved) != 0 {
				t.Errorf("%v restarted healing %v", moved, tc.bad)
			}
			s.assertHealthy(t)
		})
	}
}

// A corrected snapd_refresh is applied on every unit: the leader shares a
// new timer, and Juju runs leader-settings-changed at the followers.
func TestCorrectedRefreshTimerApplied(t *testing.T) {
	s := formed(t, 3)
	s.setConfig("snapd_refresh", "someday")
	s.configChangedEverywhere()
	s.setConfig("snapd_refresh", "fri5")
	if moved := s.configChangedSettled(1, 12); len(moved) != 0 {
		t.Errorf("%v restarted applying snapd_refresh", moved)
	}
	s.assertHealthy(t)
	for _, u := range s.units {
		if v, _ := u.snapd.Conf(t.Context(), "core", "refresh.timer"); v != "fri5" {
			t.Errorf("%s refresh.timer = %q, want fri5", u.name, v)
		}
	}
}

// A unit added while the cluster refuses a channel does not install it:
// it would fail to join the members that run another version.
func TestJoinerDoesNotInstallARefusedChannel(t *testing.T) {
	s := formed(t, 3)
	s.setConfig("channel", "3.4/stable")
	s.configChangedEverywhere()
	u := s.addUnit()
	u.tools.Config["channel"] = "3.4/stable"
	s.mustRun(u, juju.Event{Name: "install"})
	want := juju.Status{Name: juju.StatusBlocked, Message: "Channel 3.4/stable would downgrade etcd from 3.6 to 3.4, which etcd refuses; change channel back to 3.6/stable."}
	if u.tools.Status != want {
		t.Fatalf("status %+v, want %+v", u.tools.Status, want)
	}
	if got := u.snapd.Installed("etcd"); got != nil {
		t.Fatalf("installed %+v", got)
	}
	s.setConfig("channel", "3.6/stable")
	s.mustRun(u, juju.Event{Name: "config-changed"})
	if got := u.snapd.Installed("etcd"); got == nil || got.Version != "3.6.16" {
		t.Fatalf("after the channel was corrected: installed %+v", got)
	}
}

// breakOn makes a unit's etcd stop serving whenever snapd restarts it
// into what broken recognises (its etcd.conf.yml, the installed snap), and
// say why in its journal, as etcd exits with a fatal record.
func (s *scenario) breakOn(broken func(u *unit, conf string) bool, fatal string) {
	s.silent = map[string]bool{}
	s.onRestart = func(u *unit) {
		conf, _ := os.ReadFile(u.paths.ConfigFile())
		if broken(u, string(conf)) {
			s.silent["https://"+addr("0", u.n)+":2379"] = true
			// Every record carries its time, as etcd's do.
			ts := `{"ts":"` + s.now.Format(time.RFC3339Nano) + `",`
			u.snapd.AppendLog("etcd.etcd", ts+`"level":"info","msg":"starting an etcd server"}`, ts+strings.TrimPrefix(fatal, "{"))
		}
	}
}

// holders are the units that ask to restart; the lock's holder is the
// leader's restart-lock.
func (s *scenario) requesting() []string {
	var out []string
	for _, u := range s.units {
		if peerOf(u).RestartRequest != "" {
			out = append(out, u.name)
		}
	}
	return out
}

// A change etcd will not run takes down one member for one hook's bounded
// wait, no more: that member goes back to what it ran, keeps the restart
// lock (so no other member tries the change), is blocked with etcd's own
// reason, tries again only after a backoff, and undoing the change frees
// the lock with nothing restarted.
func TestFailedChangeRevertsAndKeepsTheLock(t *testing.T) {
	for _, tc := range []struct {
		name   string
		store  map[string]string
		option string
		bad    any
		broken func(u *unit, conf string) bool
		fatal  string
		reason string
	}{
		{
			name: "config etcd refuses", option: "heartbeat_interval", bad: 150,
			broken: func(u *unit, conf string) bool { return strings.Contains(conf, "heartbeat-interval: 150") },
			fatal:  `{"level":"fatal","msg":"failed to start etcd","error":"heartbeat 150 refused"}`,
			reason: "etcd did not serve after restarting into the change: failed to start etcd: heartbeat 150 refused.",
		},
		{
			name:   "a channel whose etcd does not start",
			store:  map[string]string{"3.4/stable": "3.4.23", "3.5/stable": "3.5.17", "3.6/stable": "3.6.16", "3.6/edge": "3.6.99"},
			option: "channel", bad: "3.6/edge",
			broken: func(u *unit, _ string) bool { return installedVersion(u) == "3.6.99" },
			fatal:  `{"level":"fatal","msg":"cannot start","error":"broken build"}`,
			reason: "etcd did not serve after restarting into the change: cannot start: broken build.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := formed(t, 3)
			if tc.store != nil {
				for _, u := range s.units {
					u.snapd.SetStore("etcd", tc.store)
				}
			}
			conf := s.snapshotConf()
			s.breakOn(tc.broken, tc.fatal)
			// The hook's wait for etcd to serve runs out on this clock.
			s.tick = time.Millisecond
			s.held = true
			s.setConfig(tc.option, tc.bad)
			moved := s.configChangedSettled(1, 30)
			if len(moved) != 1 {
				t.Fatalf("restarted or refreshed: %v, want one unit only", moved)
			}
			var holder *unit
			for _, u := range s.units {
				if u.name == moved[0] {
					holder = u
				}
			}
			if l := leaderOf(s); l.RestartLock != holder.name {
				t.Fatalf("lock %q, want the failed %s to keep it", l.RestartLock, holder.name)
			}
			if got := s.requesting(); len(got) != 3 {
				t.Errorf("requesting %v, want every unit (the holder keeps its request)", got)
			}
			st := holder.tools.Status
			if st.Name != juju.StatusBlocked || !strings.HasPrefix(st.Message, tc.reason+" Reverted to what ran before; trying again after ") {
				t.Fatalf("%s status %+v, want blocked with %q", holder.name, st, tc.reason)
			}
			for _, u := range s.units {
				if got, _ := os.ReadFile(u.paths.ConfigFile()); string(got) != string(conf[u.name]) {
					t.Errorf("%s etcd.conf.yml is not the one it ran:\n%s", u.name, got)
				}
				if v := installedVersion(u); v != "3.6.16" {
					t.Errorf("%s runs %s, want 3.6.16", u.name, v)
				}
				if ch := u.snapd.Installed("etcd").Channel; tc.option == "channel" && u == holder && ch != "3.6/stable" {
					t.Errorf("%s tracks %s after the revert, want 3.6/stable again", u.name, ch)
				}
			}

			// Before the backoff ends, no hook touches etcd again, and the
			// status stays put.
			s.now = s.now.Add(4 * time.Minute)
			for _, u := range s.units {
				u.snapd.Calls()
				s.mustRun(u, juju.Event{Name: "update-status"})
				if restartedOrRefreshed(u) {
					t.Errorf("%s restarted or refreshed during the backoff", u.name)
				}
			}
			if holder.tools.Status != st {
				t.Errorf("status during the backoff %+v, want %+v", holder.tools.Status, st)
			}
			// After it, the holder tries once more, fails the same way, and
			// waits twice as long.
			s.now = s.now.Add(2 * time.Minute)
			holder.snapd.Calls()
			s.mustRun(holder, juju.Event{Name: "update-status"})
			if !restartedOrRefreshed(holder) {
				t.Errorf("%s did not try again after the backoff", holder.name)
			}
			if f := stateOf(holder).Failed; f.Attempts != 2 || f.RetryAt().Sub(f.At) != 10*time.Minute {
				t.Errorf("after the second failure: %+v", f)
			}
			s.settle(1, 10, nil)
			if l := leaderOf(s); l.RestartLock != holder.name {
				t.Errorf("lock %q after the retry, want %s", l.RestartLock, holder.name)
			}

			// Undoing the change frees the lock; nothing restarts (a
			// waiter handed the lock before its config-changed reads the
			// config again before it restarts: configMoved).
			s.held = false
			s.setConfig(tc.option, nil)
			if moved := s.configChangedSettled(2, 30); len(moved) != 0 {
				t.Errorf("%v restarted or refreshed undoing the change", moved)
			}
			if l := leaderOf(s); l.RestartLock != "" {
				t.Errorf("lock %q after the change was undone", l.RestartLock)
			}
			for _, u := range s.units {
				s.mustRun(u, juju.Event{Name: "update-status"})
			}
			s.assertHealthy(t)
		})
	}
}

// A management_port change moves each member's peer URL only after its
// etcd serves on the new listener: as each restarts, the cluster still
// knows it by the old URL; once the change has rolled through, by the new
// one.
func TestPeerURLMovesAfterTheNewListenerServes(t *testing.T) {
	s := formed(t, 3)
	s.snapshotConf()
	peerURL := func(u *unit) string {
		for _, m := range s.etcd.List() {
			if m.Name == "etcd"+string(rune('0'+u.n)) && len(m.PeerURLs) == 1 {
				return m.PeerURLs[0]
			}
		}
		return ""
	}
	restarts := 0
	s.onRestart = func(u *unit) {
		restarts++
		if got, want := peerURL(u), "https://"+addr("1", u.n)+":2380"; got != want {
			t.Errorf("%s restarts with the cluster knowing it at %s, want the old %s", u.name, got, want)
		}
	}
	s.setConfig("management_port", 2480)
	if moved := s.configChangedSettled(1, 60); len(moved) != 3 {
		t.Fatalf("restarted %v, want every unit once", moved)
	}
	if restarts != 3 {
		t.Errorf("%d restarts, want 3", restarts)
	}
	for _, u := range s.units {
		if got, want := peerURL(u), "https://"+addr("1", u.n)+":2480"; got != want {
			t.Errorf("%s's peer URL %s, want %s", u.name, got, want)
		}
	}
}

// An etcd that is only slow to serve after a restart (no fatal record,
// its service running) is not reverted: the member keeps the lock and
// its request, and once etcd serves the next hook reports the restart
// done and the change rolls on.
func TestSlowRestartKeepsTheLockWithoutReverting(t *testing.T) {
	s := formed(t, 3)
	conf := s.snapshotConf()
	s.tick = time.Millisecond
	s.silent = map[string]bool{}
	slow := ""
	s.onRestart = func(u *unit) {
		if slow == "" {
			slow = u.name
			s.silent["https://"+addr("0", u.n)+":2379"] = true
		}
	}
	s.held = true
	s.setConfig("heartbeat_interval", 150)
	if moved := s.configChangedSettled(1, 30); len(moved) != 1 || moved[0] != slow {
		t.Fatalf("restarted %v, want only the first (%s)", moved, slow)
	}
	var holder *unit
	for _, u := range s.units {
		if u.name == slow {
			holder = u
		}
	}
	if got, _ := os.ReadFile(holder.paths.ConfigFile()); string(got) == string(conf[slow]) {
		t.Errorf("%s was reverted, want it left on the new config", slow)
	}
	if l := leaderOf(s); l.RestartLock != slow || peerOf(holder).RestartRequest == "" {
		t.Fatalf("lock %q, %s's request %q: want it held with the request", l.RestartLock, slow, peerOf(holder).RestartRequest)
	}
	if f := stateOf(holder).Failed; f.Request != "" {
		t.Errorf("a slow restart recorded as failed: %+v", f)
	}
	// etcd serves at last: the next hook (update-status at the latest)
	// ends the restart, and the others follow one at a time.
	delete(s.silent, "https://"+addr("0", holder.n)+":2379")
	s.held = false
	if moved := s.settle(1, 60, map[string][]juju.Event{slow: {{Name: "update-status"}}}); len(moved) != 2 {
		t.Errorf("then restarted %v, want the two others", moved)
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "update-status"})
	}
	s.assertHealthy(t)
}
