package hooks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/workload"
)

// The data storage is layer-etcd's: `type: block`, 0-1 of it. Its device
// gets an ext4 filesystem (unless it has one), is mounted at /media/etcd
// and recorded in /etc/fstab, and the member's data lives in
// /media/etcd/data; the etcd snap's removable-media plug is connected so
// the confined etcd may use /media (layer-etcd-reference.md §4 Storage).
// A filesystem store (as a deployment of this charm's earlier revisions
// has) is used where Juju mounted it. Without storage the data stays in
// the snap's data directory.

// dataStorage is the data storage as one hook found it.
type dataStorage struct {
	kind     string // "block", "filesystem", "" none
	location string // the device or mount point, inside the unit's root
}

// readStorage reads the data storage once per hook.
func (w *world) readStorage(ctx context.Context, d Deps) dataStorage {
	if w.storage != nil {
		return *w.storage
	}
	var st dataStorage
	w.storage = &st
	ids, err := d.Tools.StorageList(ctx, "data")
	if err != nil || len(ids) == 0 {
		return st
	}
	s, err := d.Tools.StorageGet(ctx, ids[0])
	if err != nil {
		return st
	}
	st.kind, st.location = s.Kind, s.Location
	// Juju reports the location on the machine; under jujusim the machine's
	// filesystem is the unit's root.
	if d.Paths.Unroot(st.location) == st.location && d.Paths.Root != "/" && d.Paths.Root != "" {
		st.location = d.Paths.Join(st.location)
	}
	return st
}

// storageLocation is the directory the member's data dir is made in: the
// mounted block device, a filesystem store's mount point, or "" (none,
// or a device not mounted yet).
func (w *world) storageLocation(ctx context.Context, d Deps) string {
	st := w.readStorage(ctx, d)
	switch st.kind {
	case "filesystem":
		return st.location
	case "block":
		if ok, err := d.volume().Mounted(ctx, d.Paths.StorageMount()); err == nil && ok {
			return d.Paths.StorageMount()
		}
	}
	return ""
}

// ensureStorage prepares an attached block device and connects the
// snap's removable-media plug. A member adopted on a data directory off
// the device moves onto it at its next restart (see moveData).
func ensureStorage(ctx context.Context, d Deps, w *world, installed *snap.Snap) error {
	st := w.readStorage(ctx, d)
	if st.kind != "block" {
		return nil
	}
	vol, mount := d.volume(), d.Paths.StorageMount()
	mounted, err := vol.Mounted(ctx, mount)
	if err != nil {
		return err
	}
	if !mounted {
		formatted, err := vol.Formatted(ctx, st.location)
		if err != nil {
			return err
		}
		if !formatted {
			d.note(ctx, levelInfo, "creating an ext4 filesystem on %s", d.Paths.Unroot(st.location))
			if err := vol.Format(ctx, st.location); err != nil {
				return err
			}
		}
		if err := os.MkdirAll(mount, 0o755); err != nil {
			return fmt.Errorf("cannot create %s: %w", mount, err)
		}
		d.note(ctx, levelInfo, "mounting %s on %s", d.Paths.Unroot(st.location), d.Paths.Unroot(mount))
		if err := vol.Mount(ctx, st.location, mount); err != nil {
			return err
		}
		if err := workload.AddFstab(d.Paths.Fstab(), d.Paths.Unroot(st.location), d.Paths.Unroot(mount)); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(mount, "data"), 0o700); err != nil {
		return fmt.Errorf("cannot create the data directory on the storage: %w", err)
	}
	if installed != nil {
		if err := d.Snap.Connect(ctx, charm.SnapName, "removable-media"); err != nil {
			return err
		}
	}
	if w.state.DataDir != "" && !within(w.state.DataDir, mount) {
		d.note(ctx, levelInfo, "etcd's data moves from %s onto the data storage at its next restart", d.Paths.Unroot(w.state.DataDir))
		w.state.DataDir = ""
	}
	return nil
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// hasData reports whether this member has data: in the data directory it
// is to run on, or in the one its etcd runs on now (which moveData
// carries over before etcd starts on the new one).
func (w *world) hasData(d Deps, storage string) bool {
	// A member directory alone is not data: etcd recreates it while it
	// refuses to start on a wiped dir; the WAL is what holds the member.
	if workload.HasMemberData(w.dataDir(d, storage)) {
		return true
	}
	running, _, err := workload.ReadEtcdConfig(d.Paths)
	return err == nil && running.Name == w.member.Name && running.DataDir != "" &&
		workload.HasMemberData(running.DataDir)
}

// moveData carries the member's data over when etcd is about to run on
// another data directory than the one it ran on (the data storage was
// attached after the member started): etcd is stopped, the data copied,
// and the caller starts etcd on the new directory. The old copy stays
// where it was.
func moveData(ctx context.Context, d Deps, rendered []byte) error {
	running, _, err := workload.ReadEtcdConfig(d.Paths)
	if err != nil || running.DataDir == "" {
		return nil
	}
	next, err := charm.ParseEtcdConfig(rendered)
	if err != nil {
		return err
	}
	if next.DataDir == running.DataDir || next.Name != running.Name ||
		!workload.Exists(filepath.Join(running.DataDir, "member")) ||
		workload.Exists(filepath.Join(next.DataDir, "member")) {
		return nil
	}
	d.note(ctx, levelInfo, "moving etcd's data from %s to %s", d.Paths.Unroot(running.DataDir), d.Paths.Unroot(next.DataDir))
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return fmt.Errorf("cannot stop etcd to move its data: %w", err)
	}
	if err := os.MkdirAll(next.DataDir, 0o700); err != nil {
		return fmt.Errorf("cannot move etcd's data: %w", err)
	}
	tmp := filepath.Join(next.DataDir, "member.moving")
	_ = os.RemoveAll(tmp)
	if err := workload.CopyTree(filepath.Join(running.DataDir, "member"), tmp); err != nil {
		return fmt.Errorf("cannot move etcd's data: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(next.DataDir, "member")); err != nil {
		return fmt.Errorf("cannot move etcd's data: %w", err)
	}
	return nil
}
