package charms_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/juju/charm/v12/resource"

	"github.com/etcd-charm/etcd-charm/internal/testkit/charmtest"
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
	want := charmtest.LayerEtcdOptions()
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
		if !ok || o.Type != w.Type || !reflect.DeepEqual(o.Default, w.Default) {
			t.Errorf("option %s = %s %#v, want %s %#v", name, o.Type, o.Default, w.Type, w.Default)
		}
	}

	bases := charmtest.Bases(ch)
	wantBases := []string{"ubuntu@22.04/amd64", "ubuntu@22.04/arm64", "ubuntu@22.04/s390x",
		"ubuntu@24.04/amd64", "ubuntu@24.04/arm64", "ubuntu@24.04/s390x"}
	if !reflect.DeepEqual(bases, wantBases) {
		t.Errorf("bases %v, want %v", bases, wantBases)
	}
}
