package actions

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/fsutil"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// System runs the machine's own commands the Debian migration needs
// (systemctl, apt-get), behind an interface so tests can fake it.
type System interface {
	Run(ctx context.Context, name string, args ...string) (string, error)
}

// hostSystem is the real System. It refuses to run anything when the
// charm's root is not "/" (jujusim gives every unit its own root on a
// shared host, where apt-get would act on the host itself).
type hostSystem struct{ paths charm.Paths }

// NewHostSystem returns the System that runs commands on the machine.
func NewHostSystem(paths charm.Paths) System { return hostSystem{paths} }

func (h hostSystem) Run(ctx context.Context, name string, args ...string) (string, error) {
	if root := filepath.Clean(h.paths.Join()); root != "/" {
		return "", fmt.Errorf("cannot run %s under SNAPPY_GLOBAL_ROOT=%s: it would act on the host", name, root)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		return text, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, text)
	}
	return text, nil
}

// debEtcd is a Debian-package etcd found on the machine.
type debEtcd struct {
	Version string
	DataDir string // the package's data directory (ETCD_DATA_DIR)
}

// Files of the Debian package and of the pre-snap charms.
const (
	dpkgStatus     = "var/lib/dpkg/status"
	debDefaults    = "etc/default/etcd"
	debDataDir     = "/var/lib/etcd/default"
	debCertDir     = "etc/ssl/etcd"
	debServiceName = "etcd"
)

// debCerts are the TLS files the pre-snap charms kept in /etc/ssl/etcd,
// and their names in the snap's common directory.
var debCerts = []string{"ca.crt", "server.crt", "server.key", "client.crt", "client.key"}

