package etcdtest

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// Snapshot implements etcd.Maintenance: it writes a small text file (not
// a bolt database) naming the member and revision, and returns the
// version as SaveWithVersion would: "" for a 3.4 or 3.5 server, the
// storage version ("3.6.0") for a 3.6 one.
func (f *Fake) Snapshot(ctx context.Context, endpoint, path string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Snapshot %s %s", endpoint, path)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m, err := f.endpoint(endpoint)
	if err != nil {
		return "", fmt.Errorf("cannot save snapshot from %s: %w", endpoint, err)
	}
	data := fmt.Sprintf("etcdtest snapshot of member %x at revision %d\n", m.ID, m.revision)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		return "", fmt.Errorf("cannot save snapshot: %w", err)
	}
	f.snapshots[path] = m.revision
	if strings.HasPrefix(f.version, "3.4.") || strings.HasPrefix(f.version, "3.5.") {
		return "", nil
	}
	// 3.6 reports its storage version, major.minor.0.
	if i := strings.LastIndex(f.version, "."); i > 0 {
		return f.version[:i] + ".0", nil
	}
	return f.version, nil
}

// SnapshotRevision returns the revision a snapshot at path was saved at.
func (f *Fake) SnapshotRevision(path string) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rev, ok := f.snapshots[path]
	return rev, ok
}

// Compact implements etcd.Maintenance with etcd's revision checks.
func (f *Fake) Compact(ctx context.Context, rev int64, physical bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Compact %d %t", rev, physical)
	if err := ctx.Err(); err != nil {
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
	f.record("Defragment %s", endpoint)
	if err := ctx.Err(); err != nil {
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
	f.record("AlarmDisarm")
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.noLeader("disarm alarms"); err != nil {
		return err
	}
	f.alarms = nil
	return nil
}
