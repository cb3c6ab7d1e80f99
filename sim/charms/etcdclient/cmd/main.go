// Command etcd-client is the etcd-client partner charm's dispatch binary:
// Juju (or jujusim) runs it for every hook and action.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/charm"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
)

func main() {
	ev, err := juju.ParseEvent(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR", err)
		os.Exit(juju.ExitError)
	}
	root := os.Getenv("SNAPPY_GLOBAL_ROOT")
	if root == "" {
		root = "/"
	}
	tools := juju.NewExecTools()
	c := &charm.Charm{Tools: tools, Dial: etcdconn.Dial, Root: root}
	os.Exit(juju.Run(context.Background(), ev, tools, c.Handle, os.Stderr))
}
