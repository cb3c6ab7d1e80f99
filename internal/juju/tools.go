package juju

import "context"

// Tools is the charm's view of Juju's hook tools: one method per tool the
// charm uses. The exec implementation (NewExecTools) runs the tool binaries
// found on PATH with --format=json where the tool has it; the fake in
// internal/juju/jujutest keeps the same state in memory for unit tests and
// commits a hook's buffered writes only when it exits 0.
// internal/juju/jujutest/toolcontract holds both, and jujusim's tools
// (tests/toolcontract), to the same cases.
//
// Juju semantics that bite:
//   - relation-set, open-port/close-port and state-set are buffered by the
//     agent and committed only when the hook exits 0;
//   - status-set, leader-set, application-version-set, juju-log and
//     action-log act at once and survive a failed hook;
//   - remote relation data is the committed data as of the hook's first
//     read of it.
//
// Every error from a tool is a *ToolError carrying the exit code and stderr.
type Tools interface {
	// RelationIDs lists the ids ("db:3") of relations on endpoint.
	RelationIDs(ctx context.Context, endpoint string) ([]string, error)
	// RelationList lists the remote units in scope of relation id.
	RelationList(ctx context.Context, relationID string) ([]string, error)
	// RelationRemoteApp names the remote application of relation id.
	RelationRemoteApp(ctx context.Context, relationID string) (string, error)
	// RelationGet reads the whole bag of unit (or, app true, application)
	// name in relation id.
	RelationGet(ctx context.Context, relationID, name string, app bool) (map[string]string, error)
	// RelationSet writes keys to the own unit's (app: own application's)
	// bag; an empty value deletes a key.
	RelationSet(ctx context.Context, relationID string, app bool, settings map[string]string) error

	// ConfigGet returns all options with a value or default, typed as
	// Juju types them: int64, float64, bool or string.
	ConfigGet(ctx context.Context) (map[string]any, error)

	// StatusSet sets the unit's (application true: the application's)
	// workload status.
	StatusSet(ctx context.Context, status Status, application bool) error
	ApplicationVersionSet(ctx context.Context, version string) error

	IsLeader(ctx context.Context) (bool, error)
	LeaderGet(ctx context.Context) (map[string]string, error)
	LeaderSet(ctx context.Context, settings map[string]string) error

	// OpenPort and ClosePort take "2379/tcp", "8000-8010/udp" or "icmp".
	OpenPort(ctx context.Context, port string) error
	ClosePort(ctx context.Context, port string) error
	OpenedPorts(ctx context.Context) ([]string, error)

	// NetworkGet returns binding's addresses (relationID may be "").
	NetworkGet(ctx context.Context, binding, relationID string) (Network, error)

	// ResourceGet returns the local path of resource name; a resource with
	// no uploaded blob is an error (*ToolError, exit 1).
	ResourceGet(ctx context.Context, name string) (string, error)
	// StorageGet returns the location of storage id ("data/0").
	StorageGet(ctx context.Context, id string) (Storage, error)
	StorageList(ctx context.Context, name string) ([]string, error)

	StateGet(ctx context.Context) (map[string]string, error)
	StateSet(ctx context.Context, settings map[string]string) error
	StateDelete(ctx context.Context, key string) error

	// ActionGet returns the action's params (schema defaults filled in);
	// integral numbers are int64.
	ActionGet(ctx context.Context) (map[string]any, error)
	// ActionSet sets results; keys may be dotted ("snapshot.path").
	ActionSet(ctx context.Context, results map[string]string) error
	ActionFail(ctx context.Context, message string) error
	ActionLog(ctx context.Context, message string) error

	// Log writes to the unit's log (juju-log) at level DEBUG, INFO,
	// WARNING or ERROR.
	Log(ctx context.Context, level, message string) error
}

// Status is a workload status.
type Status struct {
	Name    StatusName
	Message string
}

// StatusName is one of the workload statuses a charm may set.
type StatusName string

const (
	StatusMaintenance StatusName = "maintenance"
	StatusBlocked     StatusName = "blocked"
	StatusWaiting     StatusName = "waiting"
	StatusActive      StatusName = "active"
)

// Network is network-get's answer for one binding.
type Network struct {
	BindAddresses    []string // first address of every interface
	IngressAddresses []string
	EgressSubnets    []string
}

// Storage is one storage instance.
type Storage struct {
	Kind     string
	Location string
}
