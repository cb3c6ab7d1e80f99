package actions

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

// readableBy reports whether uid:gid (not root) may read path, entering
// every directory from below root to it: what ssh as that user sees.
func readableBy(t *testing.T, root, path string, uid, gid uint32) bool {
	t.Helper()
	can := func(p string, bits fs.FileMode) bool {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		mode := st.Mode().Perm()
		switch {
		case sys.Uid == uid:
			return mode&(bits<<6) != 0
		case sys.Gid == gid:
			return mode&(bits<<3) != 0
		}
		return mode&bits != 0
	}
	for dir := filepath.Dir(path); dir != root && len(dir) > len(root); dir = filepath.Dir(dir) {
		if !can(dir, 0o1) {
			return false
		}
	}
	return can(path, 0o4)
}

// tarModes maps each entry of a tar.gz to its mode.
func tarModes(t *testing.T, path string) map[string]int64 {
	t.Helper()
	modes := map[string]int64{}
	for _, e := range testkit.TarGzEntries(t, path) {
		modes[e.Header.Name] = e.Header.Mode
	}
	return modes
}

// The files actions leave for `juju scp` can be read by the user it logs
// in as (ubuntu: the owner of /home/ubuntu, else uid 1000) and by no one
// else but root, and the keys inside the credentials tarball stay 0600.
func TestFilesForScpAreUbuntus(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user, as the charm runs under Juju")
	}
	for _, home := range []struct {
		name     string
		uid, gid int // the owner of /home/ubuntu; -1: no /home/ubuntu
	}{{"no home directory", -1, -1}, {"ubuntu's home", 1234, 1235}, {"home owned by root", 0, 0}} {
		wantUID, wantGID := uint32(1000), uint32(1000)
		if home.uid > 0 {
			wantUID, wantGID = uint32(home.uid), uint32(home.gid)
		}
		arrangeHome := func(t *testing.T, d Deps) {
			if home.uid < 0 {
				return
			}
			// As on a machine: /home is 0755; an adduser'd home is 0750
			// on Ubuntu 21.04 and later.
			mode := fs.FileMode(0o750)
			if home.uid == 0 {
				mode = 0o755
			}
			if err := os.MkdirAll(d.Paths.Join("home"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(d.Paths.HomeUbuntu(), mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(d.Paths.HomeUbuntu(), home.uid, home.gid); err != nil {
				t.Fatal(err)
			}
		}
		check := func(t *testing.T, d Deps, machinePath string) {
			t.Helper()
			path := d.Paths.Join(machinePath)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			sys := st.Sys().(*syscall.Stat_t)
			if sys.Uid != wantUID || sys.Gid != wantGID || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: owner %d:%d mode %v, want %d:%d 0600", machinePath, sys.Uid, sys.Gid, st.Mode().Perm(), wantUID, wantGID)
			}
			if !readableBy(t, d.Paths.Root, path, wantUID, wantGID) {
				t.Errorf("%s: the scp user %d cannot read it", machinePath, wantUID)
			}
			if readableBy(t, d.Paths.Root, path, 2000, 2000) {
				t.Errorf("%s: another user can read it", machinePath)
			}
		}
		t.Run(home.name+"/snapshots", func(t *testing.T) {
			for _, params := range []map[string]any{
				{"target": "/home/ubuntu/etcd-snapshots", "keys-version": "v3"},
				{"target": "/srv/backups/etcd", "keys-version": "v3"},
				{"target": "/home/ubuntu/etcd-snapshots/v2", "keys-version": "v2"},
			} {
				w := newWorld(t, 1)
				w.etcd.SetVersion("3.5.17")
				arrangeHome(t, w.d)
				if w.run(t, "snapshot", params); w.tools.ActionFailed != "" {
					t.Fatal(w.tools.ActionFailed)
				}
				check(t, w.d, w.tools.ActionResults["snapshot.path"])
			}
		})
		t.Run(home.name+"/restore backup", func(t *testing.T) {
			w, _ := restoreWorld(t, tarGz(t, [2]string{"db", string(withHash(dbBytes(2, 'n')))}))
			arrangeHome(t, w.d)
			if w.run(t, "restore", map[string]any{"target": "/home/ubuntu", "skip-backup": false}); w.tools.ActionFailed != "" {
				t.Fatal(w.tools.ActionFailed)
			}
			check(t, w.d, w.tools.ActionResults["backup.path"])
		})
		t.Run(home.name+"/client credentials", func(t *testing.T) {
			d, tools := setup(t, "client.crt", "client.key", "ca.crt")
			arrangeHome(t, d)
			if code, err := runAction(d, "package-client-credentials"); code != 0 || err != nil {
				t.Fatalf("exit %d, error %v", code, err)
			}
			check(t, d, tools.ActionResults["path"])
			modes := tarModes(t, d.Paths.Join(tools.ActionResults["path"]))
			want := map[string]int64{
				"etcd_credentials/": 0o700, "etcd_credentials/client.key": 0o600, "etcd_credentials/client.crt": 0o600,
				"etcd_credentials/ca.crt": 0o600, "etcd_credentials/README.txt": 0o644,
			}
			for name, mode := range want {
				if modes[name] != mode {
					t.Errorf("%s has mode %o in the tarball, want %o", name, modes[name], mode)
				}
			}
		})
	}
}
