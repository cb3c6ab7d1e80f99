package testkit

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
)

// EtcdBins returns the directory of real etcd releases (etcdbins.Dir:
// $ETCD_BINS or the Makefile's default) or skips the test when it holds
// none.
func EtcdBins(t testing.TB) string {
	t.Helper()
	dir := etcdbins.Dir()
	if len(etcdbins.Releases(dir)) == 0 {
		t.Skipf("no etcd releases under %s: run make etcd-bins (or set ETCD_BINS)", dir)
	}
	return dir
}

// EtcdRelease returns the directory of the newest release whose version
// starts with prefix ("3.5"; "" for any) holding every one of tools, or
// skips the test.
func EtcdRelease(t testing.TB, prefix string, tools ...string) string {
	t.Helper()
	dir, err := etcdbins.Newest(etcdbins.Dir(), prefix, tools...)
	if err != nil {
		t.Skip(err)
	}
	return dir
}
