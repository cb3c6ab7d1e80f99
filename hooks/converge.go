package hooks

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
)

// Status messages shared with layer-etcd (layer-etcd-reference.md §4).
const (
	msgMissingCA       = "Missing relation to certificate authority."
	msgWaitingForCerts = "Waiting for certificates"
	msgNoClustering    = "Certificates received; cluster formation is not in this charm revision yet"
)

// converge brings the unit one step closer to a healthy cluster member. In
// this revision it checks what every later step needs (valid config, a
// certificate authority), asks the authority for this unit's server
// certificate, and reports the first unmet need as the unit's status.
func converge(ctx context.Context, d Deps, ev juju.Event) error {
	if _, err := readConfig(ctx, d); err != nil {
		return err
	}
	ids, err := d.Tools.RelationIDs(ctx, "certificates")
	if err != nil {
		return fmt.Errorf("cannot list certificates relations: %w", err)
	}
	// During certificates-relation-broken the relation is going away.
	if isRelationHook(ev.Name, "certificates") && ev.RelationHook() == "broken" {
		ids = without(ids, ev.RelationID)
	}
	if len(ids) == 0 {
		return juju.Blocked(msgMissingCA)
	}
	if err := requestCertificates(ctx, d, ev, ids); err != nil {
		return err
	}
	certs, err := readCertificates(ctx, d, ev, ids)
	if err != nil {
		return err
	}
	if !certs.Complete() {
		return juju.Waiting(msgWaitingForCerts)
	}
	return juju.Waiting(msgNoClustering)
}

// readConfig returns the validated config, or a blocked outcome naming the
// bad option (the hook then commits and changes nothing else).
func readConfig(ctx context.Context, d Deps) (charm.Config, error) {
	m, err := d.Tools.ConfigGet(ctx)
	if err != nil {
		return charm.Config{}, fmt.Errorf("cannot read config: %w", err)
	}
	cfg, err := charm.ParseConfig(m)
	if err == nil {
		err = cfg.Validate()
	}
	var ce *charm.ConfigError
	if errors.As(err, &ce) {
		return cfg, juju.Blocked("Invalid config: %s: %s", ce.Option, ce.Reason)
	}
	return cfg, err
}

// requestCertificates publishes this unit's server certificate request on
// every certificates relation: CN = the unit's client address, SANs = the
// ingress addresses of db and cluster, the hostname, 127.0.0.1 and every
// peer's db-ingress-address (layer-etcd-reference.md §5). The request is
// rewritten each hook, so an address change re-requests.
func requestCertificates(ctx context.Context, d Deps, ev juju.Event, ids []string) error {
	var sans []string
	for _, binding := range []string{"db", "cluster"} {
		nw, err := d.Tools.NetworkGet(ctx, binding, "")
		if err != nil {
			return fmt.Errorf("cannot read %s addresses: %w", binding, err)
		}
		sans = append(sans, nw.IngressAddresses...)
	}
	if len(sans) == 0 {
		return juju.Waiting("Waiting for a network address")
	}
	cn := sans[0]
	if host, err := os.Hostname(); err == nil {
		sans = append(sans, host)
	}
	sans = append(sans, "127.0.0.1")
	peers, err := peerAddresses(ctx, d)
	if err != nil {
		return err
	}
	req := relations.CertRequest{CommonName: cn, SANs: append(sans, peers...), CertName: relations.CertName(ev.Unit)}
	for _, id := range ids {
		err := d.Tools.RelationSet(ctx, id, false, req.Settings())
		if err != nil && !juju.IsRelationNotFound(err) {
			return fmt.Errorf("cannot request a certificate: %w", err)
		}
	}
	return nil
}

// peerAddresses returns the db-ingress-address every peer published.
func peerAddresses(ctx context.Context, d Deps) ([]string, error) {
	ids, err := d.Tools.RelationIDs(ctx, "cluster")
	if err != nil {
		return nil, fmt.Errorf("cannot list peers: %w", err)
	}
	var addrs []string
	err = eachRemoteBag(ctx, d, ids, func(bag map[string]string) {
		if a := bag["db-ingress-address"]; a != "" {
			addrs = append(addrs, a)
		}
	})
	return addrs, err
}

// readCertificates collects the providers' answers for this unit.
func readCertificates(ctx context.Context, d Deps, ev juju.Event, ids []string) (relations.Certificates, error) {
	var bags []map[string]string
	err := eachRemoteBag(ctx, d, ids, func(bag map[string]string) { bags = append(bags, bag) })
	return relations.FindCertificates(bags, relations.CertName(ev.Unit)), err
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
