package jujuc_test

import (
	"errors"
	"net"
	"net/rpc"
	"path/filepath"
	"testing"

	"github.com/etcd-charm/etcd-charm/sim/jujuc"
	"github.com/etcd-charm/etcd-charm/sim/jujuc/wire"
)

// startServer serves one context, "ctx", on a unix socket and returns a
// connected rpc client.
func startServer(t *testing.T, ctx jujuc.Context) (*jujuc.Server, *rpc.Client, chan error) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "agent.socket")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := jujuc.NewServer(func(id string) (jujuc.Context, bool) { return ctx, id == "ctx" })
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	client, err := rpc.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Close()
		srv.Close()
	})
	return srv, client, done
}

func TestServerMain(t *testing.T) {
	ctx := scenario(t, "relhook")
	_, client, _ := startServer(t, ctx)
	dir := t.TempDir()
	tests := []struct {
		name       string
		req        jujuc.Request
		wantErr    string
		wantCode   int
		wantStdout string
	}{{
		name:       "runs the tool",
		req:        jujuc.Request{ContextID: "ctx", Dir: dir, CommandName: "relation-get", Args: []string{"port"}},
		wantStdout: "3\n",
	}, {
		name:    "unknown context",
		req:     jujuc.Request{ContextID: "old", Dir: dir, CommandName: "is-leader"},
		wantErr: `bad request: unknown context id "old"`,
	}, {
		name:    "unknown command",
		req:     jujuc.Request{ContextID: "ctx", Dir: dir, CommandName: "goal-state"},
		wantErr: "bad request: unknown command: goal-state",
	}, {
		name:    "no command",
		req:     jujuc.Request{ContextID: "ctx", Dir: dir},
		wantErr: "bad request: command not specified",
	}, {
		name:    "relative dir",
		req:     jujuc.Request{ContextID: "ctx", Dir: "charm", CommandName: "is-leader"},
		wantErr: "bad request: Dir is not absolute",
	}, {
		name:    "stdin wanted but not sent",
		req:     jujuc.Request{ContextID: "ctx", Dir: dir, CommandName: "state-set", Args: []string{"--file", "-"}},
		wantErr: wire.NoStdinMessage,
	}, {
		name: "stdin sent",
		req: jujuc.Request{ContextID: "ctx", Dir: dir, CommandName: "state-set", Args: []string{"--file", "-"},
			StdinSet: true, Stdin: []byte("k: v\n")},
	}, {
		name:     "tool failure is a response, not an rpc error",
		req:      jujuc.Request{ContextID: "ctx", Dir: dir, CommandName: "relation-list", Args: []string{"-r", "7"}},
		wantCode: 2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp jujuc.Response
			err := client.Call(wire.Method, tt.req, &resp)
			if tt.wantErr != "" {
				var se rpc.ServerError
				if !errors.As(err, &se) || string(se) != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || resp.Code != tt.wantCode || string(resp.Stdout) != tt.wantStdout {
				t.Fatalf("err %v code %d stdout %q stderr %q", err, resp.Code, resp.Stdout, resp.Stderr)
			}
		})
	}
	if st, _ := ctx.CharmState(); st["k"] != "v" {
		t.Errorf("state-set with stdin did not reach the context: %v", st)
	}
}

// Close ends Serve with nil and drops connected clients.
func TestServerClose(t *testing.T) {
	srv, client, done := startServer(t, scenario(t, "hook"))
	var resp jujuc.Response
	if err := client.Call(wire.Method, jujuc.Request{ContextID: "ctx", Dir: "/", CommandName: "is-leader"}, &resp); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve after Close: %v", err)
	}
	if err := client.Call(wire.Method, jujuc.Request{ContextID: "ctx", Dir: "/", CommandName: "is-leader"}, &resp); err == nil {
		t.Error("call succeeded after Close")
	}
}

// Tools of several units run at once, help requests included (gnuflag's
// global ErrHelp); run with -race this checks the locking.
func TestRunConcurrent(t *testing.T) {
	calls := [][]string{
		{"is-leader", "-h"},
		{"relation-get", "--format=json", "-r", "1", "-", "etcd-client/0"},
		{"config-get", "--help"},
		{"state-set", "k=v"},
		{"opened-ports"},
	}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		ctx := scenario(t, "hook")
		go func() {
			var err error
			for i := 0; i < 25 && err == nil; i++ {
				args := calls[i%len(calls)]
				resp := jujuc.Run(ctx, jujuc.Request{Dir: "/", CommandName: args[0], Args: args[1:]})
				if resp.Code != 0 || len(resp.Stderr) != 0 {
					err = errors.New(args[0] + ": " + string(resp.Stderr))
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// panicky is a Context whose IsLeader panics.
type panicky struct{ jujuc.Context }

func (panicky) IsLeader() (bool, error) { panic("model lock poisoned") }

// A panicking Context fails that call only; later calls still run.
func TestRunRecoversPanic(t *testing.T) {
	ctx := panicky{scenario(t, "hook")}
	resp := jujuc.Run(ctx, jujuc.Request{Dir: "/", CommandName: "is-leader"})
	if resp.Code != 1 || string(resp.Stderr) != "ERROR hook tool is-leader panicked: model lock poisoned\n" {
		t.Errorf("code %d stderr %q", resp.Code, resp.Stderr)
	}
	for _, args := range [][]string{{"is-leader", "-h"}, {"unit-get", "private-address"}} {
		if resp := jujuc.Run(ctx, jujuc.Request{Dir: "/", CommandName: args[0], Args: args[1:]}); resp.Code != 0 {
			t.Errorf("%v after panic: code %d stderr %q", args, resp.Code, resp.Stderr)
		}
	}
}
