package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/controller"
)

// keyValues parses key=value arguments (juju's form); a repeated key is an
// error.
func keyValues(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("expected \"key=value\", got %q", a)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q specified more than once", k)
		}
		out[k] = v
	}
	return out, nil
}

func deployCmd() *cobra.Command {
	var n int
	var config, resources, storage []string
	var constraints string
	cmd := &cobra.Command{
		Use:   "deploy CHARM [APP]",
		Short: "Deploy a charm directory or .charm archive",
		Args:  usage(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := keyValues(config)
			if err != nil {
				return err
			}
			res, err := keyValues(resources)
			if err != nil {
				return err
			}
			st, err := keyValues(storage)
			if err != nil {
				return err
			}
			d := controller.DeployArgs{Charm: args[0], NumUnits: n, Config: cfg, Resources: res, Storage: st, Constraints: constraints}
			if len(args) == 2 {
				d.App = args[1]
			}
			if err := client().Call("deploy", d, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Deployed %s with %d unit(s)\n", args[0], n)
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "num-units", "n", 1, "number of units")
	cmd.Flags().StringArrayVar(&config, "config", nil, "key=value config (repeatable)")
	cmd.Flags().StringArrayVar(&resources, "resource", nil, "name=path resource (repeatable)")
	cmd.Flags().StringArrayVar(&storage, "storage", nil, "name=[pool,][size,][count] storage directive (repeatable)")
	cmd.Flags().StringVar(&constraints, "constraints", "", `machine constraints, e.g. "arch=arm64" (only arch has an effect)`)
	return cmd
}

func addUnitCmd() *cobra.Command {
	var n int
	var constraints string
	cmd := &cobra.Command{
		Use: "add-unit APP", Short: "Add units to an application", Args: usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("add-unit", map[string]any{"App": args[0], "N": n, "Constraints": constraints}, nil)
		},
	}
	cmd.Flags().IntVarP(&n, "num-units", "n", 1, "number of units")
	cmd.Flags().StringVar(&constraints, "constraints", "", `constraints of the new machines, e.g. "arch=arm64" (default: the application's)`)
	return cmd
}

func removeUnitCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "remove-unit UNIT...", Short: "Remove units", Args: usage(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("remove-unit", map[string]any{"Units": args, "Force": force}, nil)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove at once, without teardown hooks (e.g. a unit stuck in error)")
	return cmd
}

func removeAppCmd() *cobra.Command {
	return &cobra.Command{
		Use: "remove-application APP", Short: "Remove an application", Args: usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("remove-application", map[string]any{"App": args[0]}, nil)
		},
	}
}

func integrateCmd() *cobra.Command {
	return &cobra.Command{
		Use: "integrate APP[:ENDPOINT] APP[:ENDPOINT]", Aliases: []string{"relate"},
		Short: "Integrate two applications", Args: usage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("integrate", map[string]any{"A": args[0], "B": args[1]}, nil)
		},
	}
}

func removeRelationCmd() *cobra.Command {
	return &cobra.Command{
		Use: "remove-relation APP[:ENDPOINT] APP[:ENDPOINT]", Short: "Remove a relation", Args: usage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("remove-relation", map[string]any{"A": args[0], "B": args[1]}, nil)
		},
	}
}

func configCmd() *cobra.Command {
	var reset []string
	cmd := &cobra.Command{
		Use: "config APP [KEY | KEY=VALUE...]", Short: "Get or set application config", Args: usage(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var get string
			var sets []string
			for _, a := range args[1:] {
				if strings.Contains(a, "=") {
					sets = append(sets, a)
				} else {
					get = a
				}
			}
			if get != "" && len(sets) > 0 {
				return fmt.Errorf("cannot get and set config in one command")
			}
			if len(args) > 2 && get != "" {
				return fmt.Errorf("can only retrieve a single value, or all values")
			}
			set, err := keyValues(sets)
			if err != nil {
				return err
			}
			var res controller.ConfigResult
			if err := client().Call("config", map[string]any{"App": args[0], "Set": set, "Reset": reset}, &res); err != nil {
				return err
			}
			if len(set) > 0 || len(reset) > 0 {
				return nil
			}
			if get != "" {
				v, ok := res.Values[get]
				if !ok {
					return fmt.Errorf("key %q not found in %q application config or charm settings", get, args[0])
				}
				if v != nil {
					fmt.Fprintln(cmd.OutOrStdout(), v)
				}
				return nil
			}
			keys := slices.Sorted(maps.Keys(res.Values))
			settings := yaml.MapSlice{}
			for _, k := range keys {
				settings = append(settings, yaml.MapItem{Key: k, Value: res.Options[k]})
			}
			return writeYAML(cmd.OutOrStdout(), yaml.MapSlice{{Key: "application", Value: args[0]}, {Key: "settings", Value: settings}})
		},
	}
	cmd.Flags().StringSliceVar(&reset, "reset", nil, "options to reset to their defaults (comma-separated)")
	return cmd
}

func attachResourceCmd() *cobra.Command {
	return &cobra.Command{
		Use: "attach-resource APP NAME=PATH", Short: "Upload a resource revision", Args: usage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			kv, err := keyValues(args[1:])
			if err != nil {
				return err
			}
			for name, path := range kv {
				if err := client().Call("attach-resource", map[string]any{"App": args[0], "Name": name, "Path": path}, nil); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func refreshCmd() *cobra.Command {
	var path string
	var resources []string
	cmd := &cobra.Command{
		Use: "refresh APP --path CHARM", Short: "Upgrade an application's charm (with Juju's compatibility checks)", Args: usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" {
				return fmt.Errorf("--path is required (jujusim has no charm store)")
			}
			res, err := keyValues(resources)
			if err != nil {
				return err
			}
			return client().Call("refresh", controller.RefreshArgs{App: args[0], Path: path, Resources: res}, nil)
		},
	}
	cmd.Flags().StringVar(&path, "path", "", "the new charm directory or archive")
	cmd.Flags().StringArrayVar(&resources, "resource", nil, "name=path resource to upload with the new charm (repeatable)")
	return cmd
}
