package workload

import (
	"errors"
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju/jujutest"
	"github.com/etcd-charm/etcd-charm/relations"
)

func TestSetLeaderWritesOnlyChanges(t *testing.T) {
	tools := jujutest.New("etcd/0")
	tools.Leader = true
	tools.LeaderData["token"] = "ABC123"
	tools.LeaderData["join-etcd1"] = "etcd0=a,etcd1=b"
	from := relations.DecodeLeader(tools.LeaderData)
	var got relations.Leader
	err := tools.Hook(func() (err error) {
		got, err = SetLeader(t.Context(), tools, from, func(l *relations.Leader) {
			l.Token = "ABC123" // unchanged
			l.RestartLock = "etcd/1"
			delete(l.Joins, "etcd1")
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if back := relations.DecodeLeader(tools.LeaderData); back.RestartLock != "etcd/1" || len(back.Joins) != 0 || back.Token != "ABC123" {
		t.Errorf("leader settings %+v", back)
	}
	if got.RestartLock != "etcd/1" || from.Joins["etcd1"] == "" {
		t.Errorf("returned %+v; from changed: %+v", got, from)
	}
	tools.Calls = nil
	if err := tools.Hook(func() error {
		_, err := SetLeader(t.Context(), tools, got, func(*relations.Leader) {})
		return err
	}); err != nil || len(tools.Calls) != 0 {
		t.Errorf("no change made calls %v (%v)", tools.Calls, err)
	}
	tools.Fail["leader-set"] = errors.New("connection lost")
	var kept relations.Leader
	err = tools.Hook(func() (err error) {
		kept, err = SetLeader(t.Context(), tools, got, func(l *relations.Leader) { l.Voters = "x" })
		return err
	})
	if err == nil || kept.Voters != "" {
		t.Errorf("failed write: %+v, %v; want the settings before and an error", kept, err)
	}
}

func TestUnitStateRoundTripThroughTools(t *testing.T) {
	tools := jujutest.New("etcd/0")
	tools.State["memo-port"] = "2379/tcp"
	if err := tools.Hook(func() error {
		from, err := ReadUnitState(t.Context(), tools)
		if err != nil || from.Memo.Port != "2379/tcp" {
			t.Fatalf("read %+v, %v", from, err)
		}
		to := from
		to.Resource = "0f1e"
		if err := WriteUnitState(t.Context(), tools, from, to); err != nil {
			t.Fatal(err)
		}
		back, _ := ReadUnitState(t.Context(), tools)
		if back != to {
			t.Errorf("read back %+v, want %+v", back, to)
		}
		tools.Calls = nil
		if err := WriteUnitState(t.Context(), tools, to, to); err != nil || len(tools.Calls) != 0 {
			t.Errorf("no change made calls %v (%v)", tools.Calls, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
