package snapd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snapcore/snapd/client"
)

// buildTestSnap packs a small etcd snap with fake binaries using mksquashfs.
func buildTestSnap(t *testing.T, version string) string {
	t.Helper()
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		t.Skip("mksquashfs not found: install Debian's squashfs-tools (.ci/run does)")
	}
	tree := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(tree, "bin"), 0o755))
	must(t, os.MkdirAll(filepath.Join(tree, "meta"), 0o755))
	must(t, os.WriteFile(filepath.Join(tree, "bin/etcd"), []byte(fakeEtcd), 0o755))
	must(t, os.WriteFile(filepath.Join(tree, "bin/etcdctl"), []byte(fakeCtl), 0o755))
	must(t, os.WriteFile(filepath.Join(tree, "bin/snap-wrap.sh"), snapWrap, 0o755))
	must(t, os.WriteFile(filepath.Join(tree, "meta/snap.yaml"), []byte(`name: etcd
version: '`+version+`'
summary: test etcd
apps:
  etcd: {command: bin/snap-wrap.sh, daemon: simple}
  etcdctl: {command: bin/etcdctl}
`), 0o644))
	out := filepath.Join(t.TempDir(), "etcd_"+version+".snap")
	if b, err := exec.Command("mksquashfs", tree, out, "-noappend", "-all-root", "-no-progress").CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, b)
	}
	return out
}

func TestSideload(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	path := buildTestSnap(t, "3.6.99")

	id, err := cli.InstallPath(path, "", &client.SnapOptions{Dangerous: true})
	chg := mustDone(t, cli, id, err)
	var name string
	if err := chg.Get("snap-name", &name); err != nil || name != "etcd" {
		t.Fatalf("data snap-name %q %v", name, err)
	}
	if chg.Kind != "install-snap" || chg.Summary != `Install "etcd" snap from file "`+path+`"` {
		t.Fatalf("change %s %q", chg.Kind, chg.Summary)
	}
	s, _, err := cli.Snap("etcd")
	if err != nil {
		t.Fatal(err)
	}
	if s.Revision.String() != "x1" || !s.Revision.Local() || s.Version != "3.6.99" || s.TrackingChannel != "" || s.Channel != "" {
		t.Fatalf("sideloaded: rev %s version %s tracking %q channel %q", s.Revision, s.Version, s.TrackingChannel, s.Channel)
	}
	if _, err := os.Stat(filepath.Join(d.cfg.Root, "var/lib/snapd/snaps/etcd_x1.snap")); err != nil {
		t.Fatalf("blob: %v", err)
	}
	out, err := runWrapper(filepath.Join(d.cfg.Root, "snap/bin/etcd.etcdctl"), "version")
	if err != nil || !strings.Contains(out, "fake etcdctl version") {
		t.Fatalf("etcdctl from the sideload: %q %v", out, err)
	}

	id, err = cli.InstallPath(path, "etcd", &client.SnapOptions{Dangerous: true})
	mustDone(t, cli, id, err)
	if s, _, _ := cli.Snap("etcd"); s.Revision.String() != "x2" {
		t.Fatalf("second sideload: %s", s.Revision)
	}

	_, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapLocal || ce.Message != "cannot perform operation on local snap" {
		t.Fatalf("refresh of a local snap: %+v", ce)
	}
	id, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.5/stable", Amend: true})
	mustDone(t, cli, id, err)
	if s, _, _ := cli.Snap("etcd"); s.Revision.String() != "35035" || s.TrackingChannel != "3.5/stable" {
		t.Fatalf("amend: %s %s", s.Revision, s.TrackingChannel)
	}
	// A sideload over a store install keeps what it tracks.
	id, err = cli.InstallPath(path, "", &client.SnapOptions{Dangerous: true})
	mustDone(t, cli, id, err)
	if s, _, _ := cli.Snap("etcd"); s.Revision.String() != "x3" || s.TrackingChannel != "3.5/stable" {
		t.Fatalf("sideload over store: %s %q", s.Revision, s.TrackingChannel)
	}
}

func TestSideloadRefusals(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	good := buildTestSnap(t, "3.6.99")
	notSnap := filepath.Join(t.TempDir(), "etcd.snap")
	must(t, os.WriteFile(notSnap, []byte("#!/bin/sh\necho I am not a snap\n"), 0o644))
	emptySquash := filepath.Join(t.TempDir(), "empty.snap")
	if b, err := exec.Command("mksquashfs", t.TempDir(), emptySquash, "-noappend", "-no-progress").CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, b)
	}

	tests := []struct {
		name, path, snapName string
		opts                 *client.SnapOptions
		prefix, suffix       string
	}{
		{"no dangerous", good, "", &client.SnapOptions{}, `cannot find signatures with metadata for snap "` + good + `"`, ""},
		{"not a squashfs", notSnap, "", &client.SnapOptions{Dangerous: true}, `cannot read snap file: "`, `" is not a snap or snapdir`},
		{"no snap.yaml", emptySquash, "", &client.SnapOptions{Dangerous: true}, "cannot read snap file: cannot find snap.yaml", ""},
		{"name mismatch", good, "etcd2", &client.SnapOptions{Dangerous: true}, `instance name "etcd2" does not match snap name "etcd"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cli.InstallPath(tc.path, tc.snapName, tc.opts)
			ce := clientErr(t, err)
			if ce.StatusCode != 400 || !strings.HasPrefix(ce.Message, tc.prefix) || !strings.HasSuffix(ce.Message, tc.suffix) {
				t.Fatalf("got %d %q", ce.StatusCode, ce.Message)
			}
		})
	}
	// Refused uploads leave nothing behind.
	left, _ := filepath.Glob(filepath.Join(d.cfg.Root, "var/lib/snapd/snaps/.*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	w := newTestRecorder()
	d.ServeHTTP(w, mustRequest(t, "POST", "/v2/snaps", "x", "text/plain"))
	if env := decodeEnvelope(t, w.Body.String()); env.StatusCode != 400 || env.Result.Message != "unknown content type: text/plain" {
		t.Fatalf("%+v", env)
	}
	w = newTestRecorder()
	d.ServeHTTP(w, mustRequest(t, "POST", "/v2/snaps", "--b\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\ninstall\r\n--b--\r\n",
		"multipart/form-data; boundary=b"))
	if env := decodeEnvelope(t, w.Body.String()); env.Result.Message != `cannot find "snap" file field in provided multipart/form-data payload` {
		t.Fatalf("%+v", env)
	}
}
