package etcdtest

import (
	"fmt"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// StartMember is what a member's etcd does when it starts: a learner
// added by AddLearner gets its name and client URL (etcd publishes them
// once it has joined with --initial-cluster-state existing), a stopped
// member comes back, and both catch up with the leader's revision. A
// cluster without a leader elects one if the members up make a quorum.
func (f *Fake) StartMember(peerURL, name, clientURL string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byPeerURL(peerURL)
	if m == nil {
		return fmt.Errorf("cannot start member with peer URL %s: not a member", peerURL)
	}
	if m.stopped || !m.Started() {
		m.upSince = f.now()
	}
	m.Name, m.ClientURLs, m.stopped = name, []string{clientURL}, false
	if f.leader == 0 {
		f.elect()
	}
	if leader := f.byID(f.leader); leader != nil && leader != m {
		m.revision, m.raftIndex = leader.revision, leader.raftIndex
	}
	return nil
}

// StopMember stops a member's etcd: it keeps its name and URLs in the
// member list (etcd remembers them) but answers nothing, no longer
// counts towards quorum, and if it led, the members still up elect
// another leader when they make a quorum (else there is none, and
// requests that need raft fail with "etcdserver: no leader").
func (f *Fake) StopMember(id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byID(id)
	if m == nil {
		return fmt.Errorf("cannot stop member %x: not a member", id)
	}
	m.stopped = true
	// A leader that loses its quorum steps down (etcd's CheckQuorum).
	if f.leader == id || !f.quorumUp() {
		f.elect()
	}
	return nil
}

// quorumUp reports whether the voters that are up make a quorum. f.mu is
// held.
func (f *Fake) quorumUp() bool {
	voters, up := f.voters()
	return up >= voters/2+1
}

// voters counts the voting members and those of them that are up. f.mu is
// held.
func (f *Fake) voters() (voters, up int) {
	for _, m := range f.members {
		if m.IsLearner {
			continue
		}
		voters++
		if f.up(m) {
			up++
		}
	}
	return voters, up
}

// Put simulates n writes (of keys /etcdtest/<revision>): the revision
// and raft index of every member that is up advance, and its snapshots
// hold them.
func (f *Fake) Put(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := int64(0); i < n; i++ {
		f.put("", "")
	}
}

// PutKey writes key=value as one put and returns its revision (0: no
// member is up to apply it).
func (f *Fake) PutKey(key, value string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.put(key, value)
}

// put applies one write on every member that is up; f.mu is held. Its
// revision is the highest an up member then has; an empty key names it
// after that revision.
func (f *Fake) put(key, value string) int64 {
	var rev int64
	for _, m := range f.members {
		if f.up(m) {
			m.revision++
			m.raftIndex++
			rev = max(rev, m.revision)
		}
	}
	if rev == 0 {
		return 0
	}
	if key == "" {
		key, value = fmt.Sprintf("/etcdtest/%d", rev), fmt.Sprintf("value at revision %d", rev)
	}
	f.writes = append(f.writes, write{rev: rev, key: key, value: value})
	return rev
}

// FailSnapshot makes the next SnapshotStream fail with err: after < 0,
// it does not open; else the stream breaks after that many bytes, as a
// transfer cut by the network does.
func (f *Fake) FailSnapshot(after int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapFault = &snapshotFault{after: after, err: err}
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
	if m == nil || m.IsLearner || !f.up(m) {
		return fmt.Errorf("cannot make %x leader: not a voter that is up", id)
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

// SetDown makes clientURL stop answering: Status, Health, Snapshot and
// Defragment fail with msg, Dial fails when it is the only endpoint, and
// the member no longer counts towards quorum in membership checks. It
// does not move leadership (use StopMember for a member whose etcd is
// gone). SetUp undoes it.
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

// SetVersion sets the server version Status and SnapshotStream report.
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

// SetHealthWindow turns on etcd's connectivity rule for membership
// changes (its HealthInterval, 5 s in etcd 3.4-3.6) with the fake's clock
// now (nil: time.Now). Off by default, so tests that do not care can add
// learners back to back.
func (f *Fake) SetHealthWindow(window time.Duration, now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	f.window, f.now = window, now
}
