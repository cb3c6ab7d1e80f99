// Package charmtest reads a packed charm the way Juju does, with
// github.com/juju/charm/v12, for the archive tests of the etcd charm
// (tests/contract) and of the partner charms (sim/charms). It is apart from
// testkit so that only those tests link Juju's charm library.
package charmtest

import (
	"archive/zip"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/juju/charm/v12"
)

// Read opens the .charm at path with Juju's reader; a charm Juju refuses
// fails the test.
func Read(t testing.TB, path string) *charm.CharmArchive {
	t.Helper()
	ch, err := charm.ReadCharmArchive(path)
	if err != nil {
		t.Fatalf("Juju's reader refuses the charm: %v", err)
	}
	return ch
}

// Relations returns the charm's endpoints but the implicit juju-* ones, each
// as Juju sees it: "<role> <interface> <scope>", e.g.
// "provider tls-certificates global".
func Relations(meta *charm.Meta) map[string]string {
	got := map[string]string{}
	for name, r := range meta.CombinedRelations() {
		if !strings.HasPrefix(name, "juju-") {
			got[name] = fmt.Sprintf("%s %s %s", r.Role, r.Interface, r.Scope)
		}
	}
	return got
}

// Bases lists the manifest's bases as name@track/arch, sorted.
func Bases(ch charm.Charm) []string {
	var bases []string
	if m := ch.Manifest(); m != nil {
		for _, b := range m.Bases {
			for _, arch := range b.Architectures {
				bases = append(bases, b.Name+"@"+b.Channel.Track+"/"+arch)
			}
		}
	}
	sort.Strings(bases)
	return bases
}

// Files returns the sorted names in the .charm zip at path, and fails
// the test where the archive breaks what make charm promises: dispatch is
// executable, and no source file or folder is packed.
func Files(t testing.TB, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "dispatch" && f.Mode().Perm() != 0o755 {
			t.Errorf("dispatch mode = %v, want 0755", f.Mode().Perm())
		}
		if strings.HasSuffix(f.Name, ".go") || strings.Contains(f.Name, "/") {
			t.Errorf("archive holds %s: no sources or folders belong in it", f.Name)
		}
	}
	sort.Strings(names)
	return names
}
