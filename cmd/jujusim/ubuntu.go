package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Juju's scp logs in as the machine's `ubuntu` user (uid 1000, gid 1000,
// here in no other group that owns files), so it reads a unit's files as
// that user would: every directory on the way needs search (x) permission
// and the file read (r) permission, checked as the kernel does, against
// the owner bits when ubuntu owns the file, the group bits when the file's
// group is ubuntu's, the other bits otherwise. A root-only 0600 file cannot
// be fetched, as on a real machine.

const (
	ubuntuUID = 1000
	ubuntuGID = 1000
	// ubuntuHome is where a relative scp path starts, as ssh's login does.
	ubuntuHome = "/home/ubuntu"
)

// scpReason is why scp refused a path, in scp's (strerror's) own words.
type scpReason string

func (r scpReason) Error() string { return string(r) }

const (
	errPermission scpReason = "Permission denied"
	errNotExist   scpReason = "No such file or directory"
	errNotDir     scpReason = "Not a directory"
	errLoop       scpReason = "Too many levels of symbolic links"
)

// ubuntuView resolves and checks paths inside a machine root as ubuntu.
type ubuntuView struct {
	root string
	// self is the uid jujusim runs as. Not running as root, jujusim
	// cannot give files to uid 1000 or 0: files it owns count as root's,
	// so only what others may read can be fetched.
	self uint32
}

func newUbuntuView(root string) ubuntuView {
	return ubuntuView{root: root, self: uint32(os.Geteuid())}
}

// may reports whether ubuntu has all of want (4 r, 2 w, 1 x) on fi.
func (v ubuntuView) may(fi fs.FileInfo, want uint32) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	uid, mode := st.Uid, uint32(fi.Mode().Perm())
	if uid == v.self {
		uid = 0
	}
	switch {
	case uid == ubuntuUID:
		return (mode>>6)&want == want
	case st.Gid == ubuntuGID:
		return (mode>>3)&want == want
	}
	return mode&want == want
}

// resolve walks machine path p (absolute, or relative to ubuntu's home)
// component by component as ubuntu, following symlinks inside the
// machine root, and returns the host path of p and its FileInfo. The
// error is errNotExist or errPermission (for p itself or a directory on
// the way), as scp would report it.
func (v ubuntuView) resolve(p string) (string, fs.FileInfo, error) {
	if !path.IsAbs(p) {
		p = path.Join(ubuntuHome, p)
	}
	todo := splitPath(p)
	cur := "/"
	hops := 0
	for len(todo) > 0 {
		dir, err := os.Stat(filepath.Join(v.root, cur))
		if err != nil {
			return "", nil, errNotExist
		}
		if !dir.IsDir() {
			return "", nil, errNotDir
		}
		if !v.may(dir, 1) {
			return "", nil, errPermission
		}
		name := todo[0]
		todo = todo[1:]
		if name == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		fi, err := os.Lstat(filepath.Join(v.root, next))
		if err != nil {
			return "", nil, errNotExist
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", nil, errLoop
		}
		target, err := os.Readlink(filepath.Join(v.root, next))
		if err != nil {
			return "", nil, errNotExist
		}
		if path.IsAbs(target) {
			// Inside the root, an absolute link target is the machine's.
			if rel, err := filepath.Rel(v.root, target); err == nil && !strings.HasPrefix(rel, "..") {
				target = "/" + rel
			}
			cur = "/"
		}
		todo = append(splitPath(target), todo...)
	}
	host := filepath.Join(v.root, cur)
	fi, err := os.Stat(host)
	if err != nil {
		return "", nil, errNotExist
	}
	want := uint32(4)
	if fi.IsDir() {
		want = 4 | 1
	}
	if !v.may(fi, want) {
		return "", nil, errPermission
	}
	return host, fi, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// scpError is one refused path in scp's words: "scp: PATH: REASON".
type scpError struct {
	path string
	err  error
}

func (e scpError) Error() string { return fmt.Sprintf("scp: %s: %v", e.path, e.err) }
