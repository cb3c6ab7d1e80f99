package charm

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is the charm's config.yaml, typed. Option names and meanings are
// layer-etcd's (layer-etcd-reference.md §2) plus quota and auto-compaction.
type Config struct {
	Port                    int
	ManagementPort          int
	Channel                 string
	HeartbeatInterval       int
	ElectionTimeout         int
	SnapshotCount           string
	SnapdRefresh            string
	BindToAllInterfaces     bool
	BindWithInsecureHTTP    bool
	TLSCipherSuites         string
	NagiosContext           string
	NagiosServicegroups     string
	QuotaBackendBytes       int64
	AutoCompactionMode      string
	AutoCompactionRetention string
	// MetricsPort is etcd's plain-HTTP /metrics and /health listener
	// (listen-metrics-urls) for scrapers without client certificates; 0
	// is off, as layer-etcd had none.
	MetricsPort int
}

// ConfigError names the option whose value is unusable; the charm shows it
// as a blocked status and changes nothing.
type ConfigError struct {
	Option string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid config %s: %s", e.Option, e.Reason)
}

// ParseConfig types the map config-get returns. A value of the wrong type
// (which Juju itself prevents) is a ConfigError.
func ParseConfig(m map[string]any) (Config, error) {
	p := parser{m: m}
	c := Config{
		Port:                    int(p.int("port", 2379)),
		ManagementPort:          int(p.int("management_port", 2380)),
		Channel:                 p.string("channel", "auto"),
		HeartbeatInterval:       int(p.int("heartbeat_interval", 100)),
		ElectionTimeout:         int(p.int("election_timeout", 1000)),
		SnapshotCount:           p.string("snapshot_count", "auto"),
		SnapdRefresh:            p.string("snapd_refresh", "max"),
		BindToAllInterfaces:     p.bool("bind_to_all_interfaces", true),
		BindWithInsecureHTTP:    p.bool("bind_with_insecure_http", false),
		TLSCipherSuites:         p.string("tls_cipher_suites", ""),
		NagiosContext:           p.string("nagios_context", "juju"),
		NagiosServicegroups:     p.string("nagios_servicegroups", ""),
		QuotaBackendBytes:       p.int("quota_backend_bytes", 0),
		AutoCompactionMode:      p.string("auto_compaction_mode", "periodic"),
		AutoCompactionRetention: p.string("auto_compaction_retention", "0"),
		MetricsPort:             int(p.int("metrics_port", 0)),
	}
	return c, p.err
}

type parser struct {
	m   map[string]any
	err error
}

func (p *parser) fail(option string, v any, want string) {
	if p.err == nil {
		p.err = &ConfigError{option, fmt.Sprintf("want %s, got %v (%T)", want, v, v)}
	}
}

func (p *parser) int(option string, def int64) int64 {
	switch v := p.m[option].(type) {
	case nil:
		return def
	case int64:
		return v
	case int:
		return int64(v)
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
		p.fail(option, v, "an integer")
	default:
		p.fail(option, v, "an integer")
	}
	return def
}

func (p *parser) string(option, def string) string {
	switch v := p.m[option].(type) {
	case nil:
		return def
	case string:
		return v
	default:
		p.fail(option, v, "a string")
		return def
	}
}

func (p *parser) bool(option string, def bool) bool {
	switch v := p.m[option].(type) {
	case nil:
		return def
	case bool:
		return v
	default:
		p.fail(option, v, "a boolean")
		return def
	}
}

// channelRe matches a snap channel: [track/]risk[/branch] or a bare track.
var channelRe = regexp.MustCompile(`^(?:([0-9]+\.[0-9]+|latest)/)?(stable|candidate|beta|edge)(?:/[a-z0-9][a-z0-9.-]*)?$|^([0-9]+\.[0-9]+|latest)$`)

