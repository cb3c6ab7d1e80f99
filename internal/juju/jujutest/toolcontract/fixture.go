// Package toolcontract is the contract every implementation of juju.Tools
// must keep: one suite of cases, run against the unit-test fake
// (jujutest, in this package's test) and against juju.NewExecTools talking
// to jujusim's hook-tool server (tests/toolcontract), so the fake and the
// simulator cannot drift apart. Where they disagreed,
// ../shared/reference/juju-hook-semantics.md decided.
//
// A backend arranges Fixture, then the suite runs hooks (and actions) on
// its unit through Env and compares what the tools return, their error
// texts and exit codes, and what the backend holds after the hook
// (Observed).
package toolcontract

import (
	"testing"

	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// The fixture every backend arranges before each case. The unit under
// test is Unit of App, leader when the case asks for it (else Peer is).
const (
	Unit = "etcd/0"
	App  = "etcd"
	// Peer is the other unit of App, in the PeerEndpoint relation.
	Peer         = "etcd/1"
	PeerEndpoint = "cluster"
	// RemoteUnit of RemoteApp is related on DBEndpoint (App provides).
	DBEndpoint = "db"
	RemoteApp  = "client"
	RemoteUnit = "client/0"
	// Address is the unit's only address: its bind and ingress address
	// for every binding, and Address+"/32" its egress subnet.
	Address = "10.9.0.10"
	// ResourceContent is what resource "etcd" holds; resource "core" is
	// declared in metadata but has no blob.
	ResourceContent = "a snap"
	// Storage "data/0" is a filesystem at StorageLocation.
	StorageLocation = "/srv/etcd-data"
)

// Arranged data. Own unit bags (as Juju's EnterScope writes them) hold
// private-address and ingress-address (Address) and egress-subnets.
var (
	// PeerBag is Peer's bag in the peer relation; PeerAppBag the own
	// application's bag there (written by an earlier leader).
	PeerBag    = map[string]string{"peer-key": "peer-value"}
	PeerAppBag = map[string]string{"token": "T0"}
	// RemoteBag and RemoteAppBag are RemoteUnit's and RemoteApp's bags.
	RemoteBag    = map[string]string{"want": "certs"}
	RemoteAppBag = map[string]string{"app": "client"}
	// Config: charm options port (int, default 2379), name (string,
	// default "etcd", set by the operator to "custom"), debug (boolean,
	// default false), ratio (float, default 0.5), token (string, no
	// default, unset).
	Config = map[string]any{"port": int64(2379), "name": "custom", "debug": false, "ratio": 0.5}
	// LeaderData is the application's leader settings.
	LeaderData = map[string]string{"cluster": "etcd0=https://10.9.0.10:2380"}
	// State is the unit's committed charm state; Ports its opened ports.
	State = map[string]string{"memo": "m0"}
	Ports = []string{"2380/tcp"}
	// ActionParams are the params of the action a case runs ("count" is
	// integral).
	ActionParams = map[string]any{"path": "/tmp/x", "count": int64(3)}
)

// Env is one backend with the fixture arranged.
type Env interface {
	// Hook runs fn as one hook of Unit with tools bound to its context;
	// with params non-nil it runs an action with those params instead.
	// The backend commits the hook's buffered writes if fn returns nil
	// and discards them otherwise, as Juju does for the exit code.
	Hook(t *testing.T, params map[string]any, fn func(juju.Tools) error)
	// Observe returns what the controller holds now: committed data and
	// the writes Juju applies at once.
	Observe(t *testing.T) Observed
	// CommitRemote writes settings into RemoteUnit's bag as its own
	// committed hook would (it may run while a hook of Unit runs).
	CommitRemote(t *testing.T, settings map[string]string)
}

// Observed is a backend's state as the rest of the model sees it.
type Observed struct {
	// UnitBags and AppBags are the own unit's and own application's
	// committed bags, by relation id ("db:1").
	UnitBags map[string]map[string]string
	AppBags  map[string]map[string]string
	State    map[string]string
	Ports    []string // as opened-ports lists them
	// Status and AppStatus are the unit's and application's workload
	// status; Version the application version.
	Status     juju.Status
	AppStatus  juju.Status
	Version    string
	LeaderData map[string]string
	// Logs are juju-log lines as "LEVEL: message".
	Logs []string
	// The last action's results (dotted keys), action-fail message and
	// action-log messages.
	ActionResults map[string]string
	ActionFailed  string
	ActionLogs    []string
}
