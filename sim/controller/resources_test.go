package controller

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Attached resources (a snapshot holds every key of a cluster) are kept
// in the model home readable by the controller's user only, whatever the
// uploaded file's mode or the umask.
func TestResourcesStoredPrivately(t *testing.T) {
	c := startController(t, 13)
	res := filepath.Join(t.TempDir(), "payload.txt")
	if err := os.WriteFile(res, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Deploy(DeployArgs{Charm: testCharm(t), NumUnits: 1, Resources: map[string]string{"payload": res}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(res, []byte("v2"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := c.AttachResource("testcharm", "payload", res); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(c.cfg.Home, "resources")
	files := 0
	err := filepath.WalkDir(store, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if e.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 2 {
		t.Errorf("%d resource files under %s, want the 2 revisions", files, store)
	}
}
