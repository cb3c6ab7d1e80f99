package etcdtest

import (
	"context"
	"fmt"
)

// Compact implements etcd.Maintenance with etcd's revision checks.
func (f *Fake) Compact(ctx context.Context, rev int64, physical bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Compact %d %t", rev, physical); err != nil {
		return err
	}
	leader := f.byID(f.leader)
	if leader == nil {
		return fmt.Errorf("cannot compact: etcdserver: no leader")
	}
	if rev <= 0 {
		rev = leader.revision
	}
	switch {
	case rev > leader.revision:
		return fmt.Errorf("cannot compact to revision %d: mvcc: required revision is a future revision", rev)
	case rev <= f.compacted:
		return fmt.Errorf("cannot compact to revision %d: mvcc: required revision has been compacted", rev)
	}
	f.compacted = rev
	return nil
}

// Compacted returns the revision of the last compaction (0: none).
func (f *Fake) Compacted() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.compacted
}

// Defragment implements etcd.Maintenance: the member's DBSize halves.
func (f *Fake) Defragment(ctx context.Context, endpoint string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx, "Defragment %s", endpoint); err != nil {
		return err
	}
	m, err := f.endpoint(endpoint)
	if err != nil {
		return fmt.Errorf("cannot defragment %s: %w", endpoint, err)
	}
	m.dbSize /= 2
	return nil
}

// AlarmDisarm implements etcd.Maintenance.
func (f *Fake) AlarmDisarm(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.beginRaft(ctx, "disarm alarms", "AlarmDisarm"); err != nil {
		return err
	}
	f.alarms = nil
	return nil
}
