package charm

import "testing"

func TestEtcdFailure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
		fatal string // EtcdFatal's answer: only a record etcd exits with
	}{
		{"nothing logged", nil, "", ""},
		{"only info", []string{`{"level":"info","ts":"2026-01-01T00:00:00Z","msg":"serving client traffic securely"}`}, "", ""},
		{"zap fatal with its error", []string{
			`{"level":"info","msg":"starting an etcd server"}`,
			`{"level":"error","msg":"failed to dial","error":"connection refused"}`,
			`{"level":"fatal","ts":"2026-01-01T00:00:01Z","caller":"etcdmain/etcd.go:204","msg":"discovery failed","error":"listen tcp 10.0.0.1:12380: bind: address already in use","stacktrace":"..."}`,
		}, "discovery failed: listen tcp 10.0.0.1:12380: bind: address already in use", "discovery failed: listen tcp 10.0.0.1:12380: bind: address already in use"},
		{"a later fatal wins", []string{
			`{"level":"fatal","msg":"first"}`,
			`{"level":"fatal","msg":"second"}`,
		}, "second", "second"},
		{"an error when nothing is fatal", []string{
			`{"level":"warn","msg":"slow"}`,
			`{"level":"error","msg":"cluster cannot be downgraded","error":"current version 3.5.17 is lower than the cluster version 3.6"}`,
		}, "cluster cannot be downgraded: current version 3.5.17 is lower than the cluster version 3.6", ""},
		{"journal prefix before the record", []string{
			`etcd[123]: {"level":"fatal","msg":"member has already been bootstrapped"}`,
		}, "member has already been bootstrapped", "member has already been bootstrapped"},
		{"capnslog critical", []string{
			"2026-01-01 00:00:00.000000 I | etcdmain: etcd Version: 3.4.23",
			"2026-01-01 00:00:00.100000 E | rafthttp: failed to dial",
			"2026-01-01 00:00:00.200000 C | etcdmain: listen tcp 10.0.0.1:2380: bind: address already in use",
		}, "etcdmain: listen tcp 10.0.0.1:2380: bind: address already in use", "etcdmain: listen tcp 10.0.0.1:2380: bind: address already in use"},
		{"not etcd's", []string{"snap-wrap.sh: exec failed"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EtcdFailure(tc.lines); got != tc.want {
				t.Errorf("EtcdFailure = %q, want %q", got, tc.want)
			}
			if got := EtcdFatal(tc.lines); got != tc.fatal {
				t.Errorf("EtcdFatal = %q, want %q", got, tc.fatal)
			}
		})
	}
}
