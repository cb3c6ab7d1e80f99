package bench

import "testing"

func TestBenchFigures(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkSnapshotRestore/snapshot/etcdctl-2         	       1	3146813990 ns/op	  89.74 MB/s	       269.3 db-MiB
BenchmarkSnapshotRestore/restore/action-gzip-fastest-2          	       1	1864762062 ns/op	 151.44 MB/s	       269.3 db-MiB	       320.6 phase-MB/s
--- BENCH: BenchmarkSnapshotRestore/restore/action-gzip-fastest-2
    bench_test.go:143: restore: snapshot unpacked in 363ms
BenchmarkSnapshotRestore/restore/etcdutl                      	       1	 834119360 ns/op	 338.57 MB/s
PASS
`)
	mbs, metrics := benchFigures(out)
	tests := []struct {
		name, unit string
		want       float64
	}{
		{"snapshot/etcdctl", "MB/s", 89.74},
		{"snapshot/etcdctl", "db-MiB", 269.3},
		{"restore/action-gzip-fastest", "phase-MB/s", 320.6},
		{"restore/action-gzip-fastest", "ns/op", 1864762062},
		{"restore/etcdutl", "MB/s", 338.57},
	}
	for _, tt := range tests {
		if got, ok := metrics[tt.name][tt.unit]; !ok || got != tt.want {
			t.Errorf("%s %s = %v (%t), want %v", tt.name, tt.unit, got, ok, tt.want)
		}
	}
	if len(mbs) != 3 || mbs["restore/etcdutl"] != 338.57 {
		t.Errorf("MB/s figures %v", mbs)
	}
}
