package hooks

import (
	"maps"
	"slices"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// A port another process holds refuses the change on every unit before
// any moves: no lock, no peer URL update, no restart; etcd keeps serving
// on its old ports. Freeing the port lets the change go ahead; changing
// the option back heals without a restart.
func TestBusyPortRefusedBeforeAnyUnitMoves(t *testing.T) {
	for _, tc := range []struct {
		option string
		value  int64
		busy   string
		want   string
	}{
		{"port", 2400, "0.0.0.0:2400",
			"Port 2400 (port) is in use on this machine (0.0.0.0:2400); etcd keeps serving on its current ports. Free it or choose another port."},
		{"management_port", 2480, "0.0.0.0:2480",
			"Port 2480 (management_port) is in use on this machine (0.0.0.0:2480); etcd keeps serving on its current ports. Free it or choose another management_port."},
	} {
		for _, heal := range []string{"port freed", "option reset"} {
			t.Run(tc.option+", "+heal, func(t *testing.T) {
				s := formed(t, 3)
				conf := s.snapshotConf()
				leaderBefore := maps.Clone(s.leaderData)
				peerURLs := map[string][]string{}
				for _, m := range s.etcd.List() {
					peerURLs[m.Name] = m.PeerURLs
				}
				s.busy = map[string]bool{tc.busy: true}
				s.setConfig(tc.option, tc.value)
				s.configChangedEverywhere()
				s.assertRefused(t, juju.Status{Name: juju.StatusBlocked, Message: tc.want}, leaderBefore, conf)
				for _, m := range s.etcd.List() {
					if !slices.Equal(m.PeerURLs, peerURLs[m.Name]) {
						t.Errorf("%s's peer URLs moved to %v", m.Name, m.PeerURLs)
					}
					if !m.Started() {
						t.Errorf("%s stopped", m.Name)
					}
				}

				switch heal {
				case "port freed":
					// The change goes ahead: every unit asks to restart
					// and the leader grants the lock. (The fake etcd keeps
					// the ports members started with, so the roll itself
					// is not modelled here.)
					delete(s.busy, tc.busy)
					for i := len(s.units) - 1; i >= 0; i-- {
						s.mustRun(s.units[i], juju.Event{Name: "update-status"})
					}
					if n := s.pendingRestarts(); n == 0 || leaderOf(s).RestartLock == "" {
						t.Fatalf("after the port was freed: %d restart requests, lock %q", n, leaderOf(s).RestartLock)
					}
					return
				case "option reset":
					s.setConfig(tc.option, nil)
					s.configChangedEverywhere()
					for _, u := range s.units {
						if restarted(u) {
							t.Errorf("%s restarted", u.name)
						}
					}
				}
				s.assertHealthy(t)
			})
		}
	}
}

// A fresh unit whose client port is taken does not start etcd into a
// crash loop, and starts once the port is free.
func TestBusyPortOnFirstStart(t *testing.T) {
	s := newScenario(t, 1)
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	u := s.units[0]
	s.busy = map[string]bool{"0.0.0.0:2379": true}
	s.mustRun(u, juju.Event{Name: "install"})
	want := juju.Status{Name: juju.StatusBlocked, Message: "Port 2379 (port) is in use on this machine (0.0.0.0:2379); etcd does not start until it is free. Free it or choose another port."}
	if u.tools.Status != want {
		t.Fatalf("status %+v, want %+v", u.tools.Status, want)
	}
	if active, _ := u.snapd.Active(t.Context(), "etcd.etcd"); active {
		t.Fatal("etcd started on a busy port")
	}
	if p := peerOf(u); p.ClientURL != "" || p.State != "" {
		t.Errorf("announced %+v while blocked", p)
	}
	delete(s.busy, "0.0.0.0:2379")
	s.mustRun(u, juju.Event{Name: "update-status"})
	if u.tools.Status != (juju.Status{Name: juju.StatusActive, Message: "Healthy with 1 known peer"}) {
		t.Errorf("after the port was freed: %+v", u.tools.Status)
	}
}
