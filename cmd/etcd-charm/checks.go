package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcd-charm/etcd-charm/charm"
	"github.com/etcd-charm/etcd-charm/internal/etcd"
	"github.com/etcd-charm/etcd-charm/internal/snap"
	"github.com/etcd-charm/etcd-charm/workload"
)

// The NRPE check programs (installed by the nrpe-external-master
// relation as small scripts running `dispatch check-...`) follow the
// Nagios plugin rules: one line of output, exit 0 OK, 2 CRITICAL,
// 3 UNKNOWN.

// checkTimeout bounds one check: nrpe's own command timeout is 10 s.
const checkTimeout = 8 * time.Second

func checkCommands(ctx context.Context, getenv func(string) string, stdout io.Writer, code *int) []*cobra.Command {
	var writeCache bool
	alarms := &cobra.Command{
		Use:   "check-alarms",
		Short: "NRPE check: CRITICAL while etcd has raised alarms (layer-etcd's check_etcd-alarms)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			p := charm.PathsFromEnv(getenv)
			if writeCache {
				return writeAlarmCache(ctx, p)
			}
			*code = checkAlarms(ctx, p, stdout)
			return nil
		},
	}
	alarms.Flags().BoolVar(&writeCache, "write-cache", false, "refresh the alarm cache nrpe's unprivileged check reads (root's cron job)")
	service := &cobra.Command{
		Use:   "check-service [SERVICE]",
		Short: "NRPE check: CRITICAL unless the snap service (default snap.etcd.etcd) runs",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(ctx, checkTimeout)
			defer cancel()
			name := "snap." + charm.ServiceName
			if len(args) == 1 {
				name = args[0]
			}
			p := charm.PathsFromEnv(getenv)
			active, err := snap.New(p.SnapdSocket()).Active(ctx, strings.TrimPrefix(name, "snap."))
			if err != nil {
				fmt.Fprintf(stdout, "UNKNOWN: cannot ask snapd about %s: %v\n", name, err)
				*code = charm.NagiosUnknown
				return nil
			}
			c, line := charm.ServiceCheck(name, active)
			fmt.Fprintln(stdout, line)
			*code = c
			return nil
		},
	}
	return []*cobra.Command{alarms, service}
}

// errNoAccess: the check runs as a user that cannot read the client key
// (nrpe's nagios); root's cron leaves the listing in the cache for it.
var errNoAccess = errors.New("no access to the client credentials")

// alarmListing is what `etcdctl alarm list` prints for the local member
// (an error takes the alarms' place, as layer-etcd's cron captured
// etcdctl's stderr), asking etcd with the global client certificate.
func alarmListing(ctx context.Context, p charm.Paths) (string, error) {
	tls := etcd.TLS{CertFile: p.ClientCert(), KeyFile: p.ClientKey(), CAFile: p.CACert()}
	if _, err := os.ReadFile(tls.KeyFile); errors.Is(err, fs.ErrPermission) {
		return "", errNoAccess
	}
	conf, _, err := workload.ReadEtcdConfig(p)
	if err != nil {
		return "", err
	}
	url := conf.ClientURL()
	cl, err := etcd.Dial(ctx, []string{url}, tls)
	if err != nil {
		return fmt.Sprintf("cannot reach etcd at %s: %v", url, err), nil
	}
	defer cl.Close()
	alarms, err := cl.Alarms(ctx)
	if err != nil {
		return fmt.Sprintf("cannot list the alarms of etcd at %s: %v", url, err), nil
	}
	return strings.Join(charm.AlarmLines(alarms), "\n"), nil
}

func checkAlarms(ctx context.Context, p charm.Paths, stdout io.Writer) int {
	listing, err := alarmListing(ctx, p)
	if errors.Is(err, errNoAccess) {
		b, rerr := os.ReadFile(p.AlarmCache())
		if rerr != nil {
			fmt.Fprintf(stdout, "UNKNOWN: cannot read the alarm cache: %v\n", rerr)
			return charm.NagiosUnknown
		}
		listing, err = string(b), nil
	}
	if err != nil {
		fmt.Fprintf(stdout, "UNKNOWN: %v\n", err)
		return charm.NagiosUnknown
	}
	code, line := charm.AlarmCheck(listing)
	fmt.Fprintln(stdout, line)
	return code
}

func writeAlarmCache(ctx context.Context, p charm.Paths) error {
	listing, err := alarmListing(ctx, p)
	if err != nil {
		listing = err.Error()
	}
	if listing != "" {
		listing += "\n"
	}
	_, err = workload.WriteFile(p.AlarmCache(), []byte(listing), 0o644)
	return err
}
