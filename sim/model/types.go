// Package model holds jujusim's model state: applications deployed from real
// charms, units on machines, relations with unit and application databags,
// leadership, config, resources, storage, statuses with history, opened
// ports, charm state and actions. It is plain data guarded by the caller's
// lock and persisted as JSON so a restarted controller resumes the model.
//
// The per-unit bookkeeping of Juju's unit agent (what it has installed,
// which relation settings versions it has seen, ...) lives here too, in
// UnitAgent, because Juju keeps it in the agent's local state file and a
// controller restart must not replay hooks a unit already ran.
package model

import "time"

// Life of an entity, as in Juju: alive until removal is asked for, then
// dying while the unit agent runs its teardown hooks.
type Life string

// The lives an entity goes through.
const (
	Alive Life = "alive"
	Dying Life = "dying"
)

// Model is the whole simulated model.
type Model struct {
	UUID      string    `json:"uuid"`
	Name      string    `json:"name"`
	Seed      int64     `json:"seed"`
	Isolation string    `json:"isolation"` // "none" or "netns"
	Subnet    string    `json:"subnet"`    // unit addresses come from here
	Created   time.Time `json:"created"`

	// Timing knobs (persisted so a restart keeps them).
	UpdateStatusInterval time.Duration `json:"update-status-interval"`
	RetryBackoff         time.Duration `json:"retry-backoff"`     // first retry delay (Juju: 5s)
	RetryBackoffMax      time.Duration `json:"retry-backoff-max"` // cap (Juju: 5m)
	Concurrency          int           `json:"concurrency"`       // units running at once (0 = 1)

	// Config is model-config set by the operator (logging-config).
	Config map[string]string `json:"config,omitempty"`

	NextMachine  int `json:"next-machine"`
	NextRelation int `json:"next-relation"`
	NextTask     int `json:"next-task"` // operations and tasks share Juju's id sequence

	Applications map[string]*Application `json:"applications"`
	Units        map[string]*Unit        `json:"units"`
	Machines     map[string]*Machine     `json:"machines"`
	Relations    map[int]*Relation       `json:"relations"`
	Actions      map[int]*Action         `json:"actions"`
}

// Application is one deployed charm.
type Application struct {
	Name      string `json:"name"`
	CharmPath string `json:"charm-path"` // the unpacked charm dir in the controller's store
	CharmName string `json:"charm-name"`
	CharmRev  int    `json:"charm-rev"`
	CharmSeq  int    `json:"charm-seq"` // bumped by refresh and attach-resource (upgrade-charm)
	Base      string `json:"base"`      // ubuntu@22.04
	NextUnit  int    `json:"next-unit"`
	Leader    string `json:"leader"`
	Version   string `json:"version"` // application-version-set
	Life      Life   `json:"life"`

	// Config holds the values set by the operator (not defaults);
	// ConfigSeq is bumped whenever the effective values change.
	Config    map[string]any `json:"config"`
	ConfigSeq int            `json:"config-seq"`

	LeaderSettings    map[string]string `json:"leader-settings"`
	LeaderSettingsSeq int               `json:"leader-settings-seq"`

	Status        StatusInfo          `json:"status"` // set by the leader; Status "" = derive
	Resources     map[string]Resource `json:"resources"`
	NextStorageID map[string]int      `json:"next-storage-id"`

	// Arch is the arch constraint given at deploy ("" = the host's);
	// Storage holds the --storage counts given at deploy, by storage name.
	Arch    string         `json:"arch,omitempty"`
	Storage map[string]int `json:"storage,omitempty"`
}

// Resource is an uploaded file resource.
type Resource struct {
	Blob        string `json:"blob"` // path in the controller's store
	Revision    int    `json:"revision"`
	Fingerprint string `json:"fingerprint"` // sha384 hex
}

