package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/controller"
)

// modelConfigCmd is `juju model-config` for the keys jujusim acts on
// (logging-config); any other key is refused.
func modelConfigCmd() *cobra.Command {
	var reset []string
	cmd := &cobra.Command{
		Use:   "model-config [key | key=value... | --reset key]",
		Short: "Show or set model configuration (logging-config), like juju model-config",
		RunE: func(cmd *cobra.Command, args []string) error {
			set := map[string]string{}
			var get []string
			for _, a := range args {
				if k, v, ok := strings.Cut(a, "="); ok {
					set[k] = v
				} else {
					get = append(get, a)
				}
			}
			if len(get) > 0 && (len(set) > 0 || len(reset) > 0) {
				return usageError{fmt.Errorf("cannot set and retrieve model values simultaneously")}
			}
			if len(get) > 1 {
				return usageError{fmt.Errorf("can only retrieve a single value, or all values")}
			}
			var res controller.ModelConfigResult
			if err := client().Call("model-config", map[string]any{"Set": set, "Reset": reset}, &res); err != nil {
				return err
			}
			if len(set) > 0 || len(reset) > 0 {
				return nil
			}
			w := cmd.OutOrStdout()
			if len(get) == 1 {
				v, ok := res.Values[get[0]]
				if !ok {
					return fmt.Errorf("key %q not found in %q model", get[0], "default")
				}
				fmt.Fprintln(w, v)
				return nil
			}
			keys := slices.Sorted(maps.Keys(res.Values))
			tw := tabwriter.NewWriter(w, 0, 1, 2, ' ', 0)
			fmt.Fprintln(tw, "Attribute\tFrom\tValue")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", k, res.Source[k], res.Values[k])
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringArrayVar(&reset, "reset", nil, "reset a key to its default (repeatable)")
	return cmd
}
