// Package snaparchive writes and reads the charm's snapshot archives:
// gzip'd tar files holding an etcd v3 snapshot as `db`, the layout
// layer-etcd used, so either charm's restore reads the other's. It packs
// a snapshot while etcd streams it (Pack), archives directory trees (v2
// backups, a member's data before a restore: Create), and unpacks and
// verifies a snapshot for restore (Extract).
//
// An etcd snapshot is bbolt's Tx.WriteTo of the member's backend followed
// by etcd's sha256 of those bytes (etcd's server/etcdserver/api/v3rpc
// maintenance.go); the archive code checks that hash on the way in and on
// the way out, and reads the database's size from bolt's meta page.
//
// The package knows nothing of Juju or of the charm: who may read an
// archive is decided by its caller.
package snaparchive

import (
	"fmt"

	gzip "github.com/klauspost/compress/gzip"
)

// Entry is the name of the database inside a snapshot archive:
// layer-etcd's archives hold "./db" (tar run inside the directory), ours
// hold "db"; both restore.
const Entry = "db"

// Level is the gzip level of snapshot and backup archives. The archives
// are gzip as layer-etcd's were, written and read with klauspost/compress
// (the standard library's inflate, ~110 MB/s here, made restore several
// times slower than etcd's own restore). On the benchmark's data (half
// random base64, half repetitive JSON) on the 2-core box its fastest
// level compresses at 0.5-1.1 GB/s to half the size and inflates at
// 0.8-1.5 GB/s; Huffman-only was slower both ways and larger (0.64).
// Stored (level 0) archives are twice the size but unpack ~2.5x faster,
// which shows in the actions package's BenchmarkSnapshotRestore "stored"
// lines (the one user that changes it); the fastest level is the default
// for the disk it saves.
var Level = gzip.BestSpeed

// Written is a finished archive: its size and sha256 (hex), what the
// snapshot action reports so the operator can check a copy.
type Written struct {
	Size   int64
	SHA256 string
}

// NotSnapshotError is an archive restore cannot use; its message is for
// the operator.
type NotSnapshotError struct{ reason string }

func (e *NotSnapshotError) Error() string { return e.reason }

// NotSnapshot is a NotSnapshotError with a formatted reason, for a
// caller's own checks of an archive (etcd's reading of a db without the
// integrity hash).
func NotSnapshot(format string, args ...any) error {
	return &NotSnapshotError{fmt.Sprintf(format, args...)}
}
