package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/juju/charm/v12"
)

func TestStorageCounts(t *testing.T) {
	meta := "storage:\n  data:\n    type: filesystem\n    multiple:\n      range: 0-1\n  logs:\n    type: block\n    multiple:\n      range: 1-3\n"
	ch := charmFrom(t, meta, "")
	cases := []struct {
		name       string
		directives map[string]string
		want       map[string]int
		err        string
	}{
		{"minimums", nil, map[string]int{"data": 0, "logs": 1}, ""},
		{"count given", map[string]string{"data": "1", "logs": "3"}, map[string]int{"data": 1, "logs": 3}, ""},
		{"pool and size only", map[string]string{"data": "loop,1G"}, map[string]int{"data": 1, "logs": 1}, ""},
		{"pool size count in any order", map[string]string{"logs": "2,10G,loop"}, map[string]int{"data": 0, "logs": 2}, ""},
		{"unknown store", map[string]string{"nosuch": "1"}, nil, `charm "app" has no store called "nosuch"`},
		{"above max", map[string]string{"data": "2"}, nil, `charm "app" store "data": at most 1 instances supported, 2 specified`},
		{"below min", map[string]string{"logs": "0"}, nil, `charm "app" store "logs": 1 instances required, 0 specified`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := storageCounts(ch, tc.directives)
			if errString(err) != tc.err {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if tc.err == "" && (len(got) != len(tc.want) || got["data"] != tc.want["data"] || got["logs"] != tc.want["logs"]) {
				t.Errorf("counts = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMountPoint(t *testing.T) {
	cases := []struct {
		name string
		s    charm.Storage
		id   string
		want string
		err  string
	}{
		{"no location", charm.Storage{CountMax: 1}, "data/0", "/var/lib/juju/storage/data/0", ""},
		{"singleton with location", charm.Storage{Location: "/srv/data", CountMax: 1}, "data/0", "/srv/data", ""},
		{"multiple with location", charm.Storage{Location: "/srv/data", CountMax: -1}, "data/3", "/srv/data/data/3", ""},
		{"location inside Juju's dir", charm.Storage{Location: "/var/lib/juju/storage/x", CountMax: 1}, "data/0", "",
			`invalid location "/var/lib/juju/storage/x": must not fall within "/var/lib/juju/storage"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mountPoint(tc.s, tc.id)
			if got != tc.want || errString(err) != tc.err {
				t.Errorf("got %q %v, want %q %q", got, err, tc.want, tc.err)
			}
		})
	}
}

// A block store gets a loop-like device file that storage-get answers;
// add-storage on a running unit fires storage-attached for the new
// instance; the maximum count is enforced with Juju's text.
func TestBlockStorageAndAddStorage(t *testing.T) {
	c := startController(t, 1)
	ch := testCharm(t)
	meta := filepath.Join(ch, "metadata.yaml")
	data, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	md := strings.Replace(string(data), "    type: filesystem\n    location: /srv/testdata\n",
		"    type: filesystem\n    location: /srv/testdata\n  disks:\n    type: block\n    minimum-size: 10M\n    multiple:\n      range: 1-2\n", 1)
	if md == string(data) {
		t.Fatal("test charm's storage section changed; update this test")
	}
	if err := os.WriteFile(meta, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 1}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	evs := events(t, c, "testcharm/0")
	i := index(evs, "disks-storage-attached", "")
	if i < 0 || i > index(evs, "install", "") {
		t.Fatalf("disks-storage-attached before install: %s", hooks(evs))
	}
	root := evs[i].Env["SNAPPY_GLOBAL_ROOT"]
	if evs[i].Storage != root+"/dev/loop0" || evs[i].Env["JUJU_STORAGE_KIND"] != "block" {
		t.Errorf("block storage: location %q kind %q", evs[i].Storage, evs[i].Env["JUJU_STORAGE_KIND"])
	}
	if fi, err := os.Stat(root + "/dev/loop0"); err != nil || fi.Size() != 10<<20 {
		t.Errorf("device file: %v %v", fi, err)
	}

	ids, err := c.AddStorage("testcharm/0", "disks", "1")
	if err != nil || len(ids) != 1 || ids[0] != "disks/1" {
		t.Fatalf("add-storage: %v %v", ids, err)
	}
	waitIdle(t, c, 60*time.Second)
	evs = events(t, c, "testcharm/0")
	last := evs[len(evs)-1]
	if last.Hook != "disks-storage-attached" || last.Env["JUJU_STORAGE_ID"] != "disks/1" || last.Storage != root+"/dev/loop1" {
		t.Errorf("after add-storage: %s, last %+v", hooks(evs), last.Env)
	}
	_, err = c.AddStorage("testcharm/0", "disks", "")
	if want := `adding "disks" storage to testcharm/0: attaching 1 storage instances brings the total to 3, exceeding the maximum of 2`; errString(err) != want {
		t.Errorf("add-storage above max: %v", err)
	}
}

// A refresh whose charm adds a required store gives each unit its minimum
// (Juju's upgradeStorageOps), and the unit attaches it.
func TestRefreshAddsRequiredStorage(t *testing.T) {
	c := startController(t, 1)
	ch := testCharm(t)
	if err := c.Deploy(DeployArgs{Charm: ch, NumUnits: 1}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	meta := filepath.Join(ch, "metadata.yaml")
	data, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	md := string(data) + "  extra:\n    type: filesystem\n    multiple:\n      range: 1-2\n"
	if err := os.WriteFile(meta, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(RefreshArgs{App: "testcharm", Path: ch}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, c, 60*time.Second)
	evs := events(t, c, "testcharm/0")
	i := index(evs, "extra-storage-attached", "")
	if i < 0 || evs[i].Storage != evs[i].Env["SNAPPY_GLOBAL_ROOT"]+"/var/lib/juju/storage/extra/0" || index(evs, "upgrade-charm", "") < 0 {
		t.Errorf("after refresh: %s", hooks(evs))
	}
}
