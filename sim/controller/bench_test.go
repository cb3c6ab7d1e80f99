package controller

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/sim/agent"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// BenchmarkDeployThreeUnits measures a 3-unit deploy of a no-op charm
// until every unit settled (install, peer created/joined/changed, leader
// hooks, config-changed, start): the target is under 3 s.
func BenchmarkDeployThreeUnits(b *testing.B) {
	ch := noopCharm(b)
	for i := 0; i < b.N; i++ {
		c := startController(b, int64(i))
		start := time.Now()
		if err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 3}); err != nil {
			b.Fatal(err)
		}
		waitIdle(b, c, 60*time.Second)
		b.ReportMetric(time.Since(start).Seconds(), "s/deploy")
		c.Close()
	}
}

// BenchmarkToolCall measures one hook-tool call (is-leader) from a hook
// context: process start of the tool binary, the rpc round trip and the
// command (the target is under 5 ms p50).
func BenchmarkToolCall(b *testing.B) { benchExecLoop(b, "is-leader >/dev/null") }

// BenchmarkToolCallBaseline is the same loop running /bin/true: the
// shell's fork/exec cost that BenchmarkToolCall includes.
func BenchmarkToolCallBaseline(b *testing.B) { benchExecLoop(b, "/bin/true") }

func benchExecLoop(b *testing.B, command string) {
	c := startController(b, 1)
	if err := c.Deploy(DeployArgs{Charm: noopCharm(b), NumUnits: 1}); err != nil {
		b.Fatal(err)
	}
	waitIdle(b, c, 60*time.Second)
	b.ResetTimer()
	rr, err := c.Exec("noop/0", fmt.Sprintf("for i in $(seq %d); do %s || exit 1; done", b.N, command))
	if err != nil {
		b.Fatal(err)
	}
	waitFor(b, c, 10*time.Minute, "exec", func(m *model.Model) bool { return m.Actions[rr.Task].Status == "completed" })
	b.StopTimer()
	if a, _ := c.Task(rr.Task); a.Results["return-code"] != 0 {
		b.Fatalf("exec failed: %v", a.Results)
	}
}

// BenchmarkToolCallLatency runs the is-leader tool binary directly against
// a registered hook context and reports the median and 90th percentile of
// one call (process start, rpc round trip, command).
func BenchmarkToolCallLatency(b *testing.B) {
	c := startController(b, 1)
	if err := c.Deploy(DeployArgs{Charm: noopCharm(b), NumUnits: 1}); err != nil {
		b.Fatal(err)
	}
	waitIdle(b, c, 60*time.Second)
	var env []string
	var tools string
	c.Model(func(m *model.Model) {
		op := agent.Op{Kind: agent.OpExec, Unit: "noop/0"}
		paths := agent.UnitPaths(m.Machines["0"].Root, "noop/0")
		tools = paths.Tools
		c.contexts["bench"] = agent.NewContext(c.shared, "bench", op, paths)
		env = agent.Env(agent.EnvConfig{ModelUUID: m.UUID, ModelName: m.Name, Socket: c.jujucSocket(), MachineID: "0", Paths: paths}, "bench", m, op)
	})
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(filepath.Join(tools, "is-leader"))
		cmd.Env = env
		start := time.Now()
		out, err := cmd.Output()
		durations = append(durations, time.Since(start))
		if err != nil || string(out) != "True\n" {
			b.Fatalf("is-leader: %q %v", out, err)
		}
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*9/10].Microseconds())/1000, "p90-ms")
}
