package charms_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/juju/charm/v12/resource"
)

// layerEtcdContract checks the layer-etcd stand-in's metadata and config
// against the original's, as ../shared/reference/layer-etcd-reference.md
// §1-§2 records them (layer-etcd @ 233f62a, built charm).
func layerEtcdContract(t *testing.T, ch charm.Charm) {
	meta := ch.Meta()
	if meta.Summary != "Deploy a TLS terminated ETCD Cluster" {
		t.Errorf("summary %q", meta.Summary)
	}
	if !reflect.DeepEqual(meta.Tags, []string{"database", "keystore"}) {
		t.Errorf("tags %v", meta.Tags)
	}

	wantRes := map[string]string{"snapshot": "snapshot.tar.gz", "core": "core.snap", "etcd": "etcd.snap"}
	if len(meta.Resources) != len(wantRes) {
		t.Errorf("resources %v, want %v", meta.Resources, wantRes)
	}
	for name, file := range wantRes {
		r, ok := meta.Resources[name]
		if !ok || r.Type != resource.TypeFile || r.Path != file {
			t.Errorf("resource %s = %+v, want a file %s", name, r, file)
		}
	}

	data, ok := meta.Storage["data"]
	if len(meta.Storage) != 1 || !ok {
		t.Fatalf("storage %v, want data only", meta.Storage)
	}
	if data.Type != charm.StorageBlock || data.CountMin != 0 || data.CountMax != 1 || data.MinimumSize != 1024 || data.Shared || data.ReadOnly {
		t.Errorf("storage data = %+v, want block, range 0-1, minimum 1G", data)
	}

	// Every option with its type and default (reference §2).
	want := map[string]struct {
		typ string
		def any
	}{
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
	opts := ch.Config().Options
	if len(opts) != len(want) {
		var names []string
		for n := range opts {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Errorf("options %v, want %d", names, len(want))
	}
	for name, w := range want {
		o, ok := opts[name]
		if !ok || o.Type != w.typ || !reflect.DeepEqual(o.Default, w.def) {
			t.Errorf("option %s = %s %#v, want %s %#v", name, o.Type, o.Default, w.typ, w.def)
		}
	}

	var bases []string
	for _, b := range ch.Manifest().Bases {
		for _, arch := range b.Architectures {
			bases = append(bases, b.Name+"@"+b.Channel.Track+"/"+arch)
		}
	}
	sort.Strings(bases)
	wantBases := []string{"ubuntu@22.04/amd64", "ubuntu@22.04/arm64", "ubuntu@22.04/s390x",
		"ubuntu@24.04/amd64", "ubuntu@24.04/arm64", "ubuntu@24.04/s390x"}
	if !reflect.DeepEqual(bases, wantBases) {
		t.Errorf("bases %v, want %v", bases, wantBases)
	}
}
