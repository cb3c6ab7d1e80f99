// Package charm is the easyrsa partner charm's logic: a certificate
// authority for the `client` endpoint (interface tls-certificates), speaking
// the provider side the way Canonical's easyrsa charm does.
//
// Every hook reconciles the whole state, so the order Juju runs hooks in
// does not matter:
//   - the leader makes sure there is a CA: its own PKI, rebuilt from leader
//     data if leadership moved here, or a new one made with EasyRSA named
//     after the unit's ingress address on `client`; CA, CA key and serial go
//     to leader data (certificate_authority, certificate_authority_key,
//     certificate_authority_serial), as does the global client certificate
//     (client_certificate, client_key, CN "client");
//   - the leader answers every requirer unit's requests in its own unit
//     databag (the requirers read the provider's units), issuing a
//     certificate only when the one already published no longer matches
//     the request (new unit, changed SANs or CN, other CA, near expiry);
//   - a malformed request is logged at WARNING and skipped; it never fails
//     the hook, so the other units still get their certificates;
//   - non-leaders publish nothing (the real charm signs on the leader only)
//     and clear what they published while they led.
package charm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/pki"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/tlscerts"
)

// Endpoint is the provider endpoint.
const Endpoint = "client"

// Leader data keys, as the real charm names them.
const (
	LeaderCA       = "certificate_authority"
	LeaderCAKey    = "certificate_authority_key"
	LeaderCASerial = "certificate_authority_serial"
	LeaderClient   = "client_certificate"
	LeaderClientK  = "client_key"
)

// Status messages of a unit with a CA.
const (
	StatusReady     = "Certificate Authority ready."
	StatusConnected = "Certificate Authority connected."
)

// Authority is the unit's PKI, driven by EasyRSA (*pki.EasyRSA).
type Authority interface {
	Installed() error
	Version(ctx context.Context) (string, error)
	HasCA() bool
	ReadCA() (pki.CA, error)
	CreateCA(ctx context.Context, cn string) (pki.CA, error)
	RestoreCA(ctx context.Context, ca pki.CA) error
	IssueServer(ctx context.Context, name, cn string, sans []string, isIP func(string) bool) (pki.Pair, error)
	IssueClientCert(ctx context.Context, name, cn string, sans []string, isIP func(string) bool) (pki.Pair, error)
	IssueClient(ctx context.Context, name string) (pki.Pair, error)
	Index() ([]pki.Entry, error)
}

// Charm handles easyrsa's hooks and actions for one unit.
type Charm struct {
	Tools juju.Tools
	PKI   Authority
	// Root is the unit's filesystem root ($SNAPPY_GLOBAL_ROOT, "/").
	Root string
	// Now is the clock certificates' expiry is judged by.
	Now func() time.Time
}

// PKIDir is where the unit's PKI lives under root.
func PKIDir(root string) string { return filepath.Join(root, "var", "lib", "easyrsa", "pki") }

// Handle is the juju.Handler of the charm.
func (c *Charm) Handle(ctx context.Context, ev juju.Event) error {
	if ev.Kind == juju.ActionKind {
		return c.action(ctx, ev)
	}
	return c.reconcile(ctx, ev)
}

func (c *Charm) logf(ctx context.Context, level, format string, args ...any) {
	// juju-log failing must not fail the hook: the log is best effort.
	_ = c.Tools.Log(ctx, level, fmt.Sprintf(format, args...))
}

func (c *Charm) reconcile(ctx context.Context, ev juju.Event) error {
	if err := c.PKI.Installed(); err != nil {
		return juju.Blocked("easy-rsa is not installed: %v", err)
	}
	if ev.Name == "install" || ev.Name == "upgrade-charm" {
		v, err := c.PKI.Version(ctx)
		if err != nil {
			return fmt.Errorf("cannot read the easyrsa version: %w", err)
		}
		if err := c.Tools.ApplicationVersionSet(ctx, v); err != nil {
			return err
		}
	}
	leader, err := c.Tools.IsLeader(ctx)
	if err != nil {
		return err
	}
	data, err := c.Tools.LeaderGet(ctx)
	if err != nil {
		return err
	}
	ids, err := c.relationIDs(ctx, ev)
	if err != nil {
		return err
	}
	if !leader {
		if err := c.clearAnswers(ctx, ev, ids); err != nil {
			return err
		}
		if data[LeaderCA] == "" {
			return juju.Waiting("Waiting for the leader to create the CA")
		}
		if err := c.installCA(ev, data[LeaderCA]); err != nil {
			return err
		}
		return c.Tools.StatusSet(ctx, readyStatus(ids), false)
	}

	ca, err := c.ensureCA(ctx, data)
	if err != nil {
		return err
	}
	client, err := c.ensureClient(ctx, data)
	if err != nil {
		return err
	}
	if err := c.installCA(ev, ca.Cert); err != nil {
		return err
	}
	caCert, err := tlscerts.ParseCert(ca.Cert)
	if err != nil {
		return fmt.Errorf("cannot use the CA: %w", err)
	}
	for _, id := range ids {
		if err := c.answer(ctx, ev, id, ca.Cert, caCert, client); err != nil {
			return err
		}
	}
	return c.Tools.StatusSet(ctx, readyStatus(ids), false)
}

