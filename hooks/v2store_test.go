package hooks

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
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

// One member's data holds v2 keys, the others' not: no unit moves to 3.6
// (a clean unit alone would leave the dirty one behind on 3.5), every
// unit is blocked, the clean ones naming the dirty unit. Once its data is
// clean its next hook publishes that, and the cluster rolls.
func TestOneDirtyMemberHoldsEveryUnitOn35(t *testing.T) {
	s := formedOn(t, 3, "3.5/stable")
	conf := s.snapshotConf()
	dirty := s.units[1]
	dirty.v2custom = true
	s.setConfig("channel", "3.6/stable")
	if moved := s.configChangedSettled(3, 20); len(moved) != 0 {
		t.Fatalf("%v moved while %s's data holds v2 keys", moved, dirty.name)
	}
	for _, u := range s.units {
		st := u.tools.Status
		want := "v2 keys in " + dirty.name + "'s data"
		if u == dirty {
			want = "v2 keys in this member's data"
		}
		if st.Name != juju.StatusBlocked || !strings.Contains(st.Message, want) || !strings.Contains(st.Message, "debug-log") {
			t.Errorf("%s status %+v, want blocked naming %q", u.name, st, want)
		}
		if v := installedVersion(u); !strings.HasPrefix(v, "3.5.") {
			t.Errorf("%s runs %s, want 3.5 still", u.name, v)
		}
		if got, err := os.ReadFile(u.paths.ConfigFile()); err != nil || string(got) != string(conf[u.name]) {
			t.Errorf("%s etcd.conf.yml changed on a refusal", u.name)
		}
		if u != dirty && !slices.ContainsFunc(u.tools.Logs, func(l string) bool {
			return strings.Contains(l, "will not start on the data of "+dirty.name) && strings.Contains(l, "snapshot_count=1")
		}) {
			t.Errorf("%s did not log the remedy naming %s: %q", u.name, dirty.name, u.tools.Logs)
		}
	}

	// The remedy done on the dirty member: its next hook (update-status,
	// a quiet one) publishes the clean verdict, which the others see in
	// their quiet cluster-relation-changed.
	dirty.v2custom = false
	moved := s.settle(4, 80, map[string][]juju.Event{dirty.name: {{Name: "update-status"}}})
	if len(moved) != 3 {
		t.Fatalf("refreshed %v once every member is clean, want every unit once", moved)
	}
	for _, u := range s.units {
		s.mustRun(u, juju.Event{Name: "update-status"})
		if v := installedVersion(u); !strings.HasPrefix(v, "3.6.") {
			t.Errorf("%s runs %s, want 3.6", u.name, v)
		}
		if v := peerOf(u).V2Store; v != (relations.V2Check{}) {
			t.Errorf("%s still publishes the verdict %+v on 3.6", u.name, v)
		}
	}
	s.assertHealthy(t)
}
