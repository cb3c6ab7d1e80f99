package main

import (
	"bytes"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// watchStatus reruns status (the same flags, without --watch) every
// interval until interrupted, as `juju status --watch`: on a terminal the
// screen is cleared before each status; otherwise each status follows a
// blank line. An interrupt ends it with success.
func watchStatus(cmd *cobra.Command, interval time.Duration) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	w := cmd.OutOrStdout()
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	if err := cmd.Flags().Set("watch", "0"); err != nil {
		return err
	}
	for first := true; ; first = false {
		var buf bytes.Buffer
		cmd.SetOut(&buf)
		err := cmd.RunE(cmd, nil)
		cmd.SetOut(w)
		if err != nil {
			return err
		}
		switch {
		case tty:
			fmt.Fprint(w, "\033[H\033[2J")
		case !first:
			fmt.Fprintln(w)
		}
		_, _ = w.Write(buf.Bytes())
		select {
		case <-sig:
			return nil
		case <-time.After(interval):
		}
	}
}
