package snapd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"
)

func TestInterfaces(t *testing.T) {
	_, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	_, err := cli.Connect("etcd", "removable-media", "", "removable-media")
	if ce := clientErr(t, err); ce.Kind != client.ErrorKindSnapNotInstalled {
		t.Fatalf("connect before install: %+v", ce)
	}
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)

	id, err = cli.Connect("etcd", "removable-media", "", "removable-media")
	chg := mustDone(t, cli, id, err)
	if chg.Kind != "connect-snap" || len(chg.Tasks) != 1 {
		t.Fatalf("connect: %s %+v", chg.Kind, chg.Tasks)
	}
	// Already connected: still a change, already done, with nothing in it.
	id, err = cli.Connect("etcd", "removable-media", "core", "removable-media")
	chg = mustDone(t, cli, id, err)
	if len(chg.Tasks) != 0 {
		t.Fatalf("reconnect did work: %+v", chg.Tasks)
	}
	id, err = cli.Disconnect("etcd", "removable-media", "", "removable-media", nil)
	mustDone(t, cli, id, err)
	_, err = cli.Disconnect("etcd", "removable-media", "", "removable-media", nil)
	if !client.IsInterfacesUnchangedError(err) {
		t.Fatalf("disconnect twice: %v", err)
	}
	_, err = cli.Connect("etcd", "removable-media", "other", "removable-media")
	if ce := clientErr(t, err); ce.StatusCode != 400 {
		t.Fatalf("slot on another snap: %+v", ce)
	}
}

func TestLogsFollow(t *testing.T) {
	d, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	id, err := cli.Install("etcd", &client.SnapOptions{Channel: "3.5/stable"})
	mustDone(t, cli, id, err)
	ch, err := cli.Logs([]string{"etcd.etcd"}, client.LogOptions{N: 0, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(d.cfg.Root, "var/snap/etcd/common/etcd.conf.yml"), []byte("x: y\n"), 0o644))
	id, err = cli.Restart([]string{"etcd"}, client.RestartOptions{})
	mustDone(t, cli, id, err)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatal("log stream ended")
			}
			if strings.HasPrefix(l.Message, "fake etcd ") {
				if l.SID != "etcd.etcd" || l.PID == "" || l.Timestamp.IsZero() {
					t.Fatalf("record %+v", l)
				}
				return
			}
		case <-deadline:
			t.Fatal("no followed log line")
		}
	}
}

func TestListSnaps(t *testing.T) {
	_, cli := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	if _, err := cli.List(nil, nil); err != client.ErrNoSnapsInstalled {
		t.Fatalf("empty list: %v", err)
	}
	for _, name := range []string{"etcd", "core"} {
		opts := &client.SnapOptions{}
		if name == "etcd" {
			opts.Channel = "3.5/stable"
		}
		id, err := cli.Install(name, opts)
		mustDone(t, cli, id, err)
	}
	snaps, err := cli.List([]string{"etcd", "nosuch"}, nil)
	if err != nil || len(snaps) != 1 || snaps[0].Name != "etcd" {
		t.Fatalf("list: %+v %v", snaps, err)
	}
	all, err := cli.List(nil, &client.ListOptions{All: true})
	if err != nil || len(all) != 2 || all[0].Name != "core" || all[1].Name != "etcd" || all[0].Type != "os" {
		t.Fatalf("list all: %+v %v", all, err)
	}
	found, _, err := cli.Find(&client.FindOptions{Query: "etcd"})
	if err != nil || len(found) != 1 || found[0].Name != "etcd" {
		t.Fatalf("find q=etcd: %+v %v", found, err)
	}
}

func TestOneDaemonPerRoot(t *testing.T) {
	d, _ := startDaemon(t, Config{Bins: fakeBins(t, "3.5.35")})
	_, err := New(Config{Root: d.cfg.Root, Bins: d.cfg.Bins})
	if err == nil || !strings.Contains(err.Error(), "another snapd is listening") {
		t.Fatalf("second daemon on one root: %v", err)
	}
}
