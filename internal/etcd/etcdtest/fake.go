// Package etcdtest is a stateful in-memory etcd cluster implementing
// etcd.Cluster and etcd.Maintenance, for tests of the charm. It keeps the
// rules of real etcd that the charm's logic depends on:
//
//   - a member added as a learner has no name and no client URLs until
//     its etcd starts (StartMember);
//   - etcd allows one learner at a time;
//   - a member stopped with StopMember keeps its name and URLs but answers
//     nothing and does not count towards quorum; without a quorum up
//     there is no leader and requests that go through raft fail;
//   - a learner is promoted only once it has started and caught up (its
//     revision is at least 90% of the leader's, etcd's own rule on raft
//     indexes); before that Promote returns etcd.ErrLearnerNotReady;
//   - a voter's removal, or a learner's promotion, is refused with
//     etcd.ErrUnhealthy when the voters up after the change would not
//     make a quorum (strict reconfig check);
//   - with SetHealthWindow (etcd's 5 s HealthInterval), adding a learner
//     is refused with etcd.ErrUnhealthy until every voter has been up for
//     the window, and a removal counts only the voters up that long:
//     real etcd refuses the next AddLearner right after a promotion;
//   - removing the leader elects another started voter;
//   - a learner answers Status but fails the linearizable read of a
//     health check ("rpc not supported for learner"), and refuses every
//     other request a client from Dial routes to it (see conn);
//   - a NOSPACE or CORRUPT alarm makes every endpoint unhealthy;
//   - a snapshot is a real one, as etcd streams it: a bbolt database laid
//     out as etcd's holding the member's writes, then its sha256.
//
// Knobs inject the transient failures a hook must survive: Promote not
// ready N more times, membership calls failing with etcd.ErrUnhealthy N
// times, endpoints that do not answer, failing dials.
package etcdtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// Fake is an etcd cluster. The zero value is not usable; use New.
type Fake struct {
	mu        sync.Mutex
	members   []*member
	nextID    uint64
	leader    uint64
	alarms    []etcd.Alarm
	version   string
	down      map[string]string // client URL -> error text
	notReady  int               // Promote answers not-ready this many more times
	unhealthy int               // membership changes fail this many more times
	dialErr   error
	compacted int64
	calls     []string
	closed    int
	writes    []write        // applied puts, by revision (Put, PutKey)
	snapFault *snapshotFault // the next SnapshotStream fails (FailSnapshot)
	window    time.Duration  // etcd's HealthInterval; 0: off
	now       func() time.Time
}

type member struct {
	etcd.Member
	stopped   bool      // its etcd is not running (StopMember)
	upSince   time.Time // when its etcd (re)started, by the fake's clock
	revision  int64
	raftIndex uint64
	dbSize    int64
}

// New returns a one-member cluster whose founding member is started and
// leader: name, peerURL and clientURL as its etcd would announce them.
func New(name, peerURL, clientURL string) *Fake {
	f := &Fake{
		nextID:  0x8e9e05c52164694d,
		version: "3.5.17",
		down:    map[string]string{},
		now:     time.Now,
	}
	m := f.add(peerURL, false)
	m.upSince = f.now()
	m.Name, m.ClientURLs = name, []string{clientURL}
	m.revision, m.raftIndex = 1, 4
	f.leader = m.ID
	return f
}

// add appends a member with a fresh id; f.mu is held (or f is new).
func (f *Fake) add(peerURL string, learner bool) *member {
	m := &member{Member: etcd.Member{ID: f.nextID, PeerURLs: []string{peerURL}, IsLearner: learner}, dbSize: 20480}
	f.nextID += 0x1111111111
	f.members = append(f.members, m)
	return m
}

