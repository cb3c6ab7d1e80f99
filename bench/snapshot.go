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
	mbs, metrics := benchFigures(out.Bytes())
	// The database size the benchmark reached (it fills etcd until it
	// reports at least 256 MiB), for the rows' labels.
	db := "? MiB"
	if v, ok := metrics["snapshot/etcdctl"]["db-MiB"]; ok {
		db = fmt.Sprintf("%.0f MiB", v)
	}
	for _, c := range []struct{ fig, action, metric, base, goal string }{
		{"snapshot action vs etcdctl snapshot save (" + db + " db, gzip)", "snapshot/action-gzip-fastest", "MB/s", "snapshot/etcdctl", "≥ 0.9x"},
		{"restore action vs etcdutl snapshot restore (" + db + " db, gzip)", "restore/action-gzip-fastest", "MB/s", "restore/etcdutl", "≥ 0.7x"},
		// The action also stops etcd, swaps the data and waits for the
		// restored member to be elected leader; this is the part that does
		// what etcdutl does (unpack, check, etcd's restore).
		{"restore action up to etcd's restore done vs etcdutl snapshot restore (" + db + " db, gzip)", "restore/action-gzip-fastest", "phase-MB/s", "restore/etcdutl", "≥ 0.9x"},
	} {
		a, okA := metrics[c.action][c.metric]
		b, okB := mbs[c.base]
		if !okA || !okB {
			return fmt.Errorf("no %s for %s or MB/s for %s in:\n%s", c.metric, c.action, c.base, out.String())
		}
		res.add(Row{Figure: c.fig, Value: fmt.Sprintf("%.0f MB/s", a), Baseline: fmt.Sprintf("%.0f MB/s", b), Ratio: ratio(a, b), Goal: c.goal})
	}
	return nil
}

// benchFigures reads `go test -bench` output: every sub-benchmark of
// BenchmarkSnapshotRestore's metrics by unit ("MB/s", "db-MiB",
// "phase-MB/s"), and its MB/s alone.
func benchFigures(out []byte) (mbs map[string]float64, metrics map[string]map[string]float64) {
	mbs, metrics = map[string]float64{}, map[string]map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
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
		if metrics[name] == nil {
			metrics[name] = map[string]float64{}
		}
		// After the name and the iteration count come value-unit pairs.
		for i := 3; i < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i-1], 64); err == nil {
				metrics[name][f[i]] = v
			}
		}
		if v, ok := metrics[name]["MB/s"]; ok {
			mbs[name] = v
		}
	}
	return mbs, metrics
}
