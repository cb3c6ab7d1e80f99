package charmtest

// layer-etcd's contract (layer-etcd-reference.md §1-2), which both the etcd
// charm (tests/contract) and the layer-etcd stand-in (sim/charms) declare.

// LayerEtcdRelations returns layer-etcd's endpoints as Relations reports
// them.
func LayerEtcdRelations() map[string]string {
	return map[string]string{
		"cluster":              "peer etcd global",
		"db":                   "provider etcd global",
		"proxy":                "provider etcd-proxy global",
		"prometheus":           "provider prometheus-manual global",
		"grafana":              "provider grafana-dashboard global",
		"nrpe-external-master": "provider nrpe-external-master container",
		"certificates":         "requirer tls-certificates global",
	}
}

// Option is a config option as Juju reads it.
type Option struct {
	Type    string
	Default any
}

// LayerEtcdOptions returns layer-etcd's config options with their types
// and defaults.
func LayerEtcdOptions() map[string]Option {
	return map[string]Option{
		"port":                    {"int", int64(2379)},
		"management_port":         {"int", int64(2380)},
		"channel":                 {"string", "auto"},
		"heartbeat_interval":      {"int", int64(100)},
		"election_timeout":        {"int", int64(1000)},
		"snapshot_count":          {"string", "auto"},
		"snapd_refresh":           {"string", "max"},
		"bind_to_all_interfaces":  {"boolean", true},
		"bind_with_insecure_http": {"boolean", false},
		"tls_cipher_suites":       {"string", ""},
		"nagios_context":          {"string", "juju"},
		"nagios_servicegroups":    {"string", ""},
	}
}
