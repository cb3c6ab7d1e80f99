package etcdtest

import (
	"context"
	"fmt"

	"github.com/etcd-charm/etcd-charm/internal/etcd"
)

// AddLearner implements etcd.Cluster.
func (f *Fake) AddLearner(ctx context.Context, peerURL string) (etcd.Member, []etcd.Member, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, "add learner "+peerURL, "AddLearner %s", peerURL); err != nil {
		return etcd.Member{}, nil, err
	}
	if peerURL == "" {
		return etcd.Member{}, nil, fmt.Errorf("cannot add learner: empty peer URL")
	}
	if m := f.byPeerURL(peerURL); m != nil {
		return m.Member, f.list(), nil
	}
	if err := f.failUnhealthy("add learner " + peerURL); err != nil {
		return etcd.Member{}, nil, err
	}
	// etcd refuses any member add unless every voter has been connected
	// for its health window (5 s), e.g. right after a promotion.
	for _, m := range f.members {
		if !m.IsLearner && m.ID != f.leader && !f.connected(m) {
			return etcd.Member{}, nil, fmt.Errorf("cannot add learner %s: voter %x not connected for %v: %w", peerURL, m.ID, f.window, etcd.ErrUnhealthy)
		}
	}
	for _, m := range f.members {
		if m.IsLearner {
			return etcd.Member{}, nil, fmt.Errorf("cannot add learner %s: %w", peerURL, etcd.ErrTooManyLearners)
		}
	}
	m := f.add(peerURL, true)
	return m.Member, f.list(), nil
}

// Promote implements etcd.Cluster.
func (f *Fake) Promote(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, fmt.Sprintf("promote member %x", id), "Promote %x", id); err != nil {
		return err
	}
	m := f.byID(id)
	if m == nil {
		return fmt.Errorf("cannot promote member %x: member not found", id)
	}
	if !m.IsLearner {
		return nil
	}
	if err := f.failUnhealthy(fmt.Sprintf("promote member %x", id)); err != nil {
		return err
	}
	leader := f.byID(f.leader)
	if f.notReady > 0 || !f.up(m) || (leader != nil && m.revision*10 < leader.revision*9) {
		if f.notReady > 0 {
			f.notReady--
		}
		return fmt.Errorf("cannot promote member %x: %w", id, etcd.ErrLearnerNotReady)
	}
	// etcd's strict reconfig check, after the readiness check: the
	// started voters, the promoted learner included, must make a quorum
	// of the voters it will be one of.
	voters, started := f.voters()
	voters, started = voters+1, started+1
	if started < voters/2+1 {
		return fmt.Errorf("cannot promote member %x: not enough started members: %w", id, etcd.ErrUnhealthy)
	}
	m.IsLearner = false
	return nil
}

// Remove implements etcd.Cluster.
func (f *Fake) Remove(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, fmt.Sprintf("remove member %x", id), "Remove %x", id); err != nil {
		return err
	}
	m := f.byID(id)
	if m == nil {
		return nil
	}
	if err := f.failUnhealthy(fmt.Sprintf("remove member %x", id)); err != nil {
		return err
	}
	if !m.IsLearner && !f.quorumAfter(id) {
		return fmt.Errorf("cannot remove member %x: %w", id, etcd.ErrUnhealthy)
	}
	for i, x := range f.members {
		if x.ID == id {
			f.members = append(f.members[:i], f.members[i+1:]...)
			break
		}
	}
	if f.leader == id {
		f.elect()
	}
	return nil
}

// UpdatePeerURLs implements etcd.Cluster.
func (f *Fake) UpdatePeerURLs(ctx context.Context, id uint64, peerURLs []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, fmt.Sprintf("update member %x", id), "UpdatePeerURLs %x %v", id, peerURLs); err != nil {
		return err
	}
	m := f.byID(id)
	if m == nil {
		return fmt.Errorf("cannot update member %x: member not found", id)
	}
	if len(peerURLs) == 0 {
		return fmt.Errorf("cannot update member %x: no peer URLs", id)
	}
	for _, u := range peerURLs {
		if other := f.byPeerURL(u); other != nil && other.ID != id {
			return fmt.Errorf("cannot update member %x: peer URL %s already in use by member %x", id, u, other.ID)
		}
	}
	m.PeerURLs = append([]string(nil), peerURLs...)
	return nil
}

// MoveLeader implements etcd.Cluster.
func (f *Fake) MoveLeader(ctx context.Context, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "MoveLeader %x", id); err != nil {
		return err
	}
	if f.leader == 0 {
		return fmt.Errorf("cannot move leader to %x: no leader", id)
	}
	if id == f.leader {
		return nil
	}
	m := f.byID(id)
	if m == nil || m.IsLearner || !f.up(m) {
		return fmt.Errorf("cannot move leader to %x: bad leader transferee", id)
	}
	f.leader = id
	return nil
}
