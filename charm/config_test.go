package charm

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Port: 2379, ManagementPort: 2380, Channel: "auto", HeartbeatInterval: 100,
		ElectionTimeout: 1000, SnapshotCount: "auto", SnapdRefresh: "max",
		BindToAllInterfaces: true, NagiosContext: "juju",
		AutoCompactionMode: "periodic", AutoCompactionRetention: "0",
	}
	if c != want {
		t.Errorf("ParseConfig({}) =\n%+v\nwant\n%+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestParseConfigTypes(t *testing.T) {
	c, err := ParseConfig(map[string]any{
		"port": int64(12379), "management_port": float64(12380), "bind_to_all_interfaces": false,
		"quota_backend_bytes": int64(8 << 30), "channel": "3.6/stable",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 12379 || c.ManagementPort != 12380 || c.BindToAllInterfaces || c.QuotaBackendBytes != 8<<30 || c.Channel != "3.6/stable" {
		t.Errorf("ParseConfig = %+v", c)
	}
	for _, bad := range []map[string]any{
		{"port": "2379"},
		{"port": 1.5},
		{"channel": int64(3)},
		{"bind_to_all_interfaces": "yes"},
	} {
		_, err := ParseConfig(bad)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("ParseConfig(%v) error = %v, want *ConfigError", bad, err)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		option string // "" = valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"port zero", func(c *Config) { c.Port = 0 }, "port"},
		{"port too high", func(c *Config) { c.Port = 70000 }, "port"},
		{"management port too high", func(c *Config) { c.ManagementPort = 65536 }, "management_port"},
		{"ports equal", func(c *Config) { c.ManagementPort = 2379 }, "management_port"},
		{"insecure port clash", func(c *Config) { c.BindWithInsecureHTTP = true; c.Port = 4001 }, "bind_with_insecure_http"},
		{"insecure ok", func(c *Config) { c.BindWithInsecureHTTP = true }, ""},
		{"heartbeat zero", func(c *Config) { c.HeartbeatInterval = 0 }, "heartbeat_interval"},
		{"election below 5x heartbeat", func(c *Config) { c.HeartbeatInterval = 300; c.ElectionTimeout = 1000 }, "election_timeout"},
		{"election exactly 5x", func(c *Config) { c.HeartbeatInterval = 200; c.ElectionTimeout = 1000 }, ""},
		{"election above max", func(c *Config) { c.ElectionTimeout = 60000 }, "election_timeout"},
		{"channel track/risk", func(c *Config) { c.Channel = "3.5/stable" }, ""},
		{"channel risk only", func(c *Config) { c.Channel = "edge" }, ""},
		{"channel track only", func(c *Config) { c.Channel = "3.6" }, ""},
		{"channel latest", func(c *Config) { c.Channel = "latest/stable" }, ""},
		{"channel with branch", func(c *Config) { c.Channel = "3.5/edge/fix-1" }, ""},
		{"channel bad risk", func(c *Config) { c.Channel = "3.5/stabel" }, "channel"},
		{"channel too many parts", func(c *Config) { c.Channel = "a/b/c/d" }, "channel"},
		{"channel empty", func(c *Config) { c.Channel = "" }, "channel"},
		{"snapshot count number", func(c *Config) { c.SnapshotCount = "10000" }, ""},
		{"snapshot count word", func(c *Config) { c.SnapshotCount = "lots" }, "snapshot_count"},
		{"snapshot count zero", func(c *Config) { c.SnapshotCount = "0" }, "snapshot_count"},
		{"cipher suites known", func(c *Config) {
			c.TLSCipherSuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"
		}, ""},
		{"cipher suite unknown", func(c *Config) { c.TLSCipherSuites = "TLS_RSA_WITH_NOTHING" }, "tls_cipher_suites"},
		{"cipher suite TLS 1.3 only", func(c *Config) { c.TLSCipherSuites = "TLS_AES_128_GCM_SHA256" }, "tls_cipher_suites"},
		{"quota negative", func(c *Config) { c.QuotaBackendBytes = -1 }, "quota_backend_bytes"},
		{"compaction periodic hours", func(c *Config) { c.AutoCompactionRetention = "12" }, ""},
		{"compaction periodic duration", func(c *Config) { c.AutoCompactionRetention = "1h30m" }, ""},
		{"compaction periodic garbage", func(c *Config) { c.AutoCompactionRetention = "soon" }, "auto_compaction_retention"},
		{"compaction revision", func(c *Config) { c.AutoCompactionMode = "revision"; c.AutoCompactionRetention = "1000" }, ""},
		{"compaction revision duration", func(c *Config) { c.AutoCompactionMode = "revision"; c.AutoCompactionRetention = "1h" }, "auto_compaction_retention"},
		{"compaction mode unknown", func(c *Config) { c.AutoCompactionMode = "hourly" }, "auto_compaction_mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkValidate(t, tt.change, tt.option)
		})
	}
}

func TestCipherSuitesDefault(t *testing.T) {
	got, err := Config{}.CipherSuites()
	if err != nil || !reflect.DeepEqual(got, DefaultCipherSuites) {
		t.Errorf("CipherSuites() = %v, %v", got, err)
	}
}

func TestSnapshotCountAuto(t *testing.T) {
	n, err := Config{SnapshotCount: "auto", Channel: "latest/stable"}.SnapshotCountValue()
	if err != nil || n != 100000 {
		t.Errorf("SnapshotCountValue() = %d, %v", n, err)
	}
}

// defaultConfig is the config with every option at its default.
func defaultConfig(t *testing.T) Config {
	t.Helper()
	c, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkValidate checks Validate on the default config changed by change:
// valid when option is "", else a *ConfigError naming option.
func checkValidate(t *testing.T, change func(*Config), option string) {
	t.Helper()
	c := defaultConfig(t)
	change(&c)
	err := c.Validate()
	var ce *ConfigError
	switch {
	case option == "" && err != nil:
		t.Errorf("Validate() = %v, want valid", err)
	case option != "" && !errors.As(err, &ce):
		t.Errorf("Validate() = %v, want *ConfigError for %s", err, option)
	case option != "" && ce.Option != option:
		t.Errorf("Validate() names %q (%v), want %q", ce.Option, err, option)
	}
}
