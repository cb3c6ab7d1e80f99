package charm

import (
	"context"
	"io"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/etcdtest"
)

// TestRealEtcd runs the handlers with clientv3 against a real TLS etcd.
func TestRealEtcd(t *testing.T) {
	srv := etcdtest.Start(t, "127.0.0.1")
	tools := jujutest.New("etcd-client/0")
	tools.AddRelation("etcd:2", "etcd").Units["etcd/0"] = map[string]string{
		"connection_string": srv.Endpoint, "client_cert": srv.ClientCert,
		"client_key": srv.ClientKey, "client_ca": srv.CA,
	}
	c := &Charm{Tools: tools, Dial: etcdconn.Dial, Root: t.TempDir()}
	run := func(ev juju.Event) {
		t.Helper()
		ev.Unit = "etcd-client/0"
		if code := tools.Run(context.Background(), ev, c.Handle, io.Discard); code != 0 {
			t.Fatalf("%s exited %d", ev, code)
		}
	}
	run(juju.Event{Kind: juju.HookKind, Name: "etcd-relation-changed", Endpoint: Endpoint, RelationID: "etcd:2", RemoteUnit: "etcd/0"})
	if want := (juju.Status{Name: juju.StatusActive, Message: "Connected to 1 etcd endpoints"}); tools.Status != want {
		t.Fatalf("status %v, want %v", tools.Status, want)
	}
	tools.ActionParams = map[string]any{"key": "greeting", "value": "hello"}
	run(juju.Event{Kind: juju.ActionKind, Name: "put"})
	rev := tools.ActionResults["revision"]
	tools.ActionParams, tools.ActionResults = map[string]any{"key": "greeting"}, nil
	run(juju.Event{Kind: juju.ActionKind, Name: "get"})
	if tools.ActionResults["value"] != "hello" || tools.ActionResults["revision"] != rev || tools.ActionFailed != "" {
		t.Errorf("get results %v (put revision %s), failure %q", tools.ActionResults, rev, tools.ActionFailed)
	}
}
