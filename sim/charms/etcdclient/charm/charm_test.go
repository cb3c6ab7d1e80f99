package charm

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/internal/testkit"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
)

// fakeEtcd is a stateful in-memory etcd cluster: a key space with a
// revision, and endpoints that answer or fail.
type fakeEtcd struct {
	kv       map[string]string
	rev      int64
	down     map[string]error // endpoint → error its status returns
	dialed   [][]string
	dialFail error
	closed   int
}

func newFakeEtcd() *fakeEtcd {
	return &fakeEtcd{kv: map[string]string{}, rev: 1, down: map[string]error{}}
}

func (f *fakeEtcd) dial(endpoints []string, cfg *tls.Config) (etcdconn.Conn, error) {
	if cfg == nil || len(cfg.Certificates) != 1 || cfg.RootCAs == nil {
		return nil, errors.New("dialed without client TLS")
	}
	f.dialed = append(f.dialed, endpoints)
	if f.dialFail != nil {
		return nil, f.dialFail
	}
	return &fakeConn{f}, nil
}

type fakeConn struct{ f *fakeEtcd }

func (c *fakeConn) Status(_ context.Context, ep string) (string, error) {
	if err := c.f.down[ep]; err != nil {
		return "", err
	}
	return "3.6.16", nil
}

func (c *fakeConn) Put(_ context.Context, k, v string) (int64, error) {
	c.f.rev++
	c.f.kv[k] = v
	return c.f.rev, nil
}

func (c *fakeConn) Get(_ context.Context, k string) (string, bool, int64, error) {
	v, ok := c.f.kv[k]
	return v, ok, c.f.rev, nil
}

func (c *fakeConn) Close() error { c.f.closed++; return nil }

type scenario struct {
	t     *testing.T
	tools *jujutest.Tools
	etcd  *fakeEtcd
	charm *Charm
}

func newScenario(t *testing.T) *scenario {
	tools := jujutest.New("etcd-client/0")
	f := newFakeEtcd()
	return &scenario{t, tools, f, &Charm{Tools: tools, Dial: f.dial, Root: t.TempDir()}}
}

func (s *scenario) run(ev juju.Event) int {
	ev.Unit = s.tools.Unit
	return s.tools.Run(context.Background(), ev, s.charm.Handle, io.Discard)
}

func hook(name string) juju.Event { return juju.Event{Kind: juju.HookKind, Name: name} }

func relHook(name, id, remote string) juju.Event {
	return juju.Event{Kind: juju.HookKind, Name: name, Endpoint: Endpoint, RelationID: id, RemoteUnit: remote}
}

// creds is a complete databag with real PEM (the charm parses it).
func creds(t *testing.T, connection string) map[string]string {
	pki := testkit.NewCA(t)
	cert, key := pki.Issue(t, "client", nil)
	return map[string]string{
		"connection_string": connection, "client_cert": cert, "client_key": key,
		"client_ca": pki.PEM, "version": "3.4.22", "private-address": "10.0.0.1",
	}
}

func TestStatus(t *testing.T) {
	two := "https://10.0.0.1:2379,https://10.0.0.2:2379"
	tests := []struct {
		name   string
		setup  func(*testing.T, *scenario)
		ev     juju.Event
		status juju.Status
	}{
		{"no relation", func(*testing.T, *scenario) {}, hook("start"),
			juju.Status{Name: juju.StatusBlocked, Message: MsgMissing}},
		{"related, no unit yet", func(_ *testing.T, s *scenario) { s.tools.AddRelation("etcd:1", "etcd") },
			relHook("etcd-relation-created", "etcd:1", ""), juju.Status{Name: juju.StatusWaiting, Message: MsgWaiting}},
		{"connection_string only", func(_ *testing.T, s *scenario) {
			s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = map[string]string{"connection_string": "https://10.0.0.1:2379"}
		}, relHook("etcd-relation-changed", "etcd:1", "etcd/0"), juju.Status{Name: juju.StatusWaiting, Message: MsgWaiting}},
		{"first unit decides", func(t *testing.T, s *scenario) {
			r := s.tools.AddRelation("etcd:1", "etcd")
			r.Units["etcd/0"] = map[string]string{"connection_string": "https://10.0.0.1:2379"}
			r.Units["etcd/1"] = creds(t, two)
		}, relHook("etcd-relation-changed", "etcd:1", "etcd/1"), juju.Status{Name: juju.StatusWaiting, Message: MsgWaiting}},
		{"connected to two", func(t *testing.T, s *scenario) {
			s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = creds(t, two)
		}, relHook("etcd-relation-changed", "etcd:1", "etcd/0"), juju.Status{Name: juju.StatusActive, Message: "Connected to 2 etcd endpoints"}},
		{"one endpoint down", func(t *testing.T, s *scenario) {
			s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = creds(t, two)
			s.etcd.down["https://10.0.0.2:2379"] = errors.New("context deadline exceeded")
		}, hook("update-status"), juju.Status{Name: juju.StatusBlocked, Message: "Cannot connect to etcd https://10.0.0.2:2379: context deadline exceeded"}},
		{"plain http", func(t *testing.T, s *scenario) {
			s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = creds(t, "http://10.0.0.1:2379")
		}, hook("update-status"), juju.Status{Name: juju.StatusBlocked, Message: `Cannot use etcd's connection_string endpoint "http://10.0.0.1:2379" is not https`}},
		{"bad key", func(t *testing.T, s *scenario) {
			bag := creds(t, two)
			bag["client_key"] = "not a key"
			s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = bag
		}, hook("update-status"), juju.Status{Name: juju.StatusBlocked, Message: "Cannot use etcd's credentials: client_cert/client_key: tls: failed to find any PEM data in key input"}},
		{"last unit departing", func(t *testing.T, s *scenario) {
			s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = creds(t, two)
		}, juju.Event{Kind: juju.HookKind, Name: "etcd-relation-departed", Endpoint: Endpoint, RelationID: "etcd:1", RemoteUnit: "etcd/0", DepartingUnit: "etcd/0"},
			juju.Status{Name: juju.StatusWaiting, Message: MsgWaiting}},
		{"relation broken", func(t *testing.T, s *scenario) {
			s.tools.AddRelation("etcd:1", "etcd")
		}, relHook("etcd-relation-broken", "etcd:1", ""), juju.Status{Name: juju.StatusBlocked, Message: MsgMissing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t)
			tt.setup(t, s)
			if code := s.run(tt.ev); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if s.tools.Status != tt.status {
				t.Errorf("status\n got %v\nwant %v", s.tools.Status, tt.status)
			}
		})
	}
}

