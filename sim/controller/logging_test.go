package controller

import "testing"

func TestLoggingConfig(t *testing.T) {
	tests := []struct {
		config        string
		logger, level string
		want          bool
	}{
		{DefaultLoggingConfig, "unit.etcd/0.install", "DEBUG", false},
		{DefaultLoggingConfig, "unit.etcd/0.juju-log", "INFO", true},
		{DefaultLoggingConfig, "unit.etcd/0.juju-log", "WARNING", true},
		{DefaultLoggingConfig, "juju.worker.uniter.operation", "INFO", true},
		{"<root>=DEBUG", "unit.etcd/0.install", "DEBUG", true},
		{"<root>=DEBUG", "unit.etcd/0.install", "TRACE", false},
		{"<root>=WARNING;unit=DEBUG", "unit.etcd/0.install", "DEBUG", true},
		{"<root>=WARNING;unit=DEBUG", "juju.worker.uniter", "INFO", false},
		{"unit=ERROR;unit.etcd/0=debug", "unit.etcd/0.juju-log", "DEBUG", true},
		{"unit=ERROR;unit.etcd/0=debug", "unit.etcd/1.juju-log", "WARNING", false},
		// a module is a dotted prefix, not a string prefix
		{"<root>=ERROR;unit.etcd=DEBUG", "unit.etcd-client/0.juju-log", "INFO", false},
	}
	for _, tt := range tests {
		cfg, err := parseLoggingConfig(tt.config)
		if err != nil {
			t.Fatalf("%q: %v", tt.config, err)
		}
		if got := cfg.enabled(tt.logger, tt.level); got != tt.want {
			t.Errorf("%q: %s at %s enabled = %v, want %v", tt.config, tt.logger, tt.level, got, tt.want)
		}
	}
	for _, bad := range []string{"<root>", "unit=LOUD"} {
		if _, err := parseLoggingConfig(bad); err == nil {
			t.Errorf("%q parsed; want an error", bad)
		}
	}
	cfg, _ := parseLoggingConfig("unit=debug;<root>=warn")
	if s := cfg.String(); s != "<root>=WARNING;unit=DEBUG" {
		t.Errorf("canonical form %q", s)
	}
}
