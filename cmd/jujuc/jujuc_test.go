package main

import (
	"bytes"
	"errors"
	"net"
	"net/rpc"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/jujuctest"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/wire"
)

// serve starts a tool server on a unix socket in a temp dir with one
// context, "ctx-1", and returns the socket path.
func serve(t *testing.T, ctx jujuc.Context) string {
	t.Helper()
	srv := jujuctest.Serve(t, filepath.Join(t.TempDir(), "agent.socket"))
	srv.Set("ctx-1", ctx)
	return srv.Sock
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// stdinReader fails the test if read when it should not be.
type stdinReader struct {
	r    *strings.Reader
	read bool
}

func (s *stdinReader) Read(p []byte) (int, error) {
	s.read = true
	return s.r.Read(p)
}

func TestMain_(t *testing.T) {
	fake := jujuctest.New("etcd/0")
	fake.Leader = true
	fake.AddRelation(1, "db", "client", false, "client/0")
	fake.HookRelID = 1
	sock := serve(t, fake)
	good := map[string]string{"JUJU_CONTEXT_ID": "ctx-1", "JUJU_AGENT_SOCKET_ADDRESS": sock, "JUJU_AGENT_SOCKET_NETWORK": "unix"}
	noNetwork := map[string]string{"JUJU_CONTEXT_ID": "ctx-1", "JUJU_AGENT_SOCKET_ADDRESS": sock}
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		stdin      string
		wantStdout string
		wantStderr string
		wantCode   int
		wantRead   bool
	}{{
		name: "tool via symlink name", args: []string{"/var/lib/juju/tools/unit-etcd-0/is-leader"},
		env: good, wantStdout: "True\n",
	}, {
		name: "network defaults to unix", args: []string{"is-leader", "--format=json"},
		env: noNetwork, wantStdout: "true\n",
	}, {
		name: "tool error passes through", args: []string{"relation-list", "-r", "9"},
		env: good, wantStderr: "ERROR invalid value \"9\" for flag -r: relation not found\n", wantCode: 2,
	}, {
		name: "no context id", args: []string{"is-leader"},
		env: map[string]string{"JUJU_AGENT_SOCKET_ADDRESS": sock}, wantStderr: "ERROR JUJU_CONTEXT_ID not set\n", wantCode: 1,
	}, {
		name: "unknown context id", args: []string{"is-leader"},
		env:        map[string]string{"JUJU_CONTEXT_ID": "gone", "JUJU_AGENT_SOCKET_ADDRESS": sock},
		wantStderr: "ERROR bad request: unknown context id \"gone\"\n", wantCode: 1,
	}, {
		name: "unknown tool", args: []string{"secret-get"},
		env: good, wantStderr: "ERROR bad request: unknown command: secret-get\n", wantCode: 1,
	}, {
		name: "stdin sent for --file -", args: []string{"relation-set", "--file", "-"},
		env: good, stdin: "a: 1\n", wantRead: true,
	}, {
		name: "stdin sent for --file=-", args: []string{"relation-set", "--file=-", "b=2"},
		env: good, stdin: "c: 3\n", wantRead: true,
	}, {
		name: "stdin not read otherwise", args: []string{"relation-set", "--", "--file", "-"},
		env: good, stdin: "x: y\n", wantStderr: "ERROR expected \"key=value\", got \"--file\"\n", wantCode: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &stdinReader{r: strings.NewReader(tt.stdin)}
			var stdout, stderr bytes.Buffer
			code := Main(tt.args, env(tt.env), in, &stdout, &stderr)
			if code != tt.wantCode || stdout.String() != tt.wantStdout || stderr.String() != tt.wantStderr {
				t.Errorf("code %d stdout %q stderr %q; want %d %q %q", code, stdout.String(), stderr.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if in.read != tt.wantRead {
				t.Errorf("stdin read %v, want %v", in.read, tt.wantRead)
			}
		})
	}
	got, _ := fake.RelationSettings(1, "etcd/0", false)
	if want := map[string]string{"a": "1", "b": "2", "c": "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending relation settings %v, want %v", got, want)
	}
}

// echo answers like a server whose tool reads stdin the client did not
// send: first the no-stdin error, then (with stdin) the stdin as stdout.
type echo struct{ calls int }

func (e *echo) Main(req wire.Request, resp *wire.Response) error {
	e.calls++
	if !req.StdinSet {
		return errors.New(wire.NoStdinMessage)
	}
	resp.Stdout = req.Stdin
	return nil
}

func TestMainStdinRequestedByServer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.socket")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	e := &echo{}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Jujuc", e); err != nil {
		t.Fatal(err)
	}
	go srv.Accept(l)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"state-set"}, env(map[string]string{"JUJU_CONTEXT_ID": "c", "JUJU_AGENT_SOCKET_ADDRESS": sock}), strings.NewReader("k: v\n"), &stdout, &stderr)
	if code != 0 || stdout.String() != "k: v\n" || stderr.Len() != 0 || e.calls != 2 {
		t.Errorf("code %d stdout %q stderr %q calls %d", code, stdout.String(), stderr.String(), e.calls)
	}
}

func TestMainNoServer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "nothing.socket")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"is-leader"}, env(map[string]string{"JUJU_CONTEXT_ID": "c", "JUJU_AGENT_SOCKET_ADDRESS": sock}), strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.HasPrefix(stderr.String(), "ERROR dial unix "+sock) {
		t.Errorf("code %d stderr %q", code, stderr.String())
	}
}

func TestWantsStdin(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"--file", "-"}, true},
		{[]string{"-r", "1", "--file=-"}, true},
		{[]string{"--file", "x.yaml"}, false},
		{[]string{"--", "--file", "-"}, false},
		{[]string{"--file"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := wantsStdin(tt.args); got != tt.want {
			t.Errorf("wantsStdin(%q) = %v", tt.args, got)
		}
	}
}
