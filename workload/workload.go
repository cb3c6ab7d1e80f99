// Package workload is what the hooks and the actions both do on the
// unit's machine: read and write the files the charm keeps for etcd
// (TLS material, etcd.conf.yml), fetch the attached etcd resource and
// make cluster tokens. The decisions stay in charm, which touches
// nothing; this package is the small impure side they share.
package workload

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
)

// TLS is the charm's own client identity towards etcd: the server pair
// and the CA, as layer-etcd's etcdctl calls used it.
func TLS(p charm.Paths) etcd.TLS {
	return etcd.TLS{CertFile: p.ServerCert(), KeyFile: p.ServerKey(), CAFile: p.CACert()}
}

// CADigest identifies the CA certificate in place ("" digest of nothing
// when there is none), so a CA rotation is a new restart request.
func CADigest(p charm.Paths) string {
	b, _ := os.ReadFile(p.CACert())
	return charm.Hash(b)
}

// ReadEtcdConfig reads etcd.conf.yml back with the struct that renders
// it, and returns the bytes as read. A missing file is an error wrapping
// fs.ErrNotExist.
func ReadEtcdConfig(p charm.Paths) (charm.EtcdConfig, []byte, error) {
	raw, err := os.ReadFile(p.ConfigFile())
	if err != nil {
		return charm.EtcdConfig{}, nil, fmt.Errorf("cannot read etcd.conf.yml: %w", err)
	}
	c, err := charm.ParseEtcdConfig(raw)
	if err != nil {
		return charm.EtcdConfig{}, raw, fmt.Errorf("cannot use %s: %w", p.ConfigFile(), err)
	}
	return c, raw, nil
}

// Exists reports whether path exists (an unreadable path counts as
// existing: only a definite "not there" is false).
func Exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// WriteFile replaces path atomically when its content or mode differs,
// so that no reader (etcd, an operator's scp) ever sees a half-written
// file or a wider mode. It reports whether it wrote.
func WriteFile(path string, data []byte, mode os.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm() == mode {
			return false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), path)
}

// NewToken is layer-etcd's cluster token: 6 characters of [A-Z0-9].
func NewToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// EtcdResource returns the attached `etcd` resource's path and sha256, or
// "" when none is attached (resource-get fails) or it is empty, Charmhub's
// placeholder for "use the store". The hooks install from it; the
// snap-upgrade action rolls a newer one out.
func EtcdResource(ctx context.Context, tools juju.Tools) (path, sum string, err error) {
	path, err = tools.ResourceGet(ctx, "etcd")
	var te *juju.ToolError
	if errors.As(err, &te) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("cannot fetch the etcd resource: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("cannot read the etcd resource: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", "", fmt.Errorf("cannot read the etcd resource: %w", err)
	}
	if n == 0 {
		return "", "", nil
	}
	return path, hex.EncodeToString(h.Sum(nil)), nil
}
