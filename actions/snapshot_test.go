package actions

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestSnapshot(t *testing.T) {
	tests := []struct {
		name, version string // snapshot.version must report the server's
		target, keys  string // params: the archive's directory (machine path), keys-version
		entries       []string
	}{
		{"v3 defaults on 3.5", "3.5.17", "/home/ubuntu/etcd-snapshots", "v3", []string{"db"}},
		{"v3 on 3.6 reports the server's version", "3.6.16", "/srv/backups/etcd", "v3", []string{"db"}},
		{"v2 backup on 3.4", "3.4.23", "/home/ubuntu/etcd-snapshots", "v2", []string{"member/wal/0.wal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 3)
			w.etcd.SetVersion(tt.version)
			w.etcd.Put(99)
			w.d.Now = fixedClock(time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC))
			params := map[string]any{"target": tt.target, "keys-version": tt.keys}
			if code := w.run(t, "snapshot", params); code != 0 || w.tools.ActionFailed != "" {
				t.Fatalf("exit %d, failed %q", code, w.tools.ActionFailed)
			}
			r := w.tools.ActionResults
			path := tt.target + "/etcd-snapshot-2026-11-22-03.04.05.tar.gz"
			if r["snapshot.path"] != path || r["copy.cmd"] != "juju scp etcd/0:"+path+" ." || r["snapshot.version"] != tt.version {
				t.Errorf("results %v", r)
			}
			local := w.d.Paths.Join(path)
			data, err := os.ReadFile(local)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if r["snapshot.sha256"] != hex.EncodeToString(sum[:]) {
				t.Errorf("sha256 %s does not match the archive", r["snapshot.sha256"])
			}
			if r["snapshot.size"] != humanSize(int64(len(data))) {
				t.Errorf("size %s, archive has %d bytes", r["snapshot.size"], len(data))
			}
			if st, _ := os.Stat(local); st.Mode().Perm() != 0o600 {
				t.Errorf("archive mode %v", st.Mode().Perm())
			}
			got := readTarGz(t, local)
			if len(got) != len(tt.entries) {
				t.Errorf("archive holds %v, want %v", got, tt.entries)
			}
			for _, e := range tt.entries {
				if _, ok := got[e]; !ok {
					t.Errorf("archive lacks %s: %v", e, got)
				}
			}
			if db, ok := got["db"]; ok {
				snap, err := etcdtest.ReadSnapshot([]byte(db))
				if err != nil || snap.Revision != 100 || snap.Keys["/etcdtest/100"] != "value at revision 100" {
					t.Errorf("db holds revision %d (%v), want the fake's snapshot at revision 100", snap.Revision, err)
				}
			}
			if left := files(t, w.d.Paths.Join(tt.target)); len(left) != 1 {
				t.Errorf("target holds %v, want only the archive", left)
			}
		})
	}
}

func TestSnapshotFailures(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]any
		arrange func(t *testing.T, w *world)
		failed  string
	}{{
		name:   "bad keys-version",
		params: map[string]any{"keys-version": "v4"},
		failed: "keys-version must be either v2 or v3",
	}, {
		name:    "v2 on an etcd without v2",
		params:  map[string]any{"keys-version": "v2"},
		arrange: func(_ *testing.T, w *world) { w.etcd.SetVersion("3.6.16") },
		failed:  "keys-version v2 needs etcd 3.4 or 3.5, but this unit runs etcd 3.6.16, which has no v2 store",
	}, {
		name:   "relative target",
		params: map[string]any{"target": "snapshots"},
		failed: `target must be an absolute path, got "snapshots"`,
	}, {
		name:   "target below a file",
		params: map[string]any{"target": "/etc/hostname/snapshots"},
		arrange: func(t *testing.T, w *world) {
			os.MkdirAll(w.d.Paths.Join("etc"), 0o755)
			if err := os.WriteFile(w.d.Paths.Join("etc/hostname"), []byte("etcd-0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		failed: "Cannot create the target directory /etc/hostname/snapshots: mkdir",
	}, {
		name:    "local etcd down",
		params:  map[string]any{"target": "/home/ubuntu/etcd-snapshots"},
		arrange: func(_ *testing.T, w *world) { w.etcd.SetDown(clientURL(0), "connection refused") },
		failed:  "Cannot connect to etcd at https://10.0.0.1:2379",
	}, {
		name:    "snapshot stream does not open",
		params:  map[string]any{"target": "/home/ubuntu/etcd-snapshots"},
		arrange: func(_ *testing.T, w *world) { w.etcd.FailSnapshot(-1, errors.New("connection refused")) },
		failed:  "Cannot take a snapshot from https://10.0.0.1:2379 into /home/ubuntu/etcd-snapshots: cannot stream etcd snapshot from https://10.0.0.1:2379: connection refused",
	}, {
		name:    "snapshot stream breaks",
		params:  map[string]any{"target": "/home/ubuntu/etcd-snapshots"},
		arrange: func(_ *testing.T, w *world) { w.etcd.FailSnapshot(6000, errors.New("connection reset")) },
		failed:  "Cannot take a snapshot from https://10.0.0.1:2379 into /home/ubuntu/etcd-snapshots: cannot read the snapshot as it is streamed: connection reset",
	}, {
		name:    "v2 backup fails",
		params:  map[string]any{"target": "/home/ubuntu/etcd-snapshots", "keys-version": "v2"},
		arrange: func(_ *testing.T, w *world) { w.tool.backupErr = errors.New("etcdutl backup: exit status 1: no wal") },
		failed:  "Cannot make a v2 backup of /var/snap/etcd/current/etcd0.etcd: etcdutl backup: exit status 1: no wal",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 1)
			if tt.arrange != nil {
				tt.arrange(t, w)
			}
			w.run(t, "snapshot", tt.params)
			if !strings.Contains(w.tools.ActionFailed, tt.failed) {
				t.Errorf("failed = %q, want %q", w.tools.ActionFailed, tt.failed)
			}
			if left := files(t, w.d.Paths.Join("home/ubuntu/etcd-snapshots")); len(left) != 0 {
				t.Errorf("left behind %v", left)
			}
		})
	}
}

// A full disk fails the action and leaves no partial file: a tiny tmpfs
// (root only) filled up before the snapshot.
func TestSnapshotNoSpace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	w := newWorld(t, 1)
	dir := w.d.Paths.Join("full")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break
		}
	}
	filler.Close()
	w.run(t, "snapshot", map[string]any{"target": "/full"})
	if !strings.Contains(w.tools.ActionFailed, "no space left on device") {
		t.Errorf("failed = %q", w.tools.ActionFailed)
	}
	if left := files(t, dir); len(left) != 1 || left[0] != "filler" {
		t.Errorf("left behind %v", left)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1023: "1023", 1024: "1.0K", 4096: "4.0K", 12 << 20: "12M", 3 << 29: "1.5G"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func files(t *testing.T, dir string) []string { return testkit.ListFiles(t, dir) }
