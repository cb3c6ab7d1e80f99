package snapd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// postSnaps serves POST /v2/snaps, routed on Content-Type: multipart is a
// sideload (InstallPath), JSON a multi-snap operation.
func (d *Daemon) postSnaps(r *http.Request) reply {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return errorReply(badRequest("unknown content type: %s", r.Header.Get("Content-Type")))
	}
	switch {
	case ct == "application/json":
		return errorReply(badRequest("jujusim snapd does not implement multi-snap operations; act on one snap at a time"))
	case strings.HasPrefix(ct, "multipart/"):
		if params["boundary"] == "" {
			return errorReply(badRequest("cannot read POST form: no boundary"))
		}
		return d.sideload(r)
	}
	return errorReply(badRequest("unknown content type: %s", ct))
}

// squashfsMagic starts every squashfs image (and so every .snap).
var squashfsMagic = []byte("hsqs")

// sideload installs an uploaded .snap as local revision x1, x2, …: read the
// whole form first (the client streams the file through a pipe), refuse it
// without --dangerous/--devmode (no assertions here), read the snap's own
// meta/snap.yaml for its name, and keep the old tracking channel.
func (d *Daemon) sideload(r *http.Request) reply {
	mr, err := r.MultipartReader()
	if err != nil {
		return errorReply(badRequest("cannot read POST form: %v", err))
	}
	form := map[string]string{}
	blobs := filepath.Join(d.cfg.Root, "var", "lib", "snapd", "snaps")
	var tmpPath string
	defer func() {
		if tmpPath != "" {
			_ = os.Remove(tmpPath)
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errorReply(badRequest("cannot read POST form: %v", err))
		}
		if part.FormName() == "snap" && tmpPath == "" {
			f, err := os.CreateTemp(blobs, ".local-install-")
			if err != nil {
				return errorReply(internalError("cannot create temporary file: %v", err))
			}
			tmpPath = f.Name()
			_, err = io.Copy(f, part)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return errorReply(badRequest("cannot read snap file: %v", err))
			}
			continue
		}
		val, err := io.ReadAll(io.LimitReader(part, 1<<16))
		if err != nil {
			return errorReply(badRequest("cannot read POST form: %v", err))
		}
		form[part.FormName()] = string(val)
	}
	if tmpPath == "" {
		return errorReply(badRequest(`cannot find "snap" file field in provided multipart/form-data payload`))
	}
	origPath := form["snap-path"]
	if form["dangerous"] != "true" && form["devmode"] != "true" {
		msg := "cannot find signatures with metadata for snap"
		if origPath != "" {
			msg = fmt.Sprintf("%s %q", msg, origPath)
		}
		return errorReply(badRequest("%s", msg))
	}
	staging, meta, err := d.unpackSnap(tmpPath)
	if err != nil {
		return errorReply(badRequest("cannot read snap file: %v", err))
	}
	cleanStaging := true
	defer func() {
		if cleanStaging {
			_ = os.RemoveAll(staging)
		}
	}()
	name := meta.Name
	if form["name"] != "" && form["name"] != name {
		return errorReply(badRequest("instance name %q does not match snap name %q", form["name"], name))
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if aerr := d.conflictFor([]string{name}); aerr != nil {
		return errorReply(aerr)
	}
	old := d.snaps[name]
	rev := "x1"
	if old != nil {
		rev = old.nextLocalRevision()
	}
	blob := d.blobPath(name, rev)
	if err := os.Rename(tmpPath, blob); err != nil {
		return errorReply(internalError("cannot keep snap file: %v", err))
	}
	tmpPath = ""
	cleanStaging = false

	summary := fmt.Sprintf("Install %q snap from file", name)
	if origPath != "" {
		summary = fmt.Sprintf("Install %q snap from file %q", name, origPath)
	}
	tasks := []*task{
		d.newTask("prepare-snap", fmt.Sprintf("Prepare snap %q (%s)", orDefault(origPath, blob), rev), nil),
		d.newTask("mount-snap", fmt.Sprintf("Mount snap %q (%s)", name, rev), func(context.Context) error {
			dir := d.snapMountDir(name, rev)
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				return err
			}
			_ = os.RemoveAll(dir)
			return os.Rename(staging, dir)
		}),
	}
	tasks = append(tasks, d.linkTasks(name, old, func() snapRevision {
		return snapRevision{Revision: rev, Meta: meta}
	}, "")...)
	c := d.addChange("install-snap", summary, []string{name}, map[string]any{"snap-name": name}, tasks...)
	return asyncReply(c.id)
}

// unpackSnap checks that path is a squashfs image and unpacks it next to
// the blobs with unsquashfs (Debian's squashfs-tools), returning the tree
// and its meta/snap.yaml.
func (d *Daemon) unpackSnap(path string) (string, snapMeta, error) {
	var meta snapMeta
	head := make([]byte, len(squashfsMagic))
	f, err := os.Open(path)
	if err != nil {
		return "", meta, err
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || !bytes.Equal(head, squashfsMagic) {
		return "", meta, fmt.Errorf("%q is not a snap or snapdir", path)
	}
	staging, err := os.MkdirTemp(filepath.Dir(path), ".unpack-")
	if err != nil {
		return "", meta, err
	}
	tree := filepath.Join(staging, "tree")
	out, err := exec.Command("unsquashfs", "-no-progress", "-d", tree, path).CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(staging)
		return "", meta, fmt.Errorf("cannot unpack %q: %v: %s", path, err, bytes.TrimSpace(out))
	}
	data, err := os.ReadFile(filepath.Join(tree, "meta", "snap.yaml"))
	if err != nil {
		_ = os.RemoveAll(staging)
		return "", meta, fmt.Errorf("cannot find snap.yaml in %q", path)
	}
	if meta, err = parseSnapMeta(data); err != nil {
		_ = os.RemoveAll(staging)
		return "", meta, err
	}
	// The tree moves to /snap/<name>/<rev>; the staging dir goes with it.
	final := staging + ".tree"
	if err := os.Rename(tree, final); err != nil {
		_ = os.RemoveAll(staging)
		return "", meta, err
	}
	_ = os.RemoveAll(staging)
	return final, meta, nil
}
