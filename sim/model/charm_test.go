package model

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
)

// A .charm archive (zip, files at the root) is unpacked with juju/charm.
func TestStoreCharmArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.charm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range map[string]string{
		"metadata.yaml": meta,
		"dispatch":      "#!/bin/sh\nexit 0\n",
		"revision":      "7",
	} {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate}
		hdr.SetMode(0o755)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dst := filepath.Join(t.TempDir(), "stored")
	ch, err := StoreCharm(path, dst)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Meta().Name != "c" || ch.Revision() != 7 {
		t.Errorf("charm: %s rev %d", ch.Meta().Name, ch.Revision())
	}
	fi, err := os.Stat(filepath.Join(dst, "dispatch"))
	if err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("dispatch not executable after unpack: %v %v", fi, err)
	}
	var cs Charms
	if got, err := cs.Get(dst); err != nil || got.Meta().Name != "c" {
		t.Errorf("stored charm: %v", err)
	}
}
