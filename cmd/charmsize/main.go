// Command charmsize prints the charm binary's size on disk and the peak
// resident memory and wall time of running it for a no-op hook, the figures
// `make size` tracks (goal: under 30 MB each).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

func main() {
	binary := flag.String("binary", "build/charm/dispatch", "the charm binary")
	runs := flag.Int("runs", 20, "how many no-op hooks to run")
	flag.Parse()
	if err := run(*binary, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(binary string, runs int) error {
	binary, err := filepath.Abs(binary)
	if err != nil {
		return err
	}
	st, err := os.Stat(binary)
	if err != nil {
		return fmt.Errorf("cannot measure the charm binary: %w", err)
	}
	root, err := os.MkdirTemp("", "charmsize-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	var rss []int64
	var wall []time.Duration
	for i := 0; i < runs; i++ {
		// "remove" has no work left (stop did it): it exercises
		// start-up, event parsing and routing, and no hook tool.
		cmd := exec.Command(binary)
		cmd.Dir = filepath.Dir(binary)
		cmd.Env = []string{"JUJU_DISPATCH_PATH=hooks/remove", "JUJU_UNIT_NAME=etcd/0", "SNAPPY_GLOBAL_ROOT=" + root, "PATH=/nonexistent"}
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("cannot run a no-op hook: %v\n%s", err, out)
		}
		wall = append(wall, time.Since(start))
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			return fmt.Errorf("cannot read the hook's resource usage")
		}
		rss = append(rss, ru.Maxrss*1024) // Linux reports KiB
	}
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	sort.Slice(wall, func(i, j int) bool { return wall[i] < wall[j] })
	fmt.Printf("charm binary:            %s  %.1f MB on disk\n", binary, mb(st.Size()))
	fmt.Printf("no-op hook peak RSS:     %.1f MB median, %.1f MB max over %d runs\n", mb(rss[len(rss)/2]), mb(rss[len(rss)-1]), runs)
	fmt.Printf("no-op hook wall time:    %v median, %v max\n", wall[len(wall)/2].Round(10*time.Microsecond), wall[len(wall)-1].Round(10*time.Microsecond))
	return nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
