package jujuc_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
)

// The end-to-end tests run the real client: cmd/jujuc is built into a temp
// dir, a Server listens on a unix socket in another, InstallTools links
// every tool name to the binary, and each tool runs as a process with the
// environment Juju gives a hook.

// buildJujuc builds cmd/jujuc (CGO off, as `make sim` does) into dir.
func buildJujuc(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "jujuc")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/etcd-charm/etcd-charm/cmd/jujuc")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("cannot build jujuc: %v\n%s", err, out)
	}
	return bin
}

// harness is a Server for the live contexts and a tools dir.
type harness struct {
	srv   *jujuctest.Server
	tools string
	mu    sync.Mutex
	next  int
}

func newHarness(tb testing.TB) *harness {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and runs the jujuc binary")
	}
	h := &harness{}
	dir := tb.TempDir()
	bin := buildJujuc(tb, dir)
	h.tools = filepath.Join(dir, "tools", "unit-etcd-0")
	if err := jujuc.InstallTools(h.tools, bin); err != nil {
		tb.Fatal(err)
	}
	h.srv = jujuctest.Serve(tb, filepath.Join(dir, "agent.socket"))
	return h
}

// register makes ctx reachable under a fresh context id.
func (h *harness) register(ctx jujuc.Context) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	id := fmt.Sprintf("etcd/0-config-changed-%d", h.next)
	h.srv.Set(id, ctx)
	return id
}

// exec runs tool args[0] as a process in dir, with only the hook env.
func (h *harness) exec(tb testing.TB, id, dir string, args []string, stdin *string) jujuc.Response {
	cmd := exec.Command(filepath.Join(h.tools, args[0]), args[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{
		"JUJU_CONTEXT_ID=" + id,
		"JUJU_AGENT_SOCKET_ADDRESS=" + h.srv.Sock,
		"JUJU_AGENT_SOCKET_NETWORK=unix",
		"PATH=" + h.tools,
	}
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		tb.Fatalf("cannot run %v: %v", args, err)
	}
	return jujuc.Response{Code: cmd.ProcessState.ExitCode(), Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
}

// Every golden case, through real processes and the socket.
func TestEndToEndGolden(t *testing.T) {
	h := newHarness(t)
	ids := map[jujuc.Context]string{}
	run := func(t *testing.T, ctx jujuc.Context, dir string, args []string, stdin *string) jujuc.Response {
		id, ok := ids[ctx]
		if !ok {
			id = h.register(ctx)
			ids[ctx] = id
		}
		return h.exec(t, id, dir, args, stdin)
	}
	for _, file := range goldenFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) { runGolden(t, file, run) })
	}
}

// A tool called with a context id the server does not know (its hook has
// ended) fails like Juju's; a missing JUJU_CONTEXT_ID fails in the client.
func TestEndToEndContextErrors(t *testing.T) {
	h := newHarness(t)
	resp := h.exec(t, "etcd/0-install-gone", t.TempDir(), []string{"is-leader"}, nil)
	if resp.Code != 1 || string(resp.Stderr) != "ERROR bad request: unknown context id \"etcd/0-install-gone\"\n" {
		t.Errorf("unknown context: code %d stderr %q", resp.Code, resp.Stderr)
	}
	cmd := exec.Command(filepath.Join(h.tools, "is-leader"))
	cmd.Env = []string{"JUJU_AGENT_SOCKET_ADDRESS=" + h.srv.Sock}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || string(out) != "ERROR JUJU_CONTEXT_ID not set\n" {
		t.Errorf("no context id: %v %q", err, out)
	}
}

// BenchmarkToolCall measures a whole tool call as a hook makes it: process
// start of the jujuc binary, rpc round trip over the unix socket, command
// run against a fake context. p50-ms is the median.
func BenchmarkToolCall(b *testing.B) {
	h := newHarness(b)
	for _, args := range [][]string{
		{"is-leader"},
		{"relation-get", "--format=json", "-r", "1", "-", "etcd-client/0"},
	} {
		b.Run(args[0], func(b *testing.B) {
			id := h.register(scenario(b, "hook"))
			dir := b.TempDir()
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				resp := h.exec(b, id, dir, args, nil)
				durations = append(durations, time.Since(start))
				if resp.Code != 0 {
					b.Fatalf("code %d stderr %q", resp.Code, resp.Stderr)
				}
			}
			b.StopTimer()
			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
