package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
	"github.com/etcd-charm/etcd-charm/workload"
)

// fakeSystem records commands; fail makes the named command fail.
type fakeSystem struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]error
}

func (f *fakeSystem) Run(_ context.Context, name string, args ...string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, strings.Join(append([]string{name}, args...), " "))
	if err := f.fail[name]; err != nil {
		return "", err
	}
	return "Removing etcd (3.2.17+dfsg-1) ...\nPurging configuration files for etcd (3.2.17+dfsg-1) ...", nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSnapUpgrade(t *testing.T) {
	tests := []struct {
		name     string
		arrange  func(t *testing.T, w *world)
		channel  string
		result   string
		after    string
		failed   string
		snapCall string
		// untouched: a refusal that must not install or refresh anything.
		untouched bool
	}{{
		name:     "new etcd resource",
		arrange:  func(t *testing.T, w *world) { attach(t, w, "squashfs of 3.6.16") },
		channel:  "auto",
		result:   "installed the attached etcd resource (sha256 ",
		after:    "3.6.16 (local revision x1, channel 3.5/stable)",
		snapCall: "InstallPath",
	}, {
		name:     "refresh to the configured channel",
		channel:  "3.6/stable",
		result:   "refreshed etcd to channel 3.6/stable",
		after:    "3.6.16 (revision 2, channel 3.6/stable)",
		snapCall: "Refresh etcd 3.6/stable",
	}, {
		name:      "nothing to do on auto",
		channel:   "auto",
		failed:    "Nothing to upgrade: this unit runs etcd 3.5.17 (revision 1, channel 3.5/stable), the channel config is auto, and no etcd resource is attached.",
		untouched: true,
	}, {
		// Deployed with the resource and an explicit channel: a hook
		// refreshed the sideloaded file to the store, so the recorded
		// sha256 matches but a store revision runs. The action used to
		// say "the attached etcd resource is the one installed".
		name:    "resource recorded but a store revision runs",
		channel: "3.5/stable",
		arrange: func(t *testing.T, w *world) {
			sum, _, _ := etcdResourceSum(attach(t, w, "squashfs of 3.6.16"))
			changeState(w.tools.State, func(s *charm.UnitState) { s.Resource = sum })
		},
		result:   "installed the attached etcd resource (sha256 ",
		after:    "3.6.16 (local revision x1, channel 3.5/stable)",
		snapCall: "InstallPath",
	}, {
		name:      "nothing to do: the attached resource runs",
		channel:   "3.5",
		arrange:   func(t *testing.T, w *world) { installResource(t, w, "etcd_3.6.16_amd64.snap") },
		failed:    "Nothing to upgrade: this unit runs etcd 3.6.16 (local revision x1, channel 3.5/stable), and the attached etcd resource is the one installed (sha256 ",
		untouched: true,
	}, {
		// A refresh would replace the resource, and the next run would
		// sideload it again: the resource wins until an empty one is
		// attached.
		name:      "the attached resource runs; another channel does not replace it",
		channel:   "3.6/stable",
		arrange:   func(t *testing.T, w *world) { installResource(t, w, "etcd_3.6.16_amd64.snap") },
		failed:    "or an empty one to follow the channel config, then run snap-upgrade again.",
		untouched: true,
	}, {
		name:      "nothing to do on the tracked channel",
		channel:   "3.5",
		failed:    "Nothing to upgrade: this unit runs etcd 3.5.17 (revision 1, channel 3.5/stable), it already tracks the configured channel 3.5/stable, and no etcd resource is attached.",
		untouched: true,
	}, {
		name:    "store refuses the channel",
		channel: "3.9/stable",
		failed:  `Cannot refresh etcd to channel 3.9/stable: cannot refresh snap "etcd": no snap revision on specified channel "3.9/stable"`,
	}, {
		name:    "upgraded etcd does not serve",
		channel: "3.6/stable",
		arrange: notServing,
		failed:  "etcd was upgraded (3.6.16 (revision 2, channel 3.6/stable)) but does not serve within 0s: cannot connect to etcd at [https://10.0.0.1:2379]: context deadline exceeded. It was reverted to 3.5.17 (revision 1, channel 3.6/stable), which does not serve either: cannot connect to etcd at [https://10.0.0.1:2379]: context deadline exceeded",
	}, {
		name:    "upgraded etcd does not serve: reverted, it serves again",
		channel: "3.6/stable",
		arrange: func(t *testing.T, w *world) { notServing(t, w); servesOnRevert(w) },
		failed:  "etcd was upgraded (3.6.16 (revision 2, channel 3.6/stable)) but does not serve within 0s: cannot connect to etcd at [https://10.0.0.1:2379]: context deadline exceeded. It was reverted to 3.5.17 (revision 1, channel 3.6/stable), which serves again.",
	}, {
		// An etcd that says why it exits is reverted at once, with its
		// reason, not after the whole bound.
		name:    "upgraded etcd exits saying why: reverted at once",
		channel: "3.6/stable",
		arrange: func(t *testing.T, w *world) {
			restoreServe, restorePoll = time.Hour, 0
			t.Cleanup(func() { restoreServe, restorePoll = defaultServe, defaultPoll })
			w.snapd.AppendLog("etcd.etcd", `{"level":"fatal","msg":"an old crash"}`)
			w.etcd.SetDown(clientURL(0), "connection refused")
			w.d.Snap = logOnRefresh{upOnRevert{w.snapd, func() { w.etcd.SetUp(clientURL(0)) }}, func() {
				w.snapd.AppendLog("etcd.etcd", `{"level":"fatal","msg":"cannot start","error":"this build is broken"}`)
			}}
		},
		failed: "etcd was upgraded (3.6.16 (revision 2, channel 3.6/stable)) but does not start: cannot start: this build is broken. It was reverted to 3.5.17 (revision 1, channel 3.6/stable), which serves again.",
	}, {
		name: "a new resource that does not serve is reverted, and so is the unit state",
		arrange: func(t *testing.T, w *world) {
			notServing(t, w)
			attach(t, w, "squashfs of a broken 3.6.16")
			servesOnRevert(w)
		},
		channel: "auto",
		failed:  "It was reverted to 3.5.17 (revision 1, channel 3.5/stable), which serves again.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 3)
			w.tools.Config["channel"] = tt.channel
			if tt.arrange != nil {
				tt.arrange(t, w)
			}
			w.snapd.Calls()
			w.run(t, "snap-upgrade", nil)
			calls := strings.Join(w.snapd.Calls(), ";")
			if tt.failed != "" {
				if !strings.Contains(w.tools.ActionFailed, tt.failed) {
					t.Errorf("failed = %q\nwant      %q", w.tools.ActionFailed, tt.failed)
				}
				if tt.untouched && (strings.Contains(calls, "Install") || strings.Contains(calls, "Refresh")) {
					t.Errorf("a refusal changed the snap: %s", calls)
				}
				if strings.Contains(tt.failed, "reverted") {
					if got := w.snapd.Installed("etcd"); got == nil || got.Version != "3.5.17" || got.Revision != "1" {
						t.Errorf("after the revert: %+v, want revision 1 (3.5.17)", got)
					}
					if !strings.Contains(calls, "Revert etcd") {
						t.Errorf("snapd calls %s, want a Revert", calls)
					}
					if r := unitState(w.tools.State).Resource; r != "" {
						t.Errorf("unit state still records resource %s after the revert", r)
					}
					if strings.HasSuffix(tt.failed, "serves again.") && w.tools.ActionResults["etcd.version"] == "" {
						t.Errorf("results %v, want the reverted etcd's version", w.tools.ActionResults)
					}
				}
				return
			}
			if w.tools.ActionFailed != "" {
				t.Fatalf("failed: %s", w.tools.ActionFailed)
			}
			r := w.tools.ActionResults
			if !strings.HasPrefix(r["result"], tt.result) || r["snap.after"] != tt.after || r["snap.before"] != "3.5.17 (revision 1, channel 3.5/stable)" {
				t.Errorf("results %v", r)
			}
			if r["etcd.version"] == "" {
				t.Errorf("no etcd.version: %v", r)
			}
			if !strings.Contains(calls, tt.snapCall) {
				t.Errorf("snapd calls %s, want %s", calls, tt.snapCall)
			}
			if tt.snapCall == "InstallPath" {
				sum, _, _ := etcdResourceSum(w.tools.Resources["etcd"])
				if unitState(w.tools.State).Resource != sum || !strings.HasSuffix(r["result"], sum+")") {
					t.Errorf("state %v, result %s, want the resource's sha256 %s", w.tools.State, r["result"], sum)
				}
			}
		})
	}
}

