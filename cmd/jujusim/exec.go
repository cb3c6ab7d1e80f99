package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/controller"
)

// exec runs a command in hook context on units, as `juju exec`: targets
// by --unit (comma-separated, repeatable), --application, --machine (the
// unit on it: jujusim has one unit per machine) or --all; the
// older `exec UNIT -- CMD` form still works. One target prints the
// command's stdout and stderr and exits with its code; several print each
// task's results keyed by unit (Juju 3's layout) and fail if any failed.
func execCmd() *cobra.Command {
	var wait time.Duration
	var units, apps, machines []string
	var all bool
	var format string
	cmd := &cobra.Command{
		Use:   "exec [--unit U,...|--application A,...|--machine M,...|--all] -- COMMAND...",
		Short: "Run a command on units' machines in a hook context, like juju exec",
		Args:  usage(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			op := controller.OperationArgs{Units: splitList(units), Applications: splitList(apps), Machines: splitList(machines), All: all}
			targeted := len(op.Units) > 0 || len(op.Applications) > 0 || len(op.Machines) > 0
			if all && targeted {
				//lint:ignore ST1005 Juju's own text (juju/juju cmd/juju/action exec.go), byte for byte
				return usageError{fmt.Errorf("You cannot specify --all and individual units")}
			}
			if !targeted && !all {
				// The positional form: exec UNIT -- CMD.
				if len(args) < 2 || cmd.ArgsLenAtDash() == 0 {
					//lint:ignore ST1005 Juju's own text (juju/juju cmd/juju/action exec.go), byte for byte
					return usageError{fmt.Errorf("You must specify a target, either through --all, --machine, --application or --unit")}
				}
				op.Units, args = []string{args[0]}, args[1:]
			}
			if len(args) == 0 {
				return usageError{fmt.Errorf("no commands specified")}
			}
			op.Command = strings.Join(args, " ")
			var res controller.OperationResult
			if err := client().Call("operation", op, &res); err != nil {
				return err
			}
			if len(res.Tasks) == 1 && format == "plain" {
				t, err := waitTask(res.Tasks[0].Task, wait, nil)
				if err != nil {
					return err
				}
				if s, ok := t.Results["stdout"].(string); ok {
					fmt.Fprint(cmd.OutOrStdout(), s)
				}
				if s, ok := t.Results["stderr"].(string); ok {
					fmt.Fprint(cmd.ErrOrStderr(), s)
				}
				if code, _ := t.Results["return-code"].(float64); code != 0 {
					return exitError{int(code)}
				}
				return nil
			}
			tasks, err := waitTasks(res.Tasks, wait)
			if err != nil {
				return err
			}
			failed := false
			for _, t := range tasks {
				if code, _ := t.Results["return-code"].(float64); code != 0 {
					failed = true
				}
			}
			if err := printTasks(cmd.OutOrStdout(), tasks, format); err != nil {
				return err
			}
			if failed {
				return exitError{1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for the command")
	f.StringArrayVarP(&units, "unit", "u", nil, "units to run on (comma-separated, repeatable; app/leader for the leader)")
	f.StringArrayVarP(&apps, "application", "a", nil, "applications whose every unit runs the command (comma-separated)")
	f.StringArrayVar(&machines, "machine", nil, "machines to run on (comma-separated): the unit on each, in its hook context")
	f.BoolVar(&all, "all", false, "run on every unit of the model")
	f.StringVar(&format, "format", "plain", "plain, yaml or json")
	return cmd
}

// splitList flattens repeatable comma-separated flag values.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
