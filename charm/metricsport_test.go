package charm

import (
	"bytes"
	"errors"
	"testing"
)

func TestMetricsPortRendersListenMetricsURLs(t *testing.T) {
	m := Member{Name: "etcd0", ClusterAddress: "10.0.0.1", DBAddress: "10.0.0.1", DBBind: "10.0.0.11"}
	for _, tc := range []struct {
		name string
		set  map[string]any
		want string
	}{
		{"off by default", nil, ""},
		{"on, bound to all interfaces", map[string]any{"metrics_port": int64(9379)}, "http://0.0.0.0:9379"},
		{"on, bound to the db address", map[string]any{"metrics_port": int64(9379), "bind_to_all_interfaces": false}, "http://10.0.0.11:9379"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			ec, err := BuildEtcdConfig(cfg, Paths{Root: "/"}, m, Start{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if ec.ListenMetricsURLs != tc.want {
				t.Errorf("ListenMetricsURLs = %q, want %q", ec.ListenMetricsURLs, tc.want)
			}
			rendered := ec.Render()
			if has := bytes.Contains(rendered, []byte("listen-metrics-urls")); has != (tc.want != "") {
				t.Errorf("rendered config has listen-metrics-urls: %v, want %v", has, tc.want != "")
			}
			back, err := ParseEtcdConfig(rendered)
			if err != nil || back.ListenMetricsURLs != tc.want {
				t.Errorf("read back %q, %v", back.ListenMetricsURLs, err)
			}
		})
	}
}

func TestMetricsPortValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]any
		bad  bool
	}{
		{"another port", map[string]any{"metrics_port": int64(9379)}, false},
		{"negative", map[string]any{"metrics_port": int64(-1)}, true},
		{"too large", map[string]any{"metrics_port": int64(70000)}, true},
		{"the client port", map[string]any{"metrics_port": int64(2379)}, true},
		{"the peer port", map[string]any{"metrics_port": int64(2380)}, true},
		{"the insecure port", map[string]any{"metrics_port": int64(4001), "bind_with_insecure_http": true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(tc.set)
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			var ce *ConfigError
			if tc.bad != (err != nil) || (err != nil && (!errors.As(err, &ce) || ce.Option != "metrics_port")) {
				t.Errorf("Validate = %v, want bad=%v naming metrics_port", err, tc.bad)
			}
		})
	}
}