// installResource attaches a resource file and installs it as the hooks
// do at install: sideloaded (a local revision), its sha256 recorded.
// attach attaches an etcd resource etcd_3.6.16_amd64.snap holding
// content and returns its path.
func attach(t *testing.T, w *world, content string) string {
	t.Helper()
	return attachAs(t, w, "etcd_3.6.16_amd64.snap", content)
}

func attachAs(t *testing.T, w *world, name, content string) string {
	t.Helper()
	res := filepath.Join(t.TempDir(), name)
	writeFile(t, res, content)
	w.tools.Resources["etcd"] = res
	return res
}

// notServing makes the local etcd refuse connections, and snap-upgrade
// give up on it at once.
func notServing(t *testing.T, w *world) {
	restoreServe, restorePoll = 0, 0
	t.Cleanup(func() { restoreServe, restorePoll = defaultServe, defaultPoll })
	w.etcd.SetDown(clientURL(0), "connection refused")
}

// servesOnRevert makes the local etcd serve again once the snap is
// reverted.
func servesOnRevert(w *world) {
	w.d.Snap = upOnRevert{w.snapd, func() { w.etcd.SetUp(clientURL(0)) }}
}

func installResource(t *testing.T, w *world, name string) {
	t.Helper()
	res := attachAs(t, w, name, "squashfs of "+name)
	if err := w.snapd.InstallPath(t.Context(), res); err != nil {
		t.Fatal(err)
	}
	sum, _, _ := etcdResourceSum(res)
	changeState(w.tools.State, func(s *charm.UnitState) { s.Resource = sum })
}

