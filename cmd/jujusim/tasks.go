package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/model"
)

// Tasks as run, exec and show-task see them: waiting for them to finish and
// printing their results in Juju's layouts.

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

// hiddenResults are the result keys Juju sets itself (the command's
// output), which plain output prints as text instead.
var hiddenResults = map[string]bool{"return-code": true, "stdout": true, "stderr": true, "stdout-encoding": true, "stderr-encoding": true}

// printTask prints one task's results as show-task and run do.
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
		return writeYAML(w, yaml.MapSlice{{Key: t.Unit, Value: entry}})
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
	return writeJSON(w, map[string]any{t.Unit: m})
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
		return writeJSON(w, all)
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
	return writeYAML(w, doc)
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
