package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

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

// BuildDir is the directory of binaries a test package builds once and
// shares between its tests. The package's TestMain calls Remove after
// m.Run.
type BuildDir struct {
	Prefix string // of the temporary directory's name
	once   sync.Once
	dir    string
	err    error
}

// Get runs build in a new temporary directory the first time and returns
// that directory and build's error, then and on every later call.
func (b *BuildDir) Get(build func(dir string) error) (string, error) {
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", b.Prefix); b.err == nil {
			b.err = build(b.dir)
		}
	})
	return b.dir, b.err
}

// Remove deletes the directory, if Get made one.
func (b *BuildDir) Remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