func etcdResourceSum(path string) (string, int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	return sha256Hex(data), len(data), nil
}

// debWorld is a unit of a pre-snap deployment: etcd from the Debian
// package, its data in /var/lib/etcd/default, certificates in
// /etc/ssl/etcd, and no snap yet.
func debWorld(t *testing.T) (*world, *fakeSystem) {
	w := newWorld(t, 1)
	p := w.d.Paths
	writeFile(t, p.Join(dpkgStatus), "Package: adduser\nStatus: install ok installed\nVersion: 3.116\n\nPackage: etcd\nStatus: install ok installed\nVersion: 3.2.17+dfsg-1\nDescription: etcd\n\n")
	writeFile(t, p.Join(debDefaults), "# etcd defaults\nETCD_DATA_DIR=\"/var/lib/etcd/default\"\nETCD_NAME=etcd0\n")
	writeFile(t, p.Join("var/lib/etcd/default/member/snap/db"), "deb data")
	writeFile(t, p.Join("var/lib/etcd/default/member/wal/0.wal"), "deb wal")
	for _, c := range debCerts {
		writeFile(t, p.Join(debCertDir, c), "deb "+c)
	}
	os.Remove(p.ServerCert()) // the snap has none yet
	snapd := snaptest.NewEtcd()
	w.snapd, w.d.Snap = snapd, snapd
	sys := &fakeSystem{fail: map[string]error{}}
	w.d.System = sys
	return w, sys
}

