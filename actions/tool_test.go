package actions

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// fakeTool is a stateful EtcdTool: restore lays out a data directory
// holding the snapshot's bytes as member/snap/db (and a wal), backup
// copies a data directory's member tree, status accepts any file whose
// first bytes are not "garbage".
type fakeTool struct {
	mu         sync.Mutex
	statusErr  error
	restoreErr error
	backupErr  error
	calls      []string
	restored   []RestoreConfig
}

func (f *fakeTool) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeTool) SnapshotStatus(_ context.Context, path string) (string, error) {
	f.record("status %s", filepath.Base(path))
	if f.statusErr != nil {
		return "", f.statusErr
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("ok, %d bytes", len(data)), nil
}

func (f *fakeTool) SnapshotRestore(_ context.Context, cfg RestoreConfig) error {
	f.record("restore %s skip-hash=%t", cfg.Name, cfg.SkipHashCheck)
	f.mu.Lock()
	f.restored = append(f.restored, cfg)
	f.mu.Unlock()
	if f.restoreErr != nil {
		return f.restoreErr
	}
	if _, err := os.Stat(cfg.DataDir); err == nil {
		return fmt.Errorf("data-dir %q not empty or could not be read", cfg.DataDir)
	}
	data, err := os.ReadFile(cfg.Snapshot)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "member", "snap"), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "member", "wal"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.DataDir, "member", "wal", "0.wal"), []byte(cfg.InitialCluster+" "+cfg.Token), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cfg.DataDir, "member", "snap", "db"), data, 0o600)
}

func (f *fakeTool) Backup(_ context.Context, dataDir, backupDir string) error {
	f.record("backup %s", filepath.Base(dataDir))
	if f.backupErr != nil {
		return f.backupErr
	}
	if err := os.MkdirAll(filepath.Join(backupDir, "member", "wal"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(backupDir, "member", "wal", "0.wal"), []byte("v2 wal of "+dataDir), 0o600)
}
