// Package etcdbins finds the real etcd releases `make etcd-bins`
// (scripts/etcd-bins.sh) builds: one directory per version under $ETCD_BINS,
// each holding etcd, etcdctl and (3.5 on) etcdutl. The default location is
// the Makefile's, so jujusim, benchmarks and tests agree on one place.
package etcdbins

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Dir is $ETCD_BINS, else the Makefile's default:
// ${XDG_CACHE_HOME:-$HOME/.cache}/etcd-charm/etcd-bins.
func Dir() string {
	if d := os.Getenv("ETCD_BINS"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "etcd-charm", "etcd-bins")
}

// Releases returns the versions under dir that hold an etcd binary, oldest
// first in numeric order ("3.4.23" < "3.5.35" < "3.6.16").
func Releases(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var versions []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "etcd")); err == nil {
			versions = append(versions, e.Name())
		}
	}
	slices.SortFunc(versions, compareVersions)
	return versions
}

// Newest returns the directory of the newest release under dir whose
// version is prefix or starts with prefix+"." (any version when prefix is
// "") and which holds every one of tools.
func Newest(dir, prefix string, tools ...string) (string, error) {
	versions := Releases(dir)
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		if prefix != "" && v != prefix && !strings.HasPrefix(v, prefix+".") {
			continue
		}
		if hasAll(filepath.Join(dir, v), tools) {
			return filepath.Join(dir, v), nil
		}
	}
	what := "etcd"
	if prefix != "" {
		what += " " + prefix
	}
	if len(tools) > 0 {
		what += " with " + strings.Join(tools, ", ")
	}
	return "", fmt.Errorf("no %s under %s (make etcd-bins)", what, dir)
}

func hasAll(dir string, tools []string) bool {
	for _, tool := range tools {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			return false
		}
	}
	return true
}

func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x - y
		}
	}
	return len(pa) - len(pb)
}
