package main

import (
	"github.com/spf13/cobra"
)

// faultProcessCmds are the faults on a machine's processes: kill -9,
// freeze and thaw of a unit's etcd, a reboot, a power-off for good.
func faultProcessCmds() []*cobra.Command {
	var service string
	signal := func(use, short, sig string) *cobra.Command {
		c := &cobra.Command{
			Use: use + " UNIT|MACHINE", Short: short, Args: usage(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return client().Call("signal", map[string]any{"Target": args[0], "Service": service, "Signal": sig}, nil)
			},
		}
		c.Flags().StringVar(&service, "service", "", "snap service to signal (default etcd.etcd)")
		return c
	}
	machine := func(use, short, method string) *cobra.Command {
		return &cobra.Command{
			Use: use + " UNIT|MACHINE", Short: short, Args: usage(cobra.ExactArgs(1)),
			RunE: func(cmd *cobra.Command, args []string) error {
				return client().Call(method, map[string]any{"Target": args[0]}, nil)
			},
		}
	}
	return []*cobra.Command{
		signal("kill", "kill -9 a unit's etcd (the supervisor restarts it, within systemd's start limit)", "KILL"),
		signal("freeze", "SIGSTOP a unit's etcd", "STOP"),
		signal("thaw", "SIGCONT a frozen etcd", "CONT"),
		machine("reboot", "Reboot a machine: every process dies, snapd and enabled services come back, units run start", "reboot"),
		machine("poweroff", "Power a machine off for good: its processes die and its units run no more hooks", "poweroff"),
	}
}
