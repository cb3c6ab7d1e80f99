package bench

import (
	"slices"
	"testing"
)

func TestBenchFigures(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkSnapshotRestore/snapshot/etcdctl-2         	       1	3146813990 ns/op	  89.74 MB/s	       269.3 db-MiB
BenchmarkSnapshotRestore/restore/action-gzip-fastest-2          	       1	1864762062 ns/op	 151.44 MB/s	       269.3 db-MiB	       320.6 phase-MB/s
--- BENCH: BenchmarkSnapshotRestore/restore/action-gzip-fastest-2
    bench_test.go:143: restore: snapshot unpacked in 363ms
BenchmarkSnapshotRestore/restore/etcdutl                      	       1	 834119360 ns/op	 338.57 MB/s
BenchmarkSnapshotRestore/restore/action-gzip-fastest-2          	       1	1964762062 ns/op	 141.44 MB/s	       269.3 db-MiB	       300.6 phase-MB/s
BenchmarkSnapshotRestore/restore/etcdutl                      	       1	 834119360 ns/op	 300 MB/s
PASS
`)
	metrics := benchFigures(out)
	tests := []struct {
		name, unit string
		want       []float64
	}{
		{"snapshot/etcdctl", "MB/s", []float64{89.74}},
		{"snapshot/etcdctl", "db-MiB", []float64{269.3}},
		{"restore/action-gzip-fastest", "phase-MB/s", []float64{320.6, 300.6}},
		{"restore/action-gzip-fastest", "ns/op", []float64{1864762062, 1964762062}},
		{"restore/etcdutl", "MB/s", []float64{338.57, 300}},
	}
	for _, tt := range tests {
		if got := metrics[tt.name][tt.unit]; !slices.Equal(got, tt.want) {
			t.Errorf("%s %s = %v, want %v", tt.name, tt.unit, got, tt.want)
		}
	}
}

func TestMBSpread(t *testing.T) {
	tests := []struct {
		v    []float64
		want string
	}{
		{[]float64{303.4}, "303 MB/s"},
		{[]float64{310, 120, 290}, "290 MB/s (median of 3, 120–310)"},
	}
	for _, tt := range tests {
		if got := mbSpread(tt.v); got != tt.want {
			t.Errorf("mbSpread(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
