package snapd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snapcore/snapd/client"
)

func TestLogsFollow(t *testing.T) {
	d, cli := withEtcd35(t)
	ch, err := cli.Logs([]string{"etcd.etcd"}, client.LogOptions{N: 0, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(d.cfg.Root, "var/snap/etcd/common/etcd.conf.yml"), []byte("x: y\n"), 0o644))
	id, err := cli.Restart([]string{"etcd"}, client.RestartOptions{})
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
