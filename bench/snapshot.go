package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
)

// snapshotRuns is how many times the benchmark runs (go test -count):
// on a shared 2-core machine one restore varies by tens of percent with
// what else runs, so the rows show the median with the range.
const snapshotRuns = 3

// snapshotRestore runs the actions package's BenchmarkSnapshotRestore (the
// snapshot and restore actions' code against a real etcd, next to
// `etcdctl snapshot save` and `etcdutl snapshot restore` on the same
// database) with `go test`, and reads its MB/s figures. Each run
// measures the actions and their baselines on the same database, one
// after the other.
func snapshotRestore(repo string, res *Results) error {
	cmd := exec.Command("go", "test", "./actions", "-run", "^$", "-bench", "^BenchmarkSnapshotRestore$", "-benchtime", "1x", "-count", strconv.Itoa(snapshotRuns))
	cmd.Dir = repo
	cmd.Env = os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test -bench SnapshotRestore: %w\n%s", err, out.String())
	}
	metrics := benchFigures(out.Bytes())
	// The database size the benchmark reached (it fills etcd until it
	// reports at least 256 MiB), for the rows' labels.
	db := "? MiB"
	if v := metrics["snapshot/etcdctl"]["db-MiB"]; len(v) > 0 {
		db = fmt.Sprintf("%.0f MiB", median(v))
	}
	for _, c := range []struct{ fig, action, metric, base, goal string }{
		{"snapshot action vs etcdctl snapshot save (" + db + " db, gzip)", "snapshot/action-gzip-fastest", "MB/s", "snapshot/etcdctl", "≥ 0.9x"},
		{"restore action vs etcdutl snapshot restore (" + db + " db, gzip)", "restore/action-gzip-fastest", "MB/s", "restore/etcdutl", "≥ 0.7x"},
		// The action also stops etcd, swaps the data and waits for the
		// restored member to be elected leader; this is the part that does
		// what etcdutl does (unpack, check, etcd's restore).
		{"restore action up to etcd's restore done vs etcdutl snapshot restore (" + db + " db, gzip)", "restore/action-gzip-fastest", "phase-MB/s", "restore/etcdutl", "≥ 0.9x"},
	} {
		a, b := metrics[c.action][c.metric], metrics[c.base]["MB/s"]
		if len(a) == 0 || len(b) == 0 {
			return fmt.Errorf("no %s for %s or MB/s for %s in:\n%s", c.metric, c.action, c.base, out.String())
		}
		res.add(Row{Figure: c.fig, Value: mbSpread(a), Baseline: mbSpread(b), Ratio: ratio(median(a), median(b)), Goal: c.goal})
	}
	// Where the restore's time goes beyond etcdutl's work.
	var phases []string
	for _, p := range []struct{ metric, what string }{
		{"unpack+etcdutl-ms", "unpack, check and etcd's restore"},
		{"stop-ms", "stopping etcd"},
		{"start-ms", "the swap and starting etcd"},
		{"serve-ms", "until the restored member serves"},
		{"after-ms", "the records and removing the old data"},
	} {
		if v := metrics["restore/action-gzip-fastest"][p.metric]; len(v) > 0 {
			phases = append(phases, fmt.Sprintf("%s %.0f ms", p.what, median(v)))
		}
	}
	if len(phases) > 0 {
		res.note("restore action (%s db, gzip), median phases: %s", db, strings.Join(phases, ", "))
	}
	return nil
}

// mbSpread is one run's MB/s, or the median of several with their range.
func mbSpread(v []float64) string {
	if len(v) == 1 {
		return fmt.Sprintf("%.0f MB/s", v[0])
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return fmt.Sprintf("%.0f MB/s (median of %d, %.0f–%.0f)", median(s), len(s), s[0], s[len(s)-1])
}

// median is the middle value of v (the lower middle of an even count).
func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[(len(s)-1)/2]
}

// benchFigures reads `go test -bench` output: every sub-benchmark of
// BenchmarkSnapshotRestore's metrics by unit ("MB/s", "db-MiB",
// "phase-MB/s", …), one value per run (go test -count) in order.
func benchFigures(out []byte) map[string]map[string][]float64 {
	metrics := map[string]map[string][]float64{}
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
			metrics[name] = map[string][]float64{}
		}
		// After the name and the iteration count come value-unit pairs.
		for i := 3; i < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i-1], 64); err == nil {
				metrics[name][f[i]] = append(metrics[name][f[i]], v)
			}
		}
	}
	return metrics
}
