package main

import (
	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/model"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

func showStatusLogCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show-status-log UNIT",
		Short: "Show a unit's workload and agent status history",
		Args:  usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var hist []model.StatusInfo
			if err := client().Call("status-history", map[string]any{"Unit": args[0]}, &hist); err != nil {
				return err
			}
			return status.WriteHistory(cmd.OutOrStdout(), hist)
		},
	}
}
