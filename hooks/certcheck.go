package hooks

import (
	"context"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// checkCertificates refuses a certificates answer that etcd could not
// use (charm.CheckCertificates) before anything is written: the files in
// place stay, so a running etcd keeps serving on them, and the unit is
// blocked with the reason. The memo of the request is forgotten, so every
// later hook reads the answer again (not only the certificates relation's
// hooks) and a corrected answer heals on the next hook, whatever it is.
func checkCertificates(ctx context.Context, d Deps, w *world, certs relations.Certificates) error {
	// Once the peer boundary is up, a certificate without the peer name
	// would shut this member out of its cluster.
	reason := charm.CheckCertificates(charm.CertCheck{
		Certs:     certs,
		Addresses: []string{w.member.DBAddress, w.member.ClusterAddress, w.leaderData.PeerName},
		Now:       d.Now(),
	})
	if reason == "" {
		return nil
	}
	w.state.Memo.CertRequest = ""
	if tlsPlaced(d) {
		return juju.Blocked("%s Keeping the certificates in place.", reason)
	}
	return juju.Blocked("%s", reason)
}
