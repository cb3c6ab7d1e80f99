package snapd

import (
	"testing"

	"github.com/snapcore/snapd/client"
)

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
