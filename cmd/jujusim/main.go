// Command jujusim is a local Juju model that runs real charms the way
// Juju's unit agent does. `jujusim bootstrap` starts the controller daemon
// (state under $JUJUSIM_HOME, default ~/.local/share/jujusim); the other
// commands mirror juju's CLI.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/internal/etcdbins"
	"github.com/etcd-charm/etcd-charm/sim/controller"
)

func main() {
	if code, ok := machineTool(); ok {
		os.Exit(code)
	}
	root := rootCmd()
	if err := root.Execute(); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "ERROR", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2) // juju/cmd: bad flags or arguments exit 2
		}
		os.Exit(1)
	}
}

// usageError is a bad flag or argument count (exit 2, like juju/cmd).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// usage marks an argument validator's errors as usage errors.
func usage(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return "exit " + strconv.Itoa(e.code) }

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "jujusim",
		Short:         "A local Juju model that runs real charms",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(bootstrapCmd(), controllerCmd(), destroyCmd(),
		deployCmd(), addUnitCmd(), removeUnitCmd(), removeAppCmd(), integrateCmd(), removeRelationCmd(),
		configCmd(), attachResourceCmd(), refreshCmd(), runCmd(), execCmd(), statusCmd(), waitForCmd(),
		debugLogCmd(), scpCmd(), faultCmd(), resolvedCmd(), showTaskCmd(), showStatusLogCmd(),
		modelConfigCmd(), addStorageCmd(), showUnitCmd())
	addExtraCommands(root)
	addModelFlag(root)
	return root
}

// addExtraCommands is extended by optional files (e.g. the snapd mount).
var addExtraCommands = func(*cobra.Command) {}

// home is the selected model's home (see models.go).
func home() string {
	h, err := modelHome(baseHome(), selectedModel())
	if err != nil {
		return baseHome() // refused before any command runs
	}
	return h
}

func client() *controller.Client { return controller.NewClient(home()) }

func bootstrapCmd() *cobra.Command {
	var seed int64
	var isolation, subnet, jujucBin string
	var updateStatus, retry time.Duration
	var noSnapd, oldSnapd bool
	var snapdBins string
	var concurrency int
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Start the controller in the background",
		Args:  usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := home()
			var st controller.StatusResult
			if err := client().Call("status", nil, &st); err == nil {
				return fmt.Errorf("a controller is already running in %s", h)
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			if jujucBin == "" {
				jujucBin = filepath.Join(filepath.Dir(self), "jujuc")
			}
			if _, err := os.Stat(jujucBin); err != nil {
				return fmt.Errorf("cannot find the hook-tool binary %s (build it with make sim or pass --jujuc)", jujucBin)
			}
			if !cmd.Flags().Changed("seed") {
				seed = time.Now().UnixNano() % 1000000
			}
			if isolation == "netns" && os.Geteuid() != 0 {
				return fmt.Errorf("--isolation=netns needs root")
			}
			if err := os.MkdirAll(h, 0o755); err != nil {
				return fmt.Errorf("cannot create %s: %w", h, err)
			}
			args := []string{"controller", "--home", h, "--seed", strconv.FormatInt(seed, 10),
				"--isolation", isolation, "--jujuc", jujucBin,
				"--update-status-interval", updateStatus.String(), "--retry-backoff", retry.String(),
				"--concurrency", strconv.Itoa(concurrency)}
			if subnet != "" {
				args = append(args, "--subnet", subnet)
			}
			// Every Juju machine has snapd: so does every jujusim machine
			// unless --no-snapd (--snapd, the old opt-in, is a no-op;
			// --snapd=false means --no-snapd).
			if cmd.Flags().Changed("snapd") && !oldSnapd {
				noSnapd = true
			}
			if !noSnapd {
				if snapdBins == "" {
					snapdBins = defaultEtcdBins()
				}
				if fi, err := os.Stat(snapdBins); err != nil || !fi.IsDir() {
					return fmt.Errorf("every machine runs snapd, which needs the etcd binaries in %s (make etcd-bins, or --etcd-bins DIR, or bootstrap --no-snapd)", snapdBins)
				}
				args = append(args, "--snapd", "--etcd-bins", snapdBins)
			}
			logf, err := os.OpenFile(filepath.Join(h, "controller.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			defer logf.Close()
			c := exec.Command(self, args...)
			c.Stdout, c.Stderr = logf, logf
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if err := c.Start(); err != nil {
				return fmt.Errorf("cannot start the controller: %w", err)
			}
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			deadline := time.Now().Add(20 * time.Second)
			for time.Now().Before(deadline) {
				if err := client().Call("status", nil, &st); err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "Bootstrapped jujusim controller (seed %d, isolation %s) in %s\n", seed, isolation, h)
					return nil
				}
				select {
				case <-exited:
					data, _ := os.ReadFile(filepath.Join(h, "controller.log"))
					return fmt.Errorf("the controller exited: %s", lastLine(string(data)))
				case <-time.After(50 * time.Millisecond):
				}
			}
			return fmt.Errorf("the controller did not answer within 20s (see %s)", filepath.Join(h, "controller.log"))
		},
	}
	f := cmd.Flags()
	f.Int64Var(&seed, "seed", 0, "seed of the hook scheduler (default: random, printed)")
	f.StringVar(&isolation, "isolation", "none", "none (loopback addresses) or netns (root only)")
	f.StringVar(&subnet, "subnet", "", "unit address range (default 127.0.1.0/24; netns 10.251.0.0/24)")
	f.StringVar(&jujucBin, "jujuc", "", "hook-tool binary (default: jujuc next to jujusim)")
	f.DurationVar(&updateStatus, "update-status-interval", 5*time.Minute, "update-status hook interval")
	f.DurationVar(&retry, "retry-backoff", 5*time.Second, "first failed-hook retry delay (doubles up to 5m)")
	f.BoolVar(&noSnapd, "no-snapd", false, "machines without snapd (by default every machine runs a fake snapd serving the etcd binaries)")
	f.BoolVar(&oldSnapd, "snapd", true, "")
	_ = f.MarkHidden("snapd") // accepted for old scripts: snapd is the default
	f.StringVar(&snapdBins, "etcd-bins", "", "etcd binaries for the fake store (default $ETCD_BINS, else ~/.cache/etcd-charm/etcd-bins)")
	f.IntVar(&concurrency, "concurrency", 1, "units running hooks at once (1 replays a seed exactly)")
	return cmd
}

