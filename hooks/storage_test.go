package hooks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd/etcdtest"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// fakeVolume is a machine's block devices: Format makes a device ext4,
// Mount mounts it on a directory (which stays an ordinary directory of
// the unit's root), only once formatted.
type fakeVolume struct {
	formatted map[string]bool
	mounts    map[string]string // dir → device
	calls     []string
}

func newFakeVolume() *fakeVolume {
	return &fakeVolume{formatted: map[string]bool{}, mounts: map[string]string{}}
}

func (v *fakeVolume) Mounted(_ context.Context, dir string) (bool, error) {
	_, ok := v.mounts[dir]
	return ok, nil
}

func (v *fakeVolume) Formatted(_ context.Context, device string) (bool, error) {
	return v.formatted[device], nil
}

func (v *fakeVolume) Format(_ context.Context, device string) error {
	v.calls = append(v.calls, "format "+device)
	v.formatted[device] = true
	return nil
}

func (v *fakeVolume) Mount(_ context.Context, device, dir string) error {
	v.calls = append(v.calls, "mount "+device+" "+dir)
	if !v.formatted[device] {
		return errors.New("wrong fs type, bad option, bad superblock on " + device)
	}
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	v.mounts[dir] = device
	return nil
}

// TestBlockStorageIsPreparedTheWayLayerEtcdDoes: a unit deployed with the
// data storage (a block device, attached before install) formats it,
// mounts it at /media/etcd, records the mount in /etc/fstab, connects
// etcd's removable-media plug and runs its member on /media/etcd/data;
// later hooks touch the device no more.
func TestBlockStorageIsPreparedTheWayLayerEtcdDoes(t *testing.T) {
	s := newScenario(t, 1)
	u := s.units[0]
	u.volume = newFakeVolume()
	u.tools.Storage["data/0"] = juju.Storage{Kind: "block", Location: "/dev/loop0"}
	s.etcd = etcdtest.New("etcd0", "https://10.0.1.0:2380", "https://10.0.0.0:2379")
	s.mustRun(u, juju.Event{Name: "data-storage-attached", StorageID: "data/0"})
	s.mustRun(u, juju.Event{Name: "install"})
	s.mustRun(u, juju.Event{Name: "update-status"})

	dev, mount := u.paths.Join("dev/loop0"), u.paths.StorageMount()
	if want := []string{"format " + dev, "mount " + dev + " " + mount}; strings.Join(u.volume.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("volume calls %q, want %q", u.volume.calls, want)
	}
	fstab, err := os.ReadFile(u.paths.Fstab())
	if err != nil || string(fstab) != "/dev/loop0 /media/etcd ext4 defaults 0 0\n" {
		t.Errorf("fstab %q (%v)", fstab, err)
	}
	if !u.snapd.Connected("etcd", "removable-media") {
		t.Error("etcd:removable-media is not connected")
	}
	conf, _, err := readConf(u)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(mount, "data"); conf.DataDir != want {
		t.Errorf("data-dir %q, want %q", conf.DataDir, want)
	}
	if u.tools.Status.Message != "Healthy with 1 known peer" {
		t.Errorf("status %v", u.tools.Status)
	}
}

// TestStorageAddedToAnAdoptedMemberMovesItsDataUnderTheLock: a member
// adopted on layer-etcd's /var/snap/etcd/current that gets the data
// storage later (juju add-storage) moves its data onto the device in a
// restart it takes in turn, keeping its member.
func TestStorageAddedToAnAdoptedMemberMovesItsDataUnderTheLock(t *testing.T) {
	s := layerEtcdWorld(t)
	for _, n := range []int{0, 1, 2} {
		s.mustRun(s.units[n], juju.Event{Name: "upgrade-charm"})
	}
	s.settle(1, 200, nil)
	u := s.units[1]
	if err := os.WriteFile(filepath.Join(u.paths.SnapData(), "member", "marker"), []byte("etcd1's data"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.volume = newFakeVolume()
	u.tools.Storage["data/0"] = juju.Storage{Kind: "block", Location: "/dev/loop0"}
	order := s.settle(2, 200, map[string][]juju.Event{u.name: {{Name: "data-storage-attached", StorageID: "data/0"}}})
	if strings.Join(order, ",") != u.name {
		t.Errorf("restarts %v, want %s's alone", order, u.name)
	}
	data := filepath.Join(u.paths.StorageMount(), "data")
	if got, err := os.ReadFile(filepath.Join(data, "member", "marker")); err != nil || string(got) != "etcd1's data" {
		t.Errorf("data on the storage: %q, %v", got, err)
	}
	conf, _, err := readConf(u)
	if err != nil {
		t.Fatal(err)
	}
	if conf.DataDir != data {
		t.Errorf("data-dir %q, want %q", conf.DataDir, data)
	}
	if st := charm.DecodeUnitState(u.tools.State); st.DataDir != "" || st.Start.State != "existing" {
		t.Errorf("unit state data dir %q start %+v", st.DataDir, st.Start)
	}
}
