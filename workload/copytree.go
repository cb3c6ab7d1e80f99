package workload

import "github.com/etcd-charm/etcd-charm/internal/fsutil"

// CopyTree copies the directory tree at src to dst (created), keeping
// file modes and symlinks, syncing each file: the charm moves a stopped
// member's data directory with it, and etcd must find every byte there
// after a crash right after the move.
func CopyTree(src, dst string) error {
	return fsutil.CopyTree(src, dst, fsutil.Options{Sync: true})
}