// defaultEtcdBins is $ETCD_BINS, else the Makefile's default.
func defaultEtcdBins() string { return etcdbins.Dir() }

func lastLine(s string) string {
	lines := splitLines(s)
	if len(lines) == 0 {
		return "no output"
	}
	return lines[len(lines)-1]
}

func controllerCmd() *cobra.Command {
	var cfg controller.Config
	var snapd bool
	var etcdBins string
	cmd := &cobra.Command{
		Use:    "controller",
		Hidden: true,
		Args:   usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			if snapd {
				cfg.Snapd = []string{self, "snapd", "--bins", etcdBins}
			}
			// This binary is also every machine's snap, systemctl and
			// journalctl (see machinetools.go).
			cfg.MachineTools = self
			c, err := controller.New(cfg)
			if err != nil {
				return err
			}
			destroyed := make(chan struct{})
			c.OnDestroyed = func() { close(destroyed) }
			if err := c.Start(); err != nil {
				c.Close()
				return err
			}
			_ = os.WriteFile(filepath.Join(cfg.Home, controller.PIDFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
			select {
			case <-sig:
				return c.Close()
			case <-destroyed:
				return nil
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Home, "home", "", "")
	f.Int64Var(&cfg.Seed, "seed", 1, "")
	f.StringVar(&cfg.Isolation, "isolation", "none", "")
	f.StringVar(&cfg.Subnet, "subnet", "", "")
	f.StringVar(&cfg.JujucBinary, "jujuc", "", "")
	f.DurationVar(&cfg.UpdateStatusInterval, "update-status-interval", 0, "")
	f.DurationVar(&cfg.RetryBackoff, "retry-backoff", 0, "")
	f.IntVar(&cfg.Concurrency, "concurrency", 1, "")
	f.BoolVar(&snapd, "snapd", false, "")
	f.StringVar(&etcdBins, "etcd-bins", "", "")
	return cmd
}

func destroyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "destroy",
		Short: "Stop the controller and everything it started, and remove its state",
		Args:  usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := home()
			pidData, _ := os.ReadFile(filepath.Join(h, controller.PIDFile))
			if err := client().Call("destroy", nil, nil); err != nil {
				if !errors.Is(err, controller.ErrNoController) {
					return err
				}
				if _, statErr := os.Stat(filepath.Join(h, controller.ModelFile)); statErr != nil {
					return err
				}
				// The controller died: clean up what it left behind.
				c, err := controller.New(controller.Config{Home: h})
				if err != nil {
					return err
				}
				if err := c.Destroy(); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "Destroyed jujusim model in", h, "(the controller was not running)")
				return nil
			}
			pid, _ := strconv.Atoi(string(pidData))
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				_, statErr := os.Stat(h)
				alive := pid > 0 && syscall.Kill(pid, 0) == nil
				if errors.Is(statErr, os.ErrNotExist) && !alive {
					fmt.Fprintln(cmd.OutOrStdout(), "Destroyed jujusim controller in", h)
					return nil
				}
				time.Sleep(50 * time.Millisecond)
			}
			return fmt.Errorf("the controller did not finish destroying within 60s")
		},
	}
}
