package charm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
)

// ActionTimeout bounds a put or get.
const ActionTimeout = 20 * time.Second

// action runs one of the actions in actions.yaml through the relation's
// credentials, so a test can write and read etcd the way a real client of
// the etcd charm would.
func (c *Charm) action(ctx context.Context, ev juju.Event) error {
	rel, err := c.read(ctx, ev)
	var outcome *juju.Outcome
	if errors.As(err, &outcome) {
		return juju.Failf("etcd relation not usable: %s", outcome.Status.Message)
	}
	if err != nil {
		return err
	}
	params, err := c.Tools.ActionGet(ctx)
	if err != nil {
		return err
	}
	switch ev.Name {
	case "put":
		return c.put(ctx, rel, params)
	case "get":
		return c.get(ctx, rel, params)
	case "check":
		return c.check(ctx, rel)
	default:
		return juju.Failf("unknown action %q", ev.Name)
	}
}

// stringParam returns a required string param (the schema makes Juju
// refuse an action without it; this guards a hand-run dispatch).
func stringParam(params map[string]any, name string) (string, error) {
	v, ok := params[name].(string)
	if !ok {
		return "", juju.Failf("missing string parameter %q", name)
	}
	return v, nil
}

// withConn dials the relation's endpoints and runs f within ActionTimeout.
func (c *Charm) withConn(ctx context.Context, rel relation, f func(context.Context, etcdconn.Conn) error) error {
	conn, err := c.Dial(rel.endpoints, rel.tls)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	return f(ctx, conn)
}

func (c *Charm) put(ctx context.Context, rel relation, params map[string]any) error {
	key, err := stringParam(params, "key")
	if err != nil {
		return err
	}
	value, err := stringParam(params, "value")
	if err != nil {
		return err
	}
	if key == "" {
		return juju.Failf("key must not be empty")
	}
	return c.withConn(ctx, rel, func(ctx context.Context, conn etcdconn.Conn) error {
		rev, err := conn.Put(ctx, key, value)
		if err != nil {
			return juju.Failf("cannot put %q: %v", key, err)
		}
		return c.Tools.ActionSet(ctx, map[string]string{"revision": strconv.FormatInt(rev, 10)})
	})
}

func (c *Charm) get(ctx context.Context, rel relation, params map[string]any) error {
	key, err := stringParam(params, "key")
	if err != nil {
		return err
	}
	if key == "" {
		return juju.Failf("key must not be empty")
	}
	return c.withConn(ctx, rel, func(ctx context.Context, conn etcdconn.Conn) error {
		value, found, rev, err := conn.Get(ctx, key)
		if err != nil {
			return juju.Failf("cannot get %q: %v", key, err)
		}
		return c.Tools.ActionSet(ctx, map[string]string{
			"value":    value,
			"found":    strconv.FormatBool(found),
			"revision": strconv.FormatInt(rev, 10),
		})
	})
}

// check reports every endpoint's answer: endpoints.<i>.url, .healthy,
// .version or .error, with healthy/unhealthy lists and a count. An
// unhealthy endpoint is a result, not a failure of the action.
func (c *Charm) check(ctx context.Context, rel relation) error {
	results, err := c.probe(ctx, rel)
	if err != nil {
		return err
	}
	out := map[string]string{"count": strconv.Itoa(len(results))}
	var healthy, unhealthy []string
	for i, r := range results {
		prefix := fmt.Sprintf("endpoints.endpoint-%d.", i)
		out[prefix+"url"] = r.Endpoint
		out[prefix+"healthy"] = strconv.FormatBool(r.Err == nil)
		if r.Err != nil {
			out[prefix+"error"] = r.Err.Error()
			unhealthy = append(unhealthy, r.Endpoint)
		} else {
			out[prefix+"version"] = r.Version
			healthy = append(healthy, r.Endpoint)
		}
	}
	out["healthy"] = strings.Join(healthy, ",")
	out["unhealthy"] = strings.Join(unhealthy, ",")
	for _, k := range []string{"healthy", "unhealthy"} {
		if out[k] == "" {
			delete(out, k) // report only the lists that have members
		}
	}
	return c.Tools.ActionSet(ctx, out)
}
