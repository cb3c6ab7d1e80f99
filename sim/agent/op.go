// Package agent is jujusim's unit agent: the resolver that decides, from
// the model and the unit's local state, which operation a unit runs next
// (Juju's worker/uniter resolvers, §4 of juju-hook-semantics.md), the hook
// Context the hook tools act on, and the runner that starts the charm's
// dispatch with exactly Juju's environment.
package agent

import (
	"strings"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Hook kinds that are prefixed with an endpoint or storage name.
const (
	RelationCreated  = "relation-created"
	RelationJoined   = "relation-joined"
	RelationChanged  = "relation-changed"
	RelationDeparted = "relation-departed"
	RelationBroken   = "relation-broken"
	StorageAttached  = "storage-attached"
	StorageDetaching = "storage-detaching"
)

// OpKind says what an Op runs.
type OpKind int

// The operations a unit agent runs.
const (
	OpHook OpKind = iota
	OpAction
	OpExec
	// OpRemove drops a dying unit that never installed: no hooks to run.
	OpRemove
)

// Op is one operation the resolver picked for a unit.
type Op struct {
	Kind     OpKind
	Unit     string
	Hook     model.Hook
	ActionID int
	// Version is what a successful run records as seen: the settings
	// version for -changed, the app's config/charm/leader-settings
	// sequence for config-changed, upgrade-charm, leader-settings-changed.
	Version int64
	// Retry is set when Hook is the unit's failed hook being retried.
	Retry bool
}

// IsRelationHook reports whether kind is a relation hook.
func IsRelationHook(kind string) bool { return strings.HasPrefix(kind, "relation-") }

// HookName is the hook's full name: "db-relation-changed",
// "data-storage-attached", "install".
func HookName(h model.Hook) string {
	switch {
	case IsRelationHook(h.Kind):
		return h.Endpoint + "-" + h.Kind
	case strings.HasPrefix(h.Kind, "storage-"):
		name := h.StorageID
		if i := strings.Index(name, "/"); i >= 0 {
			name = name[:i]
		}
		return name + "-" + h.Kind
	}
	return h.Kind
}
