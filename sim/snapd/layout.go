package snapd

import (
	_ "embed"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/fsutil"

	"gopkg.in/yaml.v3"
)

// snapWrap is the etcd snap's daemon wrapper; scripts/etcd-snap.sh packs the
// same file into etcd.snap.
//
//go:embed assets/snap-wrap.sh
var snapWrap []byte

// snapMeta is the part of meta/snap.yaml the fake reads.
type snapMeta struct {
	Name        string             `yaml:"name" json:"name"`
	Version     string             `yaml:"version" json:"version"`
	Summary     string             `yaml:"summary,omitempty" json:"summary,omitempty"`
	Description string             `yaml:"description,omitempty" json:"description,omitempty"`
	Type        string             `yaml:"type,omitempty" json:"type,omitempty"`
	Base        string             `yaml:"base,omitempty" json:"base,omitempty"`
	Confinement string             `yaml:"confinement,omitempty" json:"confinement,omitempty"`
	Apps        map[string]metaApp `yaml:"apps,omitempty" json:"apps,omitempty"`
}

type metaApp struct {
	Command string `yaml:"command" json:"command"`
	Daemon  string `yaml:"daemon,omitempty" json:"daemon,omitempty"`
}

func (m snapMeta) appNames() []string {
	return slices.Sorted(maps.Keys(m.Apps))
}

func parseSnapMeta(data []byte) (snapMeta, error) {
	var m snapMeta
	if err := yaml.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("cannot parse snap.yaml: %w", err)
	}
	if m.Name == "" {
		return m, fmt.Errorf("snap name cannot be empty")
	}
	if m.Version == "" {
		return m, fmt.Errorf("snap %q has no version", m.Name)
	}
	for app, a := range m.Apps {
		if a.Command == "" {
			return m, fmt.Errorf("app %q of snap %q has no command", app, m.Name)
		}
	}
	return m, nil
}

// Paths under the machine root, as snapd lays them out (dirs/dirs.go).
func (d *Daemon) snapMountDir(name, rev string) string {
	return filepath.Join(d.cfg.Root, "snap", name, rev)
}
func (d *Daemon) snapDataDir(name, rev string) string {
	return filepath.Join(d.cfg.Root, "var", "snap", name, rev)
}
func (d *Daemon) snapCommonDir(name string) string {
	return filepath.Join(d.cfg.Root, "var", "snap", name, "common")
}
func (d *Daemon) snapBinDir() string { return filepath.Join(d.cfg.Root, "snap", "bin") }
func (d *Daemon) blobPath(name, rev string) string {
	return filepath.Join(d.cfg.Root, "var", "lib", "snapd", "snaps", name+"_"+rev+".snap")
}

// mountStoreRelease makes /snap/<name>/<rev> for a store release: bin/ holds
// the release's binaries (symlinks into the bins cache, standing in for the
// read-only squashfs mount), plus the daemon wrapper and a generated
// meta/snap.yaml. Every executable in the release becomes an app; the one
// named after the snap is its simple daemon, run through snap-wrap.sh.
func (d *Daemon) mountStoreRelease(s *StoreSnap, rev string, rel Release) (snapMeta, error) {
	meta := snapMeta{Name: s.Name, Version: rel.Version, Summary: s.Summary, Type: s.Type,
		Base: s.Base, Confinement: s.Confinement, Apps: map[string]metaApp{}}
	dir := d.snapMountDir(s.Name, rev)
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		return meta, fmt.Errorf("cannot mount snap: %w", err)
	}
	if s.Type == "" || s.Type == "app" {
		src := rel.binsDir(d.cfg.Bins)
		entries, err := os.ReadDir(src)
		if err != nil {
			return meta, fmt.Errorf("cannot download snap %q: %w", s.Name, err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
			return meta, fmt.Errorf("cannot mount snap: %w", err)
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || info.Mode()&0o111 == 0 {
				continue
			}
			if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, "bin", e.Name())); err != nil {
				return meta, fmt.Errorf("cannot mount snap: %w", err)
			}
			if e.Name() == s.Name {
				meta.Apps[e.Name()] = metaApp{Command: "bin/snap-wrap.sh", Daemon: "simple"}
			} else {
				meta.Apps[e.Name()] = metaApp{Command: "bin/" + e.Name()}
			}
		}
		if _, ok := meta.Apps[s.Name]; ok {
			if err := os.WriteFile(filepath.Join(dir, "bin", "snap-wrap.sh"), snapWrap, 0o755); err != nil {
				return meta, fmt.Errorf("cannot mount snap: %w", err)
			}
		}
	}
	data, err := yaml.Marshal(meta)
	if err != nil {
		return meta, err
	}
	if err := os.WriteFile(filepath.Join(dir, "meta", "snap.yaml"), data, 0o644); err != nil {
		return meta, fmt.Errorf("cannot mount snap: %w", err)
	}
	return meta, nil
}

