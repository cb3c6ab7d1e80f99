package actions

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
)

func TestSpoolDir(t *testing.T) {
	if st, err := os.Stat("/dev/shm"); err != nil || !st.IsDir() {
		t.Skip("no /dev/shm")
	}
	tests := []struct {
		name   string
		shm    string // what <root>/dev/shm is: "tmpfs" (a link to /dev/shm), "disk", "" (absent)
		dbSize int64
		want   string // "shm" or "fallback"
	}{
		{"tmpfs with room", "tmpfs", 1 << 20, "shm"},
		{"tmpfs too small", "tmpfs", 1 << 60, "fallback"},
		{"unknown size", "tmpfs", 0, "fallback"},
		{"not a tmpfs", "disk", 1 << 20, "fallback"},
		{"absent", "", 1 << 20, "fallback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Deps{Paths: charm.Paths{Root: t.TempDir()}}
			shm := d.Paths.Join("dev/shm")
			os.MkdirAll(filepath.Dir(shm), 0o755)
			switch tt.shm {
			case "tmpfs":
				if err := os.Symlink("/dev/shm", shm); err != nil {
					t.Fatal(err)
				}
			case "disk":
				if err := os.Mkdir(shm, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			got := spoolDir(d, "/target", tt.dbSize)
			want := map[string]string{"shm": shm, "fallback": "/target"}[tt.want]
			if got != want {
				t.Errorf("spoolDir = %q, want %q", got, want)
			}
		})
	}
}
