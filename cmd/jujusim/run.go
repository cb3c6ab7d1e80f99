package main

import (
	"encoding/json"
	"fmt"
	"io"
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

// failedTasks reports the tasks whose command returned non-zero as Juju
// does, and fails the command.
func failedTasks(stderr io.Writer, tasks []model.Action) error {
	var failed []string
	for _, t := range tasks {
		if code, _ := t.Results["return-code"].(float64); code >= 1 {
			failed = append(failed, fmt.Sprintf(" - id %q with return code %d", fmt.Sprint(t.ID), int(code)))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	plural := "task"
	if len(failed) > 1 {
		plural = "tasks"
	}
	fmt.Fprintf(stderr, "ERROR the following %s failed:\n%s\n\nuse 'juju show-task' to inspect the failure\n", plural, strings.Join(failed, "\n"))
	return exitError{1}
}

// waitTask polls a task until it finished (wait 0: no limit), streaming
// new log messages.
func waitTask(id int, wait time.Duration, onLog func(model.ActionLog)) (model.Action, error) {
	deadline := time.Now().Add(wait)
	seen := 0
	for {
		var t model.Action
		if err := client().Call("task", map[string]any{"ID": id}, &t); err != nil {
			return t, err
		}
		for ; seen < len(t.Log); seen++ {
			if onLog != nil {
				onLog(t.Log[seen])
			}
		}
		if t.Status == "completed" || t.Status == "failed" {
			return t, nil
		}
		if wait > 0 && time.Now().After(deadline) {
			return t, fmt.Errorf("timed out waiting for results from: unit %s", t.Unit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var hiddenResults = map[string]bool{"return-code": true, "stdout": true, "stderr": true, "stdout-encoding": true, "stderr-encoding": true}

func printTask(w io.Writer, t model.Action, format string) error {
	switch format {
	case "plain":
		if t.Status == "failed" {
			fmt.Fprintf(w, "Action id %d failed: %s\n", t.ID, t.Message)
		}
		shown := map[string]any{}
		for k, v := range t.Results {
			if !hiddenResults[k] {
				shown[k] = v
			}
		}
		if len(shown) > 0 {
			out, err := yaml.Marshal(shown)
			if err != nil {
				return err
			}
			w.Write(out)
		}
		for _, k := range []string{"stdout", "stderr"} {
			if s, ok := t.Results[k].(string); ok {
				if s = strings.Trim(s, "\n"); s != "" {
					fmt.Fprintln(w, s)
				}
			}
		}
		return nil
	}
	entry := yaml.MapSlice{{Key: "id", Value: fmt.Sprint(t.ID)}}
	if len(t.Log) > 0 {
		var logs []string
		for _, l := range t.Log {
			logs = append(logs, l.Time.UTC().Format("2006-01-02 15:04:05 +0000 UTC")+" "+l.Message)
		}
		entry = append(entry, yaml.MapItem{Key: "log", Value: logs})
	}
	if t.Message != "" {
		entry = append(entry, yaml.MapItem{Key: "message", Value: t.Message})
	}
	results := map[string]any{}
	for k, v := range t.Results {
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			v = int64(f)
		}
		results[k] = v
	}
	ts := func(x time.Time) string { return x.UTC().Format("2006-01-02 15:04:05 +0000 UTC") }
	entry = append(entry,
		yaml.MapItem{Key: "results", Value: results},
		yaml.MapItem{Key: "status", Value: t.Status},
		yaml.MapItem{Key: "timing", Value: yaml.MapSlice{{Key: "completed", Value: ts(t.Completed)}, {Key: "enqueued", Value: ts(t.Enqueued)}, {Key: "started", Value: ts(t.Started)}}},
		yaml.MapItem{Key: "unit", Value: t.Unit},
	)
	if format == "yaml" {
		out, err := yaml.Marshal(yaml.MapSlice{{Key: t.Unit, Value: entry}})
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	m := map[string]any{}
	for _, it := range entry {
		if ms, ok := it.Value.(yaml.MapSlice); ok {
			sub := map[string]any{}
			for _, x := range ms {
				sub[fmt.Sprint(x.Key)] = x.Value
			}
			m[fmt.Sprint(it.Key)] = sub
			continue
		}
		m[fmt.Sprint(it.Key)] = it.Value
	}
	out, err := json.Marshal(map[string]any{t.Unit: m})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(out))
	return err
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
