package hooks

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// A move from 3.5 to 3.6 while the members' data holds v2 keys is
// refused on every unit, nothing refreshed or restarted; once the data is
// clean the same channel rolls the cluster.
func TestV2KeysRefuseTheMoveTo36(t *testing.T) {
	s := formedOn(t, 3, "3.5/stable")
	conf := s.snapshotConf()
	leaderBefore := maps.Clone(s.leaderData)
	for _, u := range s.units {
		u.v2custom = true
	}
	s.setConfig("channel", "3.6/stable")
	if moved := s.configChangedSettled(1, 12); len(moved) != 0 {
		t.Fatalf("%v moved while the v2 store holds keys", moved)
	}
	for _, u := range s.units {
		st := u.tools.Status
		if st.Name != juju.StatusBlocked || !strings.Contains(st.Message, "v2 keys") || !strings.Contains(st.Message, "debug-log") {
			t.Errorf("%s status %+v, want blocked naming the v2 keys and the remedy", u.name, st)
		}
		if v := installedVersion(u); !strings.HasPrefix(v, "3.5.") {
			t.Errorf("%s runs %s, want 3.5 still", u.name, v)
		}
		// The status points to the log, which holds the steps, once.
		steps := 0
		for _, l := range u.tools.Logs {
			if strings.Contains(l, "Change channel back to 3.5/stable") && strings.Contains(l, "snapshot_count=1") {
				steps++
			}
		}
		if steps != 1 {
			t.Errorf("%s logged the remedy %d times, want once: %q", u.name, steps, u.tools.Logs)
		}
	}
	if !maps.Equal(s.leaderData, leaderBefore) {
		t.Errorf("leader settings changed on a refusal: %v -> %v", leaderBefore, s.leaderData)
	}
	for _, u := range s.units {
		got, err := os.ReadFile(u.paths.ConfigFile())
		if err != nil || string(got) != string(conf[u.name]) {
			t.Errorf("%s etcd.conf.yml changed on a refusal", u.name)
		}
	}

	for _, u := range s.units {
		u.v2custom = false
	}
	if moved := s.configChangedSettled(2, 80); len(moved) != 3 {
		t.Fatalf("refreshed %v once the v2 store is clean, want every unit once", moved)
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "update-status"})
		if v := installedVersion(u); !strings.HasPrefix(v, "3.6.") {
			t.Errorf("%s runs %s, want 3.6", u.name, v)
		}
	}
	s.assertHealthy(t)
}
