package snap_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/internal/snap/snaptest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/snapd"
)

// backend is one implementation of snap.Client the contract runs on.
type backend struct {
	client snap.Client
	// configure prepares etcd.etcd to serve once started (the charm
	// writes etcd.conf.yml); serving checks it does. Both may be nil.
	configure func(t *testing.T)
	serving   func(t *testing.T)
	// snapFile returns a sideloadable etcd .snap of version 3.6.99, or
	// skips.
	snapFile func(t *testing.T) string
}

// TestContractFake runs the contract on the snaptest fake, so the fake
// the charm's unit tests use behaves like snapd where the charm looks.
func TestContractFake(t *testing.T) {
	contract(t, backend{client: snaptest.NewEtcd(), snapFile: func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "etcd_3.6.99.snap")
		if err := os.WriteFile(path, []byte("hsqs"), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}})
}

// TestContractSimSnapd runs the contract with the real adapter against
// jujusim's snapd, in-process, serving real etcd binaries: etcd.etcd
// really runs and answers /health.
func TestContractSimSnapd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real etcd processes")
	}
	bins := testkit.EtcdBins(t)
	if _, err := snapd.DefaultCatalogue(bins); err != nil {
		t.Skipf("no etcd releases: %v (make etcd-bins)", err)
	}
	root := t.TempDir()
	// The contract is snapd's API, which the fake serves too; systemd's
	// start rate limit (5 starts in 10 s, which this suite's quick
	// start/stop/restart/refresh sequence exceeds, as it would on a real
	// machine) is not part of it: sim/snapd's own tests cover the limit, so
	// it is off here.
	d, err := snapd.New(snapd.Config{Root: root, Bins: bins, RestartDelay: 100 * time.Millisecond, StopTimeout: 5 * time.Second,
		StartLimitInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- d.Serve(context.Background()) }()
	t.Cleanup(func() {
		d.Close()
		select {
		case <-served:
		case <-time.After(20 * time.Second):
			t.Error("sim snapd did not stop within 20 s")
		}
	})

	c := snap.New(snapd.SocketPath(root))
	c.ConflictBackoff = 10 * time.Millisecond
	ip := "127.0.44.1"
	client := fmt.Sprintf("http://%s:%d", ip, testkit.FreePort(t, ip))
	peer := fmt.Sprintf("http://%s:%d", ip, testkit.FreePort(t, ip))
	contract(t, backend{
		client:   c,
		snapFile: buildSnap,
		configure: func(t *testing.T) {
			common := filepath.Join(root, "var/snap/etcd/common")
			conf := fmt.Sprintf("name: m0\ndata-dir: %s\nlisten-client-urls: %s\nadvertise-client-urls: %s\n"+
				"listen-peer-urls: %s\ninitial-advertise-peer-urls: %s\ninitial-cluster: m0=%s\n"+
				"initial-cluster-state: new\n",
				filepath.Join(root, "var/snap/etcd/current/m0.etcd"), client, client, peer, peer, peer)
			if err := os.MkdirAll(common, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(common, "etcd.conf.yml"), []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		serving: func(t *testing.T) {
			testkit.Eventually(t, 30*time.Second, "etcd /health", func() error {
				hc := http.Client{Timeout: time.Second}
				resp, err := hc.Get(client + "/health")
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if !strings.Contains(string(body), `"health":"true"`) {
					return fmt.Errorf("%s", body)
				}
				return nil
			})
		},
	})

	// snapd's faults: a change conflict is retried; a failing change
	// reports snapd's err text.
	ctx := context.Background()
	d.SetFaults(snapd.Faults{ConflictNext: true})
	if err := c.Restart(ctx, "etcd.etcd"); err != nil {
		t.Errorf("Restart after a change conflict: %v", err)
	}
	d.SetFaults(snapd.Faults{FailNext: "disk on fire"})
	if err := c.Restart(ctx, "etcd.etcd"); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Restart with a failing change = %v, want snapd's err text", err)
	}
}

// contract is what the charm relies on, checked on a backend.
func contract(t *testing.T, b backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := b.client
	if _, err := c.Snap(ctx, "etcd"); !errors.Is(err, snap.ErrNotInstalled) {
		t.Fatalf("Snap before install = %v, want ErrNotInstalled", err)
	}
	channels, err := c.Channels(ctx, "etcd")
	if err != nil {
		t.Fatal(err)
	}
	for _, track := range []string{"3.4", "3.5", "3.6"} {
		if v := channels[track+"/stable"]; !strings.HasPrefix(v, track+".") {
			t.Errorf("channel %s/stable serves %q (channels %v)", track, v, channels)
		}
	}
	if err := c.Install(ctx, "nosuch", "stable"); err == nil {
		t.Error("Install of a snap the store lacks succeeded")
	}
	if err := c.Refresh(ctx, "nosuch", "stable"); !errors.Is(err, snap.ErrNotInstalled) {
		t.Errorf("Refresh of an absent snap = %v, want ErrNotInstalled", err)
	}
	if err := c.Install(ctx, "etcd", "3.5/stable"); err != nil {
		t.Fatal(err)
	}
	s, err := c.Snap(ctx, "etcd")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Version, "3.5.") || s.Channel != "3.5/stable" || s.Revision == "" || s.Local || s.Name != "etcd" {
		t.Errorf("installed snap = %+v", s)
	}
	if err := c.Revert(ctx, "etcd"); err == nil {
		t.Error("Revert of a first install succeeded; there is nothing to revert to")
	}
	if err := c.Revert(ctx, "nosuch"); !errors.Is(err, snap.ErrNotInstalled) {
		t.Errorf("Revert of an absent snap = %v, want ErrNotInstalled", err)
	}
	if err := c.Install(ctx, "etcd", "3.6/stable"); !errors.Is(err, snap.ErrAlreadyInstalled) {
		t.Errorf("second Install = %v, want ErrAlreadyInstalled", err)
	}
	if err := c.Refresh(ctx, "etcd", "3.5/stable"); err != nil {
		t.Errorf("Refresh with nothing newer = %v, want nil", err)
	}
	if again, _ := c.Snap(ctx, "etcd"); again == nil || again.Revision != s.Revision {
		t.Errorf("after a no-op refresh: %+v, want revision %s", again, s.Revision)
	}

	if v, err := c.Conf(ctx, "core", "refresh.timer"); v != "" || err != nil {
		t.Errorf("unset refresh.timer = %q, %v", v, err)
	}
	if err := c.SetConf(ctx, "core", "refresh.timer", "fri5"); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Conf(ctx, "core", "refresh.timer"); v != "fri5" || err != nil {
		t.Errorf("refresh.timer = %q, %v; want fri5", v, err)
	}

	// The etcd snap has no configure hook: snapd accepts snap set, then
	// the change fails.
	if err := c.SetConf(ctx, "etcd", "x", "y"); err == nil || !strings.Contains(err.Error(), `"configure" hook`) {
		t.Errorf("SetConf on etcd = %v, want the missing configure hook", err)
	}

	if b.configure != nil {
		b.configure(t)
	}
	if err := c.Start(ctx, "etcd.etcd"); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, true)
	if b.serving != nil {
		b.serving(t)
	}
	if err := c.Refresh(ctx, "etcd", "3.6/stable"); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Snap(ctx, "etcd"); s == nil || !strings.HasPrefix(s.Version, "3.6.") || s.Channel != "3.6/stable" {
		t.Errorf("after refresh to 3.6: %+v", s)
	}
	if err := c.Restart(ctx, "etcd.etcd"); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, true)
	if b.serving != nil {
		b.serving(t)
	}
	// Revert goes back to the 3.5 revision, and snapd starts etcd again.
	if err := c.Revert(ctx, "etcd"); err != nil {
		t.Fatal(err)
	}
	// snapd keeps tracking the channel: a revert changes the revision,
	// not what the snap follows (auto-refresh skips the reverted one).
	if r, _ := c.Snap(ctx, "etcd"); r == nil || r.Revision != s.Revision || !strings.HasPrefix(r.Version, "3.5.") || r.Channel != "3.6/stable" {
		t.Errorf("after revert: %+v, want revision %s (3.5) tracking 3.6/stable", r, s.Revision)
	}
	waitActive(t, c, true)
	if b.serving != nil {
		b.serving(t)
	}
	if err := c.Refresh(ctx, "etcd", "3.6/stable"); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Snap(ctx, "etcd"); r == nil || !strings.HasPrefix(r.Version, "3.6.") {
		t.Errorf("refresh after revert: %+v, want 3.6", r)
	}
	if err := c.Stop(ctx, "etcd.etcd"); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, false)
	if _, err := c.Active(ctx, "etcd.nosuch"); err == nil {
		t.Error("Active of an unknown service succeeded")
	}
	// etcd's journal, where the charm reads why it stopped: at most the
	// lines asked for.
	if lines, err := c.Logs(ctx, "etcd.etcd", 3); err != nil || len(lines) > 3 {
		t.Errorf("Logs(etcd.etcd, 3) = %d lines, %v", len(lines), err)
	}
	if _, err := c.Logs(ctx, "etcd.nosuch", 3); err == nil {
		t.Error("Logs of an unknown service succeeded")
	}

	// A sideload (the charm's etcd resource) is a local revision that
	// keeps the tracking channel; a refresh brings the store's back.
	path := b.snapFile(t)
	if err := c.InstallPath(ctx, path); err != nil {
		t.Fatal(err)
	}
	s, err = c.Snap(ctx, "etcd")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Local || s.Revision != "x1" || s.Version != "3.6.99" || s.Channel != "3.6/stable" {
		t.Errorf("sideloaded snap = %+v", s)
	}
	if err := c.Refresh(ctx, "etcd", "3.6/stable"); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Snap(ctx, "etcd"); s == nil || s.Local || !strings.HasPrefix(s.Version, "3.6.") || s.Version == "3.6.99" {
		t.Errorf("after refreshing the sideloaded snap: %+v", s)
	}
}

