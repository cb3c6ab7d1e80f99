package architecture

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

const module = "github.com/etcd-charm/etcd-charm"

// listed is the part of `go list -json` the test reads.
type listed struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	CgoFiles     []string
	TestGoFiles  []string
	XTestGoFiles []string
}

// goList runs go list in the repository root and returns its stdout.
func goList(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = testkit.RepoRoot()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// listPackages returns the module's packages, as `go list -json ./...`.
func listPackages(t *testing.T) []listed {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(goList(t, "-json", "./...")))
	var pkgs []listed
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
}

// standardLibrary is the set of the standard library's packages (and cgo's
// "C").
func standardLibrary(t *testing.T) map[string]bool {
	t.Helper()
	std := map[string]bool{"C": true}
	for _, p := range strings.Fields(string(goList(t, "std"))) {
		std[p] = true
	}
	return std
}

// fileImports returns the import paths of one Go file.
func fileImports(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, p)
	}
	return out
}
