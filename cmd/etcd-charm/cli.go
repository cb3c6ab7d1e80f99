package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/actions"
	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/hooks"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/juju"
	"github.com/etcd-charm/etcd-charm/internal/snap"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Main runs the charm and returns the process exit code. Invoked as
// dispatch (or with JUJU_DISPATCH_PATH set and no arguments) it handles the
// event Juju's environment names; otherwise it is a small CLI for
// debugging: `etcd-charm hook NAME`, `etcd-charm action NAME`, `version`.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// Juju runs dispatch without arguments; `dispatch check-alarms` is
	// nrpe running a check.
	if len(args) == 1 && (filepath.Base(args[0]) == "dispatch" || getenv("JUJU_DISPATCH_PATH") != "") {
		return dispatch(ctx, getenv, stdout, stderr)
	}
	code := 0
	root := &cobra.Command{
		Use:           "etcd-charm",
		Short:         "The etcd charm; Juju runs it as dispatch",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args[1:])
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(checkCommands(ctx, getenv, stdout, &code)...)
	root.AddCommand(
		eventCommand("hook", "hooks", "Run the handler of hook NAME with the current JUJU_* environment", ctx, getenv, stdout, stderr, &code),
		eventCommand("action", "actions", "Run action NAME with the current JUJU_* environment", ctx, getenv, stdout, stderr, &code),
		&cobra.Command{
			Use:   "version",
			Short: "Print the charm's version",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				fmt.Fprintf(cmd.OutOrStdout(), "etcd-charm %s (%s)\n", version, goVersion())
				return nil
			},
		},
	)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 2
	}
	return code
}

// eventCommand runs one hook or action by name, as if Juju had dispatched
// it: handy under `juju exec` or `juju debug-hooks`.
func eventCommand(use, dir, short string, ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   use + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path := dir + "/" + args[0]
			env := func(k string) string {
				if k == "JUJU_DISPATCH_PATH" {
					return path
				}
				return getenv(k)
			}
			*code = dispatch(ctx, env, stdout, stderr)
			return nil
		},
	}
}

// dispatch is the composition root: it builds the real adapters and runs
// the handler of the event Juju named.
func dispatch(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	ev, err := juju.ParseEvent(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "ERROR", err)
		return juju.ExitError
	}
	tools := juju.NewExecTools()
	paths := charm.PathsFromEnv(getenv)
	snapd := snap.New(paths.SnapdSocket())
	var h juju.Handler
	switch ev.Kind {
	case juju.ActionKind:
		h = actions.Handler(actions.Deps{Tools: tools, Paths: paths, Snap: snapd, Dial: etcd.Dial, Log: stdout})
	default:
		h = hooks.Handler(hooks.Deps{Tools: tools, Paths: paths, Snap: snapd, Dial: etcd.Dial, Log: stdout})
	}
	return juju.Run(ctx, ev, tools, h, stderr)
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return "unknown Go"
}
