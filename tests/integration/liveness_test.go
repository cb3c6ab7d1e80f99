package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The model's update-status timer in the liveness tests: longer than any
// of their waits, so a step that only update-status would move on fails
// the test instead of passing it slowly.
const noUpdateStatus = "1h"

// Scaling out on etcd 3.4 completes on Juju's own wake-ups: each new unit
// is admitted as a learner, started and promoted, although a 3.4 learner
// refuses the member list (#14: the leader's client went through the
// learner's endpoint and the model sat idle). The v2 store layer-etcd's
// users rely on is on, so a v2 client can write.
func TestEtcd34ScaleOutWithoutUpdateStatus(t *testing.T) {
	m := newModel(t, seeds()[0], "--update-status-interval", noUpdateStatus)
	m.deployEtcd(1, "channel=3.4/stable")
	m.waitActive(3 * time.Minute)
	for u, v := range m.versions() {
		if !strings.HasPrefix(v, "3.4.") {
			t.Fatalf("%s runs etcd %s, want 3.4.x", u, v)
		}
	}
	start := time.Now()
	m.must("add-unit", "etcd", "-n", "2")
	m.waitActive(4 * time.Minute)
	t.Logf("1 → 3 units on etcd 3.4: %v", time.Since(start).Round(time.Second))
	m.checkCluster(3, nil)

	units, _ := m.units("etcd")
	if out, err := m.etcdctlV2(units[0], "set", "/layer-etcd/v2", "written with the v2 API"); err != nil {
		t.Fatalf("v2 set: %v\n%s", err, out)
	}
	for _, u := range units {
		out, err := m.etcdctlV2(u, "get", "/layer-etcd/v2")
		if err != nil || strings.TrimSpace(out) != "written with the v2 API" {
			t.Errorf("v2 get on %s = %q, %v", u, out, err)
		}
	}
}

// A rolling channel change 3.5 → 3.6 hands the restart lock on in the
// hook that finishes each restart, under hook orders where the leader
// restarts itself holding the lock: seed 747811 stalled for ~280 s (until
// the leader's update-status) when #15 was filed, and seed 5 leaves
// etcd/2 on 3.5 with the charm before the fix on today's jujusim.
func TestRollingChannelChangeWithoutUpdateStatus(t *testing.T) {
	for _, seed := range []int64{747811, 5} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			m := newModel(t, seed, "--update-status-interval", noUpdateStatus)
			m.deployEtcd(3, "channel=3.5/stable")
			m.waitActive(4 * time.Minute)
			start := time.Now()
			m.must("config", "etcd", "channel=3.6/stable")
			// A rolling change of 3 units takes ~15 s here.
			m.waitVersions("3.6.", 90*time.Second, " (no update-status runs)")
			m.waitActive(2 * time.Minute)
			t.Logf("rolling 3.5 → 3.6, seed %d: %v", seed, time.Since(start).Round(time.Second))
			m.checkCluster(3, nil)
		})
	}
}

// etcdctlV2 runs etcdctl with the v2 API on unit's machine, as
// layer-etcd's own integration test does (ETCDCTL_API=2 etcdctl set),
// with the charm's credentials in the v2 flags.
func (m *model) etcdctlV2(unit string, args ...string) (string, error) {
	return m.onUnitEtcd(unit, `ETCDCTL_API=2 etcd.etcdctl --endpoints "$ep" --ca-file "$c/ca.crt" --cert-file "$c/server.crt" --key-file "$c/server.key"`, args)
}