// buildSnap packs a minimal etcd snap (no real binaries: it is never
// started) with mksquashfs, for the sim's sideload.
func buildSnap(t *testing.T) string {
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		t.Skip("mksquashfs not found: install Debian's squashfs-tools")
	}
	tree := t.TempDir()
	files := map[string]string{
		"meta/snap.yaml": "name: etcd\nversion: '3.6.99'\nsummary: test etcd\napps:\n" +
			"  etcd: {command: bin/snap-wrap.sh, daemon: simple}\n  etcdctl: {command: bin/etcdctl}\n",
		"bin/snap-wrap.sh": "#!/bin/sh\nexit 0\n",
		"bin/etcdctl":      "#!/bin/sh\nexit 0\n",
	}
	for name, data := range files {
		path := filepath.Join(tree, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "etcd_3.6.99.snap")
	if b, err := exec.Command("mksquashfs", tree, out, "-noappend", "-all-root", "-no-progress").CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, b)
	}
	return out
}

func waitActive(t *testing.T, c snap.Client, want bool) {
	t.Helper()
	testkit.Eventually(t, 20*time.Second, fmt.Sprintf("etcd.etcd active=%v", want), func() error {
		got, err := c.Active(context.Background(), "etcd.etcd")
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("active=%v", got)
		}
		return nil
	})
}