func (f *Fake) byID(id uint64) *member {
	for _, m := range f.members {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (f *Fake) byPeerURL(url string) *member {
	for _, m := range f.members {
		if slices.Contains(m.PeerURLs, url) {
			return m
		}
	}
	return nil
}

func (f *Fake) byClientURL(url string) *member {
	for _, m := range f.members {
		if slices.Contains(m.ClientURLs, url) {
			return m
		}
	}
	return nil
}

// up reports whether m's etcd runs and talks to its peers: started, not
// stopped, and its client URL not made to fail with SetDown. f.mu is held.
func (f *Fake) up(m *member) bool {
	if !m.Started() || m.stopped {
		return false
	}
	for _, u := range m.ClientURLs {
		if _, isDown := f.down[u]; isDown {
			return false
		}
	}
	return true
}

// connected reports whether m has been up for the health window, as
// etcd's strict reconfig checks count members (isConnectedFullySince,
// numConnectedSince). f.mu is held.
func (f *Fake) connected(m *member) bool {
	return f.up(m) && (f.window <= 0 || !m.upSince.After(f.now().Add(-f.window)))
}

// endpoint returns the member serving a client URL, or why it does not
// answer. f.mu is held.
func (f *Fake) endpoint(url string) (*member, error) {
	m := f.byClientURL(url)
	switch {
	case m == nil:
		return nil, fmt.Errorf("no member serves it")
	case m.stopped:
		return nil, fmt.Errorf("connection refused")
	}
	if msg, isDown := f.down[url]; isDown {
		return nil, fmt.Errorf("%s", msg)
	}
	return m, nil
}

// elect makes the first up voter leader when the up voters make a
// quorum, else leaves the cluster without a leader. f.mu is held.
func (f *Fake) elect() {
	f.leader = 0
	voters, upVoters := 0, []*member{}
	for _, m := range f.members {
		if m.IsLearner {
			continue
		}
		voters++
		if f.up(m) {
			upVoters = append(upVoters, m)
		}
	}
	if len(upVoters) > 0 && len(upVoters) >= voters/2+1 {
		f.leader = upVoters[0].ID
	}
}

// noLeader is the error of a request that needs raft without a leader.
func (f *Fake) noLeader(op string) error {
	if f.leader == 0 {
		return fmt.Errorf("cannot %s: etcdserver: no leader", op)
	}
	return nil
}

func (f *Fake) list() []etcd.Member {
	out := make([]etcd.Member, 0, len(f.members))
	for _, m := range f.members {
		c := m.Member
		c.PeerURLs = append([]string(nil), m.PeerURLs...)
		c.ClientURLs = append([]string(nil), m.ClientURLs...)
		out = append(out, c)
	}
	return out
}

func (f *Fake) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// begin records a client call and fails it, as the client does, when ctx
// is done.
func (f *Fake) begin(ctx context.Context, format string, args ...any) error {
	f.record(format, args...)
	return ctx.Err()
}

// beginRaft is begin for a request that goes through raft, which also
// fails when the cluster has no leader; op says what could not be done.
func (f *Fake) beginRaft(ctx context.Context, op, format string, args ...any) error {
	if err := f.begin(ctx, format, args...); err != nil {
		return err
	}
	return f.noLeader(op)
}

// reachable reports whether some member answers on one of endpoints.
func (f *Fake) reachable(endpoints []string) bool {
	for _, ep := range endpoints {
		if _, err := f.endpoint(ep); err == nil {
			return true
		}
	}
	return false
}

// failUnhealthy consumes one injected ErrUnhealthy; f.mu is held.
func (f *Fake) failUnhealthy(op string) error {
	if f.unhealthy > 0 {
		f.unhealthy--
		return fmt.Errorf("cannot %s: %w", op, etcd.ErrUnhealthy)
	}
	return nil
}

// quorumAfter reports whether the voters that are up among members other
// than skip make a quorum of all voters other than skip.
func (f *Fake) quorumAfter(skip uint64) bool {
	voters, started := 0, 0
	for _, m := range f.members {
		if m.ID == skip || m.IsLearner {
			continue
		}
		voters++
		if f.connected(m) {
			started++
		}
	}
	return voters > 0 && started >= voters/2+1
}

// Members implements etcd.Cluster.
func (f *Fake) Members(ctx context.Context) ([]etcd.Member, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, "list members", "Members"); err != nil {
		return nil, err
	}
	return f.list(), nil
}

var (
	_ etcd.Cluster     = (*Fake)(nil)
	_ etcd.Maintenance = (*Fake)(nil)
	_ etcd.Dialer      = (*Fake)(nil).Dial
)
