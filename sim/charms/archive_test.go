// Package charms_test checks the packed partner charms the way Juju reads
// them, with github.com/juju/charm/v12, like tests/contract does for the
// etcd charm: the archive holds only the contract files and dispatch, Juju's
// reader accepts it, and endpoints, actions and bases are the ones the
// charms implement.
package charms_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/juju/charm/v12"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/internal/testkit/charmtest"
)

// partner is one partner charm: its source, package and archive.
type partner struct {
	name    string // charm name
	src     string // source dir, relative to the repo root
	pkg     string // main package
	env     string // variable naming a prebuilt archive (make charms output)
	rels    map[string]string
	actions map[string]action
	// files the archive holds besides dispatch, when not the default
	// README.md, actions.yaml, manifest.yaml, metadata.yaml.
	files []string
	// contract checks what else the metadata and config declare (the
	// default: no resources, storage or config options).
	contract func(*testing.T, charm.Charm)
}

type action struct {
	params   []string
	required []string
}

var partners = []partner{{
	name: "easyrsa", src: "sim/charms/easyrsa", pkg: "./sim/charms/easyrsa/cmd", env: "EASYRSA_CHARM",
	rels:    map[string]string{"client": "provider tls-certificates global"},
	actions: map[string]action{"list-issued": {}},
}, {
	name: "etcd-client", src: "sim/charms/etcdclient", pkg: "./sim/charms/etcdclient/cmd", env: "ETCD_CLIENT_CHARM",
	rels: map[string]string{"etcd": "requirer etcd global"},
	actions: map[string]action{
		"put":   {params: []string{"key", "value"}, required: []string{"key", "value"}},
		"get":   {params: []string{"key"}, required: []string{"key"}},
		"check": {},
	},
}, {
	name: "etcd", src: "sim/charms/layeretcd", pkg: "./sim/charms/layeretcd/cmd", env: "LAYER_ETCD_CHARM",
	rels:     charmtest.LayerEtcdRelations(),
	actions:  map[string]action{},
	files:    []string{"README.md", "config.yaml", "manifest.yaml", "metadata.yaml"},
	contract: layerEtcdContract,
}}

// archive returns p's .charm: $<env> when set, else built and packed here.
func (p partner) archive(t *testing.T) string {
	t.Helper()
	if path := os.Getenv(p.env); path != "" {
		return path
	}
	if testing.Short() {
		t.Skip("builds the charm")
	}
	out := filepath.Join(t.TempDir(), p.name+".charm")
	if err := testkit.BuildCharm(out, p.src, p.pkg); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestArchives(t *testing.T) {
	for _, p := range partners {
		t.Run(p.name, func(t *testing.T) {
			path := p.archive(t)
			checkContents(t, p, path)
			checkMetadata(t, p, path)
		})
	}
}

func checkContents(t *testing.T, p partner, path string) {
	t.Helper()
	names := charmtest.Files(t, path)
	want := []string{"README.md", "actions.yaml", "dispatch", "manifest.yaml", "metadata.yaml"}
	if p.files != nil {
		want = append([]string{"dispatch"}, p.files...)
		sort.Strings(want)
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("archive files = %v, want %v", names, want)
	}
}

func checkMetadata(t *testing.T, p partner, path string) {
	ch := charmtest.Read(t, path)
	meta := ch.Meta()
	if meta.Name != p.name || meta.Subordinate || meta.Summary == "" || meta.Description == "" {
		t.Errorf("name %q subordinate %v summary %q", meta.Name, meta.Subordinate, meta.Summary)
	}
	if got := charmtest.Relations(meta); !reflect.DeepEqual(got, p.rels) {
		t.Errorf("relations = %v, want %v", got, p.rels)
	}
	if p.contract != nil {
		p.contract(t, ch)
	} else {
		if len(meta.Resources) != 0 || len(meta.Storage) != 0 {
			t.Errorf("resources %v storage %v, want none", meta.Resources, meta.Storage)
		}
		if opts := ch.Config().Options; len(opts) != 0 {
			t.Errorf("config options %v, want none", opts)
		}
	}

	gotActions := map[string]action{}
	for name, spec := range ch.Actions().ActionSpecs {
		var a action
		if props, ok := spec.Params["properties"].(map[string]interface{}); ok {
			for k := range props {
				a.params = append(a.params, k)
			}
			sort.Strings(a.params)
		}
		if req, ok := spec.Params["required"].([]interface{}); ok {
			for _, r := range req {
				a.required = append(a.required, r.(string))
			}
		}
		if spec.Description == "" || spec.Description == "No description" {
			t.Errorf("action %s has no description", name)
		}
		gotActions[name] = a
	}
	if !reflect.DeepEqual(gotActions, p.actions) {
		t.Errorf("actions = %+v, want %+v", gotActions, p.actions)
	}

	if p.contract != nil {
		return // layer-etcd's bases are checked by its contract
	}
	bases := charmtest.Bases(ch)
	wantBases := []string{"ubuntu@22.04/amd64", "ubuntu@22.04/arm64", "ubuntu@24.04/amd64", "ubuntu@24.04/arm64"}
	if !reflect.DeepEqual(bases, wantBases) {
		t.Errorf("manifest bases = %v, want %v", bases, wantBases)
	}
}
