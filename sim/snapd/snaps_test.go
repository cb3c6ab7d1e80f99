package snapd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"
)

func TestInstallPollsToDoneAndDescribesTheSnap(t *testing.T) {
	_, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.4.23", "3.5.35", "3.6.16")})

	_, _, err := cli.Snap("etcd")
	ce := clientErr(t, err)
	if ce.Kind != client.ErrorKindSnapNotFound || ce.Message != "snap not installed" || ce.Value != "etcd" {
		t.Fatalf("Snap before install: %+v", ce)
	}

	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	if err != nil {
		t.Fatal(err)
	}
	chg, seen := waitChange(t, cli, id)
	if chg.Status != "Done" || chg.Kind != "install-snap" || chg.Summary != `Install "etcd" snap from "3.5/stable" channel` {
		t.Fatalf("change: %s %s %q err=%q", chg.Status, chg.Kind, chg.Summary, chg.Err)
	}
	if len(seen) < 2 || seen[len(seen)-1] != "Done" || seen[0] == "Done" {
		t.Fatalf("statuses seen while polling: %v, want Do/Doing before Done", seen)
	}
	if chg.SpawnTime.IsZero() || chg.ReadyTime.IsZero() {
		t.Fatalf("times: spawn %v ready %v", chg.SpawnTime, chg.ReadyTime)
	}

	snap, _, err := cli.Snap("etcd")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != "3.5.35" || snap.TrackingChannel != "3.5/stable" || snap.Revision.String() != "35035" ||
		snap.Status != "active" || snap.InstallDate.IsZero() || snap.Confinement != "strict" {
		t.Fatalf("snap: version %s tracking %s rev %s status %s date %v", snap.Version, snap.TrackingChannel,
			snap.Revision, snap.Status, snap.InstallDate)
	}
	apps := map[string]string{}
	for _, a := range snap.Apps {
		apps[a.Name] = a.Daemon
	}
	if !reflect.DeepEqual(apps, map[string]string{"etcd": "simple", "etcdctl": ""}) {
		t.Fatalf("apps: %v", apps)
	}

	// Short channel names are tracked in full form.
	id, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.6"})
	mustDone(t, cli, id, err)
	snap, _, err = cli.Snap("etcd")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != "3.6.16" || snap.TrackingChannel != "3.6/stable" {
		t.Fatalf("after refresh: %s %s", snap.Version, snap.TrackingChannel)
	}
}

