package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/sim/controller"
	"github.com/etcd-charm/etcd-charm/sim/model"
	"github.com/etcd-charm/etcd-charm/sim/status"
)

func statusCmd() *cobra.Command {
	var format string
	var relations bool
	var watch time.Duration
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the model like juju status",
		Args:  usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if watch > 0 {
				return watchStatus(cmd, watch)
			}
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
				return writeYAML(w, st.Status)
			case "json":
				return writeJSON(w, st.Status)
			}
			return fmt.Errorf("invalid value %q for option --format: unknown format %q", format, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "tabular", "tabular, yaml or json")
	cmd.Flags().BoolVar(&relations, "relations", false, "show the integrations section")
	cmd.Flags().DurationVar(&watch, "watch", 0, "redraw the status every interval until interrupted")
	return cmd
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
	cmd := &cobra.Command{Use: "fault", Short: "Inject faults (partition/heal need netns isolation)"}
	cmd.AddCommand(faultProcessCmds()...)
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
