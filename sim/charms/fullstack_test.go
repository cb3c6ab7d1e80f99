package charms_test

import (
	"os"
	"testing"
	"time"
)

// TestWithEtcdCharm relates the partner charms to the etcd charm itself, as
// in a real deployment: three etcd units get their server certificates from
// easyrsa and form a TLS cluster, and etcd-client, reading the db relation
// like kubernetes-control-plane, connects to all three endpoints and
// round-trips a key. Every unit has its own network namespace (etcd listens
// on 2379/2380 of every address), so the test needs root, and the fake snap
// store needs the real etcd binaries (make etcd-bins).
func TestWithEtcdCharm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-unit etcd cluster")
	}
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if etcdBins() == "" {
		t.Skip("no etcd binaries for the snap store: run make etcd-bins")
	}
	etcd := etcdCharm(t)
	m := bootstrap(t, "--snapd", "--isolation", "netns")
	m.must("deploy", m.charm("easyrsa"))
	m.must("deploy", etcd, "etcd", "-n", "3")
	m.must("deploy", m.charm("etcd-client"))
	m.must("integrate", "etcd:certificates", "easyrsa:client")
	m.must("integrate", "etcd:db", "etcd-client:etcd")
	m.waitActive(8 * time.Minute)
	if u := m.unit("etcd-client", "etcd-client/0"); u.Workload.Message != "Connected to 3 etcd endpoints" {
		t.Fatalf("etcd-client/0 status %+v", u.Workload)
	}
	m.putGet("etcd-client/0", "/fullstack", "through easyrsa certificates")
	if check := m.run("etcd-client/0", "check"); str(check, "count") != "3" || check["unhealthy"] != nil {
		t.Errorf("check: %v", check)
	}
}