func readyStatus(ids []string) juju.Status {
	if len(ids) > 0 {
		return juju.Status{Name: juju.StatusActive, Message: StatusConnected}
	}
	return juju.Status{Name: juju.StatusActive, Message: StatusReady}
}

// relationIDs lists the client relations, less the one being broken (its
// remote units are gone and its data is not read any more).
func (c *Charm) relationIDs(ctx context.Context, ev juju.Event) ([]string, error) {
	ids, err := c.Tools.RelationIDs(ctx, Endpoint)
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if ev.RelationHook() == "broken" && id == ev.RelationID {
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// ensureCA returns the CA, making the PKI agree with leader data: leader
// data wins (leadership may have moved here from the unit that made the CA);
// a PKI without leader data is published (an earlier leader-set was lost);
// with neither, a new CA is made.
func (c *Charm) ensureCA(ctx context.Context, data map[string]string) (pki.CA, error) {
	if data[LeaderCA] != "" && data[LeaderCAKey] != "" {
		want := pki.CA{Cert: data[LeaderCA], Key: data[LeaderCAKey], Serial: data[LeaderCASerial]}
		if c.PKI.HasCA() {
			if have, err := c.PKI.ReadCA(); err == nil && samePEM(have.Cert, want.Cert) && samePEM(have.Key, want.Key) {
				return have, nil
			}
		}
		c.logf(ctx, "INFO", "Recovering the CA from leader data")
		if err := c.PKI.RestoreCA(ctx, want); err != nil {
			return pki.CA{}, err
		}
		return want, nil
	}
	var ca pki.CA
	if c.PKI.HasCA() {
		var err error
		if ca, err = c.PKI.ReadCA(); err != nil {
			return pki.CA{}, err
		}
	} else {
		// Like the real charm, name the CA after the address requirers
		// reach this unit on.
		net, err := c.Tools.NetworkGet(ctx, Endpoint, "")
		if err != nil || len(net.IngressAddresses) == 0 {
			c.logf(ctx, "WARNING", "Cannot find the ingress address of %s: %v", Endpoint, err)
			return pki.CA{}, juju.Blocked("Public address not available yet")
		}
		c.logf(ctx, "INFO", "Creating a new CA for %s", net.IngressAddresses[0])
		if ca, err = c.PKI.CreateCA(ctx, net.IngressAddresses[0]); err != nil {
			return pki.CA{}, err
		}
	}
	err := c.Tools.LeaderSet(ctx, map[string]string{LeaderCA: ca.Cert, LeaderCAKey: ca.Key, LeaderCASerial: ca.Serial})
	return ca, err
}

// samePEM compares PEM text the way it survives Juju: leader-set and
// relation-set trim surrounding whitespace from values (juju/utils
// keyvalues), so a trailing newline is lost on the way through.
func samePEM(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }

// ensureClient returns the global client certificate (CN "client") that
// every requirer gets, kept in leader data.
func (c *Charm) ensureClient(ctx context.Context, data map[string]string) (tlscerts.Pair, error) {
	if data[LeaderClient] != "" && data[LeaderClientK] != "" {
		return tlscerts.Pair{Cert: data[LeaderClient], Key: data[LeaderClientK]}, nil
	}
	p, err := c.PKI.IssueClient(ctx, "client")
	if err != nil {
		return tlscerts.Pair{}, err
	}
	if err := c.Tools.LeaderSet(ctx, map[string]string{LeaderClient: p.Cert, LeaderClientK: p.Key}); err != nil {
		return tlscerts.Pair{}, err
	}
	return tlscerts.Pair{Cert: p.Cert, Key: p.Key}, nil
}

// installCA writes the CA where the system trust store picks it up
// (/usr/local/share/ca-certificates/<application>.crt under the root), as
// the real charm does; update-ca-certificates is left to the operator.
func (c *Charm) installCA(ev juju.Event, ca string) error {
	dir := filepath.Join(c.Root, "usr", "local", "share", "ca-certificates")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot install the CA: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ev.App()+".crt"), []byte(ca), 0o644); err != nil {
		return fmt.Errorf("cannot install the CA: %w", err)
	}
	return nil
}
