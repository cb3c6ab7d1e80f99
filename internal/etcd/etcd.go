// Package etcd is the charm's view of an etcd cluster, over
// go.etcd.io/etcd/client/v3 with the v3 API only (so 3.4, 3.5 and 3.6 all
// work; layer-etcd's v2 calls are gone). Every membership call is safe to
// repeat, kubeadm-style: adding a member whose peer URL is already present
// returns that member, removing a member that is gone succeeds.
package etcd

import (
	"context"
	"errors"
	"time"
)

// Errors callers act on.
var (
	// ErrLearnerNotReady: etcd refuses to promote a learner that has not
	// caught up with the leader yet; try again later.
	ErrLearnerNotReady = errors.New("learner not in sync with the leader yet")
	// ErrUnhealthy: etcd refused a membership change because the cluster is
	// not healthy enough (strict reconfig check, or within its
	// post-change health window); try again later.
	ErrUnhealthy = errors.New("cluster not healthy enough for a membership change")
	// ErrTooManyLearners: etcd allows one learner at a time (by default);
	// promote or remove the existing learner first.
	ErrTooManyLearners = errors.New("too many learner members in the cluster")
	// ErrLearnerRefused: the request reached a learner, which answers
	// only Status and serializable reads (etcd 3.4-3.6: "rpc not
	// supported for learner"). clientv3 spreads requests over its
	// endpoints, so a client with a learner's endpoint among others
	// fails such calls at random: cluster operations go through voters.
	ErrLearnerRefused = errors.New("rpc not supported for learner")
)

// TLS names the PEM files a client authenticates with (the charm uses the
// server pair as its client certificate, as layer-etcd does).
type TLS struct {
	CertFile, KeyFile, CAFile string
}

// Member is one cluster member. A member added but not started yet has no
// name and no client URLs.
type Member struct {
	ID         uint64
	Name       string
	PeerURLs   []string
	ClientURLs []string
	IsLearner  bool
}

// Started reports whether the member's etcd has started and joined.
func (m Member) Started() bool { return m.Name != "" }

// Status is one endpoint's view (etcdctl endpoint status).
type Status struct {
	Endpoint  string
	MemberID  uint64
	Leader    uint64
	Version   string
	Revision  int64
	RaftIndex uint64
	DBSize    int64
	IsLearner bool
	Errors    []string
}

// Health is one endpoint's health by etcdctl's rule: a linearizable read
// succeeds (or fails only with permission denied), and no NOSPACE or
// CORRUPT alarm is raised.
type Health struct {
	Endpoint string
	Healthy  bool
	Took     time.Duration
	Error    string
}

// Alarm is a raised alarm ("NOSPACE", "CORRUPT") on a member.
type Alarm struct {
	MemberID uint64
	Type     string
}

// Cluster is the charm's etcd interface.
type Cluster interface {
	Members(ctx context.Context) ([]Member, error)
	// LocalMembers is the membership as the member at endpoint knows it,
	// without going through raft (a serializable member list): it
	// answers without a quorum, so a unit can name the voters it lost.
	LocalMembers(ctx context.Context, endpoint string) ([]Member, error)
	// AddLearner adds a learner with peerURL, or returns the member that
	// already has it. The returned list is the membership after the add.
	AddLearner(ctx context.Context, peerURL string) (Member, []Member, error)
	// Promote makes a learner a voting member; ErrLearnerNotReady while it
	// catches up; nil if it is already a voter.
	Promote(ctx context.Context, id uint64) error
	// Remove removes a member; nil if it is already gone.
	Remove(ctx context.Context, id uint64) error
	// UpdatePeerURLs changes a member's peer URLs.
	UpdatePeerURLs(ctx context.Context, id uint64, peerURLs []string) error
	// MoveLeader transfers raft leadership to member id (the request must
	// reach the current leader; the implementation finds it).
	MoveLeader(ctx context.Context, id uint64) error
	// Status asks one endpoint.
	Status(ctx context.Context, endpoint string) (Status, error)
	// Health checks each endpoint concurrently.
	Health(ctx context.Context, endpoints []string) []Health
	Alarms(ctx context.Context) ([]Alarm, error)
	Close() error
}

// Dialer connects to a cluster through endpoints ("https://10.0.0.1:2379").
type Dialer func(ctx context.Context, endpoints []string, tls TLS) (Cluster, error)
