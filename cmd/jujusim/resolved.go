package main

import (
	"github.com/spf13/cobra"
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
