package controller

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeployCharmDirKeepsWhatTheCharmWrote: an upgrade replaces the old
// charm's files and drops those the new one does not ship, but keeps the
// files the charm wrote into its directory (layer-etcd's reactive state
// lives there), as Juju's manifest deployer does.
func TestDeployCharmDirKeepsWhatTheCharmWrote(t *testing.T) {
	tmp := t.TempDir()
	oldCharm, newCharm := filepath.Join(tmp, "old"), filepath.Join(tmp, "new")
	dir, manifest := filepath.Join(tmp, "unit", "charm"), filepath.Join(tmp, "unit", "state", "deployer", "manifest")
	writeTree(t, oldCharm, map[string]string{
		"metadata.yaml":    "old meta",
		"dispatch":         "old dispatch",
		"hooks/install":    "old install",
		"reactive/etcd.py": "old reactive",
	})
	writeTree(t, newCharm, map[string]string{
		"metadata.yaml": "new meta",
		"dispatch":      "new dispatch",
		"src/README":    "new readme",
	})
	if err := deployCharmDir(oldCharm, dir, manifest); err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{
		".unit-state.json":        "reactive state",
		".juju-persistent-config": "previous config",
		"reactive/cache":          "made by the charm",
	})
	if err := deployCharmDir(newCharm, dir, manifest); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, dir)
	want := map[string]string{
		"metadata.yaml":           "new meta",
		"dispatch":                "new dispatch",
		"src/README":              "new readme",
		".unit-state.json":        "reactive state",
		".juju-persistent-config": "previous config",
		"reactive/cache":          "made by the charm",
	}
	if len(got) != len(want) {
		t.Errorf("charm dir holds %v, want %v", keys(got), keys(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "hooks")); !os.IsNotExist(err) {
		t.Errorf("the old charm's emptied hooks dir is still there (%v)", err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
