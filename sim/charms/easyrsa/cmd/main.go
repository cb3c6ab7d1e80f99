// Command easyrsa is the easyrsa partner charm's dispatch binary: Juju (or
// jujusim) runs it for every hook and action.
package main

import (
	"os"
	"time"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/charm"
	"github.com/etcd-charm/etcd-charm/sim/charms/easyrsa/pki"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/dispatch"
)

func main() {
	os.Exit(dispatch.Main(func(tools *juju.ExecTools, root string) juju.Handler {
		c := &charm.Charm{
			Tools: tools,
			PKI:   pki.New(pki.DefaultBinary, charm.PKIDir(root)),
			Root:  root,
			Now:   time.Now,
		}
		return c.Handle
	}))
}
