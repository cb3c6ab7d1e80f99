// Package contract checks the packed etcd charm the way Juju reads it, with
// github.com/juju/charm/v12 (the library Juju 3.x uses), against the
// contract layer-etcd users depend on: endpoints, interfaces, resources,
// storage, config options and actions (layer-etcd-reference.md §1-3).
package contract

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
	"github.com/juju/charm/v12/resource"
	"gopkg.in/yaml.v3"

	"github.com/etcd-charm/etcd-charm/actions"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/internal/testkit/charmtest"
)

// archive returns the charm to check: $ETCD_CHARM (make test passes
// build/etcd.charm), or one built and packed here.
func archive(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ETCD_CHARM"); p != "" {
		return p
	}
	if testing.Short() {
		t.Skip("builds the charm")
	}
	out := filepath.Join(t.TempDir(), "etcd.charm")
	if err := testkit.BuildCharm(out, ".", "./cmd/etcd-charm"); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestArchiveContents(t *testing.T) {
	names := charmtest.Files(t, archive(t))
	want := []string{"README.md", "actions.yaml", "config.yaml", "dispatch", "manifest.yaml", "metadata.yaml"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("archive files = %v, want %v", names, want)
	}
}

func TestArchiveMetadata(t *testing.T) {
	ch := charmtest.Read(t, archive(t))
	meta := ch.Meta()
	if meta.Name != "etcd" || meta.Subordinate {
		t.Errorf("name %q subordinate %v", meta.Name, meta.Subordinate)
	}
	got := charmtest.Relations(meta)
	wantRels := charmtest.LayerEtcdRelations()
	wantRels["cos-agent"] = "provider cos_agent global" // COS, which layer-etcd could not join
	if !reflect.DeepEqual(got, wantRels) {
		t.Errorf("relations =\n%v\nwant\n%v", got, wantRels)
	}
	wantRes := map[string]string{"etcd": "etcd.snap", "snapshot": "snapshot.tar.gz"}
	if len(meta.Resources) != len(wantRes) {
		t.Errorf("resources = %v", meta.Resources)
	}
	for name, file := range wantRes {
		r, ok := meta.Resources[name]
		if !ok || r.Type != resource.TypeFile || r.Path != file {
			t.Errorf("resource %s = %+v, want file %s", name, r, file)
		}
	}
	st, ok := meta.Storage["data"]
	if !ok || len(meta.Storage) != 1 || st.Type != charm.StorageBlock || st.CountMin != 0 || st.CountMax != 1 {
		t.Errorf("storage = %+v", meta.Storage)
	}
	// build/etcd.charm is the host architecture's platform build.
	host := map[string]string{"amd64": "amd64", "arm64": "arm64", "s390x": "s390x"}[runtime.GOARCH]
	if host == "" {
		t.Skipf("no platform for %s", runtime.GOARCH)
	}
	wantBases := []string{"ubuntu@22.04/" + host, "ubuntu@24.04/" + host}
	if bases := charmtest.Bases(ch); !reflect.DeepEqual(bases, wantBases) {
		t.Errorf("manifest bases = %v, want %v", bases, wantBases)
	}
}

// platformArchs are the architectures layer-etcd supports
// (layer-etcd-reference.md: run on 22.04 and 24.04 for amd64, arm64, s390x).
var platformArchs = []string{"amd64", "arm64", "s390x"}

// charmcraft 3 rejects 24.04 under bases: the platforms must cover both
// bases for every architecture, one base and architecture each.
func TestCharmcraftPlatforms(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testkit.RepoRoot(), "charmcraft.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cc struct {
		Bases     any `yaml:"bases"`
		Platforms map[string]struct {
			BuildOn  []string `yaml:"build-on"`
			BuildFor []string `yaml:"build-for"`
		} `yaml:"platforms"`
	}
	if err := yaml.Unmarshal(data, &cc); err != nil {
		t.Fatal(err)
	}
	if cc.Bases != nil {
		t.Error("charmcraft.yaml has bases: charmcraft 3 wants platforms")
	}
	var got []string
	for name, p := range cc.Platforms {
		if len(p.BuildFor) != 1 || len(p.BuildOn) == 0 {
			t.Errorf("platform %s: build-on %v build-for %v", name, p.BuildOn, p.BuildFor)
			continue
		}
		got = append(got, p.BuildFor[0])
	}
	sort.Strings(got)
	var want []string
	for _, base := range []string{"ubuntu@22.04", "ubuntu@24.04"} {
		for _, arch := range platformArchs {
			want = append(want, base+":"+arch)
		}
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("platforms build for %v, want %v", got, want)
	}
}

