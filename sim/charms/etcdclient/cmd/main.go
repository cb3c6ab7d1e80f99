// Command etcd-client is the etcd-client partner charm's dispatch binary:
// Juju (or jujusim) runs it for every hook and action.
package main

import (
	"os"

	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/charm"
	"github.com/etcd-charm/etcd-charm/sim/charms/etcdclient/etcdconn"
	"github.com/etcd-charm/etcd-charm/sim/charms/internal/dispatch"
)

func main() {
	os.Exit(dispatch.Main(func(tools *juju.ExecTools, root string) juju.Handler {
		c := &charm.Charm{Tools: tools, Dial: etcdconn.Dial, Root: root}
		return c.Handle
	}))
}
