package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

// Juju's default queries (cmd/juju/waitfor application.go, unit.go).
var defaultQueries = map[string]string{
	"application": `life=="alive" && status=="active"`,
	"unit":        `life=="alive" && workload-status=="active"`,
}

// wait-for has Juju's forms, `wait-for application NAME [--query Q]` and
// `wait-for unit NAME [--query Q]`, which print each change of what they
// watch and fail at once when a watched unit goes to error or blocked
// (unless the query names that status); and jujusim's short form,
// `wait-for [--workload S]`: the whole model settled, every agent idle.
func waitForCmd() *cobra.Command {
	var timeout time.Duration
	var workload, query string
	cmd := &cobra.Command{
		Use:   "wait-for [application|unit NAME [--query Q]]",
		Short: "Wait until an application or unit matches a query (or the model settles)",
		Args:  usage(cobra.MaximumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return waitModel(timeout, workload)
			}
			if len(args) != 2 || defaultQueries[args[0]] == "" {
				return usageError{fmt.Errorf("wait-for wants application NAME or unit NAME (model waits are the short form, no arguments)")}
			}
			if query == "" {
				query = defaultQueries[args[0]]
			}
			q, err := parseQuery(query)
			if err != nil {
				return err
			}
			return waitEntity(cmd.OutOrStdout(), args[0], args[1], query, q, timeout)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long")
	cmd.Flags().StringVar(&workload, "workload", "", "short form: wanted workload status of every unit (e.g. active)")
	cmd.Flags().StringVar(&query, "query", "", `condition to wait for, e.g. 'status=="active"' (default Juju's)`)
	return cmd
}

// waitEntity polls until q holds for the application or unit, printing
// each state change.
func waitEntity(w io.Writer, kind, name, query string, q qnode, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		var ws controller.WaitState
		if err := client().Call("wait-state", nil, &ws); err != nil {
			return err
		}
		scope, units := entityScope(ws, kind, name)
		if line := describeEntity(kind, name, scope); line != last {
			fmt.Fprintf(w, "%s %s\n", time.Now().Format("15:04:05"), line)
			last = line
		}
		ok, err := matchQuery(q, scope)
		if err != nil {
			return err
		}
		if ok {
			fmt.Fprintf(w, "%s %q matched %s\n", kind, name, query)
			return nil
		}
		for _, u := range units {
			st, _ := u["workload-status"].(string)
			if (st == "error" || st == "blocked") && !strings.Contains(query, st) {
				what := st
				if st == "error" {
					what = "in error"
				}
				return fmt.Errorf("unit %q is %s: %s", u["name"], what, u["workload-message"])
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %q to reach goal state", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// entityScope is the query scope of an application (with its units) or a
// unit; one not in the model is dead.
func entityScope(ws controller.WaitState, kind, name string) (map[string]any, []map[string]any) {
	life := func(n string) string {
		if l, ok := ws.Life[n]; ok {
			return l
		}
		return "dead"
	}
	unitScope := func(app, n string, u status.Unit) map[string]any {
		return map[string]any{
			"name": n, "application": app, "life": life(n),
			"workload-status": u.WorkloadStatus.Current, "workload-message": u.WorkloadStatus.Message,
			"agent-status": u.JujuStatus.Current, "agent-message": u.JujuStatus.Message,
			"machine-id": u.Machine, "public-address": u.PublicAddress, "leader": u.Leader,
		}
	}
	if kind == "unit" {
		app, _, _ := strings.Cut(name, "/")
		u, ok := ws.Status.Status.Applications[app].Units[name]
		if !ok {
			return map[string]any{"name": name, "application": app, "life": "dead", "workload-status": "", "workload-message": "",
				"agent-status": "", "agent-message": "", "machine-id": "", "public-address": "", "leader": false}, nil
		}
		s := unitScope(app, name, u)
		return s, []map[string]any{s}
	}
	a, ok := ws.Status.Status.Applications[name]
	var units []map[string]any
	names := slices.Sorted(maps.Keys(a.Units))
	for _, n := range names {
		units = append(units, unitScope(name, n, a.Units[n]))
	}
	scope := map[string]any{
		"name": name, "life": life(name), "status": a.Status.Current, "status-message": a.Status.Message,
		"charm": a.Charm, "charm-name": a.CharmName, "charm-rev": a.CharmRev, "exposed": a.Exposed,
		"workload-version": a.Version, "units": units,
	}
	if !ok {
		scope["life"] = "dead"
	}
	return scope, units
}

// describeEntity is the line printed when what wait-for watches changes.
func describeEntity(kind, name string, scope map[string]any) string {
	unit := func(u map[string]any) string {
		s := fmt.Sprintf("%s %s/%s", u["name"], u["workload-status"], u["agent-status"])
		if m, _ := u["workload-message"].(string); m != "" {
			s += fmt.Sprintf(" %q", m)
		}
		return s
	}
	if kind == "unit" {
		return fmt.Sprintf("unit %s (%s)", unit(scope), scope["life"])
	}
	s := fmt.Sprintf("application %s %s (%s)", name, scope["status"], scope["life"])
	if m, _ := scope["status-message"].(string); m != "" {
		s += fmt.Sprintf(" %q", m)
	}
	units, _ := scope["units"].([]map[string]any)
	for _, u := range units {
		s += "; " + unit(u)
	}
	return s
}

// waitModel is the short form: the model settled with every agent idle
// (and every workload as wanted).
func waitModel(timeout time.Duration, workload string) error {
	deadline := time.Now().Add(timeout)
	for {
		var st controller.StatusResult
		if err := client().Call("status", nil, &st); err != nil {
			return err
		}
		last := notReady(st, workload)
		if last == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for the model: %s", timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// notReady explains why the model has not reached the wanted state ("" if
// it has): it must have settled (no unit has anything to run), no unit may
// be in error and every unit's agent must be idle.
func notReady(st controller.StatusResult, workload string) string {
	if len(st.Errors) > 0 {
		return st.Errors[0]
	}
	if !st.Settled {
		return "hooks still running"
	}
	for _, a := range st.Status.Applications {
		for name, u := range a.Units {
			if u.JujuStatus.Current != "idle" {
				return name + " agent is " + u.JujuStatus.Current
			}
			if workload != "" && u.WorkloadStatus.Current != workload {
				return fmt.Sprintf("%s workload is %s, want %s", name, u.WorkloadStatus.Current, workload)
			}
		}
	}
	return ""
}
