// Package juju is the charm's hook runtime: the event Juju is running, parsed
// once from the environment; the hook tools behind a narrow interface; and the
// mapping from a handler's outcome to the process exit code Juju acts on.
//
// How Juju runs a charm (juju-hook-semantics.md §1): for every hook and every
// action the unit agent execs <charm>/dispatch with no arguments, cwd = the
// charm directory and a replaced environment. JUJU_DISPATCH_PATH says what is
// being run ("hooks/install", "actions/snapshot"); the JUJU_* variables carry
// the rest. Exit 0 commits the hook's buffered writes; any other exit discards
// them, puts the unit in error and makes Juju retry the hook with backoff.
package juju

import (
	"fmt"
	"strings"
)

// Kind says whether Juju is running a hook or an action.
type Kind string

const (
	HookKind   Kind = "hook"
	ActionKind Kind = "action"
)

// Event is one hook or action run, as Juju's environment describes it.
type Event struct {
	Kind Kind
	// Name is the hook name ("cluster-relation-changed") or action name
	// ("snapshot"), the last element of JUJU_DISPATCH_PATH.
	Name string

	Unit  string // JUJU_UNIT_NAME, "etcd/0"
	Model string // JUJU_MODEL_NAME
	// ModelUUID is JUJU_MODEL_UUID: what tells this model's application
	// apart from one of the same name in another model.
	ModelUUID string
	CharmDir  string // JUJU_CHARM_DIR
	Version   string // JUJU_VERSION of the agent

	// Relation hooks.
	Endpoint      string // JUJU_RELATION, "cluster"
	RelationID    string // JUJU_RELATION_ID, "cluster:3"
	RemoteUnit    string // JUJU_REMOTE_UNIT, empty in -created, -broken and app-level -changed
	RemoteApp     string // JUJU_REMOTE_APP
	DepartingUnit string // JUJU_DEPARTING_UNIT, only in -departed

	// Actions.
	ActionID string // JUJU_ACTION_UUID (a decimal id in Juju 3)

	// Storage hooks.
	StorageID       string // JUJU_STORAGE_ID, "data/0"
	StorageLocation string // JUJU_STORAGE_LOCATION
}

// App is the application part of the unit name ("etcd" of "etcd/0").
func (e Event) App() string {
	app, _, _ := strings.Cut(e.Unit, "/")
	return app
}

// IsRelation reports whether the event is a relation hook.
func (e Event) IsRelation() bool { return e.Kind == HookKind && e.Endpoint != "" }

// RelationHook is the hook suffix of a relation event: "joined", "changed",
// "departed", "broken" or "created"; "" for other events.
func (e Event) RelationHook() string {
	if !e.IsRelation() {
		return ""
	}
	suffix, ok := strings.CutPrefix(e.Name, e.Endpoint+"-relation-")
	if !ok {
		return ""
	}
	return suffix
}

// Departing reports whether this unit is the one leaving in a -departed hook
// (Juju sets JUJU_DEPARTING_UNIT to the local unit when it is going away).
func (e Event) Departing() bool {
	return e.DepartingUnit != "" && e.DepartingUnit == e.Unit
}

// ParseEvent reads the event from Juju's environment. getenv is os.Getenv in
// main and a map lookup in tests.
func ParseEvent(getenv func(string) string) (Event, error) {
	path := getenv("JUJU_DISPATCH_PATH")
	if path == "" {
		return Event{}, fmt.Errorf("cannot find the event: JUJU_DISPATCH_PATH is not set (not run by Juju?)")
	}
	dir, name, ok := strings.Cut(path, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return Event{}, fmt.Errorf("cannot parse JUJU_DISPATCH_PATH %q: want hooks/<name> or actions/<name>", path)
	}
	ev := Event{
		Name:            name,
		Unit:            getenv("JUJU_UNIT_NAME"),
		Model:           getenv("JUJU_MODEL_NAME"),
		ModelUUID:       getenv("JUJU_MODEL_UUID"),
		CharmDir:        getenv("JUJU_CHARM_DIR"),
		Version:         getenv("JUJU_VERSION"),
		StorageID:       getenv("JUJU_STORAGE_ID"),
		StorageLocation: getenv("JUJU_STORAGE_LOCATION"),
	}
	switch dir {
	case "hooks":
		ev.Kind = HookKind
		ev.Endpoint = getenv("JUJU_RELATION")
		ev.RelationID = getenv("JUJU_RELATION_ID")
		ev.RemoteUnit = getenv("JUJU_REMOTE_UNIT")
		ev.RemoteApp = getenv("JUJU_REMOTE_APP")
		ev.DepartingUnit = getenv("JUJU_DEPARTING_UNIT")
	case "actions":
		ev.Kind = ActionKind
		if an := getenv("JUJU_ACTION_NAME"); an != "" && an != name {
			return Event{}, fmt.Errorf("cannot parse event: JUJU_DISPATCH_PATH names action %q but JUJU_ACTION_NAME is %q", name, an)
		}
		ev.ActionID = getenv("JUJU_ACTION_UUID")
	default:
		return Event{}, fmt.Errorf("cannot parse JUJU_DISPATCH_PATH %q: want hooks/<name> or actions/<name>", path)
	}
	if ev.Unit == "" {
		return Event{}, fmt.Errorf("cannot parse event %s: JUJU_UNIT_NAME is not set", path)
	}
	if !strings.Contains(ev.Unit, "/") {
		return Event{}, fmt.Errorf("cannot parse event %s: JUJU_UNIT_NAME %q is not a unit name", path, ev.Unit)
	}
	return ev, nil
}

// String is "hook install" or "action snapshot".
func (e Event) String() string { return string(e.Kind) + " " + e.Name }
