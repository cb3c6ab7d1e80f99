package hooks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// ensureCertificates publishes this unit's certificate request and, once
// the authority answered, writes the TLS files where the rendered config
// points etcd. It returns an outcome when it cannot: blocked without a
// certificate authority, waiting while the answer is pending. Whether etcd
// must restart for new files is ensureMember's call (only a new CA needs
// it; see stateEtcdCA).
//
// Outside the certificates relation's own hooks, a unit whose request is
// unchanged and whose files are in place has nothing to do (see memo.go).
func ensureCertificates(ctx context.Context, d Deps, w *world) error {
	req := certRequest(d, w)
	digest := settingsDigest(req.Settings())
	if !w.fullCheck("certificates") && w.remembered(memoCertRequest, digest) && tlsPlaced(d) {
		return nil
	}
	ids, err := d.Tools.RelationIDs(ctx, "certificates")
	if err != nil {
		return fmt.Errorf("cannot list certificates relations: %w", err)
	}
	// During certificates-relation-broken the relation is going away.
	if isRelationHook(w.ev.Name, "certificates") && w.ev.RelationHook() == "broken" {
		ids = without(ids, w.ev.RelationID)
	}
	if len(ids) == 0 {
		if err := w.setState(ctx, d, map[string]string{memoCertRequest: ""}); err != nil {
			return err
		}
		return juju.Blocked(msgMissingCA)
	}
	for _, id := range ids {
		err := d.Tools.RelationSet(ctx, id, false, req.Settings())
		if err != nil && !juju.IsRelationNotFound(err) {
			return fmt.Errorf("cannot request a certificate: %w", err)
		}
	}
	var bags []map[string]string
	if err := eachRemoteBag(ctx, d, ids, func(bag map[string]string) { bags = append(bags, bag) }); err != nil {
		return err
	}
	certs := relations.FindCertificates(bags, relations.CertName(w.ev.Unit))
	if !certs.Complete() {
		return juju.Waiting(msgWaitingForCerts)
	}
	files := []struct {
		path string
		data string
		mode os.FileMode
	}{
		{d.Paths.CACert(), certs.CA, 0o644},
		{d.Paths.ServerCert(), certs.ServerCert, 0o644},
		{d.Paths.ServerKey(), certs.ServerKey, 0o600},
		{d.Paths.ClientCert(), certs.ClientCert, 0o644},
		{d.Paths.ClientKey(), certs.ClientKey, 0o600},
	}
	for _, f := range files {
		if _, err := writeIfChanged(f.path, []byte(f.data), f.mode); err != nil {
			return fmt.Errorf("cannot write TLS files: %w", err)
		}
	}
	return w.setState(ctx, d, map[string]string{memoCertRequest: digest})
}

// tlsPlaced reports whether the TLS files etcd and the clients use exist.
func tlsPlaced(d Deps) bool {
	for _, p := range []string{d.Paths.CACert(), d.Paths.ServerCert(), d.Paths.ServerKey(), d.Paths.ClientCert(), d.Paths.ClientKey()} {
		if !exists(p) {
			return false
		}
	}
	return true
}

// certRequest is the server certificate request this unit publishes on
// every certificates relation: CN = the unit's client address, SANs = the
// db and cluster addresses, the hostname, 127.0.0.1 and every peer's
// db-ingress-address (layer-etcd-reference.md §5). An address change
// changes it, so the unit requests again.
func certRequest(d Deps, w *world) relations.CertRequest {
	sans := []string{w.member.DBAddress, w.member.ClusterAddress, "127.0.0.1"}
	if host, err := d.Hostname(); err == nil {
		sans = append(sans, host)
	}
	for _, p := range w.peers {
		sans = append(sans, p.DBAddress)
	}
	return relations.CertRequest{CommonName: w.member.DBAddress, SANs: sans, CertName: relations.CertName(w.ev.Unit)}
}

// eachRemoteBag calls f with the bag of every remote unit of the relations.
// A relation that vanished meanwhile is skipped.
func eachRemoteBag(ctx context.Context, d Deps, ids []string, f func(map[string]string)) error {
	for _, id := range ids {
		units, err := d.Tools.RelationList(ctx, id)
		if juju.IsRelationNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot list units of %s: %w", id, err)
		}
		for _, u := range units {
			bag, err := d.Tools.RelationGet(ctx, id, u, false)
			if juju.IsRelationNotFound(err) {
				break
			}
			if err != nil {
				return fmt.Errorf("cannot read %s data of %s: %w", id, u, err)
			}
			f(bag)
		}
	}
	return nil
}

// writeIfChanged replaces path atomically when its content differs, so
// etcd never reads a half-written certificate or key.
func writeIfChanged(path string, data []byte, mode os.FileMode) (bool, error) {
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

func without(ids []string, id string) []string {
	var out []string
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
