package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/relations"
	"github.com/etcd-charm/etcd-charm/workload"
)

// localMember is this unit's etcd member as the charm last configured it:
// the etcd.conf.yml the hooks rendered is the single source of truth for
// its name, data directory and URLs (actions never recompute them, so an
// action and the next hook agree).
type localMember struct {
	conf      charm.EtcdConfig
	raw       []byte // the file as read, for rolling a rewrite back
	ClientURL string // first advertise-client-url
	PeerURL   string // first initial-advertise-peer-url
}

// readLocal parses etcd.conf.yml. Before the hooks have written it, etcd
// has never run on this unit and no action can work on it: that is an
// operator-facing failure, not an error.
func readLocal(d Deps) (localMember, error) {
	conf, raw, err := workload.ReadEtcdConfig(d.Paths)
	if errors.Is(err, fs.ErrNotExist) {
		return localMember{}, juju.Failf("etcd is not configured on this unit yet (%s is missing): wait until the unit is active", d.Paths.Unroot(d.Paths.ConfigFile()))
	}
	if err != nil {
		return localMember{}, err
	}
	m := localMember{conf: conf, raw: raw, ClientURL: conf.ClientURL(), PeerURL: conf.PeerURL()}
	if conf.Name == "" || conf.DataDir == "" || m.ClientURL == "" {
		return localMember{}, fmt.Errorf("cannot use %s: it names no member, data directory or client URL", d.Paths.ConfigFile())
	}
	return m, nil
}

// errNoClient is a charm binary whose composition root wired no etcd
// client into Deps.
var errNoClient = errors.New("cannot connect to etcd: the charm was built without an etcd client")

// dial connects to endpoints with the charm's identity. An unreachable
// cluster is something the operator can act on (start etcd, wait for the
// unit), so it is an action failure.
func dial(ctx context.Context, d Deps, endpoints []string) (etcd.Cluster, error) {
	if d.Dial == nil {
		return nil, errNoClient
	}
	cl, err := d.Dial(ctx, endpoints, workload.TLS(d.Paths))
	if err != nil {
		return nil, juju.Failf("Cannot connect to etcd at %s: %v", strings.Join(endpoints, ","), err)
	}
	return cl, nil
}

// maintenance is the Maintenance side of a dialled client (the real client
// and the fake implement both interfaces).
func maintenance(cl etcd.Cluster) (etcd.Maintenance, error) {
	m, ok := cl.(etcd.Maintenance)
	if !ok {
		return nil, fmt.Errorf("cannot run maintenance: the etcd client %T does not support it", cl)
	}
	return m, nil
}

// peerClientURLs are the client URLs other units published on the cluster
// peer relation, so health can still reach the cluster when the local
// member is down.
func peerClientURLs(ctx context.Context, d Deps) ([]string, error) {
	var urls []string
	err := eachPeer(ctx, d, func(id, u string) error {
		bag, err := d.Tools.RelationGet(ctx, id, u, false)
		if err != nil {
			return fmt.Errorf("cannot read the peer data of %s: %w", u, err)
		}
		if c := relations.DecodePeer(u, bag).ClientURL; c != "" {
			urls = append(urls, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return urls, nil
}

// peerUnits counts the other units of the application (the cluster peer
// relation lists every other unit that has joined it).
func peerUnits(ctx context.Context, d Deps) ([]string, error) {
	var all []string
	err := eachPeer(ctx, d, func(_, u string) error {
		all = append(all, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// eachPeer calls f with each unit on the cluster peer relation and the
// relation's id, stopping at the first error.
func eachPeer(ctx context.Context, d Deps, f func(id, unit string) error) error {
	ids, err := d.Tools.RelationIDs(ctx, "cluster")
	if err != nil {
		return fmt.Errorf("cannot list the cluster relation: %w", err)
	}
	for _, id := range ids {
		units, err := d.Tools.RelationList(ctx, id)
		if err != nil {
			return fmt.Errorf("cannot list peers: %w", err)
		}
		for _, u := range units {
			if err := f(id, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// params reads the action's params with typed accessors; a value of the
// wrong type (which Juju's schema check prevents) is an action failure.
type params struct {
	m   map[string]any
	err error
}

func getParams(ctx context.Context, d Deps) (*params, error) {
	m, err := d.Tools.ActionGet(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot read action params: %w", err)
	}
	return &params{m: m}, nil
}

func (p *params) string(key, def string) string {
	switch v := p.m[key].(type) {
	case nil:
		return def
	case string:
		return v
	default:
		if p.err == nil {
			p.err = juju.Failf("Param %s must be a string, got %v", key, v)
		}
		return def
	}
}

func (p *params) bool(key string, def bool) bool {
	switch v := p.m[key].(type) {
	case nil:
		return def
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(v)
		if err == nil {
			return b
		}
	}
	if p.err == nil {
		p.err = juju.Failf("Param %s must be true or false, got %v", key, p.m[key])
	}
	return def
}

// humanSize is du -h's rendering of a size ("4.0K", "12M", "1.5G").
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10)
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"K", "M", "G", "T", "P"} {
		v /= unit
		suffix = s
		if v < unit {
			break
		}
	}
	if v < 10 {
		return fmt.Sprintf("%.1f%s", v, suffix)
	}
	return fmt.Sprintf("%.0f%s", v, suffix)
}

// waitServing waits (up to restoreServe) for the member at endpoint to
// answer.
func waitServing(ctx context.Context, d Deps, endpoint string) (etcd.Status, error) {
	return waitFor(ctx, d, endpoint, nil, nil)
}

// waitFor polls endpoint until its status answers and check (if any)
// passes, for at most restoreServe. After each unanswered poll, giveUp
// (if any) may end the wait early with its error.
func waitFor(ctx context.Context, d Deps, endpoint string, check func(etcd.Cluster) error, giveUp func() error) (etcd.Status, error) {
	if d.Dial == nil {
		return etcd.Status{}, errNoClient
	}
	deadline := time.Now().Add(restoreServe)
	for {
		st, err := statusOnce(ctx, d, endpoint, check)
		if err == nil {
			return st, nil
		}
		if giveUp != nil {
			if err := giveUp(); err != nil {
				return etcd.Status{}, err
			}
		}
		if time.Now().After(deadline) {
			return etcd.Status{}, err
		}
		select {
		case <-ctx.Done():
			return etcd.Status{}, ctx.Err()
		case <-time.After(restorePoll):
		}
	}
}

func statusOnce(ctx context.Context, d Deps, endpoint string, check func(etcd.Cluster) error) (etcd.Status, error) {
	cl, err := d.Dial(ctx, []string{endpoint}, workload.TLS(d.Paths))
	if err != nil {
		return etcd.Status{}, err
	}
	defer cl.Close()
	st, err := cl.Status(ctx, endpoint)
	if err != nil {
		return etcd.Status{}, err
	}
	if check != nil {
		if err := check(cl); err != nil {
			return etcd.Status{}, err
		}
	}
	return st, nil
}
