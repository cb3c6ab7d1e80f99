package snapd

import (
	"testing"

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
