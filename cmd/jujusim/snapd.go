package main

import (
	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/snapd"
)

// The controller starts `jujusim snapd --root <machine root>` on every
// machine when bootstrapped with --snapd.
func init() {
	addExtraCommands = func(root *cobra.Command) {
		cmd := snapd.Command()
		cmd.Hidden = true
		root.AddCommand(cmd)
	}
}
