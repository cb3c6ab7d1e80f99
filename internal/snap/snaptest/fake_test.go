package snaptest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/snap"
)

func TestInstallRefreshSideload(t *testing.T) {
	ctx := context.Background()
	f := NewEtcd()
	if _, err := f.Snap(ctx, "etcd"); !errors.Is(err, snap.ErrNotInstalled) {
		t.Fatalf("Snap before install = %v, want ErrNotInstalled", err)
	}
	steps := []struct {
		name    string
		do      func() error
		wantErr error
		want    *snap.Snap // after the step
	}{
		{"unknown channel", func() error { return f.Install(ctx, "etcd", "9.9/stable") }, nil, nil},
		{"install 3.4", func() error { return f.Install(ctx, "etcd", "3.4/stable") }, nil,
			&snap.Snap{Name: "etcd", Version: "3.4.23", Revision: "1", Channel: "3.4/stable"}},
		{"install again", func() error { return f.Install(ctx, "etcd", "3.5/stable") }, snap.ErrAlreadyInstalled,
			&snap.Snap{Name: "etcd", Version: "3.4.23", Revision: "1", Channel: "3.4/stable"}},
		{"refresh nothing newer", func() error { return f.Refresh(ctx, "etcd", "3.4") }, nil,
			&snap.Snap{Name: "etcd", Version: "3.4.23", Revision: "1", Channel: "3.4/stable"}},
		{"refresh to 3.5", func() error { return f.Refresh(ctx, "etcd", "3.5/stable") }, nil,
			&snap.Snap{Name: "etcd", Version: "3.5.17", Revision: "2", Channel: "3.5/stable"}},
		{"refresh to 3.6/edge", func() error { return f.Refresh(ctx, "etcd", "3.6/edge") }, nil,
			&snap.Snap{Name: "etcd", Version: "3.6.16", Revision: "3", Channel: "3.6/edge"}},
		{"switch to candidate", func() error { return f.Refresh(ctx, "etcd", "3.6/candidate") }, nil,
			&snap.Snap{Name: "etcd", Version: "3.6.16", Revision: "3", Channel: "3.6/candidate"}},
	}
	for i, s := range steps {
		err := s.do()
		if i == 0 {
			if err == nil {
				t.Fatalf("%s: succeeded", s.name)
			}
			continue
		}
		if !errors.Is(err, s.wantErr) || (s.wantErr == nil && err != nil) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		if got := f.Installed("etcd"); !reflect.DeepEqual(got, s.want) {
			t.Fatalf("%s: installed = %+v, want %+v", s.name, got, s.want)
		}
	}
	path := filepath.Join(t.TempDir(), "etcd.snap")
	if err := f.InstallPath(ctx, path); err == nil {
		t.Error("InstallPath of a missing file succeeded")
	}
	os.WriteFile(path, []byte("squashfs"), 0o644)
	for _, rev := range []string{"x1", "x2"} {
		if err := f.InstallPath(ctx, path); err != nil {
			t.Fatal(err)
		}
		got := f.Installed("etcd")
		if got.Revision != rev || !got.Local || got.Channel != "3.6/candidate" {
			t.Errorf("after sideload: %+v, want revision %s, local, channel kept", got, rev)
		}
	}
	if err := f.Refresh(ctx, "etcd", "3.6/candidate"); err != nil {
		t.Fatal(err)
	}
	if got := f.Installed("etcd"); got.Local || got.Revision != "4" {
		t.Errorf("refresh of a sideloaded snap: %+v, want the store's revision", got)
	}
	if err := f.Refresh(ctx, "nosuch", "stable"); !errors.Is(err, snap.ErrNotInstalled) {
		t.Errorf("Refresh of an absent snap = %v", err)
	}
}

func TestServices(t *testing.T) {
	ctx := context.Background()
	f := NewEtcd()
	if err := f.Start(ctx, "etcd.etcd"); err == nil {
		t.Error("Start before install succeeded")
	}
	f.Install(ctx, "etcd", "3.4/stable")
	tests := []struct {
		op   func(context.Context, string) error
		want bool
	}{
		{nil, false}, {f.Start, true}, {f.Stop, false}, {f.Restart, true},
	}
	for i, tt := range tests {
		if tt.op != nil {
			if err := tt.op(ctx, "etcd.etcd"); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := f.Active(ctx, "etcd.etcd"); err != nil || got != tt.want {
			t.Errorf("step %d: Active = %v, %v; want %v", i, got, err, tt.want)
		}
	}
	if err := f.Restart(ctx, "etcd.etcdctl"); err == nil {
		t.Error("Restart of a non-service succeeded")
	}
	if got := f.Services(); !reflect.DeepEqual(got, []string{"etcd.etcd"}) {
		t.Errorf("Services = %v", got)
	}
}

func TestConf(t *testing.T) {
	ctx := context.Background()
	f := NewEtcd()
	if v, err := f.Conf(ctx, "core", "refresh.timer"); v != "" || err != nil {
		t.Errorf("unset Conf = %q, %v", v, err)
	}
	if err := f.SetConf(ctx, "system", "refresh.timer", "thu2"); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Conf(ctx, "core", "refresh.timer"); v != "thu2" {
		t.Errorf("Conf = %q", v)
	}
	for _, bad := range []string{"someday", "managed"} {
		if err := f.SetConf(ctx, "core", "refresh.timer", bad); err == nil {
			t.Errorf("SetConf refresh.timer=%s accepted; snapd refuses it", bad)
		}
	}
	if v, _ := f.Conf(ctx, "core", "refresh.timer"); v != "thu2" {
		t.Errorf("a refused timer changed it: %q", v)
	}
	if err := f.SetConf(ctx, "etcd", "x", "y"); !errors.Is(err, snap.ErrNotInstalled) {
		t.Errorf("SetConf on an absent snap = %v", err)
	}
	f.Install(ctx, "etcd", "3.4/stable")
	if err := f.SetConf(ctx, "etcd", "x", "y"); err == nil || !strings.Contains(err.Error(), `no "configure" hook`) {
		t.Errorf("SetConf on etcd = %v, want the missing configure hook", err)
	}
	f.SetConfigureHook("etcd")
	if err := f.SetConf(ctx, "etcd", "x", "y"); err != nil {
		t.Errorf("SetConf with a configure hook = %v", err)
	}
	if v, _ := f.Conf(ctx, "etcd", "x"); v != "y" {
		t.Errorf("etcd x = %q", v)
	}
}

func TestFaultsAndCalls(t *testing.T) {
	ctx := context.Background()
	f := NewEtcd()
	boom := errors.New("change conflict")
	f.FailNext("Install", boom)
	if err := f.Install(ctx, "etcd", "3.4/stable"); !errors.Is(err, boom) {
		t.Fatalf("Install = %v, want the injected error", err)
	}
	if f.Installed("etcd") != nil {
		t.Error("a failed Install installed the snap")
	}
	if err := f.Install(ctx, "etcd", "3.4/stable"); err != nil {
		t.Fatalf("Install after the fault: %v", err)
	}
	ch, err := f.Channels(ctx, "etcd")
	if err != nil || ch["3.5/stable"] != "3.5.17" {
		t.Errorf("Channels = %v, %v", ch, err)
	}
	f.Conf(ctx, "core", "refresh.timer")
	want := []string{"Install etcd 3.4/stable", "Install etcd 3.4/stable", "Channels etcd", "Conf core refresh.timer"}
	if got := f.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q\nwant %q", got, want)
	}
	if got := f.Calls(); len(got) != 0 {
		t.Errorf("Calls did not forget: %q", got)
	}
}
