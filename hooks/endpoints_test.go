package hooks

import (
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every relation endpoint and storage in metadata.yaml has a handler, and
// the router knows no other: Juju runs hooks for exactly those.
func TestRouterMatchesMetadata(t *testing.T) {
	raw, err := os.ReadFile("../metadata.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Peers    map[string]any `yaml:"peers"`
		Provides map[string]any `yaml:"provides"`
		Requires map[string]any `yaml:"requires"`
		Storage  map[string]any `yaml:"storage"`
	}
	if err := yaml.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range []map[string]any{meta.Peers, meta.Provides, meta.Requires} {
		for name := range m {
			want = append(want, name)
		}
	}
	if got, want := keys(endpoints), sorted(want); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("router endpoints %v, metadata.yaml %v", got, want)
	}
	var storage []string
	for name := range meta.Storage {
		storage = append(storage, name)
	}
	if got, want := keys(storages), sorted(storage); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("router storages %v, metadata.yaml %v", got, want)
	}
}

func keys(m map[string]handler) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sorted(out)
}

func sorted(s []string) []string { sort.Strings(s); return s }
