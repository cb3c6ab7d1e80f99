package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/model"
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
				return usageError{fmt.Errorf("You cannot specify --all and individual units")}
			}
			if !targeted && !all {
				// The positional form: exec UNIT -- CMD.
				if len(args) < 2 || cmd.ArgsLenAtDash() == 0 {
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

// waitTasks waits for every task (wait 0: no limit), in order.
func waitTasks(refs []controller.TaskRef, wait time.Duration) ([]model.Action, error) {
	var out []model.Action
	for _, r := range refs {
		t, err := waitTask(r.Task, wait, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// printTasks prints several tasks' results keyed by unit: yaml for plain
// and yaml (what Juju prints for more than one task), one json object for
// json.
func printTasks(w io.Writer, tasks []model.Action, format string) error {
	if format == "json" {
		// One object keyed by unit, each entry as show-task's.
		all := map[string]json.RawMessage{}
		for _, t := range tasks {
			var buf bytes.Buffer
			if err := printTask(&buf, t, "json"); err != nil {
				return err
			}
			var one map[string]json.RawMessage
			if err := json.Unmarshal(buf.Bytes(), &one); err != nil {
				return err
			}
			for k, v := range one {
				all[k] = v
			}
		}
		out, err := json.Marshal(all)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(out))
		return err
	}
	var doc yaml.MapSlice
	for _, t := range tasks {
		results := yaml.MapSlice{}
		code := 0
		if c, ok := t.Results["return-code"].(float64); ok {
			code = int(c)
		}
		results = append(results, yaml.MapItem{Key: "return-code", Value: code})
		for _, k := range []string{"stdout", "stderr"} {
			if s, ok := t.Results[k].(string); ok && s != "" {
				results = append(results, yaml.MapItem{Key: k, Value: s})
			}
		}
		for _, k := range sortedResultKeys(t.Results) {
			results = append(results, yaml.MapItem{Key: k, Value: t.Results[k]})
		}
		entry := yaml.MapSlice{
			{Key: "id", Value: fmt.Sprint(t.ID)},
		}
		if t.Message != "" {
			entry = append(entry, yaml.MapItem{Key: "message", Value: t.Message})
		}
		entry = append(entry,
			yaml.MapItem{Key: "results", Value: results},
			yaml.MapItem{Key: "status", Value: t.Status},
			yaml.MapItem{Key: "unit", Value: t.Unit},
		)
		doc = append(doc, yaml.MapItem{Key: t.Unit, Value: entry})
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// sortedResultKeys are an action's own result keys (not Juju's).
func sortedResultKeys(r map[string]any) []string {
	var keys []string
	for k := range r {
		if !hiddenResults[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
