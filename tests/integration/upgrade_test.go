package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/etcd-charm/etcd-charm/bench"
)

// clientOf connects the test to the cluster with the credentials the charm
// gives its clients (package-client-credentials, copied off the unit with
// jujusim scp as an operator does: the key files themselves are root's), over
// loopback.
func (m *model) clientOf(unit string) *clientv3.Client {
	m.t.Helper()
	dir, _ := m.credentialFiles(unit)
	return m.clientFrom(dir)
}

// clientFrom connects with the client credentials in dir.
func (m *model) clientFrom(dir string) *clientv3.Client {
	m.t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		m.t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		m.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	var endpoints []string
	for _, u := range m.status().Applications["etcd"].Units {
		for _, p := range u.OpenPorts {
			endpoints = append(endpoints, "https://"+u.PublicAddress+":"+strings.TrimSuffix(p, "/tcp"))
		}
	}
	cl, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		TLS:         &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool},
		Logger:      zap.NewNop(),
	})
	if err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { cl.Close() })
	return cl
}

func (m *model) versions() map[string]string {
	m.t.Helper()
	units, _ := m.units("etcd")
	out := map[string]string{}
	for _, u := range units {
		o, err := m.etcdctl(u, "endpoint", "status", "-w", "simple")
		if err != nil {
			m.t.Fatalf("endpoint status on %s: %v\n%s", u, err, o)
		}
		f := strings.Split(strings.TrimSpace(o), ", ")
		if len(f) > 2 {
			out[u] = f[2]
		}
	}
	return out
}

// waitVersions polls every second until every unit runs an etcd whose version
// starts with prefix, failing the test after within (why says under what
// condition, for the failure's message).
func (m *model) waitVersions(prefix string, within time.Duration, why string) {
	m.t.Helper()
	deadline := time.Now().Add(within)
	for {
		done := true
		for _, v := range m.versions() {
			done = done && strings.HasPrefix(v, prefix)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("not every unit on %s after %v%s: %v", strings.TrimSuffix(prefix, "."), within, why, m.versions())
		}
		time.Sleep(time.Second)
	}
}

func TestChannelChangeUnderWrites(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { channelChangeUnderWrites(t, seed) })
	}
}

func channelChangeUnderWrites(t *testing.T, seed int64) {
	m := newModel(t, seed)
	m.deployEtcd(3, "channel=3.5/stable")
	m.waitActive(4 * time.Minute)
	for u, v := range m.versions() {
		if !strings.HasPrefix(v, "3.5.") {
			t.Fatalf("%s runs etcd %s, want 3.5.x", u, v)
		}
	}
	cl := m.clientOf("etcd/0")
	w := bench.StartLoad(cl, "upgrade", 20*time.Millisecond)
	time.Sleep(2 * time.Second)
	start := time.Now()
	m.must("config", "etcd", "channel=3.6/stable")
	m.waitVersions("3.6.", 5*time.Minute, "")
	m.waitActive(3 * time.Minute)
	time.Sleep(time.Second)
	w.Finish()
	acked := w.Acked()
	t.Logf("rolling 3.5→3.6: %v; %d writes acknowledged, %d failed (client-visible errors)", time.Since(start).Round(time.Second), len(acked), len(w.Errors()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if lost, err := w.Lost(ctx); err != nil || lost > 0 || len(acked) == 0 {
		t.Errorf("%d of %d acknowledged writes lost (%v)", lost, len(acked), err)
	}
	m.checkCluster(3, nil)
}

func TestPortChange(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { portChange(t, seed) })
	}
}

func portChange(t *testing.T, seed int64) {
	m := newModel(t, seed)
	m.deployEtcd(3)
	m.deployClient()
	m.waitActive(4 * time.Minute)
	m.putViaClient("before", "ports")
	m.must("config", "etcd", "port=12379", "management_port=12380")
	deadline := time.Now().Add(5 * time.Minute)
	for {
		units, _ := m.units("etcd")
		out, err := m.etcdctl(units[0], "member", "list", "-w", "simple")
		if err == nil && strings.Count(out, ":12380") == 3 && strings.Count(out, ":12379") == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("members not moved to the new ports:\n%s %v", out, err)
		}
		time.Sleep(2 * time.Second)
	}
	m.waitActive(3 * time.Minute)
	for name, u := range m.status().Applications["etcd"].Units {
		if strings.Join(u.OpenPorts, ",") != "12379/tcp" {
			t.Errorf("%s opens %v, want 12379/tcp", name, u.OpenPorts)
		}
	}
	if got := m.getViaClient("before"); got != "ports" {
		t.Errorf("get before = %q", got)
	}
	m.checkCluster(3, map[string]string{"before": "ports"})
}

func TestDeployFive(t *testing.T) {
	m := newModel(t, seeds()[len(seeds())-1])
	m.deployEtcd(5)
	m.waitActive(5 * time.Minute)
	m.checkCluster(5, nil)
}
