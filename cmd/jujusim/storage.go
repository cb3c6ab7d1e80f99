package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// add-storage UNIT name[=directive]: Juju's form; the directive is
// [pool,][size,][count] (count 1 when not given).
func addStorageCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add-storage UNIT NAME[=[POOL,][SIZE,][COUNT]]",
		Short: "Add storage instances to a unit (its agent runs storage-attached)",
		Args:  usage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, directive, _ := strings.Cut(args[1], "=")
			var ids []string
			if err := client().Call("add-storage", map[string]any{"Unit": args[0], "Name": name, "Directive": directive}, &ids); err != nil {
				return err
			}
			for _, id := range ids {
				fmt.Fprintf(cmd.ErrOrStderr(), "added storage %s to %s\n", id, args[0])
			}
			return nil
		},
	}
}
