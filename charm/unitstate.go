package charm

import (
	"strconv"
	"time"

	"github.com/etcd-charm/etcd-charm/relations"
)

// UnitState is this unit's charm state (state-get/state-set): Juju keeps
// it per unit on the controller and commits it with the hook's relation
// and port writes, only when the hook succeeds. The hooks and the actions
// read and write it only through this type.
type UnitState struct {
	// ReadySince is when the unit first was ready (snap installed, TLS
	// placed); the leader waits for ready peers from then on (see
	// BootstrapWait). Stored at second precision.
	ReadySince time.Time
	// Start is how this member's etcd first started (DecideStart keeps
	// it once etcd has data).
	Start Start
	// DataDir is the data directory of a member adopted where another
	// charm left it (PlanAdoption); "" for the charm's own layout.
	DataDir string
	// Resource is the sha256 of the `etcd` resource installed last ("":
	// etcd came from the store).
	Resource string
	// EtcdCA is the digest of the CA certificate the running etcd was
	// started with: a new CA needs a restart, a re-issued server
	// certificate does not (etcd reads it again for every connection).
	EtcdCA string
	// QuorumLostSince is when this unit first saw a majority of the
	// voters down (QuorumLoss); zero while quorum holds.
	QuorumLostSince time.Time
	// Rejoin is the leader's force_rejoin token this unit last acted on
	// (DecideRejoin).
	Rejoin string
	// Failed is the last change this member reverted after its etcd
	// did not serve in it (see RestartFailure).
	Failed RestartFailure
	// Memo is what the unit last published (see hooks/memo.go).
	Memo Memo
}

// Memo is what the unit last published, so quiet hooks skip repeating it.
type Memo struct {
	CertRequest string // digest of the certificate request
	Clients     string // digest of the db and proxy relation data
	Port        string // the client port opened ("2379/tcp")
	Version     string // the workload version set
	Status      string // the status last reported ("blocked: Missing …")
	Monitoring  string // digest of what the monitoring relations were given
	// StatusAt is when the status was last set (RFC3339, to the hour):
	// a quiet hook re-asserts an unchanged status once an hour.
	StatusAt string
	// What the unit last observed of Juju's side, encoded by hooks/memo.go
	// (opaque here): the valid config, the endpoints' addresses, the peer
	// relation and every peer's bag, the leader settings seen by a
	// non-leader, leadership, and the data storage. A quiet hook reads
	// them here instead of asking the hook tools (see hooks/memo.go for
	// the Juju guarantees that make that safe).
	Config, Network, Peers, Leader, Leading, Storage string
}

// Unit state keys.
const (
	keyReadySince   = "ready-since"
	keyStartCluster = "start-initial-cluster"
	keyStartState   = "start-initial-cluster-state"
	keyStartToken   = "start-initial-cluster-token"
	keyDataDir      = "data-dir"
	keyResource     = "snap-resource"
	keyEtcdCA       = "etcd-ca"
	keyFailRequest  = "restart-failed-request"
	keyFailReason   = "restart-failed-reason"
	keyFailAt       = "restart-failed-at"
	keyFailAttempts = "restart-failed-attempts"
	keyCertRequest  = "memo-cert-request"
	keyClients      = "memo-clients"
	keyPort         = "memo-port"
	keyVersion      = "memo-version"
	keyStatus       = "memo-status"
	keyMonitoring   = "memo-monitoring"
	keyQuorumLost   = "quorum-lost-since"
	keyRejoin       = "rejoin"
	keyStatusAt     = "memo-status-at"
	keySeenConfig   = "seen-config"
	keySeenNetwork  = "seen-network"
	keySeenPeers    = "seen-peers"
	keySeenLeader   = "seen-leader"
	keySeenLeading  = "seen-leading"
	keySeenStorage  = "seen-storage"
)

// DecodeUnitState reads unit state; keys it does not know are ignored.
func DecodeUnitState(m map[string]string) UnitState {
	s := UnitState{
		Start:    Start{InitialCluster: m[keyStartCluster], State: m[keyStartState], Token: m[keyStartToken]},
		DataDir:  m[keyDataDir],
		Resource: m[keyResource],
		EtcdCA:   m[keyEtcdCA],
		Rejoin:   m[keyRejoin],
		Memo: Memo{
			CertRequest: m[keyCertRequest],
			Clients:     m[keyClients],
			Port:        m[keyPort],
			Version:     m[keyVersion],
			Status:      m[keyStatus],
			Monitoring:  m[keyMonitoring],
			StatusAt:    m[keyStatusAt],
			Config:      m[keySeenConfig],
			Network:     m[keySeenNetwork],
			Peers:       m[keySeenPeers],
			Leader:      m[keySeenLeader],
			Leading:     m[keySeenLeading],
			Storage:     m[keySeenStorage],
		},
	}
	if t, err := time.Parse(time.RFC3339, m[keyReadySince]); err == nil {
		s.ReadySince = t
	}
	if t, err := time.Parse(time.RFC3339, m[keyQuorumLost]); err == nil {
		s.QuorumLostSince = t
	}
	if m[keyFailRequest] != "" {
		s.Failed = RestartFailure{Request: m[keyFailRequest], Reason: m[keyFailReason]}
		s.Failed.At, _ = time.Parse(time.RFC3339, m[keyFailAt])
		s.Failed.Attempts, _ = strconv.Atoi(m[keyFailAttempts])
	}
	return s
}

// Settings renders the unit state as state-set writes it (Juju stores an
// empty value as ""; DecodeUnitState reads it as unset).
func (s UnitState) Settings() map[string]string {
	ready, lost := "", ""
	if !s.ReadySince.IsZero() {
		ready = s.ReadySince.UTC().Format(time.RFC3339)
	}
	if !s.QuorumLostSince.IsZero() {
		lost = s.QuorumLostSince.UTC().Format(time.RFC3339)
	}
	failAt, failAttempts := "", ""
	if s.Failed.Request != "" {
		failAt, failAttempts = s.Failed.At.UTC().Format(time.RFC3339), strconv.Itoa(s.Failed.Attempts)
	}
	return map[string]string{
		keyReadySince:   ready,
		keyStartCluster: s.Start.InitialCluster,
		keyStartState:   s.Start.State,
		keyStartToken:   s.Start.Token,
		keyDataDir:      s.DataDir,
		keyResource:     s.Resource,
		keyEtcdCA:       s.EtcdCA,
		keyFailRequest:  s.Failed.Request,
		keyFailReason:   s.Failed.Reason,
		keyFailAt:       failAt,
		keyFailAttempts: failAttempts,
		keyCertRequest:  s.Memo.CertRequest,
		keyClients:      s.Memo.Clients,
		keyPort:         s.Memo.Port,
		keyVersion:      s.Memo.Version,
		keyStatus:       s.Memo.Status,
		keyMonitoring:   s.Memo.Monitoring,
		keyQuorumLost:   lost,
		keyRejoin:       s.Rejoin,
		keyStatusAt:     s.Memo.StatusAt,
		keySeenConfig:   s.Memo.Config,
		keySeenNetwork:  s.Memo.Network,
		keySeenPeers:    s.Memo.Peers,
		keySeenLeader:   s.Memo.Leader,
		keySeenLeading:  s.Memo.Leading,
		keySeenStorage:  s.Memo.Storage,
	}
}

// UnitStateChanges is what state-set must write to turn from into to
// (only the keys that differ; nothing to write is an empty map).
func UnitStateChanges(from, to UnitState) map[string]string {
	return relations.Changes(from.Settings(), to.Settings())
}
