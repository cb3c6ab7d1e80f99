package testkit

import (
	"archive/zip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/charmpack"
)

// GoBuild builds pkg ("./cmd/jujuc", relative to the repository root) into
// out with -trimpath, as the Makefile does; static builds with
// CGO_ENABLED=0 (the charms and jujuc run in unit roots without a libc
// guarantee). It returns an error, not a test failure, so that builds shared
// through a sync.Once can report to every test.
func GoBuild(out, pkg string, static bool) error {
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = RepoRoot()
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// BuildCharm builds pkg statically as the dispatch of the charm whose
// contract files are in src (relative to the repository root, "." for the
// etcd charm) and packs it as out (a .charm zip), as make charm does.
func BuildCharm(out, src, pkg string) error {
	bin := out + ".dispatch"
	if err := GoBuild(bin, pkg, true); err != nil {
		return err
	}
	defer os.Remove(bin)
	return charmpack.Pack(charmpack.Options{Src: filepath.Join(RepoRoot(), src), Binary: bin, Out: out})
}

// CharmFiles returns the sorted names in the .charm zip at path, and fails
// the test where the archive breaks what make charm promises: dispatch is
// executable, and no source file or folder is packed.
func CharmFiles(t testing.TB, path string) []string {
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
