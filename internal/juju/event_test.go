package juju

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Event
		relHook string
		wantErr string
	}{{
		name: "install",
		env:  map[string]string{"JUJU_DISPATCH_PATH": "hooks/install", "JUJU_UNIT_NAME": "etcd/0", "JUJU_CHARM_DIR": "/c"},
		want: Event{Kind: HookKind, Name: "install", Unit: "etcd/0", CharmDir: "/c"},
	}, {
		name: "peer relation changed",
		env: map[string]string{
			"JUJU_DISPATCH_PATH": "hooks/cluster-relation-changed", "JUJU_UNIT_NAME": "etcd/0",
			"JUJU_RELATION": "cluster", "JUJU_RELATION_ID": "cluster:3",
			"JUJU_REMOTE_UNIT": "etcd/2", "JUJU_REMOTE_APP": "etcd",
		},
		want: Event{
			Kind: HookKind, Name: "cluster-relation-changed", Unit: "etcd/0",
			Endpoint: "cluster", RelationID: "cluster:3", RemoteUnit: "etcd/2", RemoteApp: "etcd",
		},
		relHook: "changed",
	}, {
		name: "departed by the local unit",
		env: map[string]string{
			"JUJU_DISPATCH_PATH": "hooks/db-relation-departed", "JUJU_UNIT_NAME": "etcd/1",
			"JUJU_RELATION": "db", "JUJU_RELATION_ID": "db:7", "JUJU_REMOTE_UNIT": "kcp/0",
			"JUJU_REMOTE_APP": "kcp", "JUJU_DEPARTING_UNIT": "etcd/1",
		},
		want: Event{
			Kind: HookKind, Name: "db-relation-departed", Unit: "etcd/1", Endpoint: "db",
			RelationID: "db:7", RemoteUnit: "kcp/0", RemoteApp: "kcp", DepartingUnit: "etcd/1",
		},
		relHook: "departed",
	}, {
		name: "action",
		env: map[string]string{
			"JUJU_DISPATCH_PATH": "actions/snapshot", "JUJU_UNIT_NAME": "etcd/0",
			"JUJU_ACTION_NAME": "snapshot", "JUJU_ACTION_UUID": "42",
			// Relation variables are not part of an action's environment.
			"JUJU_RELATION": "db",
		},
		want: Event{Kind: ActionKind, Name: "snapshot", Unit: "etcd/0", ActionID: "42"},
	}, {
		name: "storage attached",
		env: map[string]string{
			"JUJU_DISPATCH_PATH": "hooks/data-storage-attached", "JUJU_UNIT_NAME": "etcd/0",
			"JUJU_STORAGE_ID": "data/0", "JUJU_STORAGE_LOCATION": "/srv/data",
		},
		want: Event{Kind: HookKind, Name: "data-storage-attached", Unit: "etcd/0", StorageID: "data/0", StorageLocation: "/srv/data"},
	}, {
		name:    "not run by juju",
		env:     map[string]string{"JUJU_UNIT_NAME": "etcd/0"},
		wantErr: "JUJU_DISPATCH_PATH is not set",
	}, {
		name:    "bad dispatch path",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "bin/install", "JUJU_UNIT_NAME": "etcd/0"},
		wantErr: `cannot parse JUJU_DISPATCH_PATH "bin/install"`,
	}, {
		name:    "nested name",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "hooks/a/b", "JUJU_UNIT_NAME": "etcd/0"},
		wantErr: `cannot parse JUJU_DISPATCH_PATH "hooks/a/b"`,
	}, {
		name:    "no unit",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "hooks/install"},
		wantErr: "JUJU_UNIT_NAME is not set",
	}, {
		name:    "bad unit",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "hooks/install", "JUJU_UNIT_NAME": "etcd"},
		wantErr: `"etcd" is not a unit name`,
	}, {
		name:    "action names disagree",
		env:     map[string]string{"JUJU_DISPATCH_PATH": "actions/health", "JUJU_UNIT_NAME": "etcd/0", "JUJU_ACTION_NAME": "defrag"},
		wantErr: `names action "health" but JUJU_ACTION_NAME is "defrag"`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseEvent() error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEvent() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseEvent() =\n%+v\nwant\n%+v", got, tt.want)
			}
			if h := got.RelationHook(); h != tt.relHook {
				t.Errorf("RelationHook() = %q, want %q", h, tt.relHook)
			}
		})
	}
}

func TestEventHelpers(t *testing.T) {
	ev := Event{Kind: HookKind, Name: "db-relation-departed", Unit: "etcd/1", Endpoint: "db", DepartingUnit: "etcd/1"}
	if ev.App() != "etcd" {
		t.Errorf("App() = %q", ev.App())
	}
	if !ev.Departing() {
		t.Error("Departing() = false for the local unit leaving")
	}
	ev.DepartingUnit = "kcp/0"
	if ev.Departing() {
		t.Error("Departing() = true for a remote unit leaving")
	}
	if s := ev.String(); s != "hook db-relation-departed" {
		t.Errorf("String() = %q", s)
	}
}