// Validate checks values Juju's types cannot: the first problem is returned
// as a *ConfigError naming the option.
func (c Config) Validate() error {
	for _, port := range []struct {
		option string
		value  int
	}{{"port", c.Port}, {"management_port", c.ManagementPort}} {
		if port.value < 1 || port.value > 65535 {
			return &ConfigError{port.option, fmt.Sprintf("%d is not a port (1-65535)", port.value)}
		}
	}
	if c.Port == c.ManagementPort {
		return &ConfigError{"management_port", fmt.Sprintf("must differ from port (both %d)", c.Port)}
	}
	if err := c.validateMetricsPort(); err != nil {
		return err
	}
	if c.BindWithInsecureHTTP && (c.Port == 4001 || c.ManagementPort == 4001) {
		return &ConfigError{"bind_with_insecure_http", "port 4001 is taken by port or management_port"}
	}
	if c.HeartbeatInterval < 1 {
		return &ConfigError{"heartbeat_interval", fmt.Sprintf("%d must be a positive number of milliseconds", c.HeartbeatInterval)}
	}
	if c.ElectionTimeout < 5*c.HeartbeatInterval {
		return &ConfigError{"election_timeout", fmt.Sprintf("%d must be at least 5 x heartbeat_interval (%d)", c.ElectionTimeout, 5*c.HeartbeatInterval)}
	}
	if c.ElectionTimeout > 50000 {
		return &ConfigError{"election_timeout", fmt.Sprintf("%d is above etcd's maximum of 50000", c.ElectionTimeout)}
	}
	if c.Channel != "auto" && !channelRe.MatchString(c.Channel) {
		return &ConfigError{"channel", fmt.Sprintf("%q is not a snap channel (want auto, or track/risk such as 3.5/stable)", c.Channel)}
	}
	if _, err := c.SnapshotCountValue(); err != nil {
		return err
	}
	if _, err := c.CipherSuites(); err != nil {
		return err
	}
	if err := ValidateRefreshTimer(c.SnapdRefresh); err != nil {
		return err
	}
	if c.QuotaBackendBytes < 0 {
		return &ConfigError{"quota_backend_bytes", fmt.Sprintf("%d must not be negative", c.QuotaBackendBytes)}
	}
	return c.validateCompaction()
}

func (c Config) validateMetricsPort() error {
	switch {
	case c.MetricsPort == 0:
		return nil
	case c.MetricsPort < 0 || c.MetricsPort > 65535:
		return &ConfigError{"metrics_port", fmt.Sprintf("%d is not a port (1-65535, or 0 for off)", c.MetricsPort)}
	case c.MetricsPort == c.Port || c.MetricsPort == c.ManagementPort:
		return &ConfigError{"metrics_port", fmt.Sprintf("%d is taken by port or management_port", c.MetricsPort)}
	case c.BindWithInsecureHTTP && c.MetricsPort == 4001:
		return &ConfigError{"metrics_port", "4001 is taken by bind_with_insecure_http"}
	}
	return nil
}

func (c Config) validateCompaction() error {
	r := c.AutoCompactionRetention
	switch c.AutoCompactionMode {
	case "periodic":
		if _, err := strconv.ParseUint(r, 10, 32); err == nil {
			return nil
		}
		if d, err := time.ParseDuration(r); err == nil && d >= 0 {
			return nil
		}
		return &ConfigError{"auto_compaction_retention", fmt.Sprintf("%q is not a number of hours or a duration such as 1h30m", r)}
	case "revision":
		if _, err := strconv.ParseUint(r, 10, 64); err != nil {
			return &ConfigError{"auto_compaction_retention", fmt.Sprintf("%q is not a number of revisions", r)}
		}
		return nil
	default:
		return &ConfigError{"auto_compaction_mode", fmt.Sprintf("%q must be periodic or revision", c.AutoCompactionMode)}
	}
}

// SnapshotCountValue resolves snapshot_count: "auto" is 100000, etcd's
// default since 3.2 (every track this charm installs). Unlike layer-etcd it
// does not parse the channel's track, so "latest/stable" works.
func (c Config) SnapshotCountValue() (uint64, error) {
	if c.SnapshotCount == "auto" {
		return 100000, nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(c.SnapshotCount), 10, 64)
	if err != nil || n == 0 {
		return 0, &ConfigError{"snapshot_count", fmt.Sprintf("%q must be auto or a positive integer", c.SnapshotCount)}
	}
	return n, nil
}
