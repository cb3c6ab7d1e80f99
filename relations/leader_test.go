package relations

import (
	"reflect"
	"testing"
)

func TestLeaderRoundTrip(t *testing.T) {
	bag := map[string]string{
		"token":                "ABC123",
		"cluster":              "etcd0=https://10.0.1.0:2380",
		"leader_address":       "https://10.0.1.0:2379",
		"snapd_refresh":        "sat3",
		"snapd_refresh_source": "max",
		"restart-lock":         "etcd/1",
		"voters":               "0a1b",
		"etcd_channel":         "3.4/stable",
		"force_rejoin":         "5f0c2b9e8a7d4c1b9e6f3a2d1c0b9a8e",
		"peer-name":            "etcd.0123456789abcdef.etcd-peer.invalid",
		"join-etcd1":           "etcd0=https://10.0.1.0:2380,etcd1=https://10.0.1.1:2380",
	}
	l := DecodeLeader(bag)
	if l.SnapdRefreshSource != "max" || l.Joins["etcd1"] == "" || l.RestartLock != "etcd/1" || l.ForceRejoin == "" {
		t.Fatalf("decoded %+v", l)
	}
	if got := l.Settings(); !reflect.DeepEqual(got, bag) {
		t.Errorf("Settings() = %v, want the bag it came from %v", got, bag)
	}
	if again := DecodeLeader(l.Settings()); !reflect.DeepEqual(again, l) {
		t.Errorf("decode(encode(l)) = %+v, want %+v", again, l)
	}
}

func TestLeaderChanges(t *testing.T) {
	from := DecodeLeader(map[string]string{"token": "ABC123", "join-etcd1": "x", "join-etcd2": "y", "restart-lock": "etcd/1"})
	to := from.Clone()
	to.Cluster = "etcd0=https://a:2380"
	delete(to.Joins, "etcd1")
	to.Joins["etcd3"] = "z"
	to.RestartLock = ""
	want := map[string]string{"cluster": "etcd0=https://a:2380", "join-etcd1": "", "join-etcd3": "z", "restart-lock": ""}
	if got := LeaderChanges(from, to); !reflect.DeepEqual(got, want) {
		t.Errorf("LeaderChanges = %v, want %v", got, want)
	}
	if from.Joins["etcd1"] != "x" || from.Joins["etcd3"] != "" {
		t.Errorf("Clone shares Joins with the original: %v", from.Joins)
	}
	if got := LeaderChanges(from, from.Clone()); len(got) != 0 {
		t.Errorf("no change wrote %v", got)
	}
}

func TestSortedByUnit(t *testing.T) {
	in := []Peer{{Unit: "etcd/2"}, {Unit: "etcd/0"}, {Unit: "etcd/1"}}
	got := SortedByUnit(in)
	if got[0].Unit != "etcd/0" || got[2].Unit != "etcd/2" || in[0].Unit != "etcd/2" {
		t.Errorf("SortedByUnit = %v (input now %v)", got, in)
	}
}
