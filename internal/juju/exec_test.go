package juju

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// scripted is a Runner that answers one call and records its argv.
type scripted struct {
	stdout, stderr string
	code           int
	err            error
	argv           []string
}

func (s *scripted) run(_ context.Context, tool string, args []string) ([]byte, []byte, int, error) {
	s.argv = append([]string{tool}, args...)
	return []byte(s.stdout), []byte(s.stderr), s.code, s.err
}

func TestExecToolsArgsAndDecoding(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		stdout string
		call   func(Tools) (any, error)
		argv   string
		want   any
	}{
		{"relation-ids", `["db:1","db:12"]` + "\n",
			func(t Tools) (any, error) { return t.RelationIDs(ctx, "db") },
			"relation-ids --format=json db", []string{"db:1", "db:12"}},
		{"relation-ids none", "[]\n",
			func(t Tools) (any, error) { return t.RelationIDs(ctx, "proxy") },
			"relation-ids --format=json proxy", []string{}},
		{"relation-list", `["etcd/1","etcd/2"]` + "\n",
			func(t Tools) (any, error) { return t.RelationList(ctx, "cluster:0") },
			"relation-list --format=json -r cluster:0", []string{"etcd/1", "etcd/2"}},
		{"relation-list --app", `"kcp"` + "\n",
			func(t Tools) (any, error) { return t.RelationRemoteApp(ctx, "db:2") },
			"relation-list --format=json -r db:2 --app", "kcp"},
		{"relation-get unit", `{"connection_string":"https://10.0.0.1:2379","private-address":"10.0.0.1"}` + "\n",
			func(t Tools) (any, error) { return t.RelationGet(ctx, "db:2", "etcd/0", false) },
			"relation-get --format=json -r db:2 - etcd/0",
			map[string]string{"connection_string": "https://10.0.0.1:2379", "private-address": "10.0.0.1"}},
		{"relation-get app empty", "null\n",
			func(t Tools) (any, error) { return t.RelationGet(ctx, "cluster:0", "etcd", true) },
			"relation-get --format=json -r cluster:0 --app - etcd", map[string]string{}},
		{"relation-set", "",
			func(t Tools) (any, error) {
				return nil, t.RelationSet(ctx, "db:2", false, map[string]string{"b": "2", "a": "x=y", "gone": ""})
			},
			"relation-set -r db:2 -- a=x=y b=2 gone=", nil},
		{"relation-set app", "",
			func(t Tools) (any, error) {
				return nil, t.RelationSet(ctx, "cluster:0", true, map[string]string{"k": "-v"})
			},
			"relation-set -r cluster:0 --app -- k=-v", nil},
		{"config-get typed", `{"bind_to_all_interfaces":true,"channel":"auto","port":2379,"ratio":0.5}` + "\n",
			func(t Tools) (any, error) { return t.ConfigGet(ctx) },
			"config-get --format=json",
			map[string]any{"bind_to_all_interfaces": true, "channel": "auto", "port": int64(2379), "ratio": 0.5}},
		{"status-set", "",
			func(t Tools) (any, error) {
				return nil, t.StatusSet(ctx, Status{StatusBlocked, "-port must differ"}, false)
			},
			"status-set --application=false -- blocked -port must differ", nil},
		{"status-set application", "",
			func(t Tools) (any, error) { return nil, t.StatusSet(ctx, Status{StatusActive, ""}, true) },
			"status-set --application=true -- active ", nil},
		{"application-version-set", "",
			func(t Tools) (any, error) { return nil, t.ApplicationVersionSet(ctx, "3.6.5") },
			"application-version-set -- 3.6.5", nil},
		{"is-leader", "true\n",
			func(t Tools) (any, error) { return t.IsLeader(ctx) },
			"is-leader --format=json", true},
		{"leader-get", `{"token":"ABC123"}` + "\n",
			func(t Tools) (any, error) { return t.LeaderGet(ctx) },
			"leader-get --format=json", map[string]string{"token": "ABC123"}},
		{"leader-set", "",
			func(t Tools) (any, error) { return nil, t.LeaderSet(ctx, map[string]string{"token": "X"}) },
			"leader-set -- token=X", nil},
		{"open-port", "",
			func(t Tools) (any, error) { return nil, t.OpenPort(ctx, "2379/tcp") },
			"open-port 2379/tcp", nil},
		{"close-port", "",
			func(t Tools) (any, error) { return nil, t.ClosePort(ctx, "2379/tcp") },
			"close-port 2379/tcp", nil},
		{"opened-ports", `["2379/tcp"]` + "\n",
			func(t Tools) (any, error) { return t.OpenedPorts(ctx) },
			"opened-ports --format=json", []string{"2379/tcp"}},
		{"network-get", `{"bind-addresses":[{"mac-address":"","interface-name":"lo","addresses":[{"hostname":"","value":"127.0.1.1","cidr":"127.0.1.1/32"}]}],"egress-subnets":["127.0.1.1/32"],"ingress-addresses":["127.0.1.1"]}` + "\n",
			func(t Tools) (any, error) { return t.NetworkGet(ctx, "cluster", "") },
			"network-get --format=json cluster",
			Network{BindAddresses: []string{"127.0.1.1"}, IngressAddresses: []string{"127.0.1.1"}, EgressSubnets: []string{"127.0.1.1/32"}}},
		{"network-get relation", `{"ingress-addresses":["10.0.0.2"]}` + "\n",
			func(t Tools) (any, error) { return t.NetworkGet(ctx, "db", "db:4") },
			"network-get --format=json -r db:4 db", Network{IngressAddresses: []string{"10.0.0.2"}}},
		{"resource-get", "/var/lib/juju/agents/unit-etcd-0/resources/etcd/etcd.snap",
			func(t Tools) (any, error) { return t.ResourceGet(ctx, "etcd") },
			"resource-get etcd", "/var/lib/juju/agents/unit-etcd-0/resources/etcd/etcd.snap"},
		{"storage-get", `{"kind":"filesystem","location":"/srv/data"}` + "\n",
			func(t Tools) (any, error) { return t.StorageGet(ctx, "data/0") },
			"storage-get --format=json -s data/0", Storage{Kind: "filesystem", Location: "/srv/data"}},
		{"storage-list", `["data/0"]` + "\n",
			func(t Tools) (any, error) { return t.StorageList(ctx, "data") },
			"storage-list --format=json data", []string{"data/0"}},
		{"state-get empty", "null\n",
			func(t Tools) (any, error) { return t.StateGet(ctx) },
			"state-get --format=json", map[string]string{}},
		{"state-set", "",
			func(t Tools) (any, error) { return nil, t.StateSet(ctx, map[string]string{"phase": "started"}) },
			"state-set -- phase=started", nil},
		{"state-delete", "",
			func(t Tools) (any, error) { return nil, t.StateDelete(ctx, "phase") },
			"state-delete -- phase", nil},
		{"action-get", `{"physical":false,"revision":"","count":3}` + "\n",
			func(t Tools) (any, error) { return t.ActionGet(ctx) },
			"action-get --format=json", map[string]any{"physical": false, "revision": "", "count": int64(3)}},
		{"action-set", "",
			func(t Tools) (any, error) {
				return nil, t.ActionSet(ctx, map[string]string{"snapshot.path": "/p", "copy.cmd": "juju scp etcd/0:/p ."})
			},
			"action-set -- copy.cmd=juju scp etcd/0:/p . snapshot.path=/p", nil},
		{"action-fail", "",
			func(t Tools) (any, error) { return nil, t.ActionFail(ctx, "cluster is unhealthy") },
			"action-fail -- cluster is unhealthy", nil},
		{"action-log", "",
			func(t Tools) (any, error) { return nil, t.ActionLog(ctx, "saving") },
			"action-log -- saving", nil},
		{"juju-log", "",
			func(t Tools) (any, error) { return nil, t.Log(ctx, "WARNING", "--odd") },
			"juju-log --log-level WARNING -- --odd", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{stdout: tt.stdout}
			got, err := tt.call(NewToolsWithRunner(s.run))
			if err != nil {
				t.Fatalf("call error = %v", err)
			}
			if argv := strings.Join(s.argv, " "); argv != tt.argv {
				t.Errorf("argv = %q, want %q", argv, tt.argv)
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestExecToolsEmptyWritesRunNothing(t *testing.T) {
	ctx := context.Background()
	s := &scripted{}
	tools := NewToolsWithRunner(s.run)
	for _, err := range []error{
		tools.RelationSet(ctx, "db:1", false, nil),
		tools.LeaderSet(ctx, map[string]string{}),
		tools.StateSet(ctx, nil),
		tools.ActionSet(ctx, nil),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.argv != nil {
		t.Errorf("a tool ran for an empty write: %q", s.argv)
	}
}

func TestExecToolsErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		s        scripted
		call     func(Tools) error
		wantCode int
		wantMsg  string
		notFound bool
	}{{
		name:     "bad relation id is a usage error",
		s:        scripted{stderr: "ERROR invalid value \"99\" for flag -r: relation not found\n", code: 2},
		call:     func(t Tools) error { _, err := t.RelationGet(ctx, "db:99", "kcp/0", false); return err },
		wantCode: 2, wantMsg: `invalid value "99" for flag -r: relation not found`,
		notFound: true,
	}, {
		name:     "permission denied is a run-time error",
		s:        scripted{stderr: "ERROR permission denied\n", code: 1},
		call:     func(t Tools) error { _, err := t.RelationGet(ctx, "db:1", "kcp", true); return err },
		wantCode: 1, wantMsg: "permission denied",
	}, {
		name:     "leader-set by a follower",
		s:        scripted{stderr: "ERROR cannot write leadership settings: cannot write settings: not the leader\n", code: 1},
		call:     func(t Tools) error { return t.LeaderSet(ctx, map[string]string{"a": "b"}) },
		wantCode: 1, wantMsg: "cannot write leadership settings: cannot write settings: not the leader",
	}, {
		name:     "missing resource",
		s:        scripted{stderr: "ERROR could not download resource: resource#etcd/etcd not found\n", code: 1},
		call:     func(t Tools) error { _, err := t.ResourceGet(ctx, "etcd"); return err },
		wantCode: 1, wantMsg: "could not download resource: resource#etcd/etcd not found",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			err := tt.call(NewToolsWithRunner(s.run))
			var te *ToolError
			if !errors.As(err, &te) {
				t.Fatalf("error = %v, want *ToolError", err)
			}
			if te.Code != tt.wantCode || te.Message() != tt.wantMsg {
				t.Errorf("code, message = %d, %q; want %d, %q", te.Code, te.Message(), tt.wantCode, tt.wantMsg)
			}
			if IsRelationNotFound(err) != tt.notFound {
				t.Errorf("IsRelationNotFound() = %v", IsRelationNotFound(err))
			}
			if !strings.HasPrefix(err.Error(), "cannot run ") {
				t.Errorf("Error() = %q, want a 'cannot run' message", err)
			}
		})
	}
}

func TestExecToolsCannotRun(t *testing.T) {
	s := &scripted{err: errors.New("exec: \"is-leader\": executable file not found in $PATH"), code: -1}
	_, err := NewToolsWithRunner(s.run).IsLeader(context.Background())
	var te *ToolError
	if err == nil || errors.As(err, &te) {
		t.Fatalf("error = %v, want a plain error (the tool never ran)", err)
	}
}

func TestExecToolsBadJSON(t *testing.T) {
	s := &scripted{stdout: "True\n"}
	_, err := NewToolsWithRunner(s.run).IsLeader(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot decode is-leader output") {
		t.Fatalf("error = %v", err)
	}
}

func TestExecRunnerRealProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	_, stderr, code, err := ExecRunner(context.Background(), "sh", []string{"-c", "echo 'ERROR boom' >&2; exit 2"})
	if err != nil || code != 2 || string(stderr) != "ERROR boom\n" {
		t.Fatalf("ExecRunner = %q, %d, %v", stderr, code, err)
	}
	if _, _, _, err := ExecRunner(context.Background(), "no-such-tool-here", nil); err == nil {
		t.Fatal("ExecRunner of a missing tool: no error")
	}
}