func TestSnapUpgradeMigratesDebianEtcd(t *testing.T) {
	w, sys := debWorld(t)
	p := w.d.Paths
	w.run(t, "snap-upgrade", nil)
	if w.tools.ActionFailed != "" {
		t.Fatalf("failed: %s", w.tools.ActionFailed)
	}
	if got := strings.Join(sys.calls, ";"); got != "systemctl stop etcd;apt-get purge -y etcd" {
		t.Errorf("system calls %s", got)
	}
	if s := w.snapd.Installed("etcd"); s == nil || s.Channel != "3.4/stable" {
		t.Errorf("snap %+v, want etcd from 3.4/stable", s)
	}
	dataDir := p.DataDir("etcd0", "")
	for file, want := range map[string]string{"member/snap/db": "deb data", "member/wal/0.wal": "deb wal"} {
		if got, err := os.ReadFile(filepath.Join(dataDir, file)); err != nil || string(got) != want {
			t.Errorf("%s = %q (%v)", file, got, err)
		}
	}
	if st, _ := os.Stat(dataDir); st == nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v", st)
	}
	for _, c := range debCerts {
		if got, _ := os.ReadFile(filepath.Join(p.SnapCommon(), c)); string(got) != "deb "+c {
			t.Errorf("snap's %s = %q", c, got)
		}
		if workload.Exists(p.Join(debCertDir, c)) {
			t.Errorf("/etc/ssl/etcd/%s not removed", c)
		}
	}
	if workload.Exists(p.Join(debDefaults)) {
		t.Errorf("/etc/default/etcd not removed")
	}
	r := w.tools.ActionResults
	if r["deb.version"] != "3.2.17+dfsg-1" || r["snap.data-dir"] != "/var/snap/etcd/current/etcd0.etcd" || !strings.HasPrefix(r["result"], "migrated the Debian etcd package 3.2.17+dfsg-1 to the etcd snap (3.4/stable)") {
		t.Errorf("results %v", r)
	}
	if r["certificates.copied"] != "server.crt" && !strings.Contains(r["certificates.copied"], "server.crt") {
		t.Errorf("certificates.copied %q", r["certificates.copied"])
	}
}

func TestSnapUpgradeDebianRefusals(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(t *testing.T, w *world, sys *fakeSystem)
		failed  string
		purged  bool
	}{{
		name: "snap already has data",
		arrange: func(t *testing.T, w *world, _ *fakeSystem) {
			writeFile(t, filepath.Join(w.d.Paths.DataDir("etcd0", ""), "member/snap/db"), "snap data")
		},
		failed: "the snap already has data for etcd0 in /var/snap/etcd/current/etcd0.etcd",
	}, {
		name: "package has no data",
		arrange: func(t *testing.T, w *world, _ *fakeSystem) {
			os.RemoveAll(w.d.Paths.Join("var/lib/etcd"))
		},
		failed: "its data directory /var/lib/etcd/default holds no member data",
	}, {
		name: "service does not stop",
		arrange: func(t *testing.T, w *world, sys *fakeSystem) {
			sys.fail["systemctl"] = errors.New("systemctl stop etcd: exit status 5: Unit etcd.service not loaded")
		},
		failed: "Cannot stop the Debian etcd service: systemctl stop etcd: exit status 5",
	}, {
		name: "snap install fails",
		arrange: func(t *testing.T, w *world, _ *fakeSystem) {
			w.snapd.FailNext("Install", fmt.Errorf("cannot install: store unreachable"))
		},
		failed: "Cannot install the etcd snap from 3.4/stable: cannot install: store unreachable (the Debian etcd is stopped; its data is untouched in /var/lib/etcd/default)",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, sys := debWorld(t)
			tt.arrange(t, w, sys)
			w.run(t, "snap-upgrade", nil)
			if !strings.Contains(w.tools.ActionFailed, tt.failed) {
				t.Errorf("failed = %q\nwant      %q", w.tools.ActionFailed, tt.failed)
			}
			for _, c := range sys.calls {
				if strings.HasPrefix(c, "apt-get") {
					t.Errorf("package purged: %v", sys.calls)
				}
			}
			if !workload.Exists(w.d.Paths.Join(debDefaults)) || !workload.Exists(w.d.Paths.Join(debCertDir, "ca.crt")) {
				t.Errorf("package files removed")
			}
		})
	}
}

