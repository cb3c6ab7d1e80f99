package snapd

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// fakeEtcd stands in for the etcd binary in handler tests: it serves
// nothing, logs a line and sleeps, so the supervisor has a process to run.
const fakeEtcd = `#!/bin/sh
echo "fake etcd $$ $*"
exec sleep 600
`

const fakeCtl = `#!/bin/sh
echo "fake etcdctl $*"
`

// fakeBins makes a bins directory with releases of script "binaries".
func fakeBins(t *testing.T, versions ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range versions {
		vd := filepath.Join(dir, v)
		must(t, os.MkdirAll(vd, 0o755))
		must(t, os.WriteFile(filepath.Join(vd, "etcd"), []byte(fakeEtcd), 0o755))
		must(t, os.WriteFile(filepath.Join(vd, "etcdctl"), []byte(fakeCtl), 0o755))
		must(t, os.WriteFile(filepath.Join(vd, ".complete"), nil, 0o644))
	}
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// withEtcd35 is startDaemon with the fake etcd 3.5.35 in the store,
// installed from 3.5/stable.
func withEtcd35(t *testing.T) (*Daemon, *client.Client) {
	t.Helper()
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
	return d, cli
}

// startDaemon runs a daemon on a fresh machine root and returns it with a
// real client; both are torn down (services included) in cleanup.
func startDaemon(t *testing.T, cfg Config) (*Daemon, *client.Client) {
	t.Helper()
	if cfg.Root == "" {
		cfg.Root = t.TempDir()
	}
	if cfg.RestartDelay == 0 {
		cfg.RestartDelay = 100 * time.Millisecond
	}
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = 5 * time.Second
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("snapd did not stop")
		}
	})
	cli := client.New(&client.Config{Socket: SocketPath(d.cfg.Root), DisableAuth: true})
	return d, cli
}

// waitChange polls a change like the snap CLI (here every 20 ms) until it
// is ready, and returns it with every status seen on the way.
func waitChange(t *testing.T, cli *client.Client, id string) (*client.Change, []string) {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		chg, err := cli.Change(id)
		if err != nil {
			t.Fatalf("change %s: %v", id, err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != chg.Status {
			seen = append(seen, chg.Status)
		}
		if chg.Ready {
			return chg, seen
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("change %s not ready after 60s (saw %v)", id, seen)
	return nil, nil
}

// mustDone waits for a change and fails unless it is Done.
func mustDone(t *testing.T, cli *client.Client, id string, err error) *client.Change {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	chg, _ := waitChange(t, cli, id)
	if chg.Status != "Done" {
		t.Fatalf("change %s (%s) ended %s: %s", id, chg.Kind, chg.Status, chg.Err)
	}
	return chg
}

// clientErr extracts a *client.Error, failing the test if there is none.
func clientErr(t *testing.T, err error) *client.Error {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a *client.Error, got %T %v", err, err)
	}
	return ce
}

// loopbackAddr picks a random 127.0.0.x address and n free ports on it, so
// tests of different engineers and packages do not collide on 2379.
func loopbackAddr(t *testing.T, n int) (string, []int) {
	t.Helper()
	for try := 0; try < 20; try++ {
		ip := "127.0.0." + strconv.Itoa(2+rand.Intn(250))
		var ports []int
		var lns []net.Listener
		for i := 0; i < n; i++ {
			ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
			if err != nil {
				break
			}
			lns = append(lns, ln)
			ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if len(ports) == n {
			return ip, ports
		}
	}
	t.Fatal("cannot find free loopback ports")
	return "", nil
}

// realBins is the directory of real etcd releases with the 3.4, 3.5 and
// 3.6 tracks, or a skip.
func realBins(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts real etcd processes; skipped with -short")
	}
	dir := testkit.EtcdBins(t)
	c, err := DefaultCatalogue(dir)
	if err != nil {
		t.Skipf("no etcd releases in ETCD_BINS=%s (%v): run make etcd-bins", dir, err)
	}
	for _, track := range []string{"3.4", "3.5", "3.6"} {
		if _, ok := c.snap("etcd").Channels[track+"/stable"]; !ok {
			t.Skipf("ETCD_BINS=%s has no etcd %s release: run make etcd-bins", dir, track)
		}
	}
	return dir
}

// runWrapper runs a /snap/bin wrapper with a clean environment, as a
// `jujusim exec` command would.
func runWrapper(path string, args ...string) (string, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustRequest builds a request for calling the router directly, for bodies
// the real client never sends.
func mustRequest(t *testing.T, method, target, body, contentType string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

type testEnvelope struct {
	Type       string `json:"type"`
	StatusCode int    `json:"status-code"`
	Status     string `json:"status"`
	Change     string `json:"change"`
	Result     struct {
		Message string `json:"message"`
		Kind    string `json:"kind"`
		Value   any    `json:"value"`
	} `json:"result"`
	Maintenance *struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"maintenance"`
}

func decodeEnvelope(t *testing.T, body string) testEnvelope {
	t.Helper()
	var env testEnvelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("cannot decode %q: %v", body, err)
	}
	return env
}

func newTestRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
