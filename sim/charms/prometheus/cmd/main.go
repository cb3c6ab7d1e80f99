// Command prometheus is the prometheus partner charm's dispatch binary:
// Juju (or jujusim) runs it for every hook.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/sim/charms/prometheus/charm"
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
	c := &charm.Charm{Tools: tools, Snap: snap.New(root + "/run/snapd.socket"), Root: root, Server: charm.DefaultServer}
	os.Exit(juju.Run(context.Background(), ev, tools, c.Handle, os.Stderr))
}
