package etcd_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// etcdBinary returns the etcd binary of the newest release starting with
// prefix ("3.5") under $ETCD_BINS, or skips the test.
func etcdBinary(t testing.TB, prefix string) string {
	t.Helper()
	return filepath.Join(testkit.EtcdRelease(t, prefix, "etcd"), "etcd")
}

// eachRelease runs f as a subtest for each etcd release the charm installs
// (version 3.4, 3.5, 3.6, the subtests' names) with its etcd binary and
// its own loopback prefix from nets ("127.0.34.", in release order). It
// skips with -short: it starts etcd processes.
func eachRelease(t *testing.T, nets [3]string, f func(t *testing.T, version, bin, net string)) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts etcd processes")
	}
	for i, version := range []string{"3.4", "3.5", "3.6"} {
		t.Run(version, func(t *testing.T) { f(t, version, etcdBinary(t, version), nets[i]) })
	}
}

// node is one etcd member's addresses and, once started, its process.
type node struct {
	name            string
	ip              string
	peerURL, client string
	dataDir         string
	cmd             *exec.Cmd
	out             *testkit.LockedBuffer
	exited          chan struct{}
}

func newNode(t testing.TB, name, ip string) *node {
	return &node{
		name:    name,
		ip:      ip,
		peerURL: fmt.Sprintf("https://%s:%d", ip, testkit.FreePort(t, ip)),
		client:  fmt.Sprintf("https://%s:%d", ip, testkit.FreePort(t, ip)),
		dataDir: filepath.Join(t.TempDir(), name+".etcd"),
	}
}

// start runs etcd for n with TLS on both sides and client certificates
// required, as the charm configures it; it is stopped when the test ends.
func (n *node) start(t testing.TB, bin string, tls etcd.TLS, initialCluster, state string) {
	t.Helper()
	args := []string{
		"--name", n.name,
		"--data-dir", n.dataDir,
		"--listen-client-urls", n.client,
		"--advertise-client-urls", n.client,
		"--listen-peer-urls", n.peerURL,
		"--initial-advertise-peer-urls", n.peerURL,
		"--initial-cluster", initialCluster,
		"--initial-cluster-state", state,
		"--initial-cluster-token", "etcd-charm-test",
		"--cert-file", tls.CertFile, "--key-file", tls.KeyFile, "--trusted-ca-file", tls.CAFile,
		"--client-cert-auth",
		"--peer-cert-file", tls.CertFile, "--peer-key-file", tls.KeyFile, "--peer-trusted-ca-file", tls.CAFile,
		"--peer-client-cert-auth",
		"--heartbeat-interval", "50", "--election-timeout", "500",
	}
	n.out = &testkit.LockedBuffer{}
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("cannot start etcd %s: %v", n.name, err)
	}
	n.exited = make(chan struct{})
	go func() {
		n.cmd.Wait()
		close(n.exited)
	}()
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			t.Logf("etcd %s output (tail):\n%s", n.name, tail(n.out.String(), 30))
		}
	})
}

// stop sends SIGTERM, then SIGKILL after 10 s.
func (n *node) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.exited:
		return
	default:
	}
	testkit.Terminate(n.cmd.Process, n.exited, 10*time.Second)
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// waitHealthy waits until endpoint passes Health.
// openServing opens a client of endpoints once the first member listens,
// closes it when the test ends, and returns once serving answers healthy.
func openServing(t testing.TB, ctx context.Context, endpoints []string, tls etcd.TLS, serving string) *etcd.Client {
	t.Helper()
	var c *etcd.Client
	testkit.Eventually(t, 20*time.Second, "etcd a listening", func() (err error) {
		c, err = etcd.Open(ctx, endpoints, tls, nil)
		return err
	})
	t.Cleanup(func() { c.Close() })
	waitHealthy(t, c, serving)
	return c
}

func waitHealthy(t testing.TB, c etcd.Cluster, endpoint string) {
	t.Helper()
	testkit.Eventually(t, 30*time.Second, "health of "+endpoint, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		h := c.Health(ctx, []string{endpoint})[0]
		if !h.Healthy {
			return fmt.Errorf("%s", h.Error)
		}
		return nil
	})
}
