// Command etcdbench measures the etcd charm on jujusim against bare etcd
// processes and writes BENCHMARKS.md (make bench; make bench-quick for CI).
//
// Installed as a charm's dispatch it is instead the timing wrapper around
// the real charm binary (see bench.Wrap).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/bench"
	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
)

func main() {
	if bench.IsProbe() {
		os.Exit(bench.Probe())
	}
	if bench.IsToolShim(os.Args[0]) {
		err := bench.ToolShim(os.Args)
		fmt.Fprintln(os.Stderr, "etcdbench tool shim:", err)
		os.Exit(1)
	}
	if bench.IsWrapperInvocation(os.Args[0]) {
		os.Exit(bench.Wrap(os.Args, os.Stdin, os.Stdout, os.Stderr))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "etcdbench:", err)
		os.Exit(1)
	}
}

func run() error {
	short := flag.Bool("short", false, "quick mode for CI: few iterations, fewer figures")
	out := flag.String("out", "", "write the results as markdown to this file (e.g. BENCHMARKS.md)")
	repo := flag.String("repo", ".", "the repository root")
	jujusim := flag.String("jujusim", "bin/jujusim", "the jujusim binary")
	charm := flag.String("charm", "build/charm", "the unpacked etcd charm")
	easyrsa := flag.String("easyrsa", "build/easyrsa.charm", "the easyrsa charm")
	client := flag.String("etcd-client", "build/etcd-client.charm", "the etcd-client charm")
	self := flag.String("wrapper", "", "a static (CGO_ENABLED=0) build of etcdbench to wrap the charm with (default: this binary)")
	concurrency := flag.Int("concurrency", 8, "jujusim --concurrency: units running hooks at once (Juju runs every unit agent independently)")
	scaleOut := flag.Bool("scale-out-only", false, "run only the 3-unit turn-up and the scale-out, with their baselines")
	flag.Parse()
	bins := etcdbins.Dir()
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	wrapper := *self
	if wrapper == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		wrapper = exe
	}
	cfg := bench.Config{
		Short: *short, Repo: abs(*repo), Jujusim: abs(*jujusim), Charm: abs(*charm),
		Easyrsa: abs(*easyrsa), Client: abs(*client), EtcdBins: bins, Self: abs(wrapper), Log: os.Stderr,
		Concurrency: *concurrency, ScaleOutOnly: *scaleOut,
	}
	started := time.Now().UTC()
	res, err := bench.Run(cfg)
	if err != nil {
		return err
	}
	res.Text(os.Stdout)
	failed := 0
	for _, row := range res.Rows {
		if row.Value == "FAILED" {
			failed++
		}
	}
	var failure error
	if failed > 0 {
		failure = fmt.Errorf("%d figures could not be measured (see the notes)", failed)
	}
	if *out == "" {
		return failure
	}
	var b bytes.Buffer
	mode := "full"
	if *short {
		mode = "short (CI)"
	}
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `make bench` (`bin/etcdbench -out BENCHMARKS.md`); %s run of %s, took %s.\n\n",
		mode, started.Format("2006-01-02 15:04 UTC"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&b, "jujusim runs with --concurrency %d (units run hooks at once, as Juju's independent unit agents do).\n\n", *concurrency)
	fmt.Fprintf(&b, "Machine: %d CPUs (nproc), %s, %s; %s %s/%s; etcd %s.\n\n",
		runtime.NumCPU(), memTotal(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, etcdVersions(bins))
	res.Markdown(&b)
	b.WriteString(methodNotes)
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	return failure
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			var kb float64
			fmt.Sscan(f[1], &kb)
			return fmt.Sprintf("%.1f GiB RAM", kb/1024/1024)
		}
	}
	return "unknown RAM"
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.IndexByte(l, ':'); i >= 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return "unknown CPU"
}

func etcdVersions(bins string) string {
	entries, _ := os.ReadDir(bins)
	var vs []string
	for _, e := range entries {
		if out, err := exec.Command(filepath.Join(bins, e.Name(), "etcd"), "--version").Output(); err == nil {
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "etcd Version: ") {
					vs = append(vs, strings.TrimPrefix(l, "etcd Version: "))
				}
			}
		}
	}
	return strings.Join(vs, ", ")
}