func TestSnapErrors(t *testing.T) {
	_, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.4.23", "3.5.35")})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.4/stable"})
	mustDone(t, cli, id, err)

	tests := []struct {
		name    string
		call    func() error
		status  int
		kind    client.ErrorKind
		message string
		value   any
	}{
		{"install again", func() error { _, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"}); return err },
			400, client.ErrorKindSnapAlreadyInstalled, `snap "etcd" is already installed`, "etcd"},
		{"install unknown", func() error { _, err := cli.Install("nosuch", nil); return err },
			404, client.ErrorKindSnapNotFound, "snap not found", "nosuch"},
		{"refresh absent", func() error { _, err := cli.Refresh("core", nil); return err },
			400, client.ErrorKindSnapNotInstalled, `snap "core" is not installed`, "core"},
		{"remove absent", func() error { _, err := cli.Remove("core", nil); return err },
			400, client.ErrorKindSnapNotInstalled, `snap "core" is not installed`, "core"},
		{"refresh same channel", func() error { _, err := cli.Refresh("etcd", nil); return err },
			400, client.ErrorKindSnapNoUpdateAvailable, "snap has no updates available", nil},
		{"bad channel syntax", func() error { _, err := cli.Install("core", &client.SnapOptions{Channel: "a/b/c/d"}); return err },
			400, "", "channel name has too many components: a/b/c/d", nil},
		{"unknown revision", func() error { _, err := cli.Refresh("etcd", &client.SnapOptions{Revision: "7"}); return err },
			404, client.ErrorKindSnapRevisionNotAvailable, "no snap revision available as specified", "etcd"},
		{"conf unset key", func() error { _, err := cli.Conf("core", []string{"refresh.timer"}); return err },
			400, client.ErrorKindConfigNoSuchOption, `snap "core" has no "refresh.timer" configuration option`,
			map[string]any{"SnapName": "core", "Key": "refresh.timer"}},
		{"conf of absent snap", func() error { _, err := cli.SetConf("nosuch", map[string]any{"a": 1}); return err },
			404, client.ErrorKindSnapNotFound, `snap "nosuch" is not installed`, "nosuch"},
		{"apps of unknown snap", func() error { _, err := cli.Apps([]string{"nosuch"}, client.AppOptions{}); return err },
			404, client.ErrorKindSnapNotFound, `snap "nosuch" not found`, "nosuch"},
		{"restart a non-service", func() error { _, err := cli.Restart([]string{"etcd.etcdctl"}, client.RestartOptions{}); return err },
			404, client.ErrorKindAppNotFound, `snap "etcd" has no service "etcdctl"`, nil},
		{"unknown change", func() error { _, err := cli.Change("9999"); return err },
			404, "", `cannot find change with id "9999"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ce := clientErr(t, tc.call())
			if ce.StatusCode != tc.status || ce.Kind != tc.kind || ce.Message != tc.message {
				t.Fatalf("got %d %q %q, want %d %q %q", ce.StatusCode, ce.Kind, ce.Message, tc.status, tc.kind, tc.message)
			}
			if !reflect.DeepEqual(normalise(ce.Value), tc.value) {
				t.Fatalf("value %#v, want %#v", ce.Value, tc.value)
			}
		})
	}
}

// normalise turns "" (omitted value) into nil for comparison.
func normalise(v any) any {
	if s, ok := v.(string); ok && s == "" {
		return nil
	}
	return v
}

func TestChannelNotAvailableListsReleases(t *testing.T) {
	_, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	_, err := cli.Install("etcd", &client.SnapOptions{Channel: "9.9/stable"})
	ce := clientErr(t, err)
	if ce.StatusCode != 404 || ce.Kind != client.ErrorKindSnapChannelNotAvailable || ce.Message != "no snap revision on specified channel" {
		t.Fatalf("%+v", ce)
	}
	v, ok := ce.Value.(map[string]any)
	if !ok {
		t.Fatalf("value %T", ce.Value)
	}
	if v["snap-name"] != "etcd" || v["action"] != "install" || v["channel"] != "9.9/stable" || v["architecture"] != debianArch() {
		t.Fatalf("value %v", v)
	}
	rels, _ := v["releases"].([]any)
	var chans []string
	for _, r := range rels {
		chans = append(chans, r.(map[string]any)["channel"].(string))
	}
	if want := []string{"3.5/stable", "3.5/candidate", "3.5/beta", "3.5/edge"}; !reflect.DeepEqual(chans, want) {
		t.Fatalf("releases %v, want %v", chans, want)
	}
}

func TestFindReportsChannelsAndTracks(t *testing.T) {
	_, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.4.23", "3.5.35", "3.6.16")})
	s, _, err := cli.FindOne("etcd")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Tracks, []string{"3.4", "3.5", "3.6"}) || s.Status != "available" {
		t.Fatalf("tracks %v status %s", s.Tracks, s.Status)
	}
	ch, ok := s.Channels["3.6/edge"]
	if !ok || ch.Version != "3.6.16" || ch.Revision.String() != "36016" || ch.Confinement != "strict" {
		t.Fatalf("3.6/edge: %+v", ch)
	}
	if len(s.Channels) != 12 {
		t.Fatalf("%d channels, want 12", len(s.Channels))
	}
	_, _, err = cli.FindOne("nosuch")
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapNotFound {
		t.Fatalf("%+v", ce)
	}
}

// A test publishes a newer revision by rewriting the catalogue file; the
// running daemon refreshes to it, and a channel switch to a channel with the
// same revision only changes the tracking channel.
func TestCatalogueFileDrivesRefresh(t *testing.T) {
	bins := fakeBins(t, "3.5.35")
	cat, err := DefaultCatalogue(bins)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "catalogue.yaml")
	must(t, cat.Write(file))
	_, cli := startDaemon(t, Config{Bins: bins, CatalogueFile: file})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)

	id, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.5/edge"})
	chg := mustDone(t, cli, id, err)
	if chg.Kind != "refresh-snap" || len(chg.Tasks) != 1 || chg.Tasks[0].Kind != "switch-snap-channel" {
		t.Fatalf("channel switch change: %s %+v", chg.Kind, chg.Tasks)
	}
	if s, _, _ := cli.Snap("etcd"); s.TrackingChannel != "3.5/edge" || s.Revision.String() != "35035" {
		t.Fatalf("after switch: %s %s", s.TrackingChannel, s.Revision)
	}

	time.Sleep(10 * time.Millisecond) // a distinct mtime
	cat.snap("etcd").Channels["3.5/edge"] = Release{Revision: 35036, Version: "3.5.35"}
	must(t, cat.Write(file))
	id, err = cli.Refresh("etcd", nil)
	mustDone(t, cli, id, err)
	if s, _, _ := cli.Snap("etcd"); s.Revision.String() != "35036" || s.TrackingChannel != "3.5/edge" {
		t.Fatalf("after publish: %s %s", s.Revision, s.TrackingChannel)
	}
	_, err = cli.Refresh("etcd", nil)
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapNoUpdateAvailable {
		t.Fatalf("%+v", ce)
	}
}

func TestCatalogueValidation(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no name", "snaps: [{channels: {3.5/stable: {revision: 1, version: x}}}]", "has no name"},
		{"branch", "snaps: [{name: etcd, channels: {3.5/stable/fix: {revision: 1, version: x}}}]", "must be <track>/<risk>"},
		{"bad risk", "snaps: [{name: etcd, channels: {3.5/shiny: {revision: 1, version: x}}}]", "invalid risk"},
		{"no revision", "snaps: [{name: etcd, channels: {3.5/stable: {version: x}}}]", "positive revision"},
		{"twice", "snaps: [{name: etcd}, {name: etcd}]", "listed twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			must(t, os.WriteFile(file, []byte(tc.yaml), 0o644))
			_, err := LoadCatalogue(file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// The layout snapd makes: mounts, current symlinks, SNAP_DATA copied on
// refresh and kept for revert, and /snap/bin wrappers that run.
func TestLayoutCopyDataAndRevert(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.4.23", "3.5.35")})
	root := d.cfg.Root
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.4/stable"})
	mustDone(t, cli, id, err)
	must(t, os.WriteFile(filepath.Join(root, "var/snap/etcd/current/member.db"), []byte("v1"), 0o600))

	id, err = cli.Refresh("etcd", &client.SnapOptions{Channel: "3.5/stable", Amend: true})
	mustDone(t, cli, id, err)
	for _, link := range []string{"snap/etcd/current", "var/snap/etcd/current"} {
		if got, _ := os.Readlink(filepath.Join(root, link)); got != "35035" {
			t.Fatalf("%s -> %q", link, got)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, "var/snap/etcd/35035/member.db"))
	if err != nil || string(data) != "v1" {
		t.Fatalf("copied data: %q %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(root, "var/snap/etcd/34023/member.db")); err != nil {
		t.Fatalf("old revision's data not kept: %v", err)
	}
	out, err := runWrapper(filepath.Join(root, "snap/bin/etcd.etcdctl"), "member", "list")
	if err != nil || !strings.Contains(out, "fake etcdctl member list") {
		t.Fatalf("etcd.etcdctl: %q %v", out, err)
	}
	wrapper, _ := os.ReadFile(filepath.Join(root, "snap/bin/etcd.etcdctl"))
	if !strings.Contains(string(wrapper), "SNAP_COMMON='"+root+"/var/snap/etcd/common'") {
		t.Fatalf("wrapper env:\n%s", wrapper)
	}

	must(t, os.WriteFile(filepath.Join(root, "var/snap/etcd/current/member.db"), []byte("v2"), 0o600))
	id, err = cli.Revert("etcd", nil)
	mustDone(t, cli, id, err)
	s, _, _ := cli.Snap("etcd")
	if s.Revision.String() != "34023" || s.Version != "3.4.23" {
		t.Fatalf("after revert: %s %s", s.Revision, s.Version)
	}
	data, _ = os.ReadFile(filepath.Join(root, "var/snap/etcd/current/member.db"))
	if string(data) != "v1" {
		t.Fatalf("revert should bring back the old revision's data, got %q", data)
	}

	id, err = cli.Remove("etcd", nil)
	mustDone(t, cli, id, err)
	for _, p := range []string{"snap/etcd", "var/snap/etcd", "snap/bin/etcd", "snap/bin/etcd.etcdctl"} {
		if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Fatalf("%s left after remove: %v", p, err)
		}
	}
}

// State survives a daemon restart, like snapd's state.json.
func TestStateSurvivesRestart(t *testing.T) {
	root := t.TempDir()
	bins := fakeBins(t, "3.5.35")
	d, cli := startDaemon(t, Config{Root: root, Bins: bins})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
	id, err = cli.SetConf("core", map[string]any{"refresh.timer": "fri5"})
	mustDone(t, cli, id, err)
	d.Close()

	raw, err := os.ReadFile(filepath.Join(root, "var/lib/snapd/state.json"))
	if err != nil || !json.Valid(raw) {
		t.Fatalf("state.json: %v", err)
	}
	_, cli2 := startDaemon(t, Config{Root: root, Bins: bins})
	s, _, err := cli2.Snap("etcd")
	if err != nil || s.TrackingChannel != "3.5/stable" {
		t.Fatalf("after restart: %v %+v", err, s)
	}
	conf, err := cli2.Conf("core", []string{"refresh.timer"})
	if err != nil || conf["refresh.timer"] != "fri5" {
		t.Fatalf("conf after restart: %v %v", conf, err)
	}
}
