package architecture

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// TestImportRules checks every import of every Go file of the module
// against ARCHITECTURE.md's tables.
//
// It lists the packages with `go list -json ./...` (not -deps: the rules
// are about each package's direct imports, every package of the module is
// listed, and the packages of other modules are not ours to rule) and reads
// the imports of each file itself with go/parser, so that a failure names the
// file. Test files come from the same listing (TestGoFiles, XTestGoFiles:
// what -test would add, without building test binaries) and are held to the
// package's row plus the tests table. Files excluded by build constraints on
// this machine are not read.
func TestImportRules(t *testing.T) {
	root := testkit.RepoRoot()
	doc, err := os.ReadFile(filepath.Join(root, "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := parseRules(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	stdlib := standardLibrary(t)
	used := map[string]bool{} // exceptions seen, by file and import
	var problems []string
	for _, p := range listPackages(t) {
		pkg := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		row, ok := rowFor(rs.packages, pkg)
		if !ok {
			problems = append(problems, fmt.Sprintf("package %s is on no row of ARCHITECTURE.md's tables: add it, with what it may import", pkg))
			continue
		}
		testRows := testRowsFor(rs.tests, pkg)
		files := append(append([]string{}, p.GoFiles...), p.CgoFiles...)
		tests := append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...)
		for i, name := range append(files, tests...) {
			isTest := i >= len(files)
			file := filepath.ToSlash(filepath.Join(strings.TrimPrefix(strings.TrimPrefix(p.Dir, root), "/"), name))
			for _, imp := range fileImports(t, filepath.Join(p.Dir, name)) {
				kind, rel := thirdParty, imp
				switch {
				case stdlib[imp]:
					kind = std
				case imp == module || strings.HasPrefix(imp, module+"/"):
					kind, rel = local, strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
				}
				if isTest && (kind == local && rel == pkg || anyMatchRows(testRows, rel, kind)) {
					// its own package (from pkg_test), or an import tests may make
					continue
				}
				allowed := anyMatch(row.allow, rel, kind) && (isTest || !anyMatch(row.deny, rel, kind))
				if allowed {
					continue
				}
				if excepted(rs.exceptions, file, rel, kind, used) {
					continue
				}
				why := row.String()
				if isTest {
					why += "; its tests also " + describeTests(testRows)
				}
				problems = append(problems, fmt.Sprintf("%s imports %s: not allowed by %s", file, rel, why))
			}
		}
	}
	for _, e := range rs.exceptions {
		for _, imp := range e.imports {
			if !used[e.file+" "+imp] {
				problems = append(problems, fmt.Sprintf("ARCHITECTURE.md:%d: %s needs no exception for %s any more (it does not import it, or a row allows it): delete it", e.line, e.file, imp))
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// testRowsFor returns the rows of the tests table that apply to pkg.
func testRowsFor(rows []rule, pkg string) []rule {
	var out []rule
	for _, r := range rows {
		if anyMatch(r.patterns, pkg, local) {
			out = append(out, r)
		}
	}
	return out
}

func anyMatchRows(rows []rule, p string, k importKind) bool {
	for _, r := range rows {
		if anyMatch(r.allow, p, k) {
			return true
		}
	}
	return false
}

func describeTests(rows []rule) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, fmt.Sprintf("may import %s (ARCHITECTURE.md:%d)", strings.Join(r.allow, ", "), r.line))
	}
	return strings.Join(parts, " and ")
}

// excepted reports whether a known violation allows file to import p, and
// records that it was needed.
func excepted(es []exception, file, p string, k importKind, used map[string]bool) bool {
	for _, e := range es {
		if e.file != file {
			continue
		}
		for _, w := range e.imports {
			if matches(w, p, k) {
				used[e.file+" "+w] = true
				return true
			}
		}
	}
	return false
}