// make charm packs build/etcd_<arch>.charm per platform architecture next
// to build/etcd.charm: each lists only its architecture and its dispatch
// is an ELF for it.
func TestPlatformCharms(t *testing.T) {
	p := os.Getenv("ETCD_CHARM")
	if p == "" {
		t.Skip("needs ETCD_CHARM (make charm's build/etcd.charm)")
	}
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "s390x": elf.EM_S390}
	for _, arch := range platformArchs {
		t.Run(arch, func(t *testing.T) {
			path := filepath.Join(filepath.Dir(p), "etcd_"+arch+".charm")
			ch := charmtest.Read(t, path)
			if bases, want := charmtest.Bases(ch), []string{"ubuntu@22.04/" + arch, "ubuntu@24.04/" + arch}; !reflect.DeepEqual(bases, want) {
				t.Errorf("manifest bases = %v, want %v", bases, want)
			}
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			f, err := zr.Open("dispatch")
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			ef, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("dispatch is not an ELF: %v", err)
			}
			if ef.Machine != machines[arch] {
				t.Errorf("dispatch is an ELF for %s, want %s", ef.Machine, machines[arch])
			}
		})
	}
}

func TestArchiveConfig(t *testing.T) {
	ch := charmtest.Read(t, archive(t))
	want := charmtest.LayerEtcdOptions()
	want["quota_backend_bytes"] = charmtest.Option{Type: "int", Default: int64(0)}
	want["auto_compaction_mode"] = charmtest.Option{Type: "string", Default: "periodic"}
	want["auto_compaction_retention"] = charmtest.Option{Type: "string", Default: "0"}
	want["metrics_port"] = charmtest.Option{Type: "int", Default: int64(0)}
	got := map[string]charmtest.Option{}
	for name, o := range ch.Config().Options {
		got[name] = charmtest.Option{Type: o.Type, Default: o.Default}
		if strings.TrimSpace(o.Description) == "" {
			t.Errorf("option %s has no description", name)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config =\n%v\nwant\n%v", got, want)
	}
}

func TestArchiveActions(t *testing.T) {
	ch := charmtest.Read(t, archive(t))
	want := map[string]map[string]any{
		"health":                     {},
		"alarm-list":                 {},
		"alarm-disarm":               {},
		"defrag":                     {},
		"package-client-credentials": {},
		"snap-upgrade":               {"use-resource": false},
		"compact":                    {"revision": "", "physical": false},
		"snapshot":                   {"target": "/home/ubuntu/etcd-snapshots", "keys-version": "v3"},
		"restore":                    {"target": "/home/ubuntu", "skip-backup": true},
		"rebuild-cluster":            {"force": false}, // charmed-etcd-operator's name; not layer-etcd's
	}
	specs := ch.Actions().ActionSpecs
	var names []string
	for name, spec := range specs {
		names = append(names, name)
		if spec.Params["additionalProperties"] != false {
			t.Errorf("action %s allows unknown params", name)
		}
		wantDefaults, ok := want[name]
		if !ok {
			t.Errorf("unexpected action %s", name)
			continue
		}
		// Juju validates params against the schema, then inserts defaults.
		if err := spec.ValidateParams(map[string]any{}); err != nil {
			t.Errorf("action %s: no params do not validate: %v", name, err)
		}
		got, err := spec.InsertDefaults(map[string]any{})
		if err != nil {
			t.Fatalf("action %s: %v", name, err)
		}
		if !reflect.DeepEqual(got, wantDefaults) {
			t.Errorf("action %s defaults = %v, want %v", name, got, wantDefaults)
		}
		// Every default must itself validate against the schema.
		if err := spec.ValidateParams(got); err != nil {
			t.Errorf("action %s: defaults do not validate: %v", name, err)
		}
		if err := spec.ValidateParams(map[string]any{"bogus": 1}); err == nil {
			t.Errorf("action %s accepts an unknown param", name)
		}
	}
	if len(specs) != len(want) {
		t.Errorf("actions = %d, want %d", len(specs), len(want))
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, actions.Names()) {
		t.Errorf("actions.yaml declares %v, the binary handles %v", names, actions.Names())
	}
	snapshot, compact := specs["snapshot"], specs["compact"]
	if err := snapshot.ValidateParams(map[string]any{"keys-version": "v4"}); err == nil {
		t.Error("snapshot accepts keys-version v4")
	}
	if err := compact.ValidateParams(map[string]any{"physical": "yes"}); err == nil {
		t.Error("compact accepts a string for physical")
	}
}
