package charm

import (
	"context"
	"slices"
	"strings"
)

// Relation data keys of interface-etcd (db, cluster) and
// interface-etcd-proxy (proxy), written to the unit's own databag
// (reference §6).
const (
	KeyConnectionString = "connection_string"
	KeyVersion          = "version"
	KeyClientCert       = "client_cert"
	KeyClientKey        = "client_key"
	KeyClientCA         = "client_ca"
	KeyProxyCluster     = "cluster"
)

// peerDBAddresses is EtcdPeer.get_db_ingress_addresses: every peer's
// published db-ingress-address.
func (u *unit) peerDBAddresses(ctx context.Context) ([]string, error) {
	ids, err := u.c.Tools.RelationIDs(ctx, EndpointCluster)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	units, err := u.c.Tools.RelationList(ctx, ids[0])
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, r := range units {
		if u.ev.RelationHook() == "departed" && r == u.ev.DepartingUnit {
			continue
		}
		bag, err := u.c.Tools.RelationGet(ctx, ids[0], r, false)
		if err != nil {
			return nil, err
		}
		if a := bag[DBIngressKey]; a != "" {
			addrs = append(addrs, a)
		}
	}
	return addrs, nil
}

// publishDBIngress is set_db_ingress_address.
func (u *unit) publishDBIngress(ctx context.Context) error {
	ids, err := u.c.Tools.RelationIDs(ctx, EndpointCluster)
	if err != nil || len(ids) == 0 {
		return err
	}
	addr, err := u.ingressAddress(ctx, EndpointDB)
	if err != nil {
		return err
	}
	return u.c.Tools.RelationSet(ctx, ids[0], false, map[string]string{DBIngressKey: addr})
}

// credentials are the client credentials every client relation gets: the
// provider's global client pair and the CA, read back from the files.
func (u *unit) credentials() map[string]string {
	f := ReadTLS(u.c.Paths)
	return map[string]string{KeyClientKey: f.ClientKey, KeyClientCert: f.ClientCert, KeyClientCA: f.CA}
}

// publishDB is send_cluster_connection_details (joined peers) and
// send_single_connection_details: credentials, connection_string over
// every peer's db address and the own one, sorted, and version.
func (u *unit) publishDB(ctx context.Context, joined bool) error {
	ids, err := u.c.Tools.RelationIDs(ctx, EndpointDB)
	if err != nil || len(ids) == 0 {
		return err
	}
	own, err := u.ingressAddress(ctx, EndpointDB)
	if err != nil {
		return err
	}
	members := []string{own}
	if joined {
		peers, err := u.peerDBAddresses(ctx)
		if err != nil {
			return err
		}
		members = append(peers, own)
		slices.Sort(members)
	}
	data := u.credentials()
	data[KeyConnectionString] = ConnectionString(members, u.cfg.Port)
	if v, err := u.c.Ctl.Version(ctx); err == nil {
		data[KeyVersion] = v
	} else {
		return err
	}
	for _, id := range ids {
		if err := u.c.Tools.RelationSet(ctx, id, false, data); err != nil {
			return err
		}
	}
	return nil
}

// publishProxy is send_cluster_details: credentials and the cluster
// string from the local member list, skipping members without peer URLs.
func (u *unit) publishProxy(ctx context.Context) error {
	ids, err := u.c.Tools.RelationIDs(ctx, EndpointProxy)
	if err != nil || len(ids) == 0 {
		return err
	}
	local, err := u.localEndpoint(ctx)
	if err != nil {
		return err
	}
	members, err := u.c.Ctl.MemberList(ctx, local)
	if err != nil {
		return err
	}
	data := u.credentials()
	data[KeyProxyCluster] = ProxyCluster(members)
	for _, id := range ids {
		if err := u.c.Tools.RelationSet(ctx, id, false, data); err != nil {
			return err
		}
	}
	return nil
}

// ProxyCluster is the proxy relation's cluster string: name=peerURLs of
// each started member. (The original also tries the one "unstarted" entry
// of its member dict, which has peer URLs but no name, and fails the hook
// with a KeyError while a unit joins; the stand-in skips it.)
func ProxyCluster(members []Member) string {
	var out []string
	for _, m := range members {
		if m.Unstarted || m.PeerURLs == "" {
			continue
		}
		out = append(out, m.Name+"="+m.PeerURLs)
	}
	return strings.Join(out, ",")
}