func TestWritesCredentials(t *testing.T) {
	s := newScenario(t)
	bag := creds(t, "https://10.0.0.1:2379")
	s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = bag
	if code := s.run(relHook("etcd-relation-changed", "etcd:1", "etcd/0")); code != 0 {
		t.Fatalf("exit %d", code)
	}
	dir := filepath.Join(s.charm.Root, "root/cdk/etcd")
	for file, want := range map[string]struct {
		data string
		mode os.FileMode
	}{
		"client-ca.pem":   {bag["client_ca"], 0o644},
		"client-cert.pem": {bag["client_cert"], 0o644},
		"client-key.pem":  {bag["client_key"], 0o600},
	} {
		st, err := os.Stat(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, file))
		if string(got) != want.data || st.Mode().Perm() != want.mode {
			t.Errorf("%s: mode %v, content matches %v", file, st.Mode().Perm(), string(got) == want.data)
		}
	}
	if len(s.etcd.dialed) != 1 || !slices.Equal(s.etcd.dialed[0], []string{"https://10.0.0.1:2379"}) || s.etcd.closed != 1 {
		t.Errorf("dialed %v, closed %d", s.etcd.dialed, s.etcd.closed)
	}
}

func TestActions(t *testing.T) {
	s := newScenario(t)
	s.tools.AddRelation("etcd:1", "etcd").Units["etcd/0"] = creds(t, "https://10.0.0.1:2379,https://10.0.0.2:2379")
	act := func(name string, params map[string]any) {
		t.Helper()
		s.tools.ActionParams, s.tools.ActionResults, s.tools.ActionFailed = params, nil, ""
		if code := s.run(juju.Event{Kind: juju.ActionKind, Name: name}); code != 0 {
			t.Fatalf("%s exited %d", name, code)
		}
	}

	act("put", map[string]any{"key": "/k", "value": "v1"})
	if s.tools.ActionResults["revision"] != "2" || s.etcd.kv["/k"] != "v1" {
		t.Errorf("put results %v, store %v", s.tools.ActionResults, s.etcd.kv)
	}
	act("get", map[string]any{"key": "/k"})
	if want := map[string]string{"value": "v1", "found": "true", "revision": "2"}; !maps.Equal(s.tools.ActionResults, want) {
		t.Errorf("get results %v, want %v", s.tools.ActionResults, want)
	}
	act("get", map[string]any{"key": "/absent"})
	if s.tools.ActionResults["found"] != "false" {
		t.Errorf("get of an absent key: %v", s.tools.ActionResults)
	}
	act("put", map[string]any{"key": ""})
	if !strings.Contains(s.tools.ActionFailed, `missing string parameter "value"`) {
		t.Errorf("put without value: failure %q", s.tools.ActionFailed)
	}

	s.etcd.down["https://10.0.0.2:2379"] = errors.New("connection refused")
	act("check", map[string]any{})
	want := map[string]string{
		"count": "2", "healthy": "https://10.0.0.1:2379", "unhealthy": "https://10.0.0.2:2379",
		"endpoints.endpoint-0.url": "https://10.0.0.1:2379", "endpoints.endpoint-0.healthy": "true", "endpoints.endpoint-0.version": "3.6.16",
		"endpoints.endpoint-1.url": "https://10.0.0.2:2379", "endpoints.endpoint-1.healthy": "false", "endpoints.endpoint-1.error": "connection refused",
	}
	if !maps.Equal(s.tools.ActionResults, want) {
		t.Errorf("check results\n got %v\nwant %v", s.tools.ActionResults, want)
	}

	// Without a usable relation the action fails with the reason.
	s.tools.Relations["etcd:1"].Units["etcd/0"] = map[string]string{}
	act("get", map[string]any{"key": "/k"})
	if s.tools.ActionFailed != "etcd relation not usable: "+MsgWaiting {
		t.Errorf("failure %q", s.tools.ActionFailed)
	}
}