const methodNotes = `
## How each figure is measured

- **Hooks and actions.** The etcd charm is deployed with a timing wrapper as
  its ` + "`dispatch`" + ` (the real binary beside it as ` + "`dispatch.real`" + `). Juju and
  jujusim start ` + "`dispatch`" + ` for every hook and action; the wrapper runs the
  real binary as a child with the same argv, environment, cwd and stdio and
  logs the child's wall time and peak RSS (getrusage of the child only).
  Hooks are re-run on a healthy 3-unit TLS cluster (with etcd-client on the
  db relation) through ` + "`jujusim exec UNIT -- JUJU_DISPATCH_PATH=hooks/X ... ./dispatch`" + `,
  which gives the hook tools and Juju's environment; relation hooks get
  JUJU_RELATION, JUJU_RELATION_ID and JUJU_REMOTE_UNIT. Actions run with
  ` + "`jujusim run`" + `. "install" re-runs on an installed unit; the first install
  (from deploy, including the snap install from the fake snapd) is its own row.
  jujusim's overhead is outside these figures by construction (the wrapper
  times only the charm process); it is measured apart and shown in its own
  row: the round trip of a no-op ` + "`exec`" + ` and the mean cost of one hook-tool
  call (the charm's figures include its hook-tool calls, which jujusim serves
  as Juju's unit agent would). "Net" takes that mean cost times the hook's
  tool calls off its p50. Each hook is re-run on a settled unit, so it runs
  quiet (nothing changed since the unit last ran). Baseline, measured in the
  same run: the benchmark binary (static, like the charm) started as a probe
  that makes one HTTPS request (GET /health) with the charm's client
  certificate to the same unit's etcd, as the issue frames it ("a static Go
  binary's start plus one local TLS round trip"); the ratio is the net p50
  over the probe's p50. The tool calls are counted in one more run of each
  hook with a counting shim before the hook tools (kept out of the timings).
- **Hook runs / tool calls.** For hooks and actions, the hook-tool calls of
  one run (on real Juju each is a process start and an API round trip to the
  unit agent); for turn-up and scale-out, how many times the etcd charm ran
  (on any unit) inside the figure's clock window.
- **Turn-up.** From the moment the debug log shows easyrsa issued the last
  unit's server certificate (polled every 50 ms) until ` + "`status`" + ` (polled
  every 100 ms) shows every unit active with "Healthy with N known peers".
  Baseline: the same number of etcd 3.6 processes on 127.0.25x.0/24 with a
  static TLS bootstrap (client and peer TLS with client-cert auth, certificates
  from crypto/x509, issued before the clock starts), from process start until
  every member serves a linearizable read.
- **Scale-out.** ` + "`add-unit`" + ` on the healthy 3-unit model; the clock runs from the
  new unit's certificate (and, second row, from add-unit) until the member
  list shows 4 started voting members. Baseline: on the bare 3-member cluster
  (after etcd's 5 s post-start health interval), ` + "`MemberAddAsLearner`" + `, start
  the process, ` + "`MemberPromote`" + ` retried every 20 ms until accepted, until
  the member list shows 4 started (named) voting members, as for the charm.
- **Snapshot and restore.** ` + "`go test ./actions -bench SnapshotRestore -benchtime 1x -count 3`" + `:
  the actions' code against a real etcd filled to at least 256 MiB (half
  random, half repetitive text; the rows name the size reached), next to
  ` + "`etcdctl snapshot save`" + ` and ` + "`etcdutl snapshot restore`" + ` on the same data, each
  run one after the other on its own database; MB/s of the database size,
  the median of the 3 runs with their range (the note gives the restore's
  median phases).
- **Rolling upgrade.** 3 units deployed on channel 3.5/stable; a client with the
  charm's client credentials writes one key every 20 ms; after a quiet period
  ` + "`config etcd channel=3.6/stable`" + `; total time is until every member reports 3.6
  and every unit is active again. Every acknowledged key is read back at the end.
- The full run repeats each turn-up and scale-out 3 times (fresh model or
  fresh bare cluster each time) and shows the median with the range; the
  short run (CI) does each once. On a shared 2-core machine single runs
  vary by tens of percent.
- The restore action's end-to-end figure includes what the action does
  beyond ` + "`etcdutl snapshot restore`" + `: unpacking and verifying the archive,
  stopping etcd, swapping the data directory and waiting for the restored
  member to serve (etcd's first election alone takes 0.1-1 s). The row "up to
  etcd's restore done" is the part comparable to etcdutl.
`
