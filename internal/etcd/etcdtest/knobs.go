package etcdtest

import (
	"fmt"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// StartMember is what a learner's etcd does when it starts with
// --initial-cluster-state existing: the member gets its name and client
// URL, and catches up with the leader's revision.
func (f *Fake) StartMember(peerURL, name, clientURL string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byPeerURL(peerURL)
	if m == nil {
		return fmt.Errorf("cannot start member with peer URL %s: not a member", peerURL)
	}
	m.Name, m.ClientURLs = name, []string{clientURL}
	if leader := f.byID(f.leader); leader != nil {
		m.revision, m.raftIndex = leader.revision, leader.raftIndex
	}
	return nil
}

// StopMember forgets a member's name and client URLs, as if its etcd had
// never started (a member whose data dir was wiped looks the same to the
// cluster).
func (f *Fake) StopMember(id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byID(id)
	if m == nil {
		return fmt.Errorf("cannot stop member %x: not a member", id)
	}
	m.Name, m.ClientURLs = "", nil
	if f.leader == id {
		f.leader = 0
		for _, x := range f.members {
			if !x.IsLearner && x.Started() {
				f.leader = x.ID
				break
			}
		}
	}
	return nil
}

// Put simulates n writes: the revision and raft index of every started
// member advance, except lagging learners (see SetRevision).
func (f *Fake) Put(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.members {
		if m.Started() {
			m.revision += n
			m.raftIndex += uint64(n)
		}
	}
}

// SetRevision sets one member's revision, e.g. to make a learner lag.
func (f *Fake) SetRevision(id uint64, rev int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byID(id)
	if m == nil {
		return fmt.Errorf("cannot set revision of %x: not a member", id)
	}
	m.revision = rev
	return nil
}

// SetLeader makes a started voter the leader (as an election would).
func (f *Fake) SetLeader(id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byID(id)
	if m == nil || m.IsLearner || !m.Started() {
		return fmt.Errorf("cannot make %x leader: not a started voter", id)
	}
	f.leader = id
	return nil
}

// Leader returns the leader's id (0: none).
func (f *Fake) Leader() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leader
}

// List returns the members without recording a call.
func (f *Fake) List() []etcd.Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list()
}

// SetDown makes clientURL stop answering (Status and Health fail with
// msg, Dial fails when it is the only endpoint); SetUp undoes it.
func (f *Fake) SetDown(clientURL, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if msg == "" {
		msg = "context deadline exceeded"
	}
	f.down[clientURL] = msg
}

// SetUp makes clientURL answer again.
func (f *Fake) SetUp(clientURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.down, clientURL)
}

// PromoteNotReady makes the next n Promote calls of a learner fail with
// etcd.ErrLearnerNotReady whatever its progress.
func (f *Fake) PromoteNotReady(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notReady = n
}

// FailUnhealthy makes the next n membership changes (AddLearner of a new
// URL, Promote of a learner, Remove of a member) fail with
// etcd.ErrUnhealthy.
func (f *Fake) FailUnhealthy(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unhealthy = n
}

// FailDial makes Dial fail with err (nil: dial normally).
func (f *Fake) FailDial(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dialErr = err
}

// RaiseAlarm raises an alarm ("NOSPACE", "CORRUPT") on member id.
func (f *Fake) RaiseAlarm(id uint64, alarm string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alarms = append(f.alarms, etcd.Alarm{MemberID: id, Type: alarm})
}

// SetVersion sets the server version Status and Snapshot report.
func (f *Fake) SetVersion(v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.version = v
}

// Calls returns the calls made so far ("AddLearner https://…",
// "Promote 8e9e…", hex ids) and forgets them.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// Closed reports how many times Close was called.
func (f *Fake) Closed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}
