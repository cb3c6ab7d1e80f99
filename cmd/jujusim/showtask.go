package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/model"
)

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
