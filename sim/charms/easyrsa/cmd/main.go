// Command easyrsa is the easyrsa partner charm's dispatch binary: Juju (or
// jujusim) runs it for every hook and action.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/charm"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/pki"
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
	c := &charm.Charm{
		Tools: tools,
		PKI:   pki.New(pki.DefaultBinary, charm.PKIDir(root)),
		Root:  root,
		Now:   time.Now,
	}
	os.Exit(juju.Run(context.Background(), ev, tools, c.Handle, os.Stderr))
}
