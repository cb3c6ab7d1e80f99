package workload

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
)

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "server.key")
	if wrote, err := WriteFile(path, []byte("KEY"), 0o600); err != nil || !wrote {
		t.Fatalf("first write: %t, %v", wrote, err)
	}
	if wrote, err := WriteFile(path, []byte("KEY"), 0o600); err != nil || wrote {
		t.Errorf("same content and mode rewritten: %t, %v", wrote, err)
	}
	if wrote, err := WriteFile(path, []byte("KEY"), 0o644); err != nil || !wrote {
		t.Errorf("new mode not written: %t, %v", wrote, err)
	}
	st, _ := os.Stat(path)
	b, _ := os.ReadFile(path)
	if st.Mode().Perm() != 0o644 || string(b) != "KEY" {
		t.Errorf("file %q mode %v", b, st.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestReadEtcdConfig(t *testing.T) {
	p := charm.Paths{Root: t.TempDir()}
	if _, _, err := ReadEtcdConfig(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	conf := charm.EtcdConfig{Name: "etcd0", AdvertiseClientURLs: "https://10.0.0.1:2379"}
	if _, err := WriteFile(p.ConfigFile(), conf.Render(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, raw, err := ReadEtcdConfig(p)
	if err != nil || got.Name != "etcd0" || got.ClientURL() != "https://10.0.0.1:2379" || string(raw) != string(conf.Render()) {
		t.Errorf("read %+v, %v", got, err)
	}
}

func TestEtcdResource(t *testing.T) {
	tools := jujutest.New("etcd/0")
	if err := tools.Hook(func() error {
		if path, sum, err := EtcdResource(t.Context(), tools); path != "" || sum != "" || err != nil {
			t.Errorf("no resource: %q %q %v", path, sum, err)
		}
		empty := filepath.Join(t.TempDir(), "empty.snap")
		os.WriteFile(empty, nil, 0o644)
		tools.Resources["etcd"] = empty
		if path, _, err := EtcdResource(t.Context(), tools); path != "" || err != nil {
			t.Errorf("empty resource (use the store): %q %v", path, err)
		}
		snap := filepath.Join(t.TempDir(), "etcd.snap")
		os.WriteFile(snap, []byte("squashfs"), 0o644)
		tools.Resources["etcd"] = snap
		want := sha256.Sum256([]byte("squashfs"))
		if path, sum, err := EtcdResource(t.Context(), tools); path != snap || sum != hex.EncodeToString(want[:]) || err != nil {
			t.Errorf("resource: %q %q %v", path, sum, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestNewToken(t *testing.T) {
	a, b := NewToken(), NewToken()
	if !regexp.MustCompile(`^[A-Z0-9]{6}$`).MatchString(a) || a == b {
		t.Errorf("tokens %q, %q; want two different 6-character [A-Z0-9] tokens", a, b)
	}
}
