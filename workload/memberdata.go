package workload

import (
	"path/filepath"
)

// HasMemberData reports whether an etcd data directory holds a member:
// a write-ahead log (member/wal/*.wal), which is what etcd itself checks
// (wal.Exist) to decide whether it restarts a member or starts a new one.
// An empty member/ directory is not one: etcd creates it before it
// refuses to start ("member ... has already been bootstrapped").
func HasMemberData(dataDir string) bool {
	wals, err := filepath.Glob(filepath.Join(dataDir, "member", "wal", "*.wal"))
	return err == nil && len(wals) > 0
}
