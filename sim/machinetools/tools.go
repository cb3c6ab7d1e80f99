// Package machinetools is the `snap`, `systemctl` and `journalctl` of a
// jujusim machine. The jujusim binary is linked under those names into
// every machine's <root>/usr/bin, which comes before the host's
// directories on the PATH of hooks and `jujusim exec`, and runs Main when
// invoked by one of them (as cmd/jujuc is every hook tool). Every answer comes
// from THAT machine's fake snapd over <root>/run/snapd.socket, through the
// real snapd client library, with the real tools' output shapes and exit
// codes; nothing reaches the host's snapd or init system. What a jujusim
// machine cannot answer fails with a message saying so (exit 1).
package machinetools

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/snapcore/snapd/client"

	"github.com/etcd-charm/etcd-charm/sim/fsutil"
)

// Names are the tools this binary is linked as.
var Names = []string{"snap", "systemctl", "journalctl"}

// Env is what the tools read from their environment.
type Env struct {
	// Root is the machine root ($SNAPPY_GLOBAL_ROOT, which jujusim sets
	// for hooks and exec): the socket is <root>/run/snapd.socket.
	Root string
	// Machine is $JUJU_MACHINE_ID, for the host name journalctl prints.
	Machine string
	Stdout  io.Writer
	Stderr  io.Writer
}

// EnvFromOS reads Env from the process environment.
func EnvFromOS() Env {
	return Env{Root: os.Getenv("SNAPPY_GLOBAL_ROOT"), Machine: os.Getenv("JUJU_MACHINE_ID"), Stdout: os.Stdout, Stderr: os.Stderr}
}

// IsTool reports whether argv0 names one of the machine tools.
func IsTool(argv0 string) bool {
	name := filepath.Base(argv0)
	for _, n := range Names {
		if n == name {
			return true
		}
	}
	return false
}

// Main runs the tool named by argv[0] and returns its exit code.
func Main(argv []string, env Env) int {
	name := filepath.Base(argv[0])
	args := argv[1:]
	if env.Root == "" {
		fmt.Fprintf(env.Stderr, "%s: SNAPPY_GLOBAL_ROOT is not set: this %s answers only inside a jujusim machine (jujusim exec, or a hook)\n", name, name)
		return 1
	}
	sock := filepath.Join(env.Root, "run/snapd.socket")
	if _, err := os.Stat(sock); err != nil {
		// snapd's client would retry a GET for two minutes; a machine
		// bootstrapped with --no-snapd has no snapd to wait for.
		fmt.Fprintf(env.Stderr, "error: cannot communicate with server: dial unix %s: connect: no such file or directory (this jujusim machine runs no snapd: the model was bootstrapped with --no-snapd)\n", sock)
		return 1
	}
	t := &tools{env: env, cli: client.New(&client.Config{Socket: sock, DisableAuth: true})}
	switch name {
	case "snap":
		return t.snap(args)
	case "systemctl":
		return t.systemctl(args)
	case "journalctl":
		return t.journalctl(args)
	}
	fmt.Fprintf(env.Stderr, "%s: jujusim does not support this machine tool (it has %s)\n", name, strings.Join(Names, ", "))
	return 1
}

type tools struct {
	env Env
	cli *client.Client
}

// unsupported is the answer to anything a jujusim machine does not do.
func (t *tools) unsupported(tool, what string) int {
	fmt.Fprintf(t.env.Stderr, "error: jujusim does not support %q on its machines (%s supports: %s)\n", tool+" "+what, tool, supported[tool])
	return 1
}

var supported = map[string]string{
	"snap":       "list, info, get, set, unset, services, start, stop, restart, logs, install, refresh, remove",
	"systemctl":  "is-active, is-enabled, status, start, stop, restart, enable, disable, daemon-reload of snap.<snap>.<app> services",
	"journalctl": "-u snap.<snap>.<app> [-n N] [-f] [-o short|cat]",
}

// wait polls a change as the snap CLI does (cmd/snap/wait.go) and turns a
// change that did not end Done into its err text.
func (t *tools) wait(id string) error {
	for {
		chg, err := t.cli.Change(id)
		if err != nil {
			return err
		}
		if chg.Ready {
			if chg.Status == "Done" {
				return nil
			}
			if chg.Err != "" {
				return errors.New(chg.Err)
			}
			return fmt.Errorf("change finished in status %q with no error message", chg.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// snapError prints err the way the snap CLI does (cmd/snap/error.go):
// a few kinds are notices on stderr with exit 0, the rest "error: ..."
// with exit 1.
func (t *tools) snapError(err error, snapName string) int {
	var ce *client.Error
	if errors.As(err, &ce) {
		switch ce.Kind {
		case client.ErrorKindSnapAlreadyInstalled:
			fmt.Fprintf(t.env.Stderr, "snap %q is already installed, see 'snap help refresh'\n", snapName)
			return 0
		case client.ErrorKindSnapNoUpdateAvailable:
			fmt.Fprintf(t.env.Stderr, "snap %q has no updates available\n", snapName)
			return 0
		case client.ErrorKindSnapNotInstalled:
			fmt.Fprintln(t.env.Stderr, ce.Message)
			return 0
		case client.ErrorKindSnapLocal:
			fmt.Fprintf(t.env.Stderr, "error: local snap %q is unknown to the store, use --amend to proceed anyway\n", snapName)
			return 1
		case client.ErrorKindSnapNotFound:
			if snapName != "" {
				fmt.Fprintf(t.env.Stderr, "error: snap %q not found\n", snapName)
				return 1
			}
		case client.ErrorKindSnapChannelNotAvailable, client.ErrorKindSnapRevisionNotAvailable, client.ErrorKindSnapArchitectureNotAvailable:
			fmt.Fprintf(t.env.Stderr, "error: snap %q not available as specified (see 'snap info %s')\n", snapName, snapName)
			return 1
		}
		fmt.Fprintf(t.env.Stderr, "error: %s\n", ce.Message)
		return 1
	}
	fmt.Fprintf(t.env.Stderr, "error: %v\n", err)
	return 1
}

// Install links every tool name in dir (a machine's <root>/usr/bin) to
// binary, replacing links to an older build.
func Install(dir, binary string) error {
	return fsutil.LinkAll(dir, binary, Names, "machine tool")
}
