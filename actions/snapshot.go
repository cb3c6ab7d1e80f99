package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snaparchive"
)

// snapshot saves the cluster's data as
// <target>/etcd-snapshot-YYYY-mm-dd-HH.MM.SS.tar.gz holding `db`, the
// name and layout layer-etcd used, so either charm's restore reads it.
//
// layer-etcd copied the live member/snap/db file, which is not a
// consistent snapshot (QUIRK fixed): this streams one through etcd's
// snapshot API from the local member, which appends an integrity hash
// that the client verifies before the file is kept, and restore checks
// again. keys-version=v2 makes layer-etcd's v2 backup (member/wal and
// member/snap, taken offline by etcdutl/etcdctl backup), which only
// etcd 3.4 and 3.5 can make.
//
// The snapshot is packed as it arrives (snaparchive.Pack): the stream
// goes straight into the compressor, its integrity hash and the
// archive's sha256 are computed in goroutines beside it, and the archive
// is synced once at the end. Nothing partial is left behind: the archive
// is written as .part and renamed once complete and synced (a v2 backup
// works in a hidden directory inside target, removed at the end).
func snapshot(ctx context.Context, d Deps, ev juju.Event) error {
	p, err := getParams(ctx, d)
	if err != nil {
		return err
	}
	target := p.string("target", "/home/ubuntu/etcd-snapshots")
	keys := p.string("keys-version", "v3")
	if p.err != nil {
		return p.err
	}
	if keys != "v2" && keys != "v3" {
		return juju.Failf("keys-version must be either v2 or v3")
	}
	if !filepath.IsAbs(target) {
		return juju.Failf("target must be an absolute path, got %q", target)
	}
	local, cl, m, err := openLocal(ctx, d)
	if err != nil {
		return err
	}
	defer cl.Close()
	st, err := cl.Status(ctx, local.ClientURL)
	if err != nil {
		return juju.Failf("Cannot read the status of the local etcd at %s: %v", local.ClientURL, err)
	}
	if keys == "v2" && !hasV2(st.Version) {
		return juju.Failf("keys-version v2 needs etcd 3.4 or 3.5, but this unit runs etcd %s, which has no v2 store (removed in etcd 3.6): take a v3 snapshot (keys-version=v3)", st.Version)
	}

	dir := d.Paths.Join(target)
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, fs.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return juju.Failf("Cannot create the target directory %s: %v", target, err)
	}
	version := st.Version
	name, err := archivePath(d, dir, "etcd-snapshot-")
	if err != nil {
		return juju.Failf("Cannot write the snapshot to %s: %v", target, err)
	}
	var written snaparchive.Written
	began := time.Now()
	d.phase(ctx, "snapshot: taking a %s snapshot of %s (etcd %s, db %s) into %s", keys, local.ClientURL, st.Version, humanSize(st.DBSize), target)
	switch keys {
	case "v3":
		rc, v, err := m.SnapshotStream(ctx, local.ClientURL)
		if err != nil {
			return juju.Failf("Cannot take a snapshot from %s into %s: %v", local.ClientURL, target, err)
		}
		if written, err = snaparchive.Pack(rc, name, d.now()); err != nil {
			return juju.Failf("Cannot take a snapshot from %s into %s: %v", local.ClientURL, target, err)
		}
		// The stream's version is 3.6's storage version ("3.6.0"), not
		// the server's: keep the status's, use the stream's only if
		// status had none.
		if version == "" {
			version = v
		}
	case "v2":
		// etcdutl backup writes a directory, archived then thrown away.
		work, err := os.MkdirTemp(dir, ".etcd-snapshot-")
		if err != nil {
			return juju.Failf("Cannot write to the target directory %s: %v", target, err)
		}
		defer os.RemoveAll(work)
		backup := filepath.Join(work, "backup")
		if err := d.Etcd.Backup(ctx, local.conf.DataDir, backup); err != nil {
			return juju.Failf("Cannot make a v2 backup of %s: %v", d.Paths.Unroot(local.conf.DataDir), err)
		}
		if written, err = snaparchive.ArchiveTree(backup, name); err != nil {
			return juju.Failf("Cannot write the snapshot to %s: %v", target, err)
		}
	}
	d.phase(ctx, "snapshot: wrote %s: %s", d.Paths.Unroot(name), rate(written.Size, time.Since(began)))
	if created {
		handOver(d, dir) // so ubuntu can also tidy its snapshots away
	}
	handOver(d, name)
	path := d.Paths.Unroot(name)
	return d.Tools.ActionSet(ctx, map[string]string{
		"snapshot.path":    path,
		"snapshot.size":    humanSize(written.Size),
		"snapshot.sha256":  written.SHA256,
		"snapshot.version": version,
		"snapshot.keys":    keys,
		"copy.cmd":         copyCmd(ev.Unit, path),
	})
}

// hasV2 reports whether etcd version v still has the v2 store.
func hasV2(v string) bool {
	return strings.HasPrefix(v, "3.4.") || strings.HasPrefix(v, "3.5.")
}

// archivePath names the archive after the current second; a second
// snapshot within the same second waits for the next one rather than
// replace the first.
func archivePath(d Deps, dir, prefix string) (string, error) {
	for i := 0; i < 20; i++ {
		p := filepath.Join(dir, prefix+stamp(d.now())+".tar.gz")
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("cannot name the archive: %s%s.tar.gz already exists", prefix, stamp(d.now()))
}

// stamp is the timestamp layer-etcd put in snapshot names.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02-15.04.05") }
