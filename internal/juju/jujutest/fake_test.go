package jujutest_test

import (
	"context"
	"errors"
	"io"
	"maps"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
)

// writeAll makes every kind of write a hook can make and checks that the
// hook reads its own buffered writes back, as Juju's context overlay does.
func writeAll(t *testing.T, ctx context.Context, tools *jujutest.Tools) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tools.RelationSet(ctx, "cluster:0", false, map[string]string{"state": "started", "old": ""}))
	must(tools.RelationSet(ctx, "cluster:0", true, map[string]string{"token": "T"}))
	must(tools.StateSet(ctx, map[string]string{"memo": "new"}))
	must(tools.StateDelete(ctx, "gone"))
	must(tools.OpenPort(ctx, "2379/tcp"))
	must(tools.StatusSet(ctx, juju.Status{Name: juju.StatusMaintenance, Message: "working"}, false))
	must(tools.LeaderSet(ctx, map[string]string{"cluster": "etcd0=x"}))
	must(tools.ApplicationVersionSet(ctx, "3.6.16"))
	must(tools.Log(ctx, "INFO", "hello"))

	own, _ := tools.RelationGet(ctx, "cluster:0", "etcd/0", false)
	if want := map[string]string{"state": "started"}; !maps.Equal(own, want) {
		t.Errorf("own bag in the hook = %v, want %v", own, want)
	}
	app, _ := tools.RelationGet(ctx, "cluster:0", "etcd", true)
	if app["token"] != "T" {
		t.Errorf("own app bag in the hook = %v", app)
	}
	state, _ := tools.StateGet(ctx)
	if want := map[string]string{"memo": "new"}; !maps.Equal(state, want) {
		t.Errorf("state in the hook = %v, want %v", state, want)
	}
	if ports, _ := tools.OpenedPorts(ctx); len(ports) != 0 {
		t.Errorf("opened-ports lists this hook's pending open: %v", ports)
	}
	// Nothing buffered is committed yet.
	if tools.Relations["cluster:0"].LocalUnitData["state"] != "" || tools.State["memo"] != "old" || len(tools.Ports) != 0 {
		t.Errorf("buffered writes committed mid-hook: %v %v %v", tools.Relations["cluster:0"].LocalUnitData, tools.State, tools.Ports)
	}
}

func arranged() *jujutest.Tools {
	tools := jujutest.New("etcd/0")
	tools.Leader = true
	tools.AddRelation("cluster:0", "etcd").LocalUnitData["old"] = "x"
	tools.State["memo"] = "old"
	tools.State["gone"] = "x"
	return tools
}

// A failed hook's relation, state and port writes are discarded; what Juju
// applies at once (status, leader settings, version, log) stays.
func TestFailedHookDiscardsBufferedWrites(t *testing.T) {
	tools := arranged()
	ev := juju.Event{Kind: juju.HookKind, Name: "config-changed", Unit: "etcd/0"}
	code := tools.Run(context.Background(), ev, func(ctx context.Context, _ juju.Event) error {
		writeAll(t, ctx, tools)
		return errors.New("snapd went away")
	}, io.Discard)
	if code != juju.ExitError {
		t.Fatalf("exit %d", code)
	}
	rel := tools.Relations["cluster:0"]
	if !maps.Equal(rel.LocalUnitData, map[string]string{"old": "x"}) || len(rel.LocalAppData) != 0 {
		t.Errorf("relation writes of a failed hook committed: unit %v app %v", rel.LocalUnitData, rel.LocalAppData)
	}
	if !maps.Equal(tools.State, map[string]string{"memo": "old", "gone": "x"}) {
		t.Errorf("state writes of a failed hook committed: %v", tools.State)
	}
	if len(tools.Ports) != 0 {
		t.Errorf("port writes of a failed hook committed: %v", tools.Ports)
	}
	if tools.Status.Name != juju.StatusMaintenance || tools.LeaderData["cluster"] != "etcd0=x" || tools.Version != "3.6.16" || len(tools.Logs) != 1 {
		t.Errorf("immediate writes lost: status %+v leader %v version %q logs %v", tools.Status, tools.LeaderData, tools.Version, tools.Logs)
	}
	// The retry starts from the committed data.
	if err := tools.Hook(func() error {
		state, _ := tools.StateGet(context.Background())
		if state["memo"] != "old" {
			t.Errorf("retry reads %v", state)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A hook that succeeds, or ends blocked/waiting, commits its writes.
func TestSucceededHookCommits(t *testing.T) {
	for name, result := range map[string]error{"nil": nil, "waiting": juju.Waiting("Waiting for certificates")} {
		t.Run(name, func(t *testing.T) {
			tools := arranged()
			ev := juju.Event{Kind: juju.HookKind, Name: "config-changed", Unit: "etcd/0"}
			code := tools.Run(context.Background(), ev, func(ctx context.Context, _ juju.Event) error {
				writeAll(t, ctx, tools)
				return result
			}, io.Discard)
			if code != juju.ExitOK {
				t.Fatalf("exit %d", code)
			}
			rel := tools.Relations["cluster:0"]
			if !maps.Equal(rel.LocalUnitData, map[string]string{"state": "started"}) || rel.LocalAppData["token"] != "T" {
				t.Errorf("relation writes not committed: unit %v app %v", rel.LocalUnitData, rel.LocalAppData)
			}
			if !maps.Equal(tools.State, map[string]string{"memo": "new"}) || len(tools.Ports) != 1 || tools.Ports[0] != "2379/tcp" {
				t.Errorf("state %v ports %v", tools.State, tools.Ports)
			}
		})
	}
}

// Tools fail outside a hook, as Juju's do once their hook has ended.
func TestToolsOutsideAHookFail(t *testing.T) {
	tools := arranged()
	err := tools.StateSet(context.Background(), map[string]string{"k": "v"})
	var te *juju.ToolError
	if !errors.As(err, &te) || te.Code != 1 {
		t.Fatalf("state-set outside a hook: %v", err)
	}
}
