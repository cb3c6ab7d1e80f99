package actions

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/workload"
)

// credentialsDir is the folder inside the tarball, as layer-etcd packs it.
const credentialsDir = "etcd_credentials"

// packageClientCredentials writes /home/ubuntu/etcd_credentials.tar.gz
// (0600) holding the global client certificate, its key, the CA and a
// README with the ETCDCTL_* environment etcdctl 3.3+ reads. layer-etcd set
// no results; this sets path and copy.cmd.
func packageClientCredentials(ctx context.Context, d Deps, ev juju.Event) error {
	files := []struct{ name, path string }{
		{"client.crt", d.Paths.ClientCert()},
		{"client.key", d.Paths.ClientKey()},
		{"ca.crt", d.Paths.CACert()},
	}
	contents := make([][]byte, len(files))
	for i, f := range files {
		data, err := os.ReadFile(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			return juju.Failf("Client credentials are not available yet: %s is missing. Relate etcd to a certificate authority (e.g. easyrsa) and wait for the certificates.", d.Paths.Unroot(f.path))
		}
		if err != nil {
			return fmt.Errorf("cannot read client credentials: %w", err)
		}
		contents[i] = data
	}
	cfg, err := configOf(ctx, d)
	if err != nil {
		return err
	}
	address := unitAddress(ctx, d)
	readme := credentialsReadme(address, cfg.Port)

	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	now := time.Now()
	add := func(name string, mode int64, data []byte) error {
		hdr := &tar.Header{Name: credentialsDir + "/" + name, Mode: mode, Size: int64(len(data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: credentialsDir + "/", Mode: 0o700, ModTime: now, Typeflag: tar.TypeDir}); err != nil {
		return fmt.Errorf("cannot pack client credentials: %w", err)
	}
	for i, f := range files {
		if err := add(f.name, 0o600, contents[i]); err != nil {
			return fmt.Errorf("cannot pack client credentials: %w", err)
		}
	}
	if err := add("README.txt", 0o644, []byte(readme)); err != nil {
		return fmt.Errorf("cannot pack client credentials: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("cannot pack client credentials: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("cannot pack client credentials: %w", err)
	}

	out := filepath.Join(d.Paths.HomeUbuntu(), credentialsDir+".tar.gz")
	if _, err := workload.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		return juju.Failf("Cannot write %s: %v", d.Paths.Unroot(out), err)
	}
	path := d.Paths.Unroot(out)
	return d.Tools.ActionSet(ctx, map[string]string{
		"path":     path,
		"copy.cmd": copyCmd(ev.Unit, path),
	})
}

// credentialsReadme explains how to use the credentials with etcdctl 3.3+
// (ETCDCTL_KEY/CERT/CACERT; older etcdctl used the *_FILE names).
func credentialsReadme(address string, port int) string {
	endpoint := "https://" + net.JoinHostPort(address, strconv.Itoa(port))
	return `Client credentials for the etcd cluster of this Juju application.

  client.crt  the client certificate (signed by the cluster's CA)
  client.key  its private key: keep it secret
  ca.crt      the certificate authority that signed the etcd servers

The cluster requires client certificates. With etcdctl 3.3 or newer, from
the directory holding these files:

  export ETCDCTL_API=3
  export ETCDCTL_KEY=$(pwd)/client.key
  export ETCDCTL_CERT=$(pwd)/client.crt
  export ETCDCTL_CACERT=$(pwd)/ca.crt
  export ETCDCTL_ENDPOINTS=` + endpoint + `
  etcdctl member list

The client port must be reachable: juju expose the application, or run
etcdctl from a machine in the same network.
`
}

func configOf(ctx context.Context, d Deps) (charm.Config, error) {
	m, err := d.Tools.ConfigGet(ctx)
	if err != nil {
		return charm.Config{}, err
	}
	return charm.ParseConfig(m)
}

// unitAddress is the unit's address on the db endpoint, where clients
// connect; "127.0.0.1" when Juju knows none.
func unitAddress(ctx context.Context, d Deps) string {
	nw, err := d.Tools.NetworkGet(ctx, "db", "")
	if err == nil && len(nw.IngressAddresses) > 0 {
		return nw.IngressAddresses[0]
	}
	return "127.0.0.1"
}