func TestHostSystemRefusesUnderAnotherRoot(t *testing.T) {
	_, err := NewHostSystem(charm.Paths{Root: t.TempDir()}).Run(t.Context(), "apt-get", "purge", "-y", "etcd")
	if err == nil || !strings.Contains(err.Error(), "it would act on the host") {
		t.Errorf("err = %v", err)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// upOnRevert is snapd whose revert brings etcd back, as the previous
// revision does when the upgraded one is broken.
// logOnRefresh: the refreshed etcd writes to its journal as it starts.
type logOnRefresh struct {
	upOnRevert
	log func()
}

func (l logOnRefresh) Refresh(ctx context.Context, name, channel string) error {
	if err := l.upOnRevert.Refresh(ctx, name, channel); err != nil {
		return err
	}
	l.log()
	return nil
}

type upOnRevert struct {
	*snaptest.Fake
	up func()
}

func (u upOnRevert) Revert(ctx context.Context, name string) error {
	if err := u.Fake.Revert(ctx, name); err != nil {
		return err
	}
	u.up()
	return nil
}

// use-resource (layer-etcd's "Default to using the resource (offline
// environments)") installs from the attached resource only, never from
// the store, and refuses before touching anything without one.
func TestSnapUpgradeUseResource(t *testing.T) {
	attach := func(t *testing.T, w *world) {
		res := filepath.Join(t.TempDir(), "etcd_3.6.16_amd64.snap")
		writeFile(t, res, "squashfs of 3.6.16")
		w.tools.Resources["etcd"] = res
	}
	t.Run("no resource: refused, although the channel would refresh", func(t *testing.T) {
		w := newWorld(t, 3)
		w.tools.Config["channel"] = "3.6/stable"
		w.snapd.Calls()
		w.run(t, "snap-upgrade", map[string]any{"use-resource": true})
		if !strings.Contains(w.tools.ActionFailed, "Param use-resource is set but no etcd resource is attached") {
			t.Errorf("failed = %q", w.tools.ActionFailed)
		}
		if calls := strings.Join(w.snapd.Calls(), ";"); strings.Contains(calls, "Install") || strings.Contains(calls, "Refresh") {
			t.Errorf("a refusal changed the snap: %s", calls)
		}
		if got := w.snapd.Installed("etcd"); got == nil || got.Version != "3.5.17" {
			t.Errorf("installed %+v, want 3.5.17 untouched", got)
		}
	})
	t.Run("without the param the same unit follows the channel", func(t *testing.T) {
		w := newWorld(t, 3)
		w.tools.Config["channel"] = "3.6/stable"
		w.run(t, "snap-upgrade", map[string]any{"use-resource": false})
		if w.tools.ActionFailed != "" || w.tools.ActionResults["result"] != "refreshed etcd to channel 3.6/stable" {
			t.Errorf("failed %q, results %v", w.tools.ActionFailed, w.tools.ActionResults)
		}
	})
	t.Run("a new resource is sideloaded", func(t *testing.T) {
		w := newWorld(t, 3)
		w.tools.Config["channel"] = "3.6/stable"
		attach(t, w)
		w.snapd.Calls()
		w.run(t, "snap-upgrade", map[string]any{"use-resource": true})
		calls := strings.Join(w.snapd.Calls(), ";")
		if w.tools.ActionFailed != "" || !strings.Contains(calls, "InstallPath") || strings.Contains(calls, "Refresh") {
			t.Errorf("failed %q, snapd calls %s", w.tools.ActionFailed, calls)
		}
		if got := w.snapd.Installed("etcd"); got == nil || !got.Local || got.Version != "3.6.16" {
			t.Errorf("installed %+v, want the resource's 3.6.16", got)
		}
	})
	t.Run("Debian migration installs the resource, not the store's", func(t *testing.T) {
		w, sys := debWorld(t)
		attach(t, w)
		w.run(t, "snap-upgrade", map[string]any{"use-resource": true})
		if w.tools.ActionFailed != "" {
			t.Fatalf("failed: %s", w.tools.ActionFailed)
		}
		if s := w.snapd.Installed("etcd"); s == nil || !s.Local || s.Version != "3.6.16" {
			t.Errorf("snap %+v, want the attached resource", s)
		}
		if got := strings.Join(sys.calls, ";"); got != "systemctl stop etcd;apt-get purge -y etcd" {
			t.Errorf("system calls %s", got)
		}
	})
	t.Run("Debian migration without a resource stops nothing", func(t *testing.T) {
		w, sys := debWorld(t)
		w.run(t, "snap-upgrade", map[string]any{"use-resource": true})
		if !strings.Contains(w.tools.ActionFailed, "no etcd resource is attached") {
			t.Errorf("failed = %q", w.tools.ActionFailed)
		}
		if len(sys.calls) != 0 || w.snapd.Installed("etcd") != nil {
			t.Errorf("system calls %v, snap %+v: want nothing touched", sys.calls, w.snapd.Installed("etcd"))
		}
	})
}
