package snapd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Command is `snapd`: one machine's fake snapd in the foreground until
// SIGTERM or SIGINT, stopping its services on the way out. jujusim mounts it
// as a hidden subcommand and starts one per machine (inside the machine's
// network namespace, which the services then share).
func Command() *cobra.Command {
	var cfg Config
	var maintenance string
	cmd := &cobra.Command{
		Use:   "snapd --root DIR [--bins DIR | --catalogue FILE]",
		Short: "Run a machine's fake snapd on DIR/run/snapd.socket",
		Long: `Run jujusim's fake snapd for one machine: snapd's REST API on
<root>/run/snapd.socket, a store serving the real etcd releases in --bins
(or the channels of --catalogue), and snap services supervised like
systemd units. Runs until SIGTERM; services stop with it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Root == "" {
				return fmt.Errorf("cannot run snapd: --root is required")
			}
			if cfg.Bins == "" {
				cfg.Bins = os.Getenv("ETCD_BINS")
			}
			if cfg.Bins == "" && cfg.CatalogueFile == "" {
				return fmt.Errorf("cannot run snapd: give --bins (or set ETCD_BINS) or --catalogue")
			}
			if maintenance != "" && maintenance != maintenanceDaemonRestart && maintenance != maintenanceSystemRestart {
				return fmt.Errorf("cannot run snapd: --maintenance must be %q or %q", maintenanceDaemonRestart, maintenanceSystemRestart)
			}
			cfg.Faults.Maintenance = maintenance
			d, err := New(cfg)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			fmt.Fprintf(cmd.ErrOrStderr(), "snapd: listening on %s\n", SocketPath(cfg.Root))
			return d.Serve(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Root, "root", "", "machine root (SNAPPY_GLOBAL_ROOT); the socket is ROOT/run/snapd.socket")
	f.StringVar(&cfg.Bins, "bins", "", "etcd binaries from make etcd-bins (default $ETCD_BINS)")
	f.StringVar(&cfg.CatalogueFile, "catalogue", "", "store catalogue YAML (default: derived from --bins); re-read when it changes")
	f.DurationVar(&cfg.RestartDelay, "restart-delay", 500*time.Millisecond, "RestartSec of snap services")
	f.DurationVar(&cfg.StopTimeout, "stop-timeout", 10*time.Second, "SIGKILL a stopping service after this long")
	f.IntVar(&cfg.MinPolls, "min-polls", 2, "polls a finished change still shows Doing")
	f.DurationVar(&cfg.Settle, "settle", 300*time.Millisecond, "after this long a finished change shows its status without polls")
	f.DurationVar(&cfg.ChangeDelay, "change-delay", 0, "delay before every change runs (a slow store)")
	f.StringVar(&cfg.Faults.FailNext, "fail-next", "", "make the next change fail with this error")
	f.BoolVar(&cfg.Faults.ConflictNext, "conflict-next", false, "answer the next change request with snap-change-conflict")
	f.DurationVar(&cfg.Faults.SlowNext, "slow-next", 0, "delay the next change by this long")
	f.StringVar(&maintenance, "maintenance", "", "report maintenance: daemon-restart or system-restart")
	return cmd
}

// Run runs a daemon until ctx is done; a convenience for in-process use.
func Run(ctx context.Context, cfg Config) error {
	d, err := New(cfg)
	if err != nil {
		return err
	}
	return d.Serve(ctx)
}
