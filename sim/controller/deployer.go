package controller

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/fsutil"
)

// deployCharmDir is Juju's manifest deployer (juju/juju
// worker/uniter/charm/manifest_deployer.go): the files of the charm it
// deployed last are listed in a manifest outside the charm dir; deploying
// another charm removes the listed files the new charm does not ship
// (removeDiff), then writes the new charm's files over the dir and records
// its manifest. Files the charm made itself (a reactive charm's
// .unit-state.db, charmhelpers' .juju-persistent-config) are in no manifest
// and survive an upgrade, as they do on Juju.
func deployCharmDir(src, dir, manifest string) error {
	files, err := charmFiles(src)
	if err != nil {
		return fmt.Errorf("cannot deploy charm: %w", err)
	}
	old, err := readManifest(manifest)
	if err != nil {
		return fmt.Errorf("cannot deploy charm: %w", err)
	}
	shipped := map[string]bool{}
	for _, f := range files {
		shipped[f] = true
	}
	// Deepest first, so a directory the old charm shipped goes once empty.
	sort.Sort(sort.Reverse(sort.StringSlice(old)))
	for _, f := range old {
		if shipped[f] {
			continue
		}
		path := filepath.Join(dir, f)
		if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
			_ = os.Remove(path) // only when empty: the charm may have put files in it
			continue
		}
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("cannot deploy charm: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot deploy charm: %w", err)
	}
	for _, f := range files {
		from, to := filepath.Join(src, f), filepath.Join(dir, f)
		fi, err := os.Lstat(from)
		if err != nil {
			return fmt.Errorf("cannot deploy charm: %w", err)
		}
		switch {
		case fi.IsDir():
			if cur, err := os.Lstat(to); err == nil && !cur.IsDir() {
				_ = os.Remove(to)
			}
			if err := os.MkdirAll(to, fi.Mode().Perm()|0o700); err != nil {
				return fmt.Errorf("cannot deploy charm: %w", err)
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(from)
			if err != nil {
				return fmt.Errorf("cannot deploy charm: %w", err)
			}
			_ = os.RemoveAll(to)
			if err := os.Symlink(link, to); err != nil {
				return fmt.Errorf("cannot deploy charm: %w", err)
			}
		case fi.Mode().IsRegular():
			// A new inode: a running hook of the old charm keeps its binary.
			tmp := to + ".juju-new"
			if err := fsutil.CopyFile(from, tmp, fi.Mode().Perm(), fsutil.Options{}); err != nil {
				return fmt.Errorf("cannot deploy charm: %w", err)
			}
			if cur, err := os.Lstat(to); err == nil && cur.IsDir() {
				_ = os.RemoveAll(to)
			}
			if err := os.Rename(tmp, to); err != nil {
				return fmt.Errorf("cannot deploy charm: %w", err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(manifest), 0o755); err != nil {
		return fmt.Errorf("cannot deploy charm: %w", err)
	}
	if err := os.WriteFile(manifest, []byte(strings.Join(files, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("cannot deploy charm: %w", err)
	}
	return nil
}

// charmFiles lists the charm's files and directories, relative, parents
// before children.
func charmFiles(src string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == src {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		out = append(out, rel)
		return nil
	})
	return out, err
}

// readManifest reads the files the last deployed charm shipped (none
// before the first deploy).
func readManifest(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}
