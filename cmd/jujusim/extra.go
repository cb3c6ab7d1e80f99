package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/model"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

func resolvedCmd() *cobra.Command {
	var noRetry bool
	cmd := &cobra.Command{
		Use:   "resolved UNIT",
		Short: "Retry a unit's failed hook now (or skip it with --no-retry)",
		Args:  usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("resolved", map[string]any{"Unit": args[0], "NoRetry": noRetry}, nil)
		},
	}
	cmd.Flags().BoolVar(&noRetry, "no-retry", false, "mark the hook done without running it (its changes are lost)")
	return cmd
}

func showTaskCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show-task ID",
		Short: "Show an action's results",
		Args:  usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.Atoi(args[0])
			if err != nil {
				return usageError{fmt.Errorf("invalid task id %q", args[0])}
			}
			var t model.Action
			if err := client().Call("task", map[string]any{"ID": id}, &t); err != nil {
				return err
			}
			return printTask(cmd.OutOrStdout(), t, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "yaml", "plain, yaml or json")
	return cmd
}

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
