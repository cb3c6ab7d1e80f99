package charm

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/tlscerts"
)

// answer issues what relation id's units ask for and publishes it, with the
// CA and the global client pair, in this unit's databag.
func (c *Charm) answer(ctx context.Context, ev juju.Event, id, ca string, caCert *x509.Certificate, client tlscerts.Pair) error {
	units, err := c.Tools.RelationList(ctx, id)
	if juju.IsRelationNotFound(err) {
		// Removed since relation-ids listed it; its -broken hook follows.
		return nil
	}
	if err != nil {
		return err
	}
	own, err := c.Tools.RelationGet(ctx, id, ev.Unit, false)
	if err != nil {
		return err
	}
	var issued []tlscerts.Issued
	for _, unit := range units {
		bag, err := c.Tools.RelationGet(ctx, id, unit, false)
		if err != nil {
			return err
		}
		reqs, problems := tlscerts.ParseRequests(unit, bag)
		for _, p := range problems {
			c.logf(ctx, "WARNING", "Skipping a bad certificate request: %v", p)
		}
		for _, req := range reqs {
			pair, err := c.issue(ctx, id, own, caCert, req)
			if err != nil {
				return err
			}
			issued = append(issued, tlscerts.Issued{Request: req, Pair: pair})
		}
	}
	settings, err := tlscerts.Settings(own, ca, client, issued, units)
	if err != nil {
		return err
	}
	if len(settings) == 0 {
		return nil
	}
	return c.Tools.RelationSet(ctx, id, false, settings)
}

// issue returns the answer to req: the one already published if it still
// matches, else a new certificate from EasyRSA.
func (c *Charm) issue(ctx context.Context, id string, own map[string]string, caCert *x509.Certificate, req tlscerts.Request) (tlscerts.Pair, error) {
	reason := "new request"
	if pair, ok := tlscerts.Existing(own, req); ok {
		var current bool
		if current, reason = tlscerts.Current(pair, caCert, req, c.Now()); current {
			return pair, nil
		}
	}
	issue, kind := c.PKI.IssueServer, "server"
	if req.Client {
		issue, kind = c.PKI.IssueClientCert, "client"
	}
	p, err := issue(ctx, certName(id, req), req.CN, req.SANs, tlscerts.IsIP)
	if err != nil {
		return tlscerts.Pair{}, err
	}
	c.logf(ctx, "INFO", "Issued a %s certificate for %q (SANs %s) to %s: %s", kind, req.CN, strings.Join(req.SANs, ","), req.Unit, reason)
	return tlscerts.Pair{Cert: p.Cert, Key: p.Key}, nil
}

// clearAnswers deletes what this unit published while it was the leader,
// so requirers only see the current leader's answers.
func (c *Charm) clearAnswers(ctx context.Context, ev juju.Event, ids []string) error {
	for _, id := range ids {
		own, err := c.Tools.RelationGet(ctx, id, ev.Unit, false)
		if err != nil {
			return err
		}
		clear, err := tlscerts.Settings(own, "", tlscerts.Pair{}, nil, nil)
		if err != nil {
			return err
		}
		if len(clear) > 0 {
			if err := c.Tools.RelationSet(ctx, id, false, clear); err != nil {
				return err
			}
		}
	}
	return nil
}

// certName is the file name a request's certificate gets in the PKI: the
// unit and a digest of relation, kind and common name, so requests of
// different units, relations or kinds never share a file and any CN maps to
// a safe name.
func certName(relationID string, req tlscerts.Request) string {
	kind := "server"
	if req.Client {
		kind = "client"
	}
	sum := sha256.Sum256([]byte(relationID + "\x00" + kind + "\x00" + req.CN))
	return tlscerts.MungedUnit(req.Unit) + "-" + hex.EncodeToString(sum[:6])
}
