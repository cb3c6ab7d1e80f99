// Package charm is the etcd-client partner charm's logic: it stands in for
// kubernetes-control-plane on the `etcd` endpoint (interface etcd) and
// proves that what the etcd charm publishes there is enough to use etcd.
//
// Every hook does the same thing, so hook order does not matter:
//   - read the first remote unit's databag (relation-list order), exactly
//     like kubernetes-control-plane; until connection_string, client_cert,
//     client_key and client_ca are all set the unit is `waiting: Waiting
//     for etcd`;
//   - write the credentials where kubernetes-control-plane does
//     (<root>/root/cdk/etcd/client-{ca,cert,key}.pem);
//   - ask every endpoint of connection_string for its status over TLS:
//     `active: Connected to N etcd endpoints` when all answer, else
//     `blocked` naming the endpoints that failed and why.
//
// Unreachable etcd is an outcome, not a hook failure: the hook exits 0 and
// update-status (or the next relation change) tries again.
package charm

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdrel"
)

// Endpoint is the requirer endpoint, named as kubernetes-control-plane's.
const Endpoint = "etcd"

// Status messages.
const (
	MsgMissing = "Missing required etcd relation"
	MsgWaiting = "Waiting for etcd"
)

// ProbeTimeout bounds each endpoint's status request.
const ProbeTimeout = 10 * time.Second

// Charm handles etcd-client's hooks and actions for one unit.
type Charm struct {
	Tools juju.Tools
	Dial  etcdconn.Dialer
	// Root is the unit's filesystem root ($SNAPPY_GLOBAL_ROOT, "/").
	Root string
}

// CredsDir is where the credentials are written under root.
func CredsDir(root string) string { return filepath.Join(root, "root", "cdk", "etcd") }

// Handle is the juju.Handler of the charm.
func (c *Charm) Handle(ctx context.Context, ev juju.Event) error {
	if ev.Kind == juju.ActionKind {
		return c.action(ctx, ev)
	}
	return c.reconcile(ctx, ev)
}

// relation is the usable state of the etcd relation.
type relation struct {
	creds     etcdrel.Creds
	endpoints []string
	tls       *tls.Config
}

// read finds the first remote unit's credentials and checks them. Its
// errors are juju outcomes (blocked / waiting).
func (c *Charm) read(ctx context.Context, ev juju.Event) (relation, error) {
	ids, err := c.Tools.RelationIDs(ctx, Endpoint)
	if err != nil {
		return relation{}, err
	}
	if ev.RelationHook() == "broken" {
		ids = without(ids, ev.RelationID)
	}
	if len(ids) == 0 {
		return relation{}, juju.Blocked(MsgMissing)
	}
	units, err := c.Tools.RelationList(ctx, ids[0])
	if err != nil {
		return relation{}, err
	}
	if ev.RelationHook() == "departed" {
		units = without(units, ev.DepartingUnit)
	}
	if len(units) == 0 {
		return relation{}, juju.Waiting(MsgWaiting)
	}
	bag, err := c.Tools.RelationGet(ctx, ids[0], units[0], false)
	if err != nil {
		return relation{}, err
	}
	creds, missing := etcdrel.Parse(bag)
	if len(missing) > 0 {
		c.logf(ctx, "DEBUG", "%s has not published %s yet", units[0], strings.Join(missing, ", "))
		return relation{}, juju.Waiting(MsgWaiting)
	}
	eps, err := creds.Endpoints()
	if err != nil {
		return relation{}, juju.Blocked("Cannot use etcd's %v", err)
	}
	cfg, err := creds.TLS()
	if err != nil {
		return relation{}, juju.Blocked("Cannot use etcd's credentials: %v", err)
	}
	return relation{creds: creds, endpoints: eps, tls: cfg}, nil
}

func without(list []string, drop string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

func (c *Charm) logf(ctx context.Context, level, format string, args ...any) {
	_ = c.Tools.Log(ctx, level, fmt.Sprintf(format, args...))
}

func (c *Charm) reconcile(ctx context.Context, ev juju.Event) error {
	rel, err := c.read(ctx, ev)
	if err != nil {
		return err
	}
	if err := writeCreds(CredsDir(c.Root), rel.creds); err != nil {
		return err
	}
	results, err := c.probe(ctx, rel)
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.Endpoint, r.Err))
		}
	}
	if len(failed) > 0 {
		return juju.Blocked("Cannot connect to etcd %s", strings.Join(failed, "; "))
	}
	if rel.creds.Version != "" {
		c.logf(ctx, "DEBUG", "etcd publishes version %s; endpoints report %s", rel.creds.Version, results[0].Version)
	}
	return c.Tools.StatusSet(ctx, juju.Status{
		Name:    juju.StatusActive,
		Message: fmt.Sprintf("Connected to %d etcd endpoints", len(results)),
	}, false)
}

// Probe is one endpoint's answer to a status request.
type Probe struct {
	Endpoint string
	Version  string
	Err      error
}

// probe asks every endpoint for its status, concurrently.
func (c *Charm) probe(ctx context.Context, rel relation) ([]Probe, error) {
	conn, err := c.Dial(rel.endpoints, rel.tls)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	results := make([]Probe, len(rel.endpoints))
	var wg sync.WaitGroup
	for i, ep := range rel.endpoints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
			defer cancel()
			v, err := conn.Status(pctx, ep)
			results[i] = Probe{Endpoint: ep, Version: v, Err: err}
		}()
	}
	wg.Wait()
	return results, nil
}

// writeCreds writes the credentials as kubernetes-control-plane does,
// readable by root only for the key, replacing files atomically.
func writeCreds(dir string, creds etcdrel.Creds) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot write etcd credentials: %w", err)
	}
	for _, f := range []struct {
		name, data string
		mode       os.FileMode
	}{
		{"client-ca.pem", creds.CA, 0o644},
		{"client-cert.pem", creds.Cert, 0o644},
		{"client-key.pem", creds.Key, 0o600},
	} {
		path := filepath.Join(dir, f.name)
		if old, err := os.ReadFile(path); err == nil && string(old) == f.data {
			continue
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(f.data), f.mode); err != nil {
			return fmt.Errorf("cannot write etcd credentials: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("cannot write etcd credentials: %w", err)
		}
	}
	return nil
}
