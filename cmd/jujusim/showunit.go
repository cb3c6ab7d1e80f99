package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/controller"
)

// show-unit UNIT...: Juju's layout (yaml by default), per unit its
// machine, ports, address, charm, leadership, life and relation data.
func showUnitCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show-unit UNIT...",
		Short: "Show units' details and relation data, like juju show-unit",
		Args:  usage(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "yaml" && format != "json" {
				return fmt.Errorf("invalid value %q for option --format: unknown format %q", format, format)
			}
			var doc yaml.MapSlice
			byName := map[string]controller.UnitInfo{}
			for _, name := range args {
				var info controller.UnitInfo
				if err := client().Call("show-unit", map[string]any{"Unit": name}, &info); err != nil {
					return err
				}
				doc = append(doc, yaml.MapItem{Key: name, Value: info})
				byName[name] = info
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(w, byName)
			}
			return writeYAML(w, doc)
		},
	}
	cmd.Flags().StringVar(&format, "format", "yaml", "yaml or json")
	return cmd
}
