package etcd

import (
	"context"
	"io"
)

// Maintenance is the part of etcd the charm's actions use (snapshot,
// compact, defrag, alarm-disarm). The real client implements it alongside
// Cluster; so does the etcdtest fake.
type Maintenance interface {
	// SnapshotStream opens a snapshot stream from endpoint (exactly one
	// member): bbolt's Tx.WriteTo of the member's backend, then etcd's
	// sha256 of those bytes. A broken transfer is the reader's error;
	// Close releases the stream. version is what the server reports in
	// the stream: its storage version ("3.6.0"), or "" from a server
	// older than 3.6 and from a 3.6 server that has not recorded one yet
	// (its monitor writes it a few seconds after the cluster version is
	// decided).
	SnapshotStream(ctx context.Context, endpoint string) (rc io.ReadCloser, version string, err error)
	// Compact discards the key history before rev (rev <= 0: the current
	// revision); physical waits until the compaction is applied to the
	// backend on every member.
	Compact(ctx context.Context, rev int64, physical bool) error
	// Defragment defragments one member's backend (it blocks that member
	// while it runs, so callers go one endpoint at a time).
	Defragment(ctx context.Context, endpoint string) error
	// AlarmDisarm clears every raised alarm on every member.
	AlarmDisarm(ctx context.Context) error
}
