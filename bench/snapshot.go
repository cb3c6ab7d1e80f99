package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// snapshotRestore runs the actions package's BenchmarkSnapshotRestore (the
// snapshot and restore actions' code against a real etcd, next to
// `etcdctl snapshot save` and `etcdutl snapshot restore` on the same
// database) with `go test`, and reads its MB/s figures.
func snapshotRestore(repo string, res *Results) error {
	cmd := exec.Command("go", "test", "./actions", "-run", "^$", "-bench", "^BenchmarkSnapshotRestore$", "-benchtime", "1x", "-count", "1")
	cmd.Dir = repo
	cmd.Env = os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench SnapshotRestore: %w\n%s", err, out.String())
	}
	mbs := map[string]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[0], "BenchmarkSnapshotRestore/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkSnapshotRestore/")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 1; i < len(f); i++ {
			if f[i] == "MB/s" {
				if v, err := strconv.ParseFloat(f[i-1], 64); err == nil {
					mbs[name] = v
				}
			}
		}
	}
	for _, c := range []struct{ fig, action, base string }{
		{"snapshot action vs etcdctl snapshot save (210 MB db, gzip)", "snapshot/action-gzip-fastest", "snapshot/etcdctl"},
		{"restore action vs etcdutl snapshot restore (210 MB db, gzip)", "restore/action-gzip-fastest", "restore/etcdutl"},
	} {
		a, okA := mbs[c.action]
		b, okB := mbs[c.base]
		if !okA || !okB {
			return fmt.Errorf("no MB/s for %s or %s in:\n%s", c.action, c.base, out.String())
		}
		res.add(Row{Figure: c.fig, Value: fmt.Sprintf("%.0f MB/s", a), Baseline: fmt.Sprintf("%.0f MB/s", b), Ratio: ratio(a, b), Goal: "≥ 0.9x"})
	}
	return nil
}
