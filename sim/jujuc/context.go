// Package jujuc implements jujusim's hook tools the way Juju's unit agent
// does: the tool binaries on a unit's PATH are thin clients that forward
// {context id, cwd, command name, args, stdin} over a unix socket; the
// controller parses the arguments with gnuflag, runs the command against the
// hook Context of that context id and formats output with juju/cmd, so every
// byte a charm sees matches Juju's (see juju-hook-semantics.md §2).
//
// This file is the seam between the tool commands (this package) and the
// simulator's model, which implements Context for each running hook or
// action. Writes that Juju buffers until the hook exits 0 (relation settings,
// ports, charm state) must be buffered by the Context implementation; writes
// Juju applies at once (status, leader settings, application version, logs,
// action-log) go straight to the model.
package jujuc

import (
	"errors"

	"github.com/etcd-charm/etcd-charm/internal/overlay"
)

// Errors a Context returns; the commands turn them into Juju's texts.
var (
	// ErrNotLeader: application status or app data written by a non-leader.
	ErrNotLeader = errors.New("this unit is not the leader")
	// ErrPermissionDenied: relation data the unit may not read or write.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrRelationNotFound: a relation id this unit is not in.
	ErrRelationNotFound = errors.New("relation not found")
	// ErrNotAction: an action tool called from a hook context.
	ErrNotAction = errors.New("not running an action")
	// ErrResourceNotFound: resource-get of a resource with no blob uploaded.
	ErrResourceNotFound = errors.New("resource not found")
	// ErrBindingNotFound: network-get of a name that is neither an endpoint
	// nor an extra binding of the charm.
	ErrBindingNotFound = errors.New("binding not found")
)

// Status is a workload status as status-set/status-get see it.
type Status struct {
	Status  string         // maintenance, blocked, waiting, active, unknown, ...
	Message string         //
	Data    map[string]any // status-data; nil when none
}

// PortRange is one opened range, e.g. 2379/tcp, 8000-8080/udp or icmp
// (Protocol "icmp", From and To 0). Endpoints is nil for "all endpoints".
// It is the overlay's port, so buffered port writes share one model.
type PortRange = overlay.Port

// NetworkInfo is what network-get reports for one binding.
type NetworkInfo struct {
	BindAddresses    []BindAddress
	EgressSubnets    []string
	IngressAddresses []string
}

// BindAddress is one interface of a binding.
type BindAddress struct {
	MACAddress    string
	InterfaceName string
	Addresses     []InterfaceAddress
}

// InterfaceAddress is one address on an interface.
type InterfaceAddress struct {
	Hostname string
	Value    string
	CIDR     string
}

// StorageInstance is one attached storage instance (storage-get).
type StorageInstance struct {
	ID       string // data/0
	Kind     string // filesystem or block
	Location string // where it is mounted, inside the unit's filesystem
}

// Context is one running hook, action or `juju exec` command of one unit,
// as the tool commands see it. Relation ids are ints (the N in "db:N").
//
// A hook may run several tools at once (e.g. in background shell jobs), and
// tools of different units run concurrently, so implementations must be safe
// for concurrent use. Errors other than the sentinels above are printed as
// `ERROR <err>` verbatim (exit 1), or, from RelationEndpoint and Storage
// while a -r/-s flag is parsed, as `ERROR invalid value "x" for flag -r:
// <err>` (exit 2).
type Context interface {
	// UnitName is the unit running the hook ("etcd/0").
	UnitName() string
	// HookRelationID is the relation of the current relation hook.
	HookRelationID() (id int, ok bool)
	// RemoteUnitName and RemoteAppName are JUJU_REMOTE_UNIT and JUJU_REMOTE_APP
	// of the current relation hook ("" when none).
	RemoteUnitName() string
	RemoteAppName() string

	// RelationIDs lists "endpoint:id" of live relations on endpoint.
	RelationIDs(endpoint string) ([]string, error)
	// RelationEndpoint returns the local endpoint name of relation id, or
	// ErrRelationNotFound.
	RelationEndpoint(id int) (string, error)
	// RelationMembers lists remote units in scope (sorted), RelationRemoteApp
	// the remote application's name (for peers: the own application).
	RelationMembers(id int) ([]string, error)
	RelationRemoteApp(id int) (string, error)
	// RelationSettings reads the bag of unit or application name in relation
	// id: the own unit's and (for the leader) the own app's bag include this
	// hook's pending writes; remote bags are the committed data, cached for
	// the hook. Unreadable bags give ErrPermissionDenied.
	RelationSettings(id int, name string, app bool) (map[string]string, error)
	// SetRelationSettings buffers writes to the own unit's (or, app true, the
	// own application's) bag; an empty value deletes the key. A non-leader
	// writing the app bag gets ErrNotLeader.
	SetRelationSettings(id int, app bool, settings map[string]string) error

	// ConfigSettings returns every option; unset options without default
	// map to nil. Values are int64, float64, bool or string.
	ConfigSettings() (map[string]any, error)

	// UnitStatus/SetUnitStatus act at once. ApplicationStatus returns the
	// application's status and its units' statuses (leader only).
	UnitStatus() (Status, error)
	SetUnitStatus(Status) error
	ApplicationStatus() (app Status, units map[string]Status, err error)
	SetApplicationStatus(Status) error
	SetApplicationVersion(version string) error

	IsLeader() (bool, error)
	LeaderSettings() (map[string]string, error)
	// WriteLeaderSettings acts at once; an empty value deletes the key; a
	// non-leader gets ErrNotLeader.
	WriteLeaderSettings(map[string]string) error

	// OpenPortRange/ClosePortRange are buffered until commit.
	// OpenedPortRanges returns the committed ranges of this unit.
	OpenPortRange(PortRange) error
	ClosePortRange(PortRange) error
	OpenedPortRanges() ([]PortRange, error)

	// PrivateAddress and PublicAddress are unit-get's values.
	PrivateAddress() (string, error)
	PublicAddress() (string, error)
	// NetworkInfo answers network-get for binding (an endpoint or extra
	// binding name), optionally in the context of relation id (-1 for none);
	// an unknown binding gives ErrBindingNotFound.
	NetworkInfo(binding string, relationID int) (NetworkInfo, error)

	// ActionParams returns the action's params with schema defaults filled
	// in, or ErrNotAction in a hook.
	ActionParams() (map[string]any, error)
	// UpdateActionResults sets results at a dotted key path.
	UpdateActionResults(keys []string, value string) error
	SetActionFailed(message string) error
	LogActionMessage(message string) error

	// Log writes a juju-log line at level (TRACE..CRITICAL).
	Log(level, message string) error

	// DownloadResource fetches the application's resource into the unit's
	// resources directory and returns its path, or ErrResourceNotFound.
	DownloadResource(name string) (string, error)

	// StorageIDs lists attached storage ids (sorted), optionally of one
	// storage name; Storage looks one up; HookStorageID is the storage of a
	// storage hook.
	StorageIDs(name string) ([]string, error)
	Storage(id string) (StorageInstance, error)
	HookStorageID() (id string, ok bool)

	// CharmState returns this unit's state including pending writes;
	// SetCharmStateValue and DeleteCharmStateValue are buffered (an empty
	// value is stored as "", not deleted; deleting a missing key is fine).
	// state-set checks Juju's size quota before calling SetCharmStateValue.
	CharmState() (map[string]string, error)
	SetCharmStateValue(key, value string) error
	DeleteCharmStateValue(key string) error
}
