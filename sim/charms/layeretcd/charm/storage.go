package charm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/fsutil"
)

// Volume is what format_and_mount_storage does to the data storage's
// block device.
type Volume interface {
	// Mounted is volume_is_mounted: the device shows in `df -t ext4`
	// (or, where df names a loop device instead of the image the storage
	// is, something is mounted on dir already).
	Mounted(ctx context.Context, device, dir string) (bool, error)
	// Format is `mkfs.ext4 <device> -F`.
	Format(ctx context.Context, device string) error
	// Mount is `mount <device> <dir>`.
	Mount(ctx context.Context, device, dir string) error
}

// attachStorage is format_and_mount_storage, on data-storage-attached: the
// data dir becomes <mount>/data on an ext4 filesystem made on the device,
// existing data is copied there, the mount goes into fstab, and etcd
// restarts on it. (connectRemovableMedia then lets the confined etcd use
// /media.)
func (u *unit) attachStorage(ctx context.Context) error {
	id := u.ev.StorageID
	if id == "" {
		id = "data/0"
	}
	s, err := u.c.Tools.StorageGet(ctx, id)
	if err != nil {
		return err
	}
	device := s.Location
	u.st.set(flagVolumeAttached, "true")
	if err := u.refreshInstalled(ctx); err != nil {
		return err
	}
	p := u.c.Paths
	mounted, err := u.c.Volume.Mounted(ctx, device, p.StorageMount())
	if err != nil {
		return err
	}
	if mounted {
		u.logf(ctx, "INFO", "Device is already attached to the system. Refusing to take action against %s", device)
		return nil
	}
	u.logf(ctx, "INFO", "Creating filesystem on %s", device)
	if err := u.c.Volume.Format(ctx, device); err != nil {
		return err
	}
	if u.installed {
		if err := u.c.Snap.Stop(ctx, Service); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(p.StorageMount(), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", p.StorageMount(), err)
	}
	if err := u.c.Volume.Mount(ctx, device, p.StorageMount()); err != nil {
		return err
	}
	if err := os.MkdirAll(p.StorageDataDir(), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", p.StorageDataDir(), err)
	}
	if fi, err := os.Stat(p.DefaultDataDir()); err == nil && fi.IsDir() {
		u.logf(ctx, "INFO", "Detected existing data, migrating to new location.")
		if err := CopyTree(p.DefaultDataDir(), p.StorageDataDir()); err != nil {
			return err
		}
	}
	if err := appendFstab(p.Fstab(), device, p.StorageMount()); err != nil {
		return err
	}
	if u.installed && (u.st.flag(flagRegistered) || u.st.flag(flagLeaderConfigured)) {
		if err := u.render(ctx); err != nil {
			return err
		}
		if err := u.c.Snap.Restart(ctx, Service); err != nil {
			return err
		}
	}
	return nil
}

// connectRemovableMedia is snap_connect_external_storage: once etcd is
// installed on a unit with a data volume, `snap connect
// etcd:removable-media :removable-media`.
func (u *unit) connectRemovableMedia(ctx context.Context) error {
	if !u.installed || !u.st.flag(flagVolumeAttached) || u.st.flag(flagRemovableMedia) || u.c.Connect == nil {
		return nil
	}
	if err := u.c.Connect(ctx, "removable-media", "removable-media"); err != nil {
		return fmt.Errorf("cannot connect etcd:removable-media: %w", err)
	}
	u.st.set(flagRemovableMedia, "true")
	return nil
}

// appendFstab adds "<device> <dir> ext4 defaults 0 0" unless a line
// names the device already.
func appendFstab(path, device, dir string) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("cannot read fstab: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if strings.Contains(sc.Text(), device) {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot write fstab: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("cannot write fstab: %w", err)
	}
	// The original writes the line without a newline.
	_, err = fmt.Fprintf(f, "%s %s ext4 defaults 0 0", device, dir)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write fstab: %w", err)
	}
	return nil
}

// CopyTree is `rsync -azp src/ dst/`: files, directories and symlinks,
// with their modes.
func CopyTree(src, dst string) error {
	// The snap's data dir is the "current" symlink: copy what it points at.
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm())
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			_ = os.Remove(target)
			return os.Symlink(link, target)
		default:
			return fsutil.CopyFile(path, target, info.Mode().Perm(), fsutil.Options{})
		}
	})
}

// ExecVolume runs the original's commands.
type ExecVolume struct{}

func (ExecVolume) Mounted(ctx context.Context, device, dir string) (bool, error) {
	// df exits 1 when no ext4 filesystem is mounted at all.
	out, _ := exec.CommandContext(ctx, "df", "-t", "ext4").Output()
	if bytes.Contains(out, []byte(device)) {
		return true, nil
	}
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return false, fmt.Errorf("cannot read the mount table: %w", err)
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == dir {
			return true, nil
		}
	}
	return false, nil
}

func (ExecVolume) Format(ctx context.Context, device string) error {
	if out, err := exec.CommandContext(ctx, "mkfs.ext4", device, "-F").CombinedOutput(); err != nil {
		return fmt.Errorf("cannot format %s: %v: %s", device, err, out)
	}
	return nil
}

func (ExecVolume) Mount(ctx context.Context, device, dir string) error {
	if out, err := exec.CommandContext(ctx, "mount", device, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot mount %s on %s: %v: %s", device, dir, err, out)
	}
	return nil
}
