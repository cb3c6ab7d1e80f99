// Package charm is the etcd charm's domain core: its typed config, the paths
// it owns and the decisions it makes. It never reads the environment or
// runs processes itself; hooks/ and actions/ give it what it observes.
package charm

import (
	"path/filepath"
	"strings"
)

// Paths are the files the charm touches, all under one root: snapd's own
// SNAPPY_GLOBAL_ROOT convention (default "/"), which jujusim sets per unit
// so every unit has its own filesystem. Under Juju it is unset.
type Paths struct {
	Root string
}

// PathsFromEnv derives Paths from SNAPPY_GLOBAL_ROOT.
func PathsFromEnv(getenv func(string) string) Paths {
	root := getenv("SNAPPY_GLOBAL_ROOT")
	if root == "" {
		root = "/"
	}
	return Paths{Root: filepath.Clean(root)}
}

// Join returns an absolute path inside the root.
func (p Paths) Join(elem ...string) string {
	root := p.Root
	if root == "" {
		root = "/"
	}
	return filepath.Join(append([]string{root}, elem...)...)
}

// Unroot turns a path inside the root back into the path a process on the
// machine would name ("/var/snap/etcd/common/ca.crt"), for messages such as
// the copy command of an action.
func (p Paths) Unroot(path string) string {
	root := filepath.Clean(p.Join())
	if root == "/" {
		return path
	}
	rel, ok := strings.CutPrefix(path, root)
	if !ok || (rel != "" && rel[0] != '/') {
		return path
	}
	if rel == "" {
		return "/"
	}
	return rel
}

// SnapCommon is the etcd snap's $SNAP_COMMON: config and TLS files.
func (p Paths) SnapCommon() string { return p.Join("var/snap/etcd/common") }

// ConfigFile is the etcd.conf.yml the snap's wrapper runs etcd with.
func (p Paths) ConfigFile() string { return filepath.Join(p.SnapCommon(), "etcd.conf.yml") }

// TLS file paths, as layer-etcd places them.
func (p Paths) CACert() string     { return filepath.Join(p.SnapCommon(), "ca.crt") }
func (p Paths) ServerCert() string { return filepath.Join(p.SnapCommon(), "server.crt") }
func (p Paths) ServerKey() string  { return filepath.Join(p.SnapCommon(), "server.key") }
func (p Paths) ClientCert() string { return filepath.Join(p.SnapCommon(), "client.crt") }
func (p Paths) ClientKey() string  { return filepath.Join(p.SnapCommon(), "client.key") }

// SnapData is the etcd snap's $SNAP_DATA of the current revision.
func (p Paths) SnapData() string { return p.Join("var/snap/etcd/current") }

// HomeUbuntu is where actions leave files for the operator by default.
func (p Paths) HomeUbuntu() string { return p.Join("home/ubuntu") }

// SnapdSocket is snapd's REST socket.
func (p Paths) SnapdSocket() string { return p.Join("run/snapd.socket") }

// StorageMount is where the data storage's block device is mounted, as
// layer-etcd mounts it (the member's data then lives in <mount>/data).
func (p Paths) StorageMount() string { return p.Join("media/etcd") }

// Fstab is the machine's /etc/fstab.
func (p Paths) Fstab() string { return p.Join("etc/fstab") }
