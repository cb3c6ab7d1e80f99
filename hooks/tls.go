package hooks

import (
	"context"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// ensureCertificates publishes this unit's certificate request and, once
// the authority answered, writes the TLS files where the rendered config
// points etcd. It returns an outcome when it cannot: blocked without a
// certificate authority, waiting while the answer is pending. Whether etcd
// must restart for new files is ensureMember's call (only a new CA needs
// it; see charm.UnitState.EtcdCA).
//
// Outside the certificates relation's own hooks, a unit whose request is
// unchanged and whose files are in place has nothing to do (see memo.go).
func ensureCertificates(ctx context.Context, d Deps, w *world) error {
	req := certRequest(d, w)
	digest := settingsDigest(req.Settings())
	if !w.fullCheck("certificates") && remembered(w.state.Memo.CertRequest, digest) && tlsPlaced(d) {
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
		w.state.Memo.CertRequest = ""
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
	if err := checkCertificates(ctx, d, w, certs); err != nil {
		return err
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
		if _, err := workload.WriteFile(f.path, []byte(f.data), f.mode); err != nil {
			return fmt.Errorf("cannot write TLS files: %w", err)
		}
	}
	w.state.Memo.CertRequest = digest
	return nil
}

// tlsPlaced reports whether the TLS files etcd and the clients use exist.
func tlsPlaced(d Deps) bool {
	for _, p := range []string{d.Paths.CACert(), d.Paths.ServerCert(), d.Paths.ServerKey(), d.Paths.ClientCert(), d.Paths.ClientKey()} {
		if !workload.Exists(p) {
			return false
		}
	}
	return true
}

// certRequest is the server certificate request this unit publishes on
// every certificates relation: CN = the unit's client address, SANs = the
// db and cluster addresses, the hostname, 127.0.0.1 and every peer's
// db-ingress-address (layer-etcd-reference.md §5), and this application's
// peer name (charm.PeerName), which the peer port comes to require. An
// address change changes it, so the unit requests again.
func certRequest(d Deps, w *world) relations.CertRequest {
	sans := []string{w.member.DBAddress, w.member.ClusterAddress, "127.0.0.1", peerName(w)}
	if host, err := d.Hostname(); err == nil {
		sans = append(sans, host)
	}
	for _, p := range w.peers {
		sans = append(sans, p.DBAddress)
	}
	return relations.CertRequest{CommonName: w.member.DBAddress, SANs: sans, CertName: relations.CertName(w.ev.Unit)}
}

// peerName is this application's peer name (charm.PeerName).
func peerName(w *world) string { return charm.PeerName(w.ev.ModelUUID, w.ev.App()) }

// servedPeerName is the peer name when the server certificate on disk
// (the one etcd serves: it reads the file for every new connection)
// carries it, else "": what the unit announces on the cluster relation
// for the leader's peer boundary (charm.DecidePeerName).
func servedPeerName(d Deps, w *world) string {
	pem, err := os.ReadFile(d.Paths.ServerCert())
	if err != nil || !charm.CertNames(string(pem), peerName(w)) {
		return ""
	}
	return peerName(w)
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

func without(ids []string, id string) []string {
	var out []string
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
