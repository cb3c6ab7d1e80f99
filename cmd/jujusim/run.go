package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

var keyRule = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// actionParams turns key.key=value args into nested params; values are
// YAML-parsed unless stringArgs (juju run's rules).
func actionParams(args []string, stringArgs bool) (map[string]any, error) {
	params := map[string]any{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("argument %q must be of the form key...=value", a)
		}
		keys := strings.Split(k, ".")
		for _, key := range keys {
			if !keyRule.MatchString(key) {
				return nil, fmt.Errorf("key %q must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens", key)
			}
		}
		var val any = v
		if !stringArgs {
			var parsed any
			if err := yaml.Unmarshal([]byte(v), &parsed); err == nil {
				val = jsonable(parsed)
			}
		}
		cur := params
		for i, key := range keys {
			if i == len(keys)-1 {
				cur[key] = val
				break
			}
			next, ok := cur[key].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[key] = next
			}
			cur = next
		}
	}
	return params, nil
}

// mergeParams copies src into dst, merging nested maps.
func mergeParams(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeParams(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// jsonable converts yaml.v2's map[interface{}]interface{} into JSON types.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[any]any:
		out := map[string]any{}
		for k, x := range t {
			out[fmt.Sprint(k)] = jsonable(x)
		}
		return out
	case []any:
		for i := range t {
			t[i] = jsonable(t[i])
		}
	}
	return v
}

func runCmd() *cobra.Command {
	var wait time.Duration
	var format string
	var background, stringArgs bool
	var paramsFile string
	cmd := &cobra.Command{
		Use:   "run UNIT [UNIT...] ACTION [key=value...]",
		Short: "Run an action on one or more units, like juju run",
		Args:  usage(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Juju 3: the leading arguments that are unit names are the
			// targets, the next one the action.
			n := 0
			for n < len(args)-1 && unitArg.MatchString(args[n]) {
				n++
			}
			if n == 0 {
				return usageError{fmt.Errorf("invalid unit or action name %q", args[0])}
			}
			units, action := args[:n], args[n]
			params, err := actionParams(args[n+1:], stringArgs)
			if err != nil {
				return err
			}
			if paramsFile != "" {
				// --params gives a YAML map; CLI args override it.
				data, err := os.ReadFile(paramsFile)
				if err != nil {
					return fmt.Errorf("cannot read params: %w", err)
				}
				var fromFile any
				if err := yaml.Unmarshal(data, &fromFile); err != nil {
					return fmt.Errorf("cannot parse params: %w", err)
				}
				base, ok := jsonable(fromFile).(map[string]any)
				if !ok && fromFile != nil {
					return fmt.Errorf("params file %s is not a YAML map", paramsFile)
				}
				if base == nil {
					base = map[string]any{}
				}
				mergeParams(base, params)
				params = base
			}
			if format != "plain" && format != "yaml" && format != "json" {
				return fmt.Errorf("invalid value %q for option --format: unknown format", format)
			}
			var op controller.OperationResult
			if err := client().Call("operation", controller.OperationArgs{Units: units, Action: action, Params: params}, &op); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			plural := "s"
			if len(op.Tasks) == 1 {
				plural = ""
			}
			fmt.Fprintf(stderr, "Running operation %d with %d task%s\n", op.Operation, len(op.Tasks), plural)
			for _, t := range op.Tasks {
				fmt.Fprintf(stderr, "  - task %d on %s\n", t.Task, model.UnitTag(t.Unit))
			}
			fmt.Fprintln(stderr)
			if background {
				for _, t := range op.Tasks {
					fmt.Fprintf(stderr, "Check the task status with: jujusim show-task %d\n", t.Task)
				}
				return nil
			}
			if len(op.Tasks) > 1 {
				for _, t := range op.Tasks {
					fmt.Fprintf(stderr, "Waiting for task %d...\n", t.Task)
				}
				tasks, err := waitTasks(op.Tasks, wait)
				if err != nil {
					return err
				}
				if err := printTasks(cmd.OutOrStdout(), tasks, format); err != nil {
					return err
				}
				return failedTasks(stderr, tasks)
			}
			rr := op.Tasks[0]
			fmt.Fprintf(stderr, "Waiting for task %d...\n", rr.Task)
			task, err := waitTask(rr.Task, wait, func(l model.ActionLog) {
				fmt.Fprintf(stderr, "%s %s\n", l.Time.Local().Format("15:04:05"), l.Message)
			})
			if err != nil {
				return err
			}
			if err := printTask(cmd.OutOrStdout(), task, format); err != nil {
				return err
			}
			return failedTasks(stderr, []model.Action{task})
		},
	}
	f := cmd.Flags()
	f.DurationVar(&wait, "wait", 0, "how long to wait for results (0: no limit, as Juju)")
	f.StringVar(&format, "format", "plain", "plain, yaml or json")
	f.BoolVar(&background, "background", false, "return without waiting")
	f.BoolVar(&stringArgs, "string-args", false, "do not YAML-parse values")
	f.StringVar(&paramsFile, "params", "", "YAML file of params (arguments override it)")
	return cmd
}

// unitArg is a unit name (app/N or app/leader), as run's targets are.
var unitArg = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/(?:[0-9]+|leader)$`)

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
