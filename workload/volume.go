package workload

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Volume is what the charm does to the block device of its data storage,
// the way layer-etcd's format_and_mount_storage does: an ext4 filesystem
// made on it, mounted at /media/etcd.
type Volume interface {
	// Mounted reports whether something is mounted on dir.
	Mounted(ctx context.Context, dir string) (bool, error)
	// Formatted reports whether device holds an ext4 filesystem.
	Formatted(ctx context.Context, device string) (bool, error)
	// Format is `mkfs.ext4 -F <device>`.
	Format(ctx context.Context, device string) error
	// Mount is `mount <device> <dir>`.
	Mount(ctx context.Context, device, dir string) error
}

// ExecVolume runs the machine's tools.
type ExecVolume struct{}

var _ Volume = ExecVolume{}

// Mounted implements Volume from the kernel's mount table.
func (ExecVolume) Mounted(ctx context.Context, dir string) (bool, error) {
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return false, fmt.Errorf("cannot read the mount table: %w", err)
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && filepath.Clean(f[1]) == filepath.Clean(dir) {
			return true, nil
		}
	}
	return false, nil
}

// Formatted implements Volume with blkid (exit 2: no filesystem found).
func (ExecVolume) Formatted(ctx context.Context, device string) (bool, error) {
	out, err := exec.CommandContext(ctx, "blkid", "-o", "value", "-s", "TYPE", device).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot probe %s: %w", device, err)
	}
	return strings.TrimSpace(string(out)) == "ext4", nil
}

// Format implements Volume.
func (ExecVolume) Format(ctx context.Context, device string) error {
	if out, err := exec.CommandContext(ctx, "mkfs.ext4", "-F", device).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot format %s: %v: %s", device, err, bytes.TrimSpace(out))
	}
	return nil
}

// Mount implements Volume.
func (ExecVolume) Mount(ctx context.Context, device, dir string) error {
	if out, err := exec.CommandContext(ctx, "mount", device, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot mount %s on %s: %v: %s", device, dir, err, bytes.TrimSpace(out))
	}
	return nil
}

// AddFstab records "<device> <dir> ext4 defaults 0 0" in the fstab at
// path (as layer-etcd does, so the mount survives a reboot) unless a line
// mounts dir already.
func AddFstab(path, device, dir string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 1 && !strings.HasPrefix(f[0], "#") && f[1] == dir {
			return nil
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, fmt.Sprintf("%s %s ext4 defaults 0 0\n", device, dir)...)
	if _, err := WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
