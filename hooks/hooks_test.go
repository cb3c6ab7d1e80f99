package hooks

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
)

// world arranges a unit etcd/0 with addresses on db and cluster.
func world() *jujutest.Tools {
	tools := jujutest.New("etcd/0")
	tools.Network["db"] = juju.Network{IngressAddresses: []string{"10.0.0.10"}}
	tools.Network["cluster"] = juju.Network{IngressAddresses: []string{"10.0.1.10"}}
	return tools
}

func run(t *testing.T, tools *jujutest.Tools, ev juju.Event) (int, string) {
	t.Helper()
	var log bytes.Buffer
	d := Deps{Tools: tools, Paths: charm.Paths{Root: t.TempDir()}, Log: &log}
	ev.Kind, ev.Unit = juju.HookKind, "etcd/0"
	code := juju.Run(context.Background(), ev, tools, Handler(d), &log)
	return code, log.String()
}

func TestConvergeStatus(t *testing.T) {
	answered := map[string]string{
		"ca": "CA", "client.cert": "CC", "client.key": "CK",
		"etcd_0.server.cert": "SC", "etcd_0.server.key": "SK",
	}
	tests := []struct {
		name    string
		arrange func(*jujutest.Tools)
		ev      juju.Event
		want    juju.Status
	}{{
		name:    "invalid config blocks naming the option",
		arrange: func(tl *jujutest.Tools) { tl.Config["management_port"] = int64(2379) },
		ev:      juju.Event{Name: "config-changed"},
		want:    juju.Status{Name: juju.StatusBlocked, Message: "Invalid config: management_port: must differ from port (both 2379)"},
	}, {
		name: "no certificate authority",
		ev:   juju.Event{Name: "install"},
		want: juju.Status{Name: juju.StatusBlocked, Message: "Missing relation to certificate authority."},
	}, {
		name: "related, no certificates yet",
		arrange: func(tl *jujutest.Tools) {
			tl.AddRelation("certificates:4", "easyrsa").Units["easyrsa/0"] = map[string]string{}
		},
		ev:   juju.Event{Name: "certificates-relation-joined", Endpoint: "certificates", RelationID: "certificates:4", RemoteUnit: "easyrsa/0"},
		want: juju.Status{Name: juju.StatusWaiting, Message: "Waiting for certificates"},
	}, {
		name:    "certificates received",
		arrange: func(tl *jujutest.Tools) { tl.AddRelation("certificates:4", "easyrsa").Units["easyrsa/0"] = answered },
		ev:      juju.Event{Name: "certificates-relation-changed", Endpoint: "certificates", RelationID: "certificates:4", RemoteUnit: "easyrsa/0"},
		want:    juju.Status{Name: juju.StatusWaiting, Message: msgNoClustering},
	}, {
		name:    "certificate authority going away",
		arrange: func(tl *jujutest.Tools) { tl.AddRelation("certificates:4", "easyrsa") },
		ev:      juju.Event{Name: "certificates-relation-broken", Endpoint: "certificates", RelationID: "certificates:4"},
		want:    juju.Status{Name: juju.StatusBlocked, Message: "Missing relation to certificate authority."},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := world()
			if tt.arrange != nil {
				tt.arrange(tools)
			}
			code, log := run(t, tools, tt.ev)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, log)
			}
			if tools.Status != tt.want {
				t.Errorf("status = %+v, want %+v", tools.Status, tt.want)
			}
		})
	}
}

func TestConvergeRequestsCertificate(t *testing.T) {
	tools := world()
	rel := tools.AddRelation("certificates:4", "easyrsa")
	rel.Units["easyrsa/0"] = map[string]string{}
	peers := tools.AddRelation("cluster:0", "etcd")
	peers.Units["etcd/1"] = map[string]string{"db-ingress-address": "10.0.0.11"}
	if code, log := run(t, tools, juju.Event{Name: "config-changed"}); code != 0 {
		t.Fatalf("exit %d: %s", code, log)
	}
	req := rel.LocalUnitData
	if req["common_name"] != "10.0.0.10" || req["unit_name"] != "etcd_0" || req["certificate_name"] != "etcd_0" {
		t.Errorf("request = %v", req)
	}
	for _, san := range []string{`"10.0.0.10"`, `"10.0.1.10"`, `"10.0.0.11"`, `"127.0.0.1"`} {
		if !strings.Contains(req["sans"], san) {
			t.Errorf("sans %s lacks %s", req["sans"], san)
		}
	}
}

func TestRouting(t *testing.T) {
	tests := []struct {
		hook    string
		known   bool
		wantLog string
	}{
		{"install", true, ""},
		{"cluster-relation-departed", true, ""},
		{"data-storage-attached", true, ""},
		{"prometheus-relation-joined", true, "nothing to do"},
		{"stop", true, "nothing to do"},
		{"secret-rotate", false, `no handler for hook "secret-rotate"; nothing to do`},
		{"certificates-relation-exploded", false, "no handler for hook"},
	}
	for _, tt := range tests {
		t.Run(tt.hook, func(t *testing.T) {
			if _, ok := lookup(tt.hook); ok != tt.known {
				t.Errorf("lookup(%q) known = %v, want %v", tt.hook, ok, tt.known)
			}
			code, log := run(t, world(), juju.Event{Name: tt.hook})
			if code != 0 {
				t.Errorf("exit %d: %s", code, log)
			}
			if !strings.Contains(log, tt.wantLog) {
				t.Errorf("log = %q, want containing %q", log, tt.wantLog)
			}
		})
	}
}

func TestConvergeToolFailureRetries(t *testing.T) {
	tools := world()
	tools.Fail["config-get"] = &juju.ToolError{Tool: "config-get", Code: 1, Stderr: "ERROR connection refused\n"}
	code, log := run(t, tools, juju.Event{Name: "install"})
	if code != 1 || !strings.Contains(log, "cannot read config") {
		t.Errorf("exit %d, log %q; want 1 and the reason", code, log)
	}
}