// findDebEtcd reports an installed Debian etcd package, from dpkg's
// status database.
func findDebEtcd(d Deps) (debEtcd, bool, error) {
	f, err := os.Open(d.Paths.Join(dpkgStatus))
	if errors.Is(err, fs.ErrNotExist) {
		return debEtcd{}, false, nil
	}
	if err != nil {
		return debEtcd{}, false, fmt.Errorf("cannot read dpkg's status: %w", err)
	}
	defer f.Close()
	var pkg, status, version string
	found := false
	check := func() {
		if (pkg == "etcd" || pkg == "etcd-server") && strings.HasSuffix(status, " installed") {
			found = true
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			check()
			if !found {
				pkg, status, version = "", "", ""
			}
		case strings.HasPrefix(line, "Package: "):
			pkg = strings.TrimPrefix(line, "Package: ")
		case strings.HasPrefix(line, "Status: "):
			status = strings.TrimPrefix(line, "Status: ")
		case strings.HasPrefix(line, "Version: "):
			version = strings.TrimPrefix(line, "Version: ")
		}
		if found {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return debEtcd{}, false, fmt.Errorf("cannot read dpkg's status: %w", err)
	}
	check()
	if !found {
		return debEtcd{}, false, nil
	}
	deb := debEtcd{Version: version, DataDir: debDataDir}
	if dd := readDefaults(d.Paths.Join(debDefaults))["ETCD_DATA_DIR"]; dd != "" {
		deb.DataDir = dd
	}
	return deb, true, nil
}

// readDefaults parses an /etc/default file of KEY=value lines.
func readDefaults(path string) map[string]string {
	out := map[string]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		out[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return out
}

// migrateDeb moves a Debian-package etcd to the snap without losing its
// data: stop the package's service, install the snap (stopped), copy the
// package's member data into the snap's data directory for this member
// and its certificates into the snap's common directory (never over
// existing ones), and only then purge the package and its leftover TLS
// files and defaults. The next hook renders etcd.conf.yml and starts the
// snap's etcd on the copied data.
// debCopy is how the package's data and certificates are copied into the
// snap: synced, private, never over a file the snap already has.
var debCopy = fsutil.Options{Sync: true, Private: true}

// With resource (snap-upgrade's use-resource) the snap is installed from
// that file rather than from the store.
func migrateDeb(ctx context.Context, d Deps, ev juju.Event, cfg charm.Config, installed *snap.Snap, deb debEtcd, resource string) error {
	sys := d.System
	if sys == nil {
		sys = NewHostSystem(d.Paths)
	}
	name := relations.MemberName(ev.Unit)
	src := d.Paths.Join(deb.DataDir)
	dst := d.Paths.DataDir(name, "")
	if workload.Exists(filepath.Join(dst, "member")) {
		return juju.Failf("Cannot migrate the Debian etcd package: the snap already has data for %s in %s; move it away first if the package's data in %s is the one to keep", name, d.Paths.Unroot(dst), deb.DataDir)
	}
	if !workload.Exists(filepath.Join(src, "member")) {
		return juju.Failf("Cannot migrate the Debian etcd package: its data directory %s holds no member data (is ETCD_DATA_DIR in /etc/default/etcd right?)", deb.DataDir)
	}
	results := map[string]string{"deb.version": deb.Version, "deb.data-dir": deb.DataDir}
	if _, err := sys.Run(ctx, "systemctl", "stop", debServiceName); err != nil {
		return juju.Failf("Cannot stop the Debian etcd service: %v", err)
	}
	channel := cfg.Channel
	if channel == "auto" {
		channel = charm.FallbackChannel
	}
	switch {
	case installed == nil && resource != "":
		if err := d.Snap.InstallPath(ctx, resource); err != nil {
			return juju.Failf("Cannot install the attached etcd resource: %v (the Debian etcd is stopped; its data is untouched in %s)", err, deb.DataDir)
		}
		channel = "the attached resource"
	case installed == nil:
		if err := d.Snap.Install(ctx, charm.SnapName, channel); err != nil {
			return juju.Failf("Cannot install the etcd snap from %s: %v (the Debian etcd is stopped; its data is untouched in %s)", channel, err, deb.DataDir)
		}
	}
	if err := d.Snap.Stop(ctx, charm.ServiceName); err != nil {
		return juju.Failf("Cannot stop the snap's etcd before copying the data: %v", err)
	}
	if err := fsutil.CopyTree(filepath.Join(src, "member"), filepath.Join(dst, "member"), debCopy); err != nil {
		os.RemoveAll(dst)
		return juju.Failf("Cannot copy the Debian etcd's data from %s to %s: %v (the package and its data are untouched)", deb.DataDir, d.Paths.Unroot(dst), err)
	}
	if err := os.Chmod(dst, 0o700); err != nil {
		return fmt.Errorf("cannot migrate: %w", err)
	}
	results["snap.data-dir"] = d.Paths.Unroot(dst)
	var copied []string
	for _, c := range debCerts {
		from, to := d.Paths.Join(debCertDir, c), filepath.Join(d.Paths.SnapCommon(), c)
		if !workload.Exists(from) || workload.Exists(to) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return juju.Failf("Cannot copy %s to the snap: %v (the package is not purged)", d.Paths.Unroot(from), err)
		}
		if err := fsutil.CopyFile(from, to, 0o440, debCopy); err != nil {
			return juju.Failf("Cannot copy %s to the snap: %v (the package is not purged)", d.Paths.Unroot(from), err)
		}
		copied = append(copied, c)
	}
	results["certificates.copied"] = strings.Join(copied, ",")
	if out, err := sys.Run(ctx, "apt-get", "purge", "-y", "etcd"); err != nil {
		results["purge.error"] = err.Error()
	} else {
		results["purge.output"] = lastLine(out)
		for _, c := range debCerts {
			p := d.Paths.Join(debCertDir, c)
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				results["purge.error."+strings.ReplaceAll(c, ".", "-")] = err.Error()
			}
		}
		if err := os.Remove(d.Paths.Join(debDefaults)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			results["purge.error.defaults"] = err.Error()
		}
	}
	results["result"] = fmt.Sprintf("migrated the Debian etcd package %s to the etcd snap (%s); the next hook configures and starts it", deb.Version, channel)
	return d.Tools.ActionSet(ctx, results)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
