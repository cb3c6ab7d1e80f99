package charm

import "path/filepath"

// Paths are the files the original charm touches, under the machine root
// ($SNAPPY_GLOBAL_ROOT; "/" on a real machine). Sources: layer.yaml's etcd
// and tls-client options, etcd.py and etcd_databag.py (reference §1, §4, §5).
type Paths struct {
	Root string
}

func (p Paths) join(elem ...string) string {
	return filepath.Join(append([]string{p.Root}, elem...)...)
}

// ConfDir is etcd_conf_dir, the snap's $SNAP_COMMON.
func (p Paths) ConfDir() string { return p.join("var/snap/etcd/common") }

// DefaultDataDir is etcd_data_dir, the snap's $SNAP_DATA.
func (p Paths) DefaultDataDir() string { return p.join("var/snap/etcd/current") }

// StorageMount is where a data volume is mounted, StorageDataDir the data
// dir on it (EtcdDatabag.storage_path, format_and_mount_storage).
func (p Paths) StorageMount() string   { return p.join("media/etcd") }
func (p Paths) StorageDataDir() string { return p.join("media/etcd/data") }

// ConfFile is the rendered etcd 3 configuration; LegacyConfFile the 2.x
// env file the original deletes when it renders for 3.x.
func (p Paths) ConfFile() string       { return filepath.Join(p.ConfDir(), "etcd.conf.yml") }
func (p Paths) LegacyConfFile() string { return filepath.Join(p.ConfDir(), "etcd.conf") }

// TLS files of layer:tls-client as layer-etcd configures it.
func (p Paths) CA() string         { return filepath.Join(p.ConfDir(), "ca.crt") }
func (p Paths) ServerCert() string { return filepath.Join(p.ConfDir(), "server.crt") }
func (p Paths) ServerKey() string  { return filepath.Join(p.ConfDir(), "server.key") }
func (p Paths) ClientCert() string { return filepath.Join(p.ConfDir(), "client.crt") }
func (p Paths) ClientKey() string  { return filepath.Join(p.ConfDir(), "client.key") }

// SystemCA is where tls-client also installs the CA, named after the
// application.
func (p Paths) SystemCA(app string) string {
	return p.join("usr/local/share/ca-certificates", app+".crt")
}

// Etcdctl is the snap's etcdctl (etcdctl_command prefers it).
func (p Paths) Etcdctl() string { return p.join("snap/bin/etcd.etcdctl") }

// BashAliases holds root's ETCDCTL_* exports (render_default_user_ssl_exports).
func (p Paths) BashAliases() string { return p.join("root/.bash_aliases") }

// RestartDropIn is the systemd drop-in add_systemd_restart_always writes.
func (p Paths) RestartDropIn() string {
	return p.join("etc/systemd/system/snap.etcd.etcd.service.d/always-restart.conf")
}

// Fstab is the machine's fstab, where an attached data volume is recorded.
func (p Paths) Fstab() string { return p.join("etc/fstab") }
