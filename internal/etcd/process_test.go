package etcd_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// etcdBinary returns $ETCD_BINS/<version>/etcd for the newest version
// directory starting with prefix ("3.5"), or skips the test.
func etcdBinary(t testing.TB, prefix string) string {
	t.Helper()
	dir := os.Getenv("ETCD_BINS")
	if dir == "" {
		if cache, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(cache, "etcd-charm", "etcd-bins")
		}
	}
	entries, _ := os.ReadDir(dir)
	found := ""
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix+".") {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "etcd")); err == nil {
				found = filepath.Join(dir, e.Name(), "etcd")
			}
		}
	}
	if found == "" {
		t.Skipf("no etcd %s binary under %q (make etcd-bins)", prefix, dir)
	}
	return found
}

// freePort returns a TCP port free on ip at the time of the call.
func freePort(t testing.TB, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("cannot find a free port on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// node is one etcd member's addresses and, once started, its process.
type node struct {
	name            string
	ip              string
	peerURL, client string
	dataDir         string
	cmd             *exec.Cmd
	out             *lockedBuffer
	exited          chan struct{}
}

func newNode(t testing.TB, name, ip string) *node {
	return &node{
		name:    name,
		ip:      ip,
		peerURL: fmt.Sprintf("https://%s:%d", ip, freePort(t, ip)),
		client:  fmt.Sprintf("https://%s:%d", ip, freePort(t, ip)),
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
	n.out = &lockedBuffer{}
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
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		n.cmd.Process.Kill()
		<-n.exited
	}
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// waitFor polls cond every 100 ms until it returns nil or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitHealthy waits until endpoint passes Health.
func waitHealthy(t testing.TB, c etcd.Cluster, endpoint string) {
	t.Helper()
	waitFor(t, 30*time.Second, "health of "+endpoint, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		h := c.Health(ctx, []string{endpoint})[0]
		if !h.Healthy {
			return fmt.Errorf("%s", h.Error)
		}
		return nil
	})
}
