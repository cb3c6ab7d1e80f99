package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/model"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

func statusCmd() *cobra.Command {
	var format string
	var relations bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the model like juju status",
		Args:  usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var st controller.StatusResult
			if err := client().Call("status", nil, &st); err != nil {
				return err
			}
			st.Status.RelationRows = st.Rows
			w := cmd.OutOrStdout()
			switch format {
			case "tabular":
				return status.WriteTabular(w, st.Status, relations)
			case "yaml":
				out, err := yaml.Marshal(st.Status)
				if err != nil {
					return err
				}
				_, err = w.Write(out)
				return err
			case "json":
				out, err := json.Marshal(st.Status)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(w, string(out))
				return err
			}
			return fmt.Errorf("invalid value %q for option --format: unknown format %q", format, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "tabular", "tabular, yaml or json")
	cmd.Flags().BoolVar(&relations, "relations", false, "show the integrations section")
	return cmd
}

func waitForCmd() *cobra.Command {
	var timeout time.Duration
	var workload string
	cmd := &cobra.Command{
		Use:   "wait-for",
		Short: "Wait until every unit is idle (with the wanted workload status)",
		Args:  usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			deadline := time.Now().Add(timeout)
			var last string
			for {
				var st controller.StatusResult
				if err := client().Call("status", nil, &st); err != nil {
					return err
				}
				last = notReady(st, workload)
				if last == "" {
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("timed out after %s waiting for the model: %s", timeout, last)
				}
				time.Sleep(100 * time.Millisecond)
			}
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long")
	cmd.Flags().StringVar(&workload, "workload", "", "wanted workload status of every unit (e.g. active)")
	return cmd
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

func debugLogCmd() *cobra.Command {
	var replay, noTail bool
	var include []string
	var lines int
	var level string
	cmd := &cobra.Command{
		Use:   "debug-log",
		Short: "Show the hooks' logs (juju-log; hook output at DEBUG), as the model's logging-config lets them in",
		Args:  usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			minRank := 0
			if level != "" {
				r, ok := controller.LevelRank(level)
				if !ok {
					return usageError{fmt.Errorf("level value %q is not one of %q, %q, %q, %q, %q", level, "TRACE", "DEBUG", "INFO", "WARNING", "ERROR")}
				}
				minRank = r
			}
			f, err := os.Open(filepath.Join(home(), controller.DebugLog))
			if err != nil {
				return fmt.Errorf("cannot read the debug log: %w", err)
			}
			defer f.Close()
			match := func(line string) bool {
				if minRank > 0 && lineRank(line) < minRank {
					return false
				}
				if len(include) == 0 {
					return true
				}
				entity, _, _ := strings.Cut(line, ":")
				for _, inc := range include {
					if entity == inc || entity == model.UnitTag(inc) || strings.HasPrefix(entity, "unit-"+inc+"-") {
						return true
					}
				}
				return false
			}
			r := bufio.NewReader(f)
			var backlog []string
			for {
				line, err := r.ReadString('\n')
				if line != "" && strings.HasSuffix(line, "\n") && match(line) {
					backlog = append(backlog, line)
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
			}
			if !replay && len(backlog) > lines {
				backlog = backlog[len(backlog)-lines:]
			}
			w := cmd.OutOrStdout()
			for _, l := range backlog {
				fmt.Fprint(w, l)
			}
			if noTail {
				return nil
			}
			partial := ""
			for {
				line, err := r.ReadString('\n')
				partial += line
				if err == io.EOF {
					time.Sleep(200 * time.Millisecond)
					continue
				}
				if err != nil {
					return err
				}
				if match(partial) {
					fmt.Fprint(w, partial)
				}
				partial = ""
			}
		},
	}
	f := cmd.Flags()
	f.BoolVar(&replay, "replay", false, "show the whole log, not just the last lines")
	f.BoolVar(&noTail, "no-tail", false, "stop at the end of the log")
	f.StringArrayVar(&include, "include", nil, "only these units or applications (repeatable)")
	f.IntVarP(&lines, "lines", "n", 10, "lines shown without --replay")
	f.StringVarP(&level, "level", "l", "", "show only lines at this level or above (TRACE, DEBUG, INFO, WARNING, ERROR)")
	return cmd
}

// lineRank is the level of a debug-log line
// ("unit-etcd-0: 15:04:05 INFO unit.etcd/0.juju-log ...").
func lineRank(line string) int {
	fields := strings.SplitN(line, " ", 4)
	if len(fields) < 3 {
		return 0
	}
	r, _ := controller.LevelRank(fields[2])
	return r
}

func faultCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "fault", Short: "Inject faults (netns isolation only)"}
	cmd.AddCommand(&cobra.Command{
		Use: "partition UNIT", Short: "Cut a unit's machine off the network", Args: usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("fault", map[string]any{"Unit": args[0], "Cut": true}, nil)
		},
	}, &cobra.Command{
		Use: "heal UNIT", Short: "Reconnect a partitioned unit", Args: usage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return client().Call("fault", map[string]any{"Unit": args[0], "Cut": false}, nil)
		},
	})
	return cmd
}
