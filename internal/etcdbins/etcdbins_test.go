package etcdbins

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestNewest(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"3.4.23/etcd", "3.5.9/etcd", "3.5.35/etcd", "3.5.35/etcdutl", "3.10.1/etcd", "notes/README"} {
		path := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := Releases(dir), []string{"3.4.23", "3.5.9", "3.5.35", "3.10.1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Releases = %v, want %v", got, want)
	}
	tests := []struct {
		prefix string
		tools  []string
		want   string // "" for an error
	}{
		{"", nil, "3.10.1"},
		{"3.5", nil, "3.5.35"},
		{"3.5", []string{"etcdutl"}, "3.5.35"},
		{"3.4", []string{"etcdutl"}, ""},
		{"3.1", nil, ""}, // not a prefix of 3.10.1
		{"3.6", nil, ""},
	}
	for _, tt := range tests {
		got, err := Newest(dir, tt.prefix, tt.tools...)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Newest(%q, %v) = %s, want an error", tt.prefix, tt.tools, got)
			}
			continue
		}
		if err != nil || got != filepath.Join(dir, tt.want) {
			t.Errorf("Newest(%q, %v) = %s, %v; want %s", tt.prefix, tt.tools, got, err, tt.want)
		}
	}
}

func TestDirDefault(t *testing.T) {
	t.Setenv("ETCD_BINS", "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if got := Dir(); got != "/cache/etcd-charm/etcd-bins" {
		t.Errorf("Dir() = %s, want the Makefile's default", got)
	}
	t.Setenv("ETCD_BINS", "/bins")
	if got := Dir(); got != "/bins" {
		t.Errorf("Dir() = %s, want $ETCD_BINS", got)
	}
}