// StatusInfo is one status value.
type StatusInfo struct {
	Status  string         `json:"status"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
	Since   time.Time      `json:"since"`
	Kind    string         `json:"kind,omitempty"` // in History: workload or juju-unit
}

// Unit is one unit of an application, alone on its machine.
type Unit struct {
	Name    string `json:"name"`
	App     string `json:"app"`
	Machine string `json:"machine"`
	Life    Life   `json:"life"`

	Workload StatusInfo `json:"workload"`
	// Agent is the agent status; a failed hook is stored here as "error"
	// (Juju displays it as a workload error with the agent idle).
	Agent              StatusInfo   `json:"agent"`
	History            []StatusInfo `json:"history"` // workload and agent changes, oldest first
	WorkloadSetByCharm bool         `json:"workload-set-by-charm"`

	Ports   []PortRange       `json:"ports"`
	State   map[string]string `json:"state"`
	Storage []StorageInstance `json:"storage"`

	AgentState UnitAgent `json:"agent-state"`
}

// PortRange is an opened port range; Endpoints nil = all endpoints.
type PortRange struct {
	From      int      `json:"from"`
	To        int      `json:"to"`
	Protocol  string   `json:"protocol"`
	Endpoints []string `json:"endpoints,omitempty"`
}

// StorageInstance is one attached storage instance.
type StorageInstance struct {
	ID   string `json:"id"`   // data/0
	Kind string `json:"kind"` // filesystem or block
	// Location is what storage-get answers, as an absolute host path
	// inside the unit's root: the mount point of a filesystem, or the
	// file standing in for a block device (<root>/dev/loopN).
	Location string `json:"location"`
}

// Machine hosts one unit.
type Machine struct {
	ID          string    `json:"id"`
	Address     string    `json:"address"`
	Root        string    `json:"root"` // the unit's filesystem root (SNAPPY_GLOBAL_ROOT)
	NetNS       string    `json:"netns,omitempty"`
	Iface       string    `json:"iface"`
	MAC         string    `json:"mac"`
	CIDR        string    `json:"cidr"`
	Created     time.Time `json:"created"`
	Partitioned bool      `json:"partitioned,omitempty"`
	PoweredOff  bool      `json:"powered-off,omitempty"` // jujusim fault poweroff: down for good
	Arch        string    `json:"arch,omitempty"`        // Juju's name (amd64, arm64, s390x, ...); "" = the host's
}

// Relation is a relation between two endpoints, or a peer relation.
type Relation struct {
	ID        int        `json:"id"`
	Life      Life       `json:"life"`
	Endpoints []Endpoint `json:"endpoints"` // one for peers, two (provider first) otherwise
	// UnitSettings and AppSettings are the databags, keyed by unit / app.
	UnitSettings map[string]*Bag `json:"unit-settings"`
	AppSettings  map[string]*Bag `json:"app-settings"`
	// Scope holds the units that entered scope (see EnterScope).
	Scope map[string]bool `json:"scope"`
}

// Endpoint is one side of a relation.
type Endpoint struct {
	App       string `json:"app"`
	Name      string `json:"name"`
	Interface string `json:"interface"`
	Role      string `json:"role"` // provider, requirer, peer
}

// Bag is one databag with its settings version.
type Bag struct {
	Version int64             `json:"version"`
	Data    map[string]string `json:"data"`
}

// Action is one task of `jujusim run` (or an exec command).
type Action struct {
	ID        int            `json:"id"`
	Operation int            `json:"operation"`
	Unit      string         `json:"unit"`
	Name      string         `json:"name"`              // action name; "" for exec
	Command   string         `json:"command,omitempty"` // exec only
	Params    map[string]any `json:"params"`
	Status    string         `json:"status"` // pending, running, completed, failed
	Message   string         `json:"message,omitempty"`
	Results   map[string]any `json:"results,omitempty"`
	Log       []ActionLog    `json:"log,omitempty"`
	Enqueued  time.Time      `json:"enqueued"`
	Started   time.Time      `json:"started"`
	Completed time.Time      `json:"completed"`
}

// ActionLog is one action-log message.
type ActionLog struct {
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
}

// UnitAgent is the unit agent's local state: what the resolver has already
// done for this unit.
type UnitAgent struct {
	Installed         bool                  `json:"installed"`
	Started           bool                  `json:"started"`
	Stopped           bool                  `json:"stopped"`
	StorageAttached   map[string]bool       `json:"storage-attached"`
	ConfigSeq         int                   `json:"config-seq"`     // app ConfigSeq last run config-changed for
	CharmSeq          int                   `json:"charm-seq"`      // app CharmSeq last upgraded to
	LeaderElected     bool                  `json:"leader-elected"` // ran leader-elected since becoming leader
	LeaderSettingsSeq int                   `json:"leader-settings-seq"`
	Relations         map[int]*UnitRelation `json:"relations"`
	NextUpdateStatus  time.Time             `json:"next-update-status"`
	// Failed is the hook that failed and blocks other hooks until retried.
	Failed *FailedHook `json:"failed,omitempty"`
}

// UnitRelation is the agent's view of one relation.
type UnitRelation struct {
	Created bool `json:"created"`
	Broken  bool `json:"broken"`
	// Members maps remote units the agent has joined to the settings
	// version it last ran -changed for (-1: joined, -changed pending).
	Members        map[string]int64 `json:"members"`
	AppVersion     int64            `json:"app-version"` // remote app bag version seen
	ChangedPending string           `json:"changed-pending,omitempty"`
}

// FailedHook is a hook in error, retried with exponential backoff.
type FailedHook struct {
	Hook      Hook      `json:"hook"`
	Attempts  int       `json:"attempts"`
	NextRetry time.Time `json:"next-retry"`
}

// Hook identifies one hook run.
type Hook struct {
	Kind          string `json:"kind"`               // install, relation-joined, storage-attached, ...
	RelationID    int    `json:"relation-id"`        // -1 if none
	Endpoint      string `json:"endpoint,omitempty"` // local endpoint of a relation hook
	RemoteUnit    string `json:"remote-unit,omitempty"`
	RemoteApp     string `json:"remote-app,omitempty"`
	DepartingUnit string `json:"departing-unit,omitempty"`
	StorageID     string `json:"storage-id,omitempty"`
}
