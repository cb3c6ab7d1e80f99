package actions

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
)

// RestoreConfig is what `etcdutl snapshot restore` needs to turn a
// snapshot into the data directory of a fresh one-member cluster: etcd
// rewrites the membership in the restored data (a new cluster ID, this
// member only) from these.
type RestoreConfig struct {
	Snapshot string // the db file
	DataDir  string // must not exist
	Name     string
	PeerURL  string
	// InitialCluster is "name=peerURL" for the one member.
	InitialCluster string
	Token          string
	// SkipHashCheck leaves out etcd's check of the snapshot's integrity
	// hash: for a snapshot without one (a copied member/snap/db), or one
	// whose hash the caller has checked (etcdutl would read the whole db
	// again for it). etcdutl strips the hash either way.
	SkipHashCheck bool
}

// EtcdTool runs the offline etcd utilities of the installed snap. They
// are the snap's own binaries (so the data format always matches the etcd
// that will run it) rather than etcdutl's Go packages, which would drag
// etcd's server module into the charm.
type EtcdTool interface {
	// SnapshotStatus checks that path is a bolt database etcd can read
	// and returns etcdutl's one-line summary (hash, revision, keys, size).
	SnapshotStatus(ctx context.Context, path string) (string, error)
	// SnapshotRestore restores a snapshot into a new data directory.
	SnapshotRestore(ctx context.Context, cfg RestoreConfig) error
	// Backup makes a v2 backup (wal and snap, with the v3 backend) of a
	// data directory into backupDir; only etcd 3.4 and 3.5 have it.
	Backup(ctx context.Context, dataDir, backupDir string) error
}

// snapTool is the real EtcdTool: etcd 3.5 and later ship etcdutl
// (/snap/bin/etcd.etcdutl); 3.4 has only etcdctl, whose v3 API mode
// restores snapshots and whose v2 mode makes backups.
type snapTool struct {
	paths charm.Paths
}

// NewSnapTool returns the EtcdTool over the snap's binaries under paths'
// root.
func NewSnapTool(paths charm.Paths) EtcdTool { return snapTool{paths: paths} }

func (s snapTool) etcdutl() (string, bool) {
	p := s.paths.Join("snap/bin/etcd.etcdutl")
	_, err := os.Stat(p)
	return p, err == nil
}

func (s snapTool) etcdctl() string { return s.paths.Join("snap/bin/etcd.etcdctl") }

func (s snapTool) run(ctx context.Context, env []string, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		if len(text) > 2000 {
			text = "…" + text[len(text)-2000:]
		}
		return text, fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args[:min(2, len(args))], " "), err, text)
	}
	return text, nil
}

func (s snapTool) SnapshotStatus(ctx context.Context, path string) (string, error) {
	if bin, ok := s.etcdutl(); ok {
		return s.run(ctx, nil, bin, "snapshot", "status", path, "-w", "table")
	}
	return s.run(ctx, []string{"ETCDCTL_API=3"}, s.etcdctl(), "snapshot", "status", path, "-w", "table")
}

func (s snapTool) SnapshotRestore(ctx context.Context, cfg RestoreConfig) error {
	args := []string{"snapshot", "restore", cfg.Snapshot,
		"--data-dir", cfg.DataDir,
		"--name", cfg.Name,
		"--initial-cluster", cfg.InitialCluster,
		"--initial-cluster-token", cfg.Token,
		"--initial-advertise-peer-urls", cfg.PeerURL,
	}
	if cfg.SkipHashCheck {
		args = append(args, "--skip-hash-check")
	}
	var err error
	if bin, ok := s.etcdutl(); ok {
		_, err = s.run(ctx, nil, bin, args...)
	} else {
		_, err = s.run(ctx, []string{"ETCDCTL_API=3"}, s.etcdctl(), args...)
	}
	return err
}

func (s snapTool) Backup(ctx context.Context, dataDir, backupDir string) error {
	if bin, ok := s.etcdutl(); ok {
		_, err := s.run(ctx, nil, bin, "backup", "--data-dir", dataDir, "--backup-dir", backupDir)
		return err
	}
	_, err := s.run(ctx, []string{"ETCDCTL_API=2"}, s.etcdctl(), "backup", "--data-dir", dataDir, "--backup-dir", backupDir)
	return err
}
