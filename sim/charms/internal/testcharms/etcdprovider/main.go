// Command etcdprovider is a fake etcd provider, a test charm for the
// etcd-client integration test: every hook copies its config into its unit
// databag on each db relation, in the keys the etcd charm publishes
// (connection_string, client_cert, client_key, client_ca, version).
package main

import (
	"context"
	"os"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/dispatch"
)

var keys = []string{"connection_string", "client_cert", "client_key", "client_ca", "version"}

func handle(ctx context.Context, tools juju.Tools, ev juju.Event) error {
	cfg, err := tools.ConfigGet(ctx)
	if err != nil {
		return err
	}
	want := map[string]string{}
	for _, k := range keys {
		v, _ := cfg[k].(string)
		want[k] = v // "" deletes
	}
	ids, err := tools.RelationIDs(ctx, "db")
	if err != nil {
		return err
	}
	for _, id := range ids {
		if ev.RelationHook() == "broken" && id == ev.RelationID {
			continue
		}
		own, err := tools.RelationGet(ctx, id, ev.Unit, false)
		if err != nil {
			return err
		}
		set := map[string]string{}
		for k, v := range want {
			if own[k] != v {
				set[k] = v
			}
		}
		if len(set) > 0 {
			if err := tools.RelationSet(ctx, id, false, set); err != nil {
				return err
			}
		}
	}
	if want["connection_string"] == "" {
		return juju.Blocked("connection_string not configured")
	}
	return tools.StatusSet(ctx, juju.Status{Name: juju.StatusActive, Message: "Publishing etcd credentials"}, false)
}

func main() {
	os.Exit(dispatch.Main(func(tools *juju.ExecTools, _ string) juju.Handler {
		return func(ctx context.Context, ev juju.Event) error { return handle(ctx, tools, ev) }
	}))
}
