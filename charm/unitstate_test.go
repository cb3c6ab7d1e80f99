package charm

import (
	"reflect"
	"testing"
	"time"
)

func TestUnitStateRoundTrip(t *testing.T) {
	// The keys are the ones units of earlier charm revisions wrote: an
	// upgraded unit must read its state back.
	bag := map[string]string{
		"ready-since":                 "2026-11-22T03:00:00Z",
		"start-initial-cluster":       "etcd0=https://10.0.1.0:2380",
		"start-initial-cluster-state": "new",
		"start-initial-cluster-token": "ABC123",
		"data-dir":                    "/var/snap/etcd/current",
		"snap-resource":               "0f1e",
		"etcd-ca":                     "c0ffee",
		"restart-failed-request":      "r1",
		"restart-failed-reason":       "etcd did not serve.",
		"restart-failed-at":           "2026-11-22T04:00:00Z",
		"restart-failed-attempts":     "2",
		"memo-cert-request":           "d1",
		"memo-clients":                "d2",
		"memo-port":                   "2379/tcp",
		"memo-version":                "3.6.16",
		"memo-status":                 "active: Healthy with 1 known peer",
		"memo-monitoring":             "d3",
		"quorum-lost-since":           "2026-11-22T03:10:00Z",
		"rejoin":                      "5f0c2b9e",
		"memo-status-at":              "2026-11-22T03:00:00Z",
		"seen-config":                 "c",
		"seen-network":                "n",
		"seen-peers":                  "p",
		"seen-leader":                 "l",
		"seen-leading":                "true",
		"seen-storage":                "s",
	}
	s := DecodeUnitState(bag)
	want := UnitState{
		ReadySince: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		Start:      Start{InitialCluster: "etcd0=https://10.0.1.0:2380", State: "new", Token: "ABC123"},
		DataDir:    "/var/snap/etcd/current",
		Resource:   "0f1e",
		EtcdCA:     "c0ffee",
		Failed:     RestartFailure{Request: "r1", Reason: "etcd did not serve.", At: time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC), Attempts: 2},
		Rejoin:     "5f0c2b9e",
		Memo: Memo{CertRequest: "d1", Clients: "d2", Port: "2379/tcp", Version: "3.6.16", Status: "active: Healthy with 1 known peer", Monitoring: "d3",
			StatusAt: "2026-11-22T03:00:00Z", Config: "c", Network: "n", Peers: "p", Leader: "l", Leading: "true", Storage: "s"},
	}
	if !s.ReadySince.Equal(want.ReadySince) {
		t.Errorf("ReadySince %v, want %v", s.ReadySince, want.ReadySince)
	}
	if want := time.Date(2026, 11, 22, 3, 10, 0, 0, time.UTC); !s.QuorumLostSince.Equal(want) {
		t.Errorf("QuorumLostSince %v, want %v", s.QuorumLostSince, want)
	}
	s.ReadySince, s.QuorumLostSince = want.ReadySince, time.Time{}
	if s != want {
		t.Errorf("decoded %+v, want %+v", s, want)
	}
	s.QuorumLostSince = time.Date(2026, 11, 22, 3, 10, 0, 0, time.UTC)
	if got := s.Settings(); !reflect.DeepEqual(got, bag) {
		t.Errorf("Settings() = %v, want %v", got, bag)
	}
}

func TestUnitStateChanges(t *testing.T) {
	from := DecodeUnitState(map[string]string{"snap-resource": "0f1e", "memo-port": "2379/tcp", "other": "kept"})
	to := from
	to.Resource = ""
	to.Start = Start{InitialCluster: "x", State: "new", Token: "T"}
	want := map[string]string{
		"snap-resource":               "",
		"start-initial-cluster":       "x",
		"start-initial-cluster-state": "new",
		"start-initial-cluster-token": "T",
	}
	if got := UnitStateChanges(from, to); !reflect.DeepEqual(got, want) {
		t.Errorf("UnitStateChanges = %v, want %v", got, want)
	}
	if got := UnitStateChanges(to, to); len(got) != 0 {
		t.Errorf("no change writes %v", got)
	}
}