// copySnapData is snapd's copy-data on refresh: SNAP_DATA of the old
// revision is copied to the new revision's (the old one is kept for
// revert). A missing old directory means an empty new one.
func (d *Daemon) copySnapData(name, from, to string) error {
	dst := d.snapDataDir(name, to)
	if err := os.MkdirAll(d.snapCommonDir(name), 0o755); err != nil {
		return fmt.Errorf("cannot copy snap data: %w", err)
	}
	if from == "" || from == to {
		return os.MkdirAll(dst, 0o755)
	}
	_ = os.RemoveAll(dst)
	src := d.snapDataDir(name, from)
	if _, err := os.Stat(src); os.IsNotExist(err) {
		return os.MkdirAll(dst, 0o755)
	}
	if err := fsutil.CopyTree(src, dst, fsutil.Options{SkipSpecial: true}); err != nil {
		return fmt.Errorf("cannot copy snap data: %w", err)
	}
	return nil
}

// replaceSymlink points link at target atomically.
func replaceSymlink(target, link string) error {
	tmp := link + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}

// commandName is the /snap/bin name of an app: an app named after its snap
// is just the snap name (snap/info.go JoinSnapApp).
func commandName(snapName, app string) string {
	if snapName == app {
		return snapName
	}
	return snapName + "." + app
}

// snapEnv is the environment snap run gives an app of revision rev.
func (d *Daemon) snapEnv(meta snapMeta, rev string) []string {
	return []string{
		"SNAP=" + d.snapMountDir(meta.Name, rev),
		"SNAP_NAME=" + meta.Name,
		"SNAP_INSTANCE_NAME=" + meta.Name,
		"SNAP_REVISION=" + rev,
		"SNAP_VERSION=" + meta.Version,
		"SNAP_ARCH=" + d.cfg.Arch,
		"SNAP_DATA=" + d.snapDataDir(meta.Name, rev),
		"SNAP_COMMON=" + d.snapCommonDir(meta.Name),
		"SNAP_LIBRARY_PATH=/var/lib/snapd/lib/gl",
		"SNAP_REEXEC=",
	}
}

// linkRevision makes rev the current one: the current symlinks of /snap and
// /var/snap, and a /snap/bin wrapper per app that execs the app's command
// with the snap environment (what `snap run` does).
func (d *Daemon) linkRevision(meta snapMeta, rev string) error {
	name := meta.Name
	if err := os.MkdirAll(d.snapDataDir(name, rev), 0o755); err != nil {
		return fmt.Errorf("cannot link snap: %w", err)
	}
	if err := replaceSymlink(rev, filepath.Join(d.cfg.Root, "snap", name, "current")); err != nil {
		return fmt.Errorf("cannot link snap: %w", err)
	}
	if err := replaceSymlink(rev, filepath.Join(d.cfg.Root, "var", "snap", name, "current")); err != nil {
		return fmt.Errorf("cannot link snap: %w", err)
	}
	d.unlinkWrappers(name)
	for _, app := range meta.appNames() {
		var b strings.Builder
		fmt.Fprintf(&b, "#!/bin/sh\n# %s of snap %s revision %s, written by jujusim's snapd\n",
			commandName(name, app), name, rev)
		for _, kv := range d.snapEnv(meta, rev) {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
		}
		fmt.Fprintf(&b, "exec %s \"$@\"\n", shellQuote(filepath.Join(d.snapMountDir(name, rev), meta.Apps[app].Command)))
		path := filepath.Join(d.snapBinDir(), commandName(name, app))
		if err := os.WriteFile(path+".new", []byte(b.String()), 0o755); err != nil {
			return fmt.Errorf("cannot write snap wrapper: %w", err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			return fmt.Errorf("cannot write snap wrapper: %w", err)
		}
	}
	return nil
}

func (d *Daemon) unlinkWrappers(name string) {
	entries, _ := os.ReadDir(d.snapBinDir())
	for _, e := range entries {
		if e.Name() == name || strings.HasPrefix(e.Name(), name+".") {
			_ = os.Remove(filepath.Join(d.snapBinDir(), e.Name()))
		}
	}
}

// removeRevisionFiles discards one revision: its mount, data and blob.
func (d *Daemon) removeRevisionFiles(name, rev string) {
	_ = os.RemoveAll(d.snapMountDir(name, rev))
	_ = os.RemoveAll(d.snapDataDir(name, rev))
	_ = os.Remove(d.blobPath(name, rev))
}

// removeSnapFiles removes everything of a snap (snapd takes a snapshot
// first, unless purged; the fake keeps none).
func (d *Daemon) removeSnapFiles(name string) {
	d.unlinkWrappers(name)
	_ = os.RemoveAll(filepath.Join(d.cfg.Root, "snap", name))
	_ = os.RemoveAll(filepath.Join(d.cfg.Root, "var", "snap", name))
	matches, _ := filepath.Glob(filepath.Join(d.cfg.Root, "var", "lib", "snapd", "snaps", name+"_*.snap"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
