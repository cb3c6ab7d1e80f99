package relations

import "testing"

func TestMonitors(t *testing.T) {
	// python3 -c 'import yaml; print(repr(yaml.dump({"monitors": {"remote": {"nrpe": {"snap.etcd.etcd": {"command": "check_snap.etcd.etcd"}, "etcd-alarms": {"command": "check_etcd-alarms"}}}}})))'
	const want = "monitors:\n  remote:\n    nrpe:\n      etcd-alarms:\n        command: check_etcd-alarms\n      snap.etcd.etcd:\n        command: check_snap.etcd.etcd\n"
	got := Monitors(map[string]string{"snap.etcd.etcd": "check_snap.etcd.etcd", "etcd-alarms": "check_etcd-alarms"})
	if got != want {
		t.Errorf("Monitors =\n%s\nwant\n%s", got, want)
	}
}
